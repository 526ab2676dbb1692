"""NĐ 30 Đ15, Đ22.2: numbers per agency and register, from 01 each year, assigned by the
system at issuance/registration, never reused, never skipped — also under concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from app import db
from app.models import Direction, IncomingDocument, Register, Urgency
from app.registry import incoming, outgoing
from app.registry.numbering import display_number, format_number, outgoing_notation
from app.registry.registers import choose_register
from tests.directory_data import BINH_SON, STTTT, agency, department
from tests.registry_data import approved_outgoing, paper_incoming


def at(monkeypatch, day: dt.date) -> None:
    """The clerk's calendar shows ``day``."""
    monkeypatch.setattr(outgoing, "local_today", lambda: day)
    monkeypatch.setattr(incoming, "local_today", lambda: day)


def test_display_format_pads_numbers_under_ten():
    assert format_number(5) == "05"
    assert format_number(12) == "12"
    assert format_number(1234) == "1234"
    assert display_number(12, "QĐ-UBND") == "Số: 12/QĐ-UBND"
    assert display_number(5, "UBND-VP") == "Số: 05/UBND-VP"


def test_notation_for_typed_document_and_cong_van():
    assert outgoing_notation("QĐ", "UBND", "VP") == "QĐ-UBND"
    assert outgoing_notation(None, "UBND", "VP") == "UBND-VP"  # công văn


def test_outgoing_numbers_follow_each_other_and_cong_van_uses_drafting_unit(monkeypatch):
    at(monkeypatch, dt.date(2031, 3, 2))
    office = department(BINH_SON, "Văn phòng HĐND và UBND huyện")
    first = approved_outgoing(BINH_SON, "Quyết định phê duyệt kế hoạch chuyển đổi số năm 2031")
    second = approved_outgoing(BINH_SON, "Về việc báo cáo tình hình triển khai", "Công văn",
                               department=office)
    outgoing.issue(db.session, first)
    db.session.commit()
    outgoing.issue(db.session, second)
    db.session.commit()
    assert display_number(first.number, first.notation) == "Số: 01/QĐ-UBND"
    assert display_number(second.number, second.notation) == "Số: 02/UBND-VP"
    assert first.issued_date == dt.date(2031, 3, 2)


def test_outgoing_number_restarts_at_01_on_new_year(monkeypatch):
    at(monkeypatch, dt.date(2032, 12, 31))
    for i in range(3):
        outgoing.issue(db.session, approved_outgoing(STTTT, f"Thông báo số {i} cuối năm", "Thông báo"))
        db.session.commit()
    at(monkeypatch, dt.date(2033, 1, 1))
    new_year = approved_outgoing(STTTT, "Thông báo đầu năm 2033", "Thông báo")
    outgoing.issue(db.session, new_year)
    db.session.commit()
    assert (new_year.year, new_year.number) == (2033, 1)
    last_year = choose_register(db.session, agency(STTTT).id, Direction.outgoing, 2032)
    assert last_year.last_number == 3


def test_numbers_are_per_agency(monkeypatch):
    at(monkeypatch, dt.date(2034, 5, 5))
    a = approved_outgoing(STTTT, "Quyết định của Sở")
    b = approved_outgoing(BINH_SON, "Quyết định của huyện")
    outgoing.issue(db.session, a)
    outgoing.issue(db.session, b)
    db.session.commit()
    assert (a.number, b.number) == (1, 1)
    assert (a.notation, b.notation) == ("QĐ-STTTT", "QĐ-UBND")


