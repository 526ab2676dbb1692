"""The văn thư's day: outgoing → incoming round trip between two agencies, returns with a
reason, state secrets refused, nothing deleted, every step in the history."""

from __future__ import annotations

import datetime as dt

import pytest

from app import db
from app.models import (
    DocumentEvent,
    IncomingDocument,
    IncomingStatus,
    OutgoingDocument,
    OutgoingStatus,
    Secrecy,
    Urgency,
)
from app.registry import history, incoming, outgoing
from app.registry.history import ImmutableRecordError
from app.registry.rules import SECRET_REFUSED
from app.validation import DomainValidationError
from tests.directory_data import BINH_SON, STTTT, agency, count
from tests.registry_data import approved_outgoing, doc_type, paper_incoming


def test_outgoing_to_incoming_round_trip_between_two_agencies():
    sent = approved_outgoing(STTTT, "Về việc triển khai Nền tảng tích hợp, chia sẻ dữ liệu",
                             "Công văn", urgency=Urgency.urgent)
    outgoing.issue(db.session, sent)
    (recipient,) = outgoing.send(db.session, sent, [agency(BINH_SON)])
    db.session.commit()
    arrived = recipient.incoming
    # The receiving văn thư sees it at once, waiting to be registered (01 Đã đến).
    assert arrived.agency.code == BINH_SON
    assert arrived.status == IncomingStatus.arrived
    assert (arrived.author, arrived.code_notation) == (agency(STTTT).name, sent.notation)
    assert arrived.urgency == Urgency.urgent
    assert outgoing.recipient_statuses(sent) == [(agency(BINH_SON).name, "01")]
    # Registration gives it a số đến; the sender sees 03 Đã tiếp nhận.
    incoming.register(db.session, arrived)
    db.session.commit()
    assert arrived.arrival_number >= 1 and arrived.status == IncomingStatus.registered
    assert outgoing.recipient_statuses(sent) == [(agency(BINH_SON).name, "03")]
    actions = [e.action for e in history.history_of(db.session, sent)]
    assert actions == ["created", "submit", "approve", "issued", "sent"]
    assert [e.action for e in history.history_of(db.session, arrived)] == ["arrived", "registered"]


def test_external_recipient_waits_for_the_exchange():
    sent = approved_outgoing(STTTT, "Báo cáo gửi Văn phòng Chính phủ", "Báo cáo")
    outgoing.issue(db.session, sent)
    (recipient,) = outgoing.send(db.session, sent, external=[("Văn phòng Chính phủ", "000.00.00.G22")])
    db.session.commit()
    assert recipient.incoming is None and recipient.external_code == "000.00.00.G22"


def test_return_to_sender_needs_a_reason_and_is_seen_by_the_sender():
    sent = approved_outgoing(STTTT, "Văn bản gửi nhầm huyện", "Thông báo")
    outgoing.issue(db.session, sent)
    (recipient,) = outgoing.send(db.session, sent, [agency(BINH_SON)])
    db.session.commit()
    with pytest.raises(DomainValidationError) as refused:
        incoming.return_to_sender(db.session, recipient.incoming, "  ")
    assert "reason" in refused.value.errors
    incoming.return_to_sender(db.session, recipient.incoming, "Không đúng thẩm quyền giải quyết")
    db.session.commit()
    assert outgoing.recipient_statuses(sent) == [(agency(BINH_SON).name, "02")]
    assert recipient.incoming.return_reason == "Không đúng thẩm quyền giải quyết"


@pytest.mark.parametrize("level", [Secrecy.confidential, Secrecy.secret, Secrecy.top_secret])
def test_secret_documents_are_refused_and_nothing_is_stored(level):
    outgoing_before, incoming_before = count(OutgoingDocument), count(IncomingDocument)
    draft = OutgoingDocument(agency_id=agency(STTTT).id, document_type=doc_type("Quyết định"),
                             subject="Kế hoạch bảo vệ bí mật", secrecy=level)
    with pytest.raises(DomainValidationError) as refused:
        outgoing.save_draft(db.session, draft)
    assert refused.value.errors["secrecy"] == [str(SECRET_REFUSED)]
    db.session.rollback()
    with pytest.raises(DomainValidationError):
        incoming.receive(db.session, paper_incoming(BINH_SON, "Văn bản mật", secrecy=level))
    db.session.rollback()
    assert (count(OutgoingDocument), count(IncomingDocument)) == (outgoing_before, incoming_before)


