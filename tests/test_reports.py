"""Registers and reports (NĐ 30/2020 Phụ lục IV): documents built through the services
in March 2024 (a year no other test uses, so số đến start at 01), then printed as PDF
and XLSX: rows in register and number order, Vietnamese intact, A4 landscape with the
DejaVu font embedded, the period and the agency respected, through the screen too."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app import db
from app.i18n import format_date, local_today
from app.models import AssignmentRole, Direction, IncomingDocument, OutgoingDocument, Register
from app.registry import incoming, outgoing
from app.reports import layouts, pdf, queries, xlsx
from app.reports.layouts import Column, Report, Table
from app.reports.queries import Period, Scope
from app.routing import assignments
from app.routing.assignments import Target
from tests.directory_data import BINH_SON, STTTT, account, agency, department
from tests.registry_data import doc_type, paper_incoming

MARCH = Period(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
APRIL_8 = dt.date(2024, 4, 8)  # "today" for the deadlines of March
NOI_VU, TAI_CHINH, VAN_PHONG = ("Phòng Nội vụ", "Phòng Tài chính - Kế hoạch",
                                "Văn phòng HĐND và UBND huyện")
SUBJECTS = {
    "d1": "Về việc rà soát hồ sơ đất đai năm 2024",
    "d2": "Về việc báo cáo tình hình kinh tế – xã hội quý I năm 2024",
    "d3": "Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
    "d4": "Về việc cử cán bộ dự tập huấn chuyển đổi số",
    "d5": "Về việc góp ý dự thảo Quy chế làm việc của UBND huyện",
    "april": "Về việc kiểm tra công tác văn thư, lưu trữ năm 2024",
    "petition": "Đơn đề nghị giải quyết tranh chấp ranh giới đất ở thôn Phú Long",
    "stttt": "Về việc thử nghiệm nền tảng số dùng riêng của Sở",
    "o1": "Về việc thành lập Tổ công tác chuyển đổi số huyện Bình Sơn",
    "o2": "Về việc báo cáo kết quả rà soát hồ sơ đất đai",
    "o3": "Về lịch tiếp công dân định kỳ tháng 12",
    "o_stttt": "Kế hoạch ứng dụng công nghệ thông tin của Sở năm 2027",
}
PDF_MIME = "application/pdf"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Scenario:
    today: dt.date  # the day the outgoing documents were issued
    reply_due: dt.date
    petitions_register_id: int
    o1: str  # số, ký hiệu as issued
    o2: str
    o3: str
    before: dict  # outgoing handling per type before the scenario, on two days
    before_late: dict


ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def registered(agency_code: str, subject: str, arrival: dt.date, register_id=None, **fields):
    document = incoming.receive(db.session, paper_incoming(agency_code, subject, **fields))
    incoming.register(db.session, document, register_id, arrival)
    db.session.commit()
    return document


def issued(agency_code: str, subject: str, type_name: str, agencies=(), external=(),
           **fields) -> OutgoingDocument:
    """Draft → review → approval → issuance → sending, as the văn thư does it."""
    head = account("lanhdao.binhson" if agency_code == BINH_SON else "lanhdao.stttt")
    document = OutgoingDocument(agency_id=agency(agency_code).id, subject=subject,
                                document_type=doc_type(type_name), page_count=1, **fields)
    outgoing.save_draft(db.session, document)
    outgoing.transition(db.session, document, "submit")
    outgoing.transition(db.session, document, "approve", signer=head)
    outgoing.issue(db.session, document)
    outgoing.send(db.session, document, agencies, external)
    db.session.commit()
    return document


def outgoing_counts(today: dt.date) -> dict:
    report = queries.outgoing_handling(db.session, Scope(agency(BINH_SON).id),
                                       Period(local_today(), local_today()), today)
    return {row.type_name: asdict(row) for row in report.types}


def build_incoming() -> int:
    """Văn bản đến of March 2024 in Bình Sơn; returns the second register's id."""
    noi_vu, tai_chinh = department(BINH_SON, NOI_VU), department(BINH_SON, TAI_CHINH)
    d1 = registered(BINH_SON, SUBJECTS["d1"], dt.date(2024, 3, 4),
                    author="Sở Tài nguyên và Môi trường", code_number="101",
                    code_notation="STNMT-QLĐĐ", document_date=dt.date(2024, 3, 1),
                    due_date=dt.date(2024, 3, 15))
    d2 = registered(BINH_SON, SUBJECTS["d2"], dt.date(2024, 3, 5),
                    author="Ủy ban nhân dân tỉnh Quảng Ngãi", code_number="55",
                    code_notation="UBND-THKT", due_date=dt.date(2024, 3, 29))
    d3 = registered(BINH_SON, SUBJECTS["d3"], dt.date(2024, 3, 11),
                    author="Ủy ban MTTQ Việt Nam huyện Bình Sơn", code_number="12",
                    code_notation="MTTQ-BTT")
    d4 = registered(BINH_SON, SUBJECTS["d4"], dt.date(2024, 3, 12))
    registered(BINH_SON, SUBJECTS["d5"], dt.date(2024, 3, 20), to_places=VAN_PHONG,
               description="Bản giấy lưu tại Văn phòng")
    registered(BINH_SON, SUBJECTS["april"], dt.date(2024, 4, 2))
    registered(STTTT, SUBJECTS["stttt"], dt.date(2024, 3, 7))

    lead1, _ = assignments.assign(db.session, d1, "Phòng Nội vụ chủ trì", [
        Target(AssignmentRole.lead, department=noi_vu, deadline=dt.date(2024, 3, 15)),
        Target(AssignmentRole.cooperate, department=tai_chinh, deadline=dt.date(2024, 3, 14)),
    ])
    (lead2,) = assignments.assign(db.session, d2, None, [
        Target(AssignmentRole.lead, department=tai_chinh, deadline=dt.date(2024, 3, 29))])
    (lead3,) = assignments.assign(db.session, d3, None, [
        Target(AssignmentRole.lead, department=noi_vu)])
    (lead4,) = assignments.assign(db.session, d4, None, [
        Target(AssignmentRole.lead, user=account("chuyenvien.binhson"))])
    db.session.commit()
    assignments.record_progress(db.session, lead2, "Đang tổng hợp số liệu")
    assignments.record_progress(db.session, lead4, "Đã lập danh sách")
    assignments.complete(db.session, lead1, "Đã báo cáo")
    assignments.complete(db.session, lead3, "Đã tổ chức")
    db.session.commit()

    petitions = Register(agency_id=agency(BINH_SON).id, direction=Direction.incoming,
                         year=2024, name="Sổ đăng ký đơn thư", is_default=False,
                         last_number=0, active=True)
    db.session.add(petitions)
    db.session.commit()
    registered(BINH_SON, SUBJECTS["petition"], dt.date(2024, 3, 6), petitions.id,
               author="Ông Nguyễn Văn Ba", code_number=None, code_notation=None,
               due_date=dt.date(2024, 3, 30))
    return petitions.id


