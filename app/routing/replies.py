"""Đề xuất dự thảo trả lời: a handler proposes the reply to a văn bản đến; it becomes a
draft văn bản đi of the agency, linked to the document it answers (edXML ResponseFor),
and goes through review, approval and issuance like any other draft."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import Assignment, AssignmentRole, DocumentType, OutgoingDocument
from app.registry import history, outgoing
from app.routing.assignments import start
from app.security.scope import current_user
from app.validation import refusal

REPLY_TYPE = "Công văn"  # NĐ 30 Đ7: replies are công văn unless the leader decides otherwise
SUBJECT_LIMIT = 500


def default_subject(part: Assignment) -> str:
    """V/v trả lời văn bản số 12/UBND-VP ngày 05/11/2026 của UBND huyện Bình Sơn."""
    document = part.incoming
    number = "/".join(p for p in (document.code_number, document.code_notation) if p)
    words = ["V/v trả lời văn bản"]
    if number:
        words.append(f"số {number}")
    if document.document_date:
        words.append(f"ngày {document.document_date:%d/%m/%Y}")
    words.append(f"của {document.author}")
    return " ".join(words)[:SUBJECT_LIMIT]


def propose_reply(session, part: Assignment, subject: str | None = None) -> OutgoingDocument:
    if part.role == AssignmentRole.inform:
        raise refusal("role", _l("Those informed do not answer the document."))
    document = part.incoming
    user = current_user()
    reply = OutgoingDocument(
        agency_id=document.agency_id,
        document_type=session.query(DocumentType).filter_by(name=REPLY_TYPE).one(),
        subject=(subject or "").strip() or default_subject(part),
        urgency=document.urgency,
        drafting_department_id=getattr(user, "department_id", None) or part.department_id,
        due_date=document.due_date,
        response_for=document,
    )
    outgoing.save_draft(session, reply)
    start(session, part)
    history.record(session, document, "reply_proposed", comment=reply.subject)
    return reply
