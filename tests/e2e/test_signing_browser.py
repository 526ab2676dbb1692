"""Ký số in a real browser (Chromium): the chairman of Bình Sơn sets up his key file and
signature image, signs and approves a quyết định; the văn thư sets up the agency's key
and seal, issues the document and applies the agency signature. The document page shows
both signatures valid and the "Bản gốc điện tử hợp lệ" badge. Screenshots:
tests/artifacts/signing-*.png."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.pki import PASSWORD
from tests.signing_samples import seal_png, signature_png

SUBJECT = "Quyết định thành lập Ban chỉ đạo chuyển đổi số huyện Bình Sơn năm 2027"


def set_up(page, live_server: str, path: str, identity, image: bytes) -> None:
    page.goto(f"{live_server}{path}")
    key_form = page.locator("form.signing-pkcs12")
    key_form.locator("#pkcs12").set_input_files(
        {"name": "khoa-ky-so.p12", "mimeType": "application/x-pkcs12",
         "buffer": identity.pkcs12()})
    key_form.locator("#password").fill(PASSWORD)
    key_form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("đã mã hóa")
    image_form = page.locator("form.signing-image")
    image_form.locator("#image").set_input_files(
        {"name": "anh.png", "mimeType": "image/png", "buffer": image})
    image_form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu ảnh")
    expect(page.locator("img.signing-image")).to_be_visible()


def sign_step(page, button: str, submit: str) -> None:
    page.locator(".document-steps").get_by_role("link", name=button).click()
    page.locator("#secret").fill(PASSWORD)
    page.get_by_role("button", name=submit).click()


def test_leader_signs_and_clerk_seals_in_the_browser(
        live_server, launch_chromium, screenshot, app, pki):
    from app import db
    from tests.test_signing_flow import draft_for_signing

    leader = launch_chromium().new_page()
    log_in(leader, live_server, "lanhdao.binhson")
    set_up(leader, live_server, "/signing/mine", pki.person, signature_png())
    expect(leader.locator(".signing-key")).to_contain_text("Nguyễn Văn A")
    screenshot(leader, "signing-profile")

    clerk = launch_chromium().new_page()
    log_in(clerk, live_server, "vanthu.binhson")
    set_up(clerk, live_server, "/signing/agency", pki.agency, seal_png())

    with app.app_context():
        document_id = draft_for_signing(app, SUBJECT).id
        db.session.remove()

    leader.goto(f"{live_server}/outgoing/drafts/show/{document_id}")
    sign_step(leader, "Ký số và duyệt", "Ký số")
    expect(leader.locator(".alert-success")).to_contain_text("Đã ký số và duyệt")
    expect(leader.locator(".legal-person_only")).to_be_visible()

    clerk.goto(f"{live_server}/outgoing/pending/issue/{document_id}")
    clerk.get_by_role("button", name="Phát hành").click()
    clerk.wait_for_url(f"{live_server}/outgoing/issued/show/{document_id}")
    sign_step(clerk, "Ký số cơ quan", "Ký số của cơ quan")
    expect(clerk.locator(".alert-success")).to_contain_text("Đã ký số của cơ quan")
    expect(clerk.locator(".legal-valid_original").first).to_contain_text(
        "Bản gốc điện tử hợp lệ")
    main = clerk.locator(".attachment-signatures").first.locator("tbody tr")
    expect(main).to_have_count(2)
    expect(main.nth(0)).to_contain_text("Nguyễn Văn A")
    expect(main.nth(0)).to_contain_text("Điền số, ngày vào biểu mẫu sau khi ký")
    expect(main.nth(1)).to_contain_text("UBND huyện Bình Sơn")
    for row in (main.nth(0), main.nth(1)):
        expect(row).to_contain_text("Hợp lệ")
    expect(clerk.locator(".document-history")).to_contain_text("Văn thư ký số của cơ quan")
    screenshot(clerk, "signing-document")

    clerk.goto(f"{live_server}/outgoing/issued/list/")
    row = clerk.locator("tr", has_text=SUBJECT)
    expect(row.locator(".legal-status")).to_have_text(re.compile("Bản gốc điện tử hợp lệ"))
    screenshot(clerk, "signing-issued-list")