@pytest.fixture(scope="module")
def scenario(app) -> Scenario:
    with app.app_context():
        petitions_id = build_incoming()
        today = local_today()
        reply_due = today + dt.timedelta(days=30)
        before = outgoing_counts(today)
        before_late = outgoing_counts(reply_due + dt.timedelta(days=1))
        stttt = agency(STTTT)
        d1 = db.session.query(IncomingDocument).filter_by(subject=SUBJECTS["d1"]).one()
        o1 = issued(BINH_SON, SUBJECTS["o1"], "Quyết định", [stttt], [("Bộ Nội vụ", None)],
                    drafting_department=department(BINH_SON, VAN_PHONG), issued_amount=5,
                    description="Lưu hồ sơ Tổ công tác")
        o2 = issued(BINH_SON, SUBJECTS["o2"], "Công văn", [stttt],
                    [("Sở Nội vụ tỉnh Quảng Ngãi", None)],
                    drafting_department=department(BINH_SON, NOI_VU), response_for_id=d1.id,
                    due_date=reply_due)
        o3 = issued(BINH_SON, SUBJECTS["o3"], "Thông báo",
                    drafting_department=department(BINH_SON, VAN_PHONG))
        outgoing.cancel(db.session, o3, "Ban hành nhầm số")
        db.session.commit()
        issued(STTTT, SUBJECTS["o_stttt"], "Kế hoạch")
        # The Sở handles Bình Sơn's công văn to the end: 06 Hoàn thành.
        received = next(r.incoming for r in o2.recipients if r.agency_id == stttt.id)
        incoming.register(db.session, received)
        (part,) = assignments.assign(db.session, received, None, [Target(
            AssignmentRole.lead, department=department(STTTT, "Phòng Công nghệ thông tin"))])
        assignments.complete(db.session, part)
        db.session.commit()
        result = Scenario(today, reply_due, petitions_id, o1.number_display,
                          o2.number_display, o3.number_display, before, before_late)
        db.session.remove()
    return result


