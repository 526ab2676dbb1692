"""The văn thư of Bình Sơn keeps the registers in a real browser (Chromium, fresh profile).

Through the Vietnamese pages only, as a clerk would:

- a paper document is typed in from "Văn bản đến" > "Vào sổ văn bản giấy" with its scan
  attached; the form shows the register's next number before saving, and the document
  page then shows the arrival number, the attachment and the history;
- an approved Quyết định waits in "Văn bản đi" > "Chờ phát hành"; the clerk issues it
  (the next number is shown in the register choice), gets "Số: NN/QĐ-UBND", sends it to
  Sở Thông tin và Truyền thông, and sees that recipient as "01 Đã đến".

Nothing is loaded from outside 127.0.0.1 on the way. Screenshots land in tests/artifacts/.
"""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from tests.e2e.conftest import foreign_requests, log_in, record_requests

CLERK = "vanthu.binhson"
BINH_SON = "000.00.53.H48"
STTTT_NAME = "Sở Thông tin và Truyền thông"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEXT_NUMBER = re.compile(r"số tiếp theo (\d+)")

# Distinct from the values of tests/test_registry_screens.py, which shares the session
# database when the whole suite runs at once.
PAPER = {
    "author": "Sở Tài chính tỉnh Quảng Ngãi",
    "code_number": "789",
    "code_notation": "STC-QLNS",
    "subject": "Về việc hướng dẫn lập dự toán ngân sách cấp xã năm 2027",
    "signer_name": "Nguyễn Văn Tài",
    "page_count": "3",
    "to_places": "Phòng Tài chính - Kế hoạch",
}
SCAN_NAME = "Công văn 789 về dự toán ngân sách xã.pdf"
DECISION_SUBJECT = "Quyết định thành lập Tổ công tác chuyển đổi số huyện Bình Sơn năm 2027"


def vn_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def open_menu(page, category: str, entry: str) -> None:
    """Navbar category (dropdown) -> entry, the way a clerk clicks through."""
    navbar = page.locator(".navbar")
    # The labels follow an icon and a non-breaking space: match their end.
    navbar.get_by_role("link", name=re.compile(rf"\s{re.escape(category)}$")).click()
    menu = navbar.locator(".dropdown.open .dropdown-menu")
    expect(menu).to_be_visible()
    menu.get_by_role("link", name=re.compile(rf"\s{re.escape(entry)}$")).click()


def shown(page, label: str):
    """The value cell of ``label`` in the detail table of a document page."""
    return page.locator(
        f"xpath=//table[contains(@class,'table-bordered')]//tr[th[normalize-space()='{label}']]/td"
    )


def next_number_in(select) -> int:
    """The "… — số tiếp theo NN" of the register chosen in ``select``."""
    text = select.locator("option:checked").inner_text()
    match = NEXT_NUMBER.search(text)
    assert match, f"the register choice does not show the next number: {text!r}"
    return int(match.group(1))