def test_database_refuses_a_secret_row_even_past_the_services():
    from sqlalchemy.exc import IntegrityError

    document = paper_incoming(BINH_SON, "Chèn thẳng vào cơ sở dữ liệu", secrecy=Secrecy.secret)
    db.session.add(document)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_issued_documents_are_not_edited():
    sent = approved_outgoing(STTTT, "Quyết định đã ban hành không được sửa")
    outgoing.issue(db.session, sent)
    db.session.commit()
    sent.subject = "Sửa sau khi ban hành"
    with pytest.raises(DomainValidationError):
        outgoing.save_draft(db.session, sent)
    db.session.rollback()


def test_registered_documents_are_never_deleted_only_cancelled():
    sent = approved_outgoing(STTTT, "Quyết định sẽ bị hủy")
    outgoing.issue(db.session, sent)
    db.session.commit()
    db.session.delete(sent)
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(DomainValidationError):
        outgoing.cancel(db.session, sent, "")
    outgoing.cancel(db.session, sent, "Ban hành nhầm đối tượng")
    db.session.commit()
    assert sent.status == OutgoingStatus.cancelled
    assert sent.cancel_reason == "Ban hành nhầm đối tượng" and sent.cancelled_at is not None
    assert history.history_of(db.session, sent)[-1].action == "cancelled"


def test_history_cannot_be_rewritten_or_deleted():
    document = incoming.receive(db.session, paper_incoming(BINH_SON, "Công văn có lịch sử"))
    db.session.commit()
    (event,) = history.history_of(db.session, document)
    event.comment = "sửa lịch sử"
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(DocumentEvent, event.id))
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()


def test_registration_fields_of_annex_vi_are_kept():
    document = incoming.receive(db.session, paper_incoming(
        BINH_SON, "Về việc góp ý dự thảo Nghị quyết", document_date=dt.date(2026, 11, 20),
        signer_name="Nguyễn Văn Bình", page_count=4, due_date=dt.date(2026, 12, 5),
        to_places="Phòng Nội vụ", urgency=Urgency.flash,
    ))
    incoming.register(db.session, document, arrival_date=dt.date(2026, 11, 24))
    db.session.commit()
    stored = db.session.get(IncomingDocument, document.id)
    assert stored.arrival_date == dt.date(2026, 11, 24) and stored.arrival_number >= 1
    assert (stored.author, stored.code_number, stored.code_notation) == (
        "Bộ Thông tin và Truyền thông", "123", "BTTTT-CĐSQG")
    assert (stored.signer_name, stored.page_count, stored.to_places) == (
        "Nguyễn Văn Bình", 4, "Phòng Nội vụ")
    assert stored.due_date == dt.date(2026, 12, 5) and stored.urgency == Urgency.flash
    assert stored.document_type.name == "Công văn"
    assert "gop y du thao nghi quyet" in stored.search_text


def test_a_correction_is_a_new_document_that_replaces_the_issued_one():
    original = approved_outgoing(STTTT, "Quyết định có sai sót về nội dung")
    outgoing.issue(db.session, original)
    db.session.commit()
    correction = approved_outgoing(STTTT, "Quyết định thay thế quyết định có sai sót")
    correction.replaces = original
    outgoing.issue(db.session, correction)
    db.session.commit()
    assert correction.replaces_id == original.id
    assert original.status == OutgoingStatus.issued  # the original stays, linked
    other = OutgoingDocument(agency_id=agency(BINH_SON).id, document_type=doc_type("Quyết định"),
                             subject="Huyện không được thay văn bản của Sở", replaces=original)
    with pytest.raises(DomainValidationError) as refused:
        outgoing.save_draft(db.session, other)
    assert "replaces" in refused.value.errors
    db.session.rollback()