@pytest.fixture
def vietnamese(app):
    """Reports are built in a request (the language of the user)."""
    with app.test_request_context():
        yield


def build(kind: str, period: Period = MARCH, today: dt.date = APRIL_8, register_id=None,
          scope: Scope | None = None) -> Report:
    scope = scope or Scope(agency(BINH_SON).id)
    return layouts.build(kind, layouts.Request(db.session, scope, period, today, register_id))


def pdf_text(data: bytes) -> str:
    """All pages' text, blanks folded (a cell wraps over several lines)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def positions(text: str, needles) -> list[int]:
    found = [text.find(needle) for needle in needles]
    assert -1 not in found, [n for n, at in zip(needles, found, strict=True) if at == -1]
    return found


def in_order(text: str, needles) -> bool:
    found = positions(text, needles)
    return found == sorted(found)


def sheet_rows(data: bytes, index: int = 0) -> tuple[list[tuple], object]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[index]
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()], sheet


# --- Sổ đăng ký văn bản đến ---------------------------------------------------------------


def test_incoming_register_pdf_lists_the_period_in_register_and_number_order(scenario, vietnamese):
    text = pdf_text(pdf.render(build("incoming_register")))
    assert "ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN" in text
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text
    assert "Từ ngày 01/03/2024 đến ngày 31/03/2024" in text
    for header in ("Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng văn bản",
                   "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ngày chuyển",
                   "Ký nhận", "Ghi chú", "(10)"):
        assert header in text
    main_book = ["04/03/2024 01 Sở Tài nguyên và Môi trường 101/STNMT-QLĐĐ",
                 "05/03/2024 02", "11/03/2024 03", "12/03/2024 04", "20/03/2024 05"]
    assert in_order(text, main_book + ["Sổ đăng ký đơn thư (2024)", "06/03/2024 01"])
    assert in_order(text, [SUBJECTS[k] for k in ("d1", "d2", "d3", "d4", "d5", "petition")])
    # Lead first, then the co-operating unit; to_places when nobody was assigned.
    assert f"{NOI_VU} {TAI_CHINH}" in text and VAN_PHONG in text
    assert "Trương Văn Long" in text  # the officer given document 04 directly
    assert "Bản giấy lưu tại Văn phòng" in text
    assert SUBJECTS["april"] not in text and SUBJECTS["stttt"] not in text


def test_pdf_is_a4_landscape_with_the_dejavu_font_embedded(scenario, vietnamese):
    reader = PdfReader(io.BytesIO(pdf.render(build("incoming_register"))))
    page = reader.pages[0]
    assert abs(float(page.mediabox.width) - 842) < 1 and abs(float(page.mediabox.height) - 595) < 1
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    names = [str(font["/BaseFont"]) for font in fonts]
    embedded = [str(font["/BaseFont"]) for font in fonts if "/FontDescriptor" in font
                and "/FontFile2" in font["/FontDescriptor"].get_object()]
    assert embedded == names, names  # no font the reader would have to supply
    assert any(name.endswith("+DejaVuSans") for name in names), names
    assert any(name.endswith("+DejaVuSans-Bold") for name in names), names
    assert "Trang 1/" in page.extract_text()


def test_a_long_register_repeats_its_header_on_every_page(scenario, vietnamese):
    rows = [(dt.date(2024, 3, 4), n, "Sở Tài chính", f"{n}/STC", None, "Công văn: Về việc thử",
             "", None, "", "") for n in range(1, 120)]
    columns = layouts.columns(*layouts.INCOMING_REGISTER)
    report = Report("so", "Sổ đăng ký văn bản đến", "Ủy ban nhân dân huyện Bình Sơn", MARCH,
                    (Table(columns, rows),))
    reader = PdfReader(io.BytesIO(pdf.render(report)))
    assert len(reader.pages) > 2
    for number, page in enumerate(reader.pages, 1):
        text = " ".join(page.extract_text().split())
        assert "Tên loại và trích yếu nội dung" in text and "(1) (2) (3)" in text
        assert f"Trang {number}/{len(reader.pages)}" in text


def test_incoming_register_xlsx_holds_headers_real_dates_and_rows_in_order(scenario, vietnamese):
    data = xlsx.render(build("incoming_register"))
    rows, sheet = sheet_rows(data)
    assert rows[0][0] == "ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN"
    assert rows[1][0] == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
    assert rows[2][0] == "Từ ngày 01/03/2024 đến ngày 31/03/2024"
    header_at = next(i for i, row in enumerate(rows) if row[0] == "Ngày đến")
    assert rows[header_at] == (
        "Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng văn bản",
        "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ngày chuyển",
        "Ký nhận", "Ghi chú")
    assert rows[header_at + 1] == tuple(f"({n})" for n in range(1, 11))
    body = rows[header_at + 2:]
    assert [row[1] for row in body] == [1, 2, 3, 4, 5]
    assert [row[5] for row in body] == [
        "Công văn: " + SUBJECTS[k] for k in ("d1", "d2", "d3", "d4", "d5")]
    first = sheet.cell(row=header_at + 3, column=1)
    assert first.value == dt.datetime(2024, 3, 4) and first.number_format == "DD/MM/YYYY"
    assert sheet.cell(row=header_at + 3, column=2).number_format == "00"
    assert body[0][6] == f"{NOI_VU}\n{TAI_CHINH}"
    assert sheet.cell(row=header_at + 3, column=6).alignment.wrap_text
    assert sheet.freeze_panes == f"A{header_at + 3}"
    assert sheet.column_dimensions["F"].width == 36
    assert sheet.print_title_rows == f"${header_at + 1}:${header_at + 2}"
    petitions, _ = sheet_rows(data, 1)
    assert petitions[3][0] == "Sổ đăng ký đơn thư (2024)"
    assert [row[5] for row in petitions if row[1] == 1] == ["Công văn: " + SUBJECTS["petition"]]


def test_one_register_can_be_printed_alone(scenario, vietnamese):
    text = pdf_text(pdf.render(build("incoming_register",
                                     register_id=scenario.petitions_register_id)))
    assert SUBJECTS["petition"] in text and "Sổ đăng ký đơn thư (2024)" in text
    assert SUBJECTS["d1"] not in text


def test_the_period_excludes_documents_outside_it(scenario, vietnamese):
    april = build("incoming_register", Period(dt.date(2024, 4, 1), dt.date(2024, 4, 30)))
    text = pdf_text(pdf.render(april))
    assert SUBJECTS["april"] in text and SUBJECTS["d5"] not in text
    empty = pdf_text(pdf.render(build("incoming_register",
                                      Period(dt.date(2024, 1, 1), dt.date(2024, 1, 31)))))
    assert "Không có văn bản nào trong khoảng thời gian này." in empty


# --- Sổ đăng ký văn bản đi ----------------------------------------------------------------


def test_outgoing_register_shows_every_number_with_the_cancelled_one(scenario, vietnamese):
    today = Period(scenario.today, scenario.today)
    text = pdf_text(pdf.render(build("outgoing_register", today)))
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in text
    for header in ("Số, ký hiệu văn bản", "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu",
                   "Số lượng bản"):
        assert header in text
    assert in_order(text, [f"{scenario.o1} {format_date(scenario.today)} Quyết định: "
                           f"{SUBJECTS['o1']}", scenario.o2, scenario.o3])
    assert "Đã hủy: Ban hành nhầm số" in text
    assert SUBJECTS["o_stttt"] not in text
    rows, _ = sheet_rows(xlsx.render(build("outgoing_register", today)))
    (o1,) = [row for row in rows if row[0] == scenario.o1]
    assert o1[3] == "Ngô Minh Hải"  # signer: the head who approved it
    assert o1[4] == "Sở Thông tin và Truyền thông\nBộ Nội vụ"
    assert (o1[5], o1[6], o1[9]) == (VAN_PHONG, 5, "Lưu hồ sơ Tổ công tác")
    assert o1[7] == dt.datetime.combine(scenario.today, dt.time())
    yesterday = scenario.today - dt.timedelta(days=1)
    earlier = pdf_text(pdf.render(build("outgoing_register", Period(yesterday, yesterday))))
    assert SUBJECTS["o1"] not in earlier


# --- Sổ theo dõi giải quyết văn bản đến -------------------------------------------------------


def test_follow_up_book_shows_deadlines_progress_and_replies(scenario, vietnamese):
    rows, _ = sheet_rows(xlsx.render(build("incoming_follow_up")))
    header_at = next(i for i, row in enumerate(rows) if row[0] == "Số đến")
    assert rows[header_at] == (
        "Số đến", "Tên loại, số, ký hiệu, ngày tháng và cơ quan ban hành",
        "Đơn vị hoặc người nhận", "Thời hạn giải quyết", "Tiến độ giải quyết",
        "Số, ký hiệu văn bản trả lời", "Ghi chú")
    body = {row[0]: row for row in rows[header_at + 2:]}
    assert sorted(body) == [1, 2, 3, 4]  # 05 has neither deadline nor assignment
    assert body[1][1] == (f"Công văn số 101/STNMT-QLĐĐ ngày 01/03/2024 của Sở Tài nguyên và "
                          f"Môi trường\n{SUBJECTS['d1']}")
    late = (scenario.today - dt.date(2024, 3, 15)).days
    assert body[1][4] == f"Hoàn thành {format_date(scenario.today)}, quá hạn {late} ngày"
    assert body[1][5] == scenario.o2
    assert body[1][3] == dt.datetime(2024, 3, 15)
    assert body[2][4] == "Quá hạn 10 ngày"
    assert body[3][4] == f"Hoàn thành {format_date(scenario.today)}"
    assert body[4][4] == "Đang xử lý" and body[4][2] == "Trương Văn Long"
    text = pdf_text(pdf.render(build("incoming_follow_up")))
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in text
    assert in_order(text, [SUBJECTS["d1"], SUBJECTS["d2"], SUBJECTS["d3"], SUBJECTS["d4"],
                           SUBJECTS["petition"]])


# --- Báo cáo tình hình giải quyết -----------------------------------------------------------


def test_incoming_handling_counts_per_lead_unit_and_lists_the_overdue(scenario, vietnamese):
    rows, _ = sheet_rows(xlsx.render(build("incoming_handling")))
    header_at = next(i for i, row in enumerate(rows) if row[0] == "STT")
    assert rows[header_at][1:] == (
        "Đơn vị", "Tổng số văn bản nhận", "Đã giải quyết đúng hạn", "Đã giải quyết quá hạn",
        "Đang giải quyết trong hạn", "Đang giải quyết quá hạn")
    counts = {row[1]: row[2:] for row in rows[header_at + 2:]}
    assert counts[NOI_VU] == (2, 1, 1, 0, 0)
    assert counts[TAI_CHINH] == (1, 0, 0, 0, 1)
    assert counts[VAN_PHONG] == (0, 0, 0, 0, 0)
    assert counts["Giao trực tiếp cho cá nhân"] == (1, 0, 0, 1, 0)
    assert counts["Chưa phân công"] == (2, 0, 0, 1, 1)  # 05, and the petition past its deadline
    assert counts["Tổng cộng"] == (6, 1, 1, 2, 2)
    overdue, _ = sheet_rows(xlsx.render(build("incoming_handling")), 1)
    listed = [row for row in overdue if isinstance(row[0], int)]
    assert [(row[4], row[5], row[7]) for row in listed] == [
        (SUBJECTS["d2"], TAI_CHINH, 10), (SUBJECTS["petition"], "Chưa phân công", 9)]
    text = pdf_text(pdf.render(build("incoming_handling")))
    assert "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐẾN" in text
    assert in_order(text, ["Tổng cộng 6 1 1 2 2", "Danh sách văn bản quá hạn", SUBJECTS["d2"],
                           SUBJECTS["petition"]])


def test_outgoing_handling_counts_per_document_type(scenario, vietnamese):
    def delta(before: dict, today: dt.date) -> dict:
        after = outgoing_counts(today)
        zero = dict.fromkeys(next(iter(after.values())), 0)
        return {name: tuple(value - before.get(name, zero)[key]
                            for key, value in row.items() if key != "type_name")
                for name, row in after.items()}

    now = delta(scenario.before, scenario.today)
    # issued, sent, recipients, completed (06), still open, replies expected, overdue
    assert now["Quyết định"] == (1, 1, 2, 0, 2, 0, 0)
    assert now["Công văn"] == (1, 1, 2, 1, 1, 1, 0)
    assert now.get("Thông báo", (0,) * 7) == (0,) * 7  # cancelled: not counted as issued
    later = delta(scenario.before_late, scenario.reply_due + dt.timedelta(days=1))
    assert later["Công văn"][6] == 1  # the outside recipient has not answered
    today = Period(scenario.today, scenario.today)
    rows, _ = sheet_rows(xlsx.render(build("outgoing_handling", today, scenario.today)))
    header_at = next(i for i, row in enumerate(rows) if row[0] == "STT")
    assert rows[header_at][1:] == (
        "Loại văn bản", "Số văn bản phát hành", "Gửi điện tử", "Số nơi nhận",
        "Nơi nhận đã hoàn thành (06)", "Nơi nhận chưa hoàn thành", "Văn bản yêu cầu trả lời",
        "Quá hạn trả lời")
    assert rows[-1][1] == "Tổng cộng"
    assert rows[-1][2] == sum(row[2] for row in rows[header_at + 2:-1])


# --- Scope ---------------------------------------------------------------------------------


def test_another_agencys_documents_never_appear(scenario, vietnamese):
    stttt = Scope(agency(STTTT).id)
    text = pdf_text(pdf.render(build("incoming_register", scope=stttt)))
    assert SUBJECTS["stttt"] in text and "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in text
    assert not any(SUBJECTS[k] in text for k in ("d1", "d2", "d5", "petition"))
    today = Period(scenario.today, scenario.today)
    theirs = pdf_text(pdf.render(build("outgoing_register", today, scope=stttt)))
    assert SUBJECTS["o_stttt"] in theirs and SUBJECTS["o1"] not in theirs
    # A register of another agency chosen by id gives nothing of it.
    foreign = build("incoming_register", register_id=scenario.petitions_register_id, scope=stttt)
    assert all(not table.rows for table in foreign.tables)


# --- The screen ----------------------------------------------------------------------------


def form(**overrides) -> dict:
    return {"kind": "incoming_register", "date_from": "01/03/2024", "date_to": "31/03/2024",
            "register": "", "file_format": "pdf", **overrides}


def keep_for_review(data: bytes, name: str) -> None:
    """Printed outputs land beside the screenshots (tests/artifacts/) to be looked at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)


