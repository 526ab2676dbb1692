"""Append-only document history and the never-delete rule (QĐ 778 Đ12.1).

Every state change writes a DocumentEvent; nothing updates or deletes one, and no
registered or issued document is ever deleted (cancelling keeps the record)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models import (
    DocumentEvent,
    IncomingDocument,
    OutgoingDocument,
    OutgoingStatus,
)
from app.security.scope import current_user


class ImmutableRecordError(RuntimeError):
    """Raised when code tries to rewrite history or delete an official record."""


def record(session, document, action: str, from_status=None, to_status=None,
           comment: str | None = None, actor=None) -> DocumentEvent:
    actor = actor if actor is not None else current_user()
    entry = DocumentEvent(
        agency_id=document.agency_id,
        outgoing_id=document.id if isinstance(document, OutgoingDocument) else None,
        incoming_id=document.id if isinstance(document, IncomingDocument) else None,
        actor_id=getattr(actor, "id", None),
        action=action,
        from_status=getattr(from_status, "value", from_status),
        to_status=getattr(to_status, "value", to_status),
        comment=comment,
    )
    session.add(entry)
    return entry


def history_of(session, document) -> list[DocumentEvent]:
    column = (
        DocumentEvent.outgoing_id if isinstance(document, OutgoingDocument)
        else DocumentEvent.incoming_id
    )
    return session.query(DocumentEvent).filter(column == document.id).order_by(DocumentEvent.id).all()


@event.listens_for(Session, "before_flush")
def _guard_official_records(session, flush_context, instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, DocumentEvent) and session.is_modified(obj):
            raise ImmutableRecordError(str(_l("Document history cannot be changed.")))
    for obj in session.deleted:
        if isinstance(obj, DocumentEvent):
            raise ImmutableRecordError(str(_l("Document history cannot be changed.")))
        if isinstance(obj, IncomingDocument) or (
            isinstance(obj, OutgoingDocument) and obj.status != OutgoingStatus.draft
        ):
            raise ImmutableRecordError(
                str(_l("Registered and issued documents are never deleted; cancel them instead."))
            )
