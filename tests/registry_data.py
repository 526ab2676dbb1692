"""Builders for registry tests: realistic Vietnamese documents of the demo agencies."""

from __future__ import annotations

import io

from app import db
from app.models import DocumentType, IncomingDocument, OutgoingDocument, Urgency
from app.registry import outgoing
from tests.directory_data import account, agency


def doc_type(name: str) -> DocumentType:
    return db.session.query(DocumentType).filter_by(name=name).one()


def approved_outgoing(agency_code: str, subject: str, type_name: str = "Quyết định",
                      department=None, urgency: Urgency = Urgency.normal) -> OutgoingDocument:
    """A văn bản đi taken through draft → review → approval, ready for issuance."""
    head = account("lanhdao.binhson") if agency_code.endswith("53.H48") else account("lanhdao.stttt")
    document = OutgoingDocument(
        agency_id=agency(agency_code).id, document_type=doc_type(type_name),
        subject=subject, urgency=urgency, drafting_department=department, page_count=2,
    )
    outgoing.save_draft(db.session, document)
    outgoing.transition(db.session, document, "submit")
    outgoing.transition(db.session, document, "approve", signer=head)
    db.session.commit()
    return document


def paper_incoming(agency_code: str, subject: str, **fields) -> IncomingDocument:
    values = {
        "agency_id": agency(agency_code).id,
        "author": "Bộ Thông tin và Truyền thông",
        "code_number": "123",
        "code_notation": "BTTTT-CĐSQG",
        "subject": subject,
        "document_type": doc_type("Công văn"),
        **fields,
    }
    return IncomingDocument(**values)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name: str, content: bytes = PDF):
    """A file as a test client posts it in a form."""
    return (io.BytesIO(content), name)
