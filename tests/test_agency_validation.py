"""Bad directory input gets a clear Vietnamese error on the screen and a structured 400
on the API; nothing is saved, and an existing row stays exactly as it was."""

from __future__ import annotations

import pytest

from app.models import Agency, Department
from tests.directory_data import BINH_SON, STTTT, agency, count

CODE_ERROR = "Mã định danh phải có dạng ddd.dd.dd.Ldd"


def agency_form(**overrides) -> dict:
    form = {
        "code": "000.00.70.H48",
        "name": "Trung tâm Công nghệ thông tin và Truyền thông",
        "abbreviation": "TTCNTT",
        "kind": "unit",
        "place_name": "Quảng Ngãi",
        "official_email": "ttcntt@quangngai.gov.vn",
        "exchange_endpoint": "https://lienthong.quangngai.gov.vn/ttcntt",
        "active": "y",
    }
    form.update(overrides)
    return form


@pytest.mark.parametrize(
    "code",
    ["000.00.00.H4", "00.00.00.H48", "000-00-00-H48", "000.00.00.48H", "H48", "000.00.00.H480"],
)
def test_invalid_agency_code_is_refused_on_screen(web, code):
    before = count(Agency)
    page = web.login("quantri").submit("/agencyview/add", agency_form(code=code))
    assert page.status_code == 200
    assert CODE_ERROR in page.text
    assert count(Agency) == before


def test_duplicate_agency_code_is_refused_on_screen(web):
    before = count(Agency)
    page = web.login("quantri").submit("/agencyview/add", agency_form(code=BINH_SON))
    assert page.status_code == 200
    assert "Đã tồn tại" in page.text
    assert count(Agency) == before


def test_malformed_fields_are_refused_together_on_screen(web):
    before = count(Agency)
    form = agency_form(
        official_email="khong-phai-email", exchange_endpoint="ftp://x", abbreviation="UB ND"
    )
    page = web.login("quantri").submit("/agencyview/add", form)
    assert page.status_code == 200
    assert "Địa chỉ thư điện tử không hợp lệ" in page.text
    assert "phải bắt đầu bằng http:// hoặc https://" in page.text
    assert "Tên viết tắt chỉ gồm chữ cái và chữ số" in page.text
    assert count(Agency) == before


def test_valid_agency_is_created_and_code_normalised(web):
    response = web.login("quantri").submit(
        "/agencyview/add", agency_form(code="000.00.71.h48", name="Trung tâm Phục vụ hành chính công")
    )
    assert response.status_code == 302
    created = agency("000.00.71.H48")
    assert created.name == "Trung tâm Phục vụ hành chính công"
    assert created.can_exchange_externally


def test_agency_without_code_cannot_exchange_externally(api):
    response = api.login("quantri").post(
        "/api/v1/agency/",
        {"name": "Tổ công tác chưa có mã", "abbreviation": "TCT", "kind": "unit", "code": ""},
    )
    assert response.status_code == 201, response.text
    shown = api.get(f"/api/v1/agency/{response.json['id']}").json["result"]
    assert shown["code"] is None
    assert shown["can_exchange_externally"] is False


def test_failed_edit_leaves_agency_unchanged(web):
    target = agency(BINH_SON)
    original = (target.code, target.name, target.abbreviation)
    form = agency_form(code="sai-ma", name="Tên mới không được lưu", abbreviation="UBND")
    page = web.login("quantri").submit(f"/agencyview/edit/{target.id}", form)
    assert page.status_code == 200
    assert CODE_ERROR in page.text
    target = agency(BINH_SON)
    assert (target.code, target.name, target.abbreviation) == original


# --- REST API ---------------------------------------------------------------------------


def test_api_invalid_code_gets_structured_400(api):
    before = count(Agency)
    response = api.login("quantri").post(
        "/api/v1/agency/", {"code": "000.00.00.X4", "name": "Cơ quan thử", "abbreviation": "CQT", "kind": "unit"}
    )
    assert response.status_code == 400
    assert response.json["message"] == "Dữ liệu không hợp lệ."
    assert CODE_ERROR in response.json["errors"]["code"][0]
    assert count(Agency) == before


def test_api_duplicate_code_gets_structured_400(api):
    before = count(Agency)
    response = api.login("quantri").post(
        "/api/v1/agency/", {"code": STTTT, "name": "Sở trùng mã", "abbreviation": "STM", "kind": "department"}
    )
    assert response.status_code == 400
    assert response.json["errors"]["code"] == ["Đã tồn tại."]
    assert count(Agency) == before


def test_api_malformed_types_get_structured_400(api):
    before = count(Agency)
    response = api.login("quantri").post(
        "/api/v1/agency/", {"code": 123, "name": None, "kind": "planet", "active": "maybe"}
    )
    assert response.status_code == 400
    assert {"code", "kind", "active"} <= set(response.json["errors"])
    assert count(Agency) == before


def test_api_failed_edit_leaves_agency_unchanged(api):
    target = agency(BINH_SON)
    original = (target.code, target.name, target.official_email)
    response = api.login("quantri").put(
        f"/api/v1/agency/{target.id}",
        {"name": "Tên mới không được lưu", "official_email": "sai@", "parent": target.id},
    )
    assert response.status_code == 400
    assert set(response.json["errors"]) == {"official_email", "parent"}
    target = agency(BINH_SON)
    assert (target.code, target.name, target.official_email) == original


def test_api_not_json_is_refused(api):
    response = api.login("quantri").client.post(
        "/api/v1/agency/", data="code=1", headers=api.headers
    )
    assert response.status_code == 400


def test_department_name_unique_within_agency(api):
    api.login("qtcq.binhson")
    before = count(Department)
    response = api.post("/api/v1/department/", {"name": "Phòng Nội vụ", "abbreviation": "NV"})
    assert response.status_code == 400
    assert response.json["errors"]["name"] == ["Cơ quan đã có phòng, ban trùng tên này."]
    assert count(Department) == before
    # The same name in another agency is fine: Sở TT&TT gets its own "Phòng Nội vụ".
    response = api.login("qtcq.stttt").post(
        "/api/v1/department/", {"name": "Phòng Nội vụ", "abbreviation": "NV", "agency": agency(BINH_SON).id}
    )
    assert response.status_code == 201, response.text
    shown = api.get(f"/api/v1/department/{response.json['id']}").json["result"]
    assert shown["agency"]["id"] == agency(STTTT).id  # forced to the caller's agency