def test_arrival_number_restarts_at_01_on_new_year_and_paper_shares_the_series(monkeypatch):
    at(monkeypatch, dt.date(2035, 12, 31))
    late = incoming.receive(db.session, paper_incoming(BINH_SON, "Công văn giấy cuối năm"))
    incoming.register(db.session, late)
    db.session.commit()
    at(monkeypatch, dt.date(2036, 1, 1))
    paper = incoming.receive(db.session, paper_incoming(BINH_SON, "Công văn giấy đầu năm"))
    incoming.register(db.session, paper)
    db.session.commit()
    electronic = approved_outgoing(STTTT, "Văn bản điện tử gửi huyện Bình Sơn")
    outgoing.issue(db.session, electronic)
    (recipient,) = outgoing.send(db.session, electronic, [agency(BINH_SON)])
    db.session.commit()
    incoming.register(db.session, recipient.incoming)
    db.session.commit()
    assert (late.year, late.arrival_number) == (2035, 1)
    assert (paper.year, paper.arrival_number) == (2036, 1)
    assert recipient.incoming.arrival_number == 2  # same series as paper


def test_a_failed_issuance_leaves_no_gap(monkeypatch):
    at(monkeypatch, dt.date(2037, 6, 1))
    document = approved_outgoing(STTTT, "Kế hoạch sẽ bị lỗi khi phát hành", "Kế hoạch")
    outgoing.issue(db.session, document)
    db.session.rollback()  # e.g. the signing step failed after the number was taken
    retry = db.session.get(type(document), document.id)
    outgoing.issue(db.session, retry)
    db.session.commit()
    assert retry.number == 1


def test_two_registers_of_one_agency_count_separately(monkeypatch):
    at(monkeypatch, dt.date(2038, 2, 2))
    stttt = agency(STTTT).id
    choose_register(db.session, stttt, Direction.outgoing, 2038)
    db.session.add(Register(agency_id=stttt, direction=Direction.outgoing, year=2038,
                            name="Sổ văn bản quy phạm", last_number=0))
    db.session.commit()
    second = db.session.query(Register).filter_by(agency_id=stttt, year=2038,
                                                  name="Sổ văn bản quy phạm").one()
    doc = approved_outgoing(STTTT, "Quyết định vào sổ thứ hai")
    outgoing.issue(db.session, doc, register_id=second.id)
    db.session.commit()
    assert (doc.register_id, doc.number) == (second.id, 1)


def test_register_of_another_agency_is_refused(monkeypatch):
    from app.validation import DomainValidationError

    at(monkeypatch, dt.date(2038, 2, 3))
    foreign = choose_register(db.session, agency(BINH_SON).id, Direction.outgoing, 2038)
    doc = approved_outgoing(STTTT, "Quyết định thử sổ của cơ quan khác")
    with pytest.raises(DomainValidationError) as refused:
        outgoing.issue(db.session, doc, register_id=foreign.id)
    assert "register" in refused.value.errors
    db.session.rollback()


def test_concurrent_registration_has_no_duplicates_and_no_gaps(app, monkeypatch, db_engine_name):
    """Clerks register at the same moment: every số đến is used exactly once.

    PostgreSQL: 16 clients × 500 registrations, as the issue asks (throughput is printed
    by bench/numbering_load.py); SQLite, one writer at a time by design: 4 × 15."""
    at(monkeypatch, dt.date(2039, 4, 1))
    clients, per_client = (16, 500) if db_engine_name == "postgresql" else (4, 15)
    binh_son = agency(BINH_SON).id
    choose_register(db.session, binh_son, Direction.incoming, 2039)
    waiting = []
    for worker in range(clients):
        batch = [paper_incoming(BINH_SON, f"Đơn đề nghị {worker}-{i}", urgency=Urgency.normal)
                 for i in range(per_client)]
        for document in batch:
            document.search_text = document.subject
        db.session.add_all(batch)
        db.session.flush()
        waiting.append([document.id for document in batch])
    db.session.commit()
    errors: list[BaseException] = []

    def clerk(ids: list[int]) -> None:
        try:
            with app.app_context():
                for pk in ids:
                    incoming.register(db.session, db.session.get(IncomingDocument, pk))
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=clerk, args=(ids,)) for ids in waiting]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(
        n for (n,) in db.session.execute(
            db.select(IncomingDocument.arrival_number).where(
                IncomingDocument.agency_id == binh_son, IncomingDocument.year == 2039,
            )
        )
    )
    assert numbers == list(range(1, clients * per_client + 1))