def test_clerk_downloads_the_register_as_pdf_and_xlsx(scenario, web):
    web.login("vanthu.binhson")
    page = web.get("/reports/")
    assert page.status_code == 200 and "Sổ đăng ký văn bản đến" in page.text
    assert "Sổ và báo cáo" in web.get("/").text  # the menu entry
    response = web.submit("/reports/", form())
    assert response.status_code == 200 and response.mimetype == PDF_MIME
    assert ("filename=so-dang-ky-van-ban-den_2024-03-01_2024-03-31.pdf"
            in response.headers["Content-Disposition"])
    assert "no-store" in response.headers["Cache-Control"]
    assert in_order(pdf_text(response.data), [SUBJECTS["d1"], SUBJECTS["d2"]])
    keep_for_review(response.data, "report-incoming-register.pdf")
    response = web.submit("/reports/", form(kind="incoming_handling", file_format="xlsx"))
    assert response.mimetype == XLSX_MIME
    assert ("filename=bao-cao-tinh-hinh-giai-quyet-van-ban-den_2024-03-01_2024-03-31.xlsx"
            in response.headers["Content-Disposition"])
    rows, _ = sheet_rows(response.data)
    assert any(row[1] == "Tổng cộng" for row in rows)


def test_bad_input_is_refused_in_vietnamese(scenario, web):
    web.login("vanthu.binhson")
    page = web.submit("/reports/", form(date_from="31/03/2024", date_to="01/03/2024"))
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "Ngày kết thúc không được trước ngày bắt đầu." in page.text
    page = web.submit("/reports/", form(date_from="31/02/2024"))
    assert "Ngày không hợp lệ." in page.text
    outgoing_register = db.session.query(Register).filter_by(
        agency_id=agency(BINH_SON).id, direction=Direction.outgoing).first()
    page = web.submit("/reports/", form(register=str(outgoing_register.id)))
    assert "Chọn sổ đăng ký văn bản đến cho sổ, báo cáo này." in page.text


