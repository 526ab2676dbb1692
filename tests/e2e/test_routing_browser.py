"""Điều hành in a real browser (Chromium): the chairman of Bình Sơn fills the routing
slip of an urgent document from "Việc của tôi", the head of Phòng Nội vụ passes the
work on to an officer, and the officer records progress. Each sees the routing tree
with its statuses and deadlines. Screenshots: tests/artifacts/routing-*.png."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from tests.e2e.conftest import foreign_requests, log_in, record_requests

SUBJECT = "Về việc ứng phó khẩn cấp với áp thấp nhiệt đới trên địa bàn huyện Bình Sơn"


def open_my_work(page, live_server: str, tab: str) -> None:
    page.locator(".navbar").get_by_role("link", name=re.compile(r"\sViệc của tôi$")).click()
    page.wait_for_url(re.compile(rf"{live_server}/work/.*"))
    page.locator(".my-work-tabs").get_by_role("link", name=re.compile(rf"^{tab}")).click()


def an_urgent_document(app, deadline: dt.date) -> int:
    from app import db
    from app.models import Urgency
    from tests.test_routing_assignments import received_in_binh_son

    with app.app_context():
        _, document = received_in_binh_son(SUBJECT, due=deadline)
        document.urgency = Urgency.flash
        db.session.commit()
        document_id = document.id
        db.session.remove()
    return document_id


def test_assign_pass_on_and_progress_through_my_work(
        live_server, launch_chromium, screenshot, app):
    from app.i18n import local_today

    today = local_today()
    deadline = today + dt.timedelta(days=14)
    head_deadline = today + dt.timedelta(days=10)
    officer_deadline = today + dt.timedelta(days=7)
    document_id = an_urgent_document(app, deadline)

    # The chairman: "Việc của tôi" > "Chờ phân công", the routing slip.
    leader_context = launch_chromium()
    requests = record_requests(leader_context)
    leader = leader_context.new_page()
    log_in(leader, live_server, "lanhdao.binhson")
    open_my_work(leader, live_server, "Chờ phân công")
    row = leader.locator(".my-work-documents tbody tr", has_text=SUBJECT)
    expect(row).to_contain_text("Hỏa tốc")
    screenshot(leader, "routing-my-work-leader")
    row.get_by_role("link", name="Phân công").click()
    leader.wait_for_url(f"{live_server}/routing/assign/{document_id}")
    leader.locator("#instruction").fill("Phòng Nội vụ chủ trì, Phòng Tài chính - Kế hoạch phối hợp")
    leader.locator("#targets-0-assignee").select_option(label="Phòng Nội vụ")
    leader.locator("#targets-0-role").select_option(label="Chủ trì")
    leader.locator("#targets-0-deadline").fill(f"{head_deadline:%d/%m/%Y}")
    leader.locator("#targets-1-assignee").select_option(label="Phòng Tài chính - Kế hoạch")
    leader.locator("#targets-1-role").select_option(label="Phối hợp")
    screenshot(leader, "routing-slip")
    leader.get_by_role("button", name="Phân công").click()
    leader.wait_for_url(f"{live_server}/incoming/registered/show/{document_id}")
    expect(leader.locator(".alert-success")).to_contain_text("Đã phân công cho Phòng Nội vụ")
    tree = leader.locator(".routing-tree tbody tr")
    expect(tree).to_have_count(2)
    expect(tree.nth(0)).to_contain_text("Chủ trì")
    expect(tree.nth(0)).to_contain_text(f"{head_deadline:%d/%m/%Y}")
    expect(tree.nth(0)).to_contain_text("04 Phân công")

    # The head of Phòng Nội vụ passes the lead part on to an officer.
    head = launch_chromium().new_page()
    log_in(head, live_server, "truongphong.binhson")
    open_my_work(head, live_server, "Chủ trì xử lý")
    part = head.locator(".my-work-parts tbody tr", has_text=SUBJECT)
    expect(part).to_contain_text(f"{head_deadline:%d/%m/%Y}")
    part.get_by_role("link", name="Giao chuyên viên").click()
    head.locator("#officer").select_option(label="Trương Văn Long")
    head.locator("#deadline").fill(f"{officer_deadline:%d/%m/%Y}")
    head.locator("#instruction").fill("Đồng chí Long tham mưu phương án ứng phó")
    head.get_by_role("button", name="Giao chuyên viên").click()
    head.wait_for_url(f"{live_server}/incoming/registered/show/{document_id}")
    expect(head.locator(".routing-tree")).to_contain_text("↳ Trương Văn Long")

    # The officer: "Việc của tôi", then progress on the document page.
    officer = launch_chromium().new_page()
    log_in(officer, live_server, "chuyenvien.binhson")
    open_my_work(officer, live_server, "Chủ trì xử lý")
    mine = officer.locator(".my-work-parts tbody tr", has_text=SUBJECT)
    expect(mine).to_contain_text(f"{officer_deadline:%d/%m/%Y}")
    expect(mine).to_contain_text("Hỏa tốc")
    screenshot(officer, "routing-my-work-officer")
    mine.get_by_role("link", name="Cập nhật tiến độ").click()
    officer.locator("#note").fill("Đã liên hệ 22 xã, thị trấn; lập danh sách hộ cần di dời")
    officer.get_by_role("button", name="Lưu").click()
    officer.wait_for_url(f"{live_server}/incoming/registered/show/{document_id}")
    tree = officer.locator(".routing-tree tbody tr")
    expect(tree.nth(0)).to_contain_text("05 Đang xử lý")
    expect(tree.nth(1)).to_contain_text("↳ Trương Văn Long")
    expect(tree.nth(1)).to_contain_text(f"{officer_deadline:%d/%m/%Y}")
    expect(officer.locator(".document-history tbody")).to_contain_text("Đã liên hệ 22 xã")
    screenshot(officer, "routing-tree")

    assert foreign_requests(requests) == [], foreign_requests(requests)
