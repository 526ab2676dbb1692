"""Vietnamese by default, English on request; Flask-AppBuilder's and WTForms' own strings
are in our catalogue; dates as dd/mm/yyyy in Vietnam time."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import flask_appbuilder
from babel.messages.pofile import read_po

from app.i18n import format_date, format_datetime

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "app" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


def test_login_page_is_vietnamese_by_default(web):
    page = web.get("/login/")
    assert page.status_code == 200
    assert "Đăng nhập" in page.text
    assert "Mật khẩu" in page.text
    assert "Sign In" not in page.text


def test_language_switch_to_english_and_back(web):
    web.login("vanthu.binhson")
    web.get("/lang/en")
    page = web.get("/users/list/")
    assert "Users" in page.text and "Người dùng" not in page.text
    web.get("/lang/vi")
    page = web.get("/users/list/")
    assert "Người dùng" in page.text


def test_catalogue_translates_every_flask_appbuilder_string(tmp_path):
    """Extract FAB's strings from the installed package now and check each one has a
    Vietnamese translation, so a FAB upgrade that adds strings fails here."""
    pot = tmp_path / "fab.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "extract", "-F",
         str(ROOT / "babel.cfg"), "-k", "lazy_gettext", "-k", "_", "-k", "gettext",
         "-o", str(pot), os.path.dirname(flask_appbuilder.__file__)],
        check=True, capture_output=True,
    )
    fab_ids = {m.id for m in read_po(pot.open("rb")) if m.id}
    catalogue = read_po(CATALOGUE.open("rb"), locale="vi")
    untranslated = sorted(
        str(i) for i in fab_ids
        if i not in catalogue or not catalogue[i].string or catalogue[i].fuzzy
    )
    assert len(fab_ids) > 100
    assert untranslated == []


def test_catalogue_is_complete_and_keeps_placeholders():
    catalogue = read_po(CATALOGUE.open("rb"), locale="vi")
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            problems.append(("untranslated", ids[0]))
            continue
        if sorted(placeholder.findall(ids[0])) != sorted(placeholder.findall(strings[0])):
            problems.append(("placeholders", ids[0]))
    assert problems == []


def test_wtforms_messages_are_vietnamese(web):
    """A too-long value is refused in Vietnamese (WTForms' own message)."""
    page = web.login("quantri").submit(
        "/agencyview/add",
        {"code": "000.00.00.H48-THUA", "name": "X", "abbreviation": "X", "kind": "unit"},
    )
    assert "Trường này không được dài quá 13 ký tự." in page.text


def test_dates_are_shown_dd_mm_yyyy_in_vietnam_time(app):
    # 2026-01-31 18:30 UTC is already 1 February 01:30 in Hồ Chí Minh City.
    stored = dt.datetime(2026, 1, 31, 18, 30)
    assert format_datetime(stored) == "01/02/2026 01:30"
    assert format_date(stored) == "01/02/2026"
    assert format_date(dt.date(2026, 3, 5)) == "05/03/2026"
    assert format_date(None) == ""


def test_user_page_shows_dates_in_vietnamese_form(web, db_session):
    from tests.directory_data import account

    web.login("quantri")
    target = account("vanthu.binhson")
    target.created_on = dt.datetime(2026, 1, 31, 18, 30)
    db_session.commit()
    page = web.get(f"/users/show/{target.id}")
    assert "01/02/2026 01:30" in page.text


def test_error_pages_are_vietnamese_inside_the_layout(web):
    web.login("vanthu.binhson")
    page = web.get("/users/show/999999")
    assert page.status_code == 404
    assert "Trang không tồn tại hoặc thuộc cơ quan khác." in page.text
    assert "Về trang chủ" in page.text and "Danh mục" in page.text  # menu still there


def test_api_errors_stay_json(api):
    response = api.login("vanthu.binhson").get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.is_json


def test_lists_show_yes_no_and_blank_not_python_values(web):
    page = web.login("vanthu.binhson").get("/users/list/")
    cells = [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", page.text, re.S)]
    assert "vanthu.binhson" in cells and "Có" in cells  # "Đang hoạt động" shown as Có
    assert "" in cells  # lanhdao.binhson has no department: a blank cell
    assert not {"None", "True", "False"} & set(cells)


def test_navbar_shows_name_in_vietnamese_order(web):
    page = web.login("vanthu.binhson").get("/")
    assert "Phan Thị Kim" in page.text
    assert "Thị Kim Phan" not in page.text