def test_a_register_of_another_agency_cannot_be_posted(scenario, web):
    foreign = db.session.query(Register).filter_by(agency_id=agency(STTTT).id).first()
    page = web.login("vanthu.binhson").submit("/reports/", form(register=str(foreign.id)))
    assert page.mimetype == "text/html" and "Lựa chọn không hợp lệ." in page.text


def test_department_head_sees_their_department_only(scenario, web):
    web.login("truongphong.binhson")  # Phòng Nội vụ
    page = web.get("/reports/")
    assert "chỉ thấy văn bản của phòng mình" in page.text
    text = pdf_text(web.submit("/reports/", form()).data)
    # 01 and 03 led by the unit, 04 given to one of its officers; 02 went elsewhere.
    assert in_order(text, [SUBJECTS["d1"], SUBJECTS["d3"], SUBJECTS["d4"]])
    assert not any(SUBJECTS[k] in text for k in ("d2", "d5", "petition"))
    rows, _ = sheet_rows(web.submit("/reports/", form(kind="incoming_handling",
                                                       file_format="xlsx")).data)
    units = [row[1] for row in rows if isinstance(row[0], int)]
    assert units == [NOI_VU]


def test_a_user_without_the_permission_is_refused(scenario, web):
    web.login("chuyenvien.binhson")  # Officer: no Report permission
    assert web.get("/reports/").status_code in (302, 403)
    response = web.client.post("/reports/", data={**form(), "csrf_token": web.csrf()})
    assert response.status_code in (302, 403) and response.mimetype != PDF_MIME


