"""Accent-insensitive Vietnamese search ("quyet dinh" finds "Quyết định", "dong" finds
"đồng"), filters, keyset pages and a capped count — on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from app import db
from app.models import IncomingDocument, Urgency
from app.registry import incoming
from app.registry.search import Filters, search
from app.registry.text import fold
from tests.directory_data import BINH_SON, STTTT, agency
from tests.registry_data import doc_type, paper_incoming

SUBJECTS = [
    ("Quyết định phê duyệt dự toán ngân sách xã Bình Châu", "Nguyễn Đức Đồng", Urgency.normal),
    ("Về việc hỗ trợ đồng bào bị thiệt hại do bão số 5", "Trần Văn Hùng", Urgency.flash),
    ("Kế hoạch chuyển đổi số năm 2027 của huyện", "Lê Thị Mai", Urgency.urgent),
    ("Thông báo lịch tiếp công dân tháng 12", "Phạm Văn Đạt", Urgency.normal),
]


@pytest.fixture(scope="module")
def corpus(app):
    """Four registered văn bản đến of a fresh agency so counts are exact."""
    from app.models import Agency, AgencyKind

    with app.app_context():
        target = Agency(code="000.09.53.H48", name="Ủy ban nhân dân xã Bình Hòa",
                        abbreviation="UBND", kind=AgencyKind.commune)
        db.session.add(target)
        db.session.commit()
        for i, (subject, signer, urgency) in enumerate(SUBJECTS):
            document = incoming.receive(db.session, paper_incoming(
                BINH_SON, subject, signer_name=signer, urgency=urgency,
                agency_id=target.id, document_date=dt.date(2026, 10, 1 + i),
            ))
            incoming.register(db.session, document, arrival_date=dt.date(2026, 10, 2 + i))
        db.session.commit()
        return target.id


def subjects(page) -> list[str]:
    return [row.subject for row in page.rows]


def test_fold_handles_tones_and_d_with_stroke():
    assert fold("Quyết định") == "quyet dinh"
    assert fold("ĐỒNG BÀO  Đức") == "dong bao duc"
    assert fold(None) == ""


@pytest.mark.parametrize(
    "query, expected",
    [
        ("quyet dinh", 0),
        ("Quyết định", 0),
        ("QUYẾT ĐỊNH", 0),
        ("dong bao", 1),
        ("đồng bào", 1),
        ("chuyen doi so", 2),
        ("BTTTT-CĐSQG", None),  # số ký hiệu: matches all four
        ("nguyen duc dong", 0),  # người ký
    ],
)
def test_search_with_and_without_diacritics(corpus, query, expected):
    page = search(db.session, IncomingDocument, corpus, Filters(query=query))
    if expected is None:
        assert page.count == 4
    else:
        assert subjects(page) == [SUBJECTS[expected][0]]


def test_search_finds_nothing_for_absent_words(corpus):
    page = search(db.session, IncomingDocument, corpus, Filters(query="khong co tu nay"))
    assert (page.rows, page.count) == ([], 0)


def test_filters_by_date_range_urgency_type_and_status(corpus):
    in_range = search(db.session, IncomingDocument, corpus, Filters(
        date_from=dt.date(2026, 10, 3), date_to=dt.date(2026, 10, 4)))
    assert sorted(subjects(in_range)) == sorted(s for s, _, _ in SUBJECTS[1:3])
    flash = search(db.session, IncomingDocument, corpus, Filters(urgency="flash"))
    assert subjects(flash) == [SUBJECTS[1][0]]
    typed = search(db.session, IncomingDocument, corpus,
                   Filters(document_type_id=doc_type("Công văn").id, status="03"))
    assert typed.count == 4


def test_keyset_pages_cover_everything_once(corpus):
    seen, before = [], None
    while True:
        page = search(db.session, IncomingDocument, corpus, Filters(), before_id=before, limit=3)
        seen += [row.id for row in page.rows]
        if page.next_before_id is None:
            break
        before = page.next_before_id
    assert len(seen) == len(set(seen)) == 4
    assert seen == sorted(seen, reverse=True)  # newest first


def test_search_is_scoped_to_the_agency(corpus):
    page = search(db.session, IncomingDocument, agency(STTTT).id, Filters(query="dong bao"))
    assert page.rows == []


def test_edits_keep_the_index_in_step(corpus):
    document = search(db.session, IncomingDocument, corpus, Filters(query="lich tiep cong dan")).rows[0]
    document.subject = "Thông báo lịch trực Tết Nguyên đán"
    incoming.index_text(document)
    db.session.commit()
    assert search(db.session, IncomingDocument, corpus, Filters(query="tet nguyen dan")).count == 1
    assert search(db.session, IncomingDocument, corpus, Filters(query="tiep cong dan")).count == 0
