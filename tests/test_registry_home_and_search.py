"""The clerk's start page counts what waits; the search page finds documents with or
without accents and pages through them."""

from __future__ import annotations

import re

from app import db
from app.models import IncomingDocument, IncomingStatus, Urgency
from app.registry import incoming
from tests.directory_data import BINH_SON
from tests.registry_data import paper_incoming


def tile_counts(html: str) -> dict[str, int]:
    return {
        label.strip(): int(count)
        for count, label in re.findall(
            r'class="tile-count">(\d+)</div>\s*<div>([^<]+)</div>', html)
    }


def test_home_counts_waiting_documents_and_urgent_ones(web):
    web.login("vanthu.binhson")
    before = tile_counts(web.get("/").text)
    assert {"Chờ vào sổ", "Đã vào sổ năm nay", "Chờ phát hành"} <= set(before)
    incoming.receive(db.session, paper_incoming(BINH_SON, "Công văn hỏa tốc chờ vào sổ",
                                                urgency=Urgency.flash))
    db.session.commit()
    page = web.get("/").text
    assert tile_counts(page)["Chờ vào sổ"] == before["Chờ vào sổ"] + 1
    assert "văn bản khẩn" in page
    waiting = db.session.query(IncomingDocument).filter_by(
        status=IncomingStatus.arrived, agency_id=db.session.query(IncomingDocument.agency_id)
        .filter(IncomingDocument.subject == "Công văn hỏa tốc chờ vào sổ").scalar_subquery()).count()
    assert tile_counts(page)["Chờ vào sổ"] == waiting


def test_officer_sees_no_clerk_only_tiles(web):
    page = web.login("chuyenvien.binhson").get("/").text
    assert "Dự thảo" in tile_counts(page)  # officers draft
    assert "Tra cứu văn bản" in page  # and may search


def test_search_page_finds_without_accents_and_pages(web):
    for i in range(3):
        document = incoming.receive(db.session, paper_incoming(
            BINH_SON, f"Về việc phòng chống bão lũ đợt {i + 1} năm 2026"))
        incoming.register(db.session, document)
    db.session.commit()
    web.login("vanthu.binhson")
    page = web.get("/search/?q=phong+chong+bao+lu&direction=incoming")
    assert page.status_code == 200
    assert page.text.count("phòng chống bão lũ đợt") == 3
    first = web.get("/search/?q=phong+chong+bao+lu&direction=incoming&before=999999999")
    assert first.text.count("phòng chống bão lũ đợt") == 3
    nothing = web.get("/search/?q=khong+ton+tai+tu+nay&direction=incoming")
    assert "Không tìm thấy văn bản phù hợp." in nothing.text


def test_search_is_scoped_to_the_users_agency(web):
    document = incoming.receive(db.session, paper_incoming(
        BINH_SON, "Báo cáo nội bộ của huyện về đê điều"))
    incoming.register(db.session, document)
    db.session.commit()
    page = web.login("vanthu.stttt").get("/search/?q=de+dieu&direction=incoming")
    assert "Báo cáo nội bộ của huyện về đê điều" not in page.text


def test_search_filters_by_status_and_register(web):
    document = incoming.receive(db.session, paper_incoming(BINH_SON, "Tờ trình về quy hoạch cát"))
    db.session.commit()  # arrived, not yet registered
    web.login("vanthu.binhson")
    waiting = web.get("/search/?q=quy+hoach+cat&direction=incoming&status=01")
    assert "Tờ trình về quy hoạch cát" in waiting.text
    registered = web.get("/search/?q=quy+hoach+cat&direction=incoming&status=03")
    assert "Tờ trình về quy hoạch cát" not in registered.text
    incoming.register(db.session, db.session.get(IncomingDocument, document.id))
    db.session.commit()
    register_id = db.session.get(IncomingDocument, document.id).register_id
    by_register = web.get(f"/search/?q=quy+hoach+cat&direction=incoming&register={register_id}")
    assert "Tờ trình về quy hoạch cát" in by_register.text