# --- Efficiency --------------------------------------------------------------------------


def statements_for(function, *args) -> int:
    """How many SQL statements ``function(*args)`` runs, from a fresh session."""
    from sqlalchemy import event

    db.session.expire_all()
    issued_sql: list[str] = []

    def count(conn, cursor, statement, *args):
        issued_sql.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        function(*args)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(issued_sql)


def test_queries_do_not_grow_with_the_number_of_documents(scenario):
    scope, one_day = Scope(agency(BINH_SON).id), Period(dt.date(2024, 3, 4), dt.date(2024, 3, 4))
    for report in (lambda period: queries.incoming_register(db.session, scope, period),
                   lambda period: queries.incoming_follow_up(db.session, scope, period, APRIL_8),
                   lambda period: queries.incoming_handling(db.session, scope, period, APRIL_8)):
        assert statements_for(report, one_day) == statements_for(report, MARCH)
    # Văn bản đi: the documents, then one statement per related table, whatever the rows.
    today = Period(scenario.today, scenario.today)
    assert statements_for(lambda: queries.outgoing_register(db.session, scope, today)) <= 5
    assert statements_for(lambda: queries.outgoing_handling(db.session, scope, today,
                                                            scenario.today)) <= 5


# --- Rendering details ---------------------------------------------------------------------


def test_text_never_becomes_a_spreadsheet_formula(vietnamese):
    report = Report("x", "Sổ", "Cơ quan", MARCH, (Table(
        (Column("Trích yếu", 30),), [("=HYPERLINK(\"http://example.com\")",)]),))
    _, sheet = sheet_rows(xlsx.render(report))
    cell = next(c for row in sheet.iter_rows() for c in row
                if c.value and str(c.value).startswith("="))
    assert cell.data_type == "s"
    assert "=HYPERLINK" in pdf_text(pdf.render(report))