def test_clerk_registers_a_paper_document_with_its_scan(
        live_server, browser, screenshot, app, tmp_path):
    from app.i18n import local_today

    today = local_today()
    scan = tmp_path / SCAN_NAME
    scan.write_bytes(PDF)
    requests = record_requests(browser)
    page = browser.new_page()
    log_in(page, live_server, CLERK)

    open_menu(page, "Văn bản đến", "Vào sổ văn bản giấy")
    page.wait_for_url(f"{live_server}/incoming/pending/paper")
    expect(page.locator(".panel-title", has_text="Vào sổ văn bản giấy")).to_be_visible()

    page.locator("#author").fill(PAPER["author"])
    page.locator("#code_number").fill(PAPER["code_number"])
    page.locator("#code_notation").fill(PAPER["code_notation"])
    page.locator("#document_date").fill(vn_date(today - dt.timedelta(days=4)))
    page.locator("#document_type").select_option(label="Công văn")
    page.locator("#subject").fill(PAPER["subject"])
    page.locator("#signer_name").fill(PAPER["signer_name"])
    page.locator("#urgency").select_option(label="Khẩn")
    page.locator("#page_count").fill(PAPER["page_count"])
    page.locator("#arrival_date").fill(vn_date(today))
    page.locator("#due_date").fill(vn_date(today + dt.timedelta(days=10)))
    page.locator("#to_places").fill(PAPER["to_places"])
    page.locator("#files").set_input_files(str(scan))

    register = page.locator("#register")
    expect(register).to_contain_text("số tiếp theo")
    arrival_number = next_number_in(register)
    screenshot(page, "registry-paper-form")

    page.get_by_role("button", name="Vào sổ", exact=True).click()
    page.wait_for_url(re.compile(r".*/incoming/registered/show/\d+$"))
    expect(page.locator(".alert-success")).to_contain_text(
        f"Đã vào sổ, số đến {arrival_number:02d}.")
    expect(shown(page, "Số đến")).to_have_text(f"{arrival_number:02d}")
    expect(shown(page, "Trích yếu")).to_have_text(PAPER["subject"])
    expect(shown(page, "Độ khẩn")).to_have_text("Khẩn")
    expect(shown(page, "Ngày đến")).to_have_text(vn_date(today))

    link = page.locator(".document-attachments a", has_text=SCAN_NAME)
    expect(link).to_be_visible()
    history = page.locator(".document-history tbody")
    expect(history).to_contain_text("Đã vào sổ")
    expect(history).to_contain_text("Đính kèm tệp")
    screenshot(page, "registry-paper-registered")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == SCAN_NAME
    assert open(download.path(), "rb").read() == PDF

    assert foreign_requests(requests) == [], (
        f"pages loaded resources from outside 127.0.0.1: {foreign_requests(requests)}"
    )


def test_clerk_issues_and_sends_an_approved_decision(live_server, browser, screenshot, app):
    from app import db
    from tests.registry_data import approved_outgoing

    with app.app_context():
        document_id = approved_outgoing(BINH_SON, DECISION_SUBJECT).id
        db.session.remove()

    requests = record_requests(browser)
    page = browser.new_page()
    log_in(page, live_server, CLERK)

    open_menu(page, "Văn bản đi", "Chờ phát hành")
    page.wait_for_url(re.compile(r".*/outgoing/pending/list/?.*"))
    row = page.locator("table tbody tr", has_text=DECISION_SUBJECT)
    expect(row).to_have_count(1)
    screenshot(page, "registry-pending-issue-list")
    row.locator(f"a[href*='/outgoing/pending/show/{document_id}']").click()
    page.wait_for_url(f"{live_server}/outgoing/pending/show/{document_id}")

    page.locator(".document-steps").get_by_role("link", name="Phát hành", exact=True).click()
    page.wait_for_url(f"{live_server}/outgoing/pending/issue/{document_id}")
    register = page.locator("#register")
    expect(register).to_contain_text("số tiếp theo")
    number = next_number_in(register)
    screenshot(page, "registry-issue-form")

    page.get_by_role("button", name="Phát hành", exact=True).click()
    page.wait_for_url(f"{live_server}/outgoing/issued/show/{document_id}")
    expect(page.locator(".document-number")).to_have_text(f"Số: {number:02d}/QĐ-UBND")
    expect(shown(page, "Số, ký hiệu")).to_have_text(f"{number:02d}/QĐ-UBND")
    expect(page.locator(".document-history tbody")).to_contain_text("Đã phát hành")
    screenshot(page, "registry-issued")

    page.locator(".document-steps").get_by_role("link", name="Gửi", exact=True).click()
    page.wait_for_url(f"{live_server}/outgoing/issued/send/{document_id}")
    page.locator("#agencies").select_option(label=STTTT_NAME)
    screenshot(page, "registry-send-form")
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.wait_for_url(f"{live_server}/outgoing/issued/show/{document_id}")

    recipients = page.locator(".document-recipients tbody tr")
    expect(recipients).to_have_count(1)
    expect(recipients.locator("td").nth(0)).to_have_text(STTTT_NAME)
    expect(recipients.locator("td").nth(2)).to_have_text("01 Đã đến")
    expect(page.locator(".document-history tbody")).to_contain_text("Đã gửi")
    screenshot(page, "registry-sent")

    assert foreign_requests(requests) == [], (
        f"pages loaded resources from outside 127.0.0.1: {foreign_requests(requests)}"
    )
