"""The ZIP of a user's own data (QĐ 778 Đ19.1c): what they drafted, what they were given
to handle, and their part in it — nothing of another agency, nothing they could not see.

Layout of the archive::

    README.txt                      what is inside (Vietnamese)
    van-ban-di.csv                  văn bản đi they created or drafted, one row each
    van-ban-di/<id>/metadata.json   all the details and the history of one document
    van-ban-di/<id>/tep/<n>-<name>  its files, byte for byte from the attachment store
    van-ban-den.csv                 văn bản đến assigned or presented to them
    van-ban-den/<id>/...            same, plus their own working files (tệp xử lý)
    phan-cong.csv, phan-cong.json   every part of the work they were given

CSV files carry Vietnamese headers and dd/mm/yyyy dates (UTF-8 with a BOM, so Excel
reads the diacritics); JSON carries the raw values with ISO dates in UTC.

The archive is written to an unnamed temporary file next to the attachment store
(never in memory, gone when closed), attachments copied chunk by chunk."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.files.store import CHUNK_SIZE, get_store
from app.i18n import format_date, format_datetime, utcnow
from app.models import (
    Assignment,
    Attachment,
    DocumentEvent,
    IncomingDocument,
    OutgoingDocument,
    UserAccount,
)
from app.registry.numbering import format_number
from app.security.scope import may_read

log = logging.getLogger(__name__)

OUTGOING_DIR = "van-ban-di"
INCOMING_DIR = "van-ban-den"
ASSIGNMENTS_NAME = "phan-cong"
# The headers and the README are in Vietnamese whatever the requester's language.
ARCHIVE_LOCALE = "vi"
NAME_LIMIT = 120
_UNSAFE = re.compile(r'[\x00-\x1f\\/:*?"<>|]+')

FOLDER = _l("Folder in the archive")
FILES = _l("Files")
OUTGOING_COLUMNS = (FOLDER, _l("Number and notation"), _l("Document type"), _l("Subject"),
                    _l("Urgency"), _l("Status"), _l("Drafting unit"), _l("Signed by"),
                    _l("Issue date"), _l("Deadline"), _l("Created at"), FILES)
INCOMING_COLUMNS = (FOLDER, _l("Arrival number"), _l("Arrival date"),
                    _l("Author (issuing agency)"), _l("Number and notation"),
                    _l("Document date"), _l("Document type"), _l("Subject"), _l("Urgency"),
                    _l("Status"), _l("Deadline"), FILES)
ASSIGNMENT_COLUMNS = (FOLDER, _l("Arrival number"), _l("Subject"), _l("Role"),
                      _l("Instruction"), _l("Deadline"), _l("Status"), _l("Assigned by"),
                      _l("Assigned at"), _l("Completed at"))


@dataclass
class Archive:
    """The finished ZIP (a temporary file, read from the start) and what it holds."""

    file: BinaryIO
    summary: dict = field(default_factory=dict)


def safe_name(name: str) -> str:
    """A stored file name usable inside the archive: no folders, no control characters."""
    name = _UNSAFE.sub("_", Path(name or "").name).strip(" .") or "tep"
    if len(name) > NAME_LIMIT:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:NAME_LIMIT - len(suffix) - 1] + dot + suffix) if dot else name[:NAME_LIMIT]
    return name


def iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return value.isoformat()


def _value(member) -> str | None:
    return getattr(member, "value", member)


def _username(session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(UserAccount, user_id)
    return user.username if user else None


def _full_name(session, user_id: int | None) -> str:
    user = session.get(UserAccount, user_id) if user_id is not None else None
    return user.get_full_name() if user else ""


# --- What belongs to the user --------------------------------------------------------------


def outgoing_ids(session, user: UserAccount) -> list[int]:
    """Văn bản đi of the user's agency they created or drafted."""
    return list(session.scalars(
        select(OutgoingDocument.id)
        .where(OutgoingDocument.agency_id == user.agency_id,
               or_(OutgoingDocument.drafter_id == user.id,
                   OutgoingDocument.created_by_id == user.id))
        .order_by(OutgoingDocument.id)))


def incoming_ids(session, user: UserAccount) -> list[int]:
    """Văn bản đến of the user's agency given to them or presented to them."""
    mine = select(Assignment.incoming_id).where(Assignment.user_id == user.id)
    return list(session.scalars(
        select(IncomingDocument.id)
        .where(IncomingDocument.agency_id == user.agency_id,
               or_(IncomingDocument.id.in_(mine), IncomingDocument.presented_to_id == user.id))
        .order_by(IncomingDocument.id)))


def assignments_of(session, user: UserAccount) -> list[Assignment]:
    return (session.query(Assignment)
            .filter(Assignment.user_id == user.id, Assignment.agency_id == user.agency_id)
            .order_by(Assignment.assigned_at, Assignment.id).all())


def working_files(session, document: IncomingDocument, user: UserAccount) -> list[Attachment]:
    """The user's own tệp xử lý on the document: uploaded by them or on their part."""
    parts = select(Assignment.id).where(Assignment.user_id == user.id)
    return (session.query(Attachment)
            .filter(Attachment.incoming_id == document.id, Attachment.assignment_id.isnot(None),
                    or_(Attachment.uploaded_by_id == user.id, Attachment.assignment_id.in_(parts)))
            .order_by(Attachment.id).all())


# --- Writing -------------------------------------------------------------------------------


class _Writer:
    def __init__(self, session, user: UserAccount, archive: zipfile.ZipFile):
        self.session = session
        self.user = user
        self.zip = archive
        self.store = get_store()
        self.parts = assignments_of(session, user)
        self.summary = {"outgoing": 0, "incoming": 0, "assignments": 0, "files": 0,
                        "bytes": 0, "missing_files": 0}

    def json(self, name: str, data) -> None:
        self.zip.writestr(name, json.dumps(data, ensure_ascii=False, indent=2))

    def csv(self, name: str, headers, rows) -> None:
        with self.zip.open(name, "w") as raw, io.TextIOWrapper(
                raw, encoding="utf-8-sig", newline="") as text:
            writer = csv.writer(text)
            writer.writerow([str(header) for header in headers])
            writer.writerows(rows)

    def files(self, folder: str, attachments) -> list[dict]:
        """Copy each file's bytes into ``folder``; its entry in the metadata."""
        entries = []
        for attachment in attachments:
            name = f"{folder}/{attachment.id}-{safe_name(attachment.filename)}"
            entry = {"file": name, "filename": attachment.filename, "size": attachment.size,
                     "sha256": attachment.sha256, "mime_type": attachment.mime_type,
                     "uploaded_at": iso(attachment.uploaded_at),
                     "uploaded_by": _username(self.session, attachment.uploaded_by_id)}
            try:
                with self.store.open(attachment.sha256) as source, \
                        self.zip.open(name, "w", force_zip64=True) as target:
                    shutil.copyfileobj(source, target, CHUNK_SIZE)
            except FileNotFoundError:
                log.warning("data export: attachment %s missing from the store", attachment.id)
                entry.update(file=None, missing=True)
                self.summary["missing_files"] += 1
            else:
                self.summary["files"] += 1
                self.summary["bytes"] += attachment.size
            entries.append(entry)
        return entries

    def history(self, document) -> list[dict]:
        column = (DocumentEvent.outgoing_id if isinstance(document, OutgoingDocument)
                  else DocumentEvent.incoming_id)
        events = self.session.query(DocumentEvent).filter(column == document.id).order_by(
            DocumentEvent.id)
        return [{"at": iso(e.at), "action": e.action,
                 "actor": e.actor.username if e.actor else None,
                 "from_status": e.from_status, "to_status": e.to_status, "comment": e.comment}
                for e in events]

    # văn bản đi

    def outgoing(self) -> list[list[str]]:
        rows = []
        for document_id in outgoing_ids(self.session, self.user):
            document = self.session.get(OutgoingDocument, document_id)
            if not may_read(OutgoingDocument, document, "OutgoingDocument", user=self.user):
                continue
            folder = f"{OUTGOING_DIR}/{document.id}"
            files = self.files(f"{folder}/tep", document.attachments)
            self.json(f"{folder}/metadata.json", {
                "id": document.id, "agency": document.agency.name,
                "document_type": str(document.document_type),
                "number": document.number, "notation": document.notation,
                "number_display": document.number_display, "year": document.year,
                "subject": document.subject, "urgency": _value(document.urgency),
                "status": _value(document.status),
                "drafting_department": str(document.drafting_department or "") or None,
                "drafter": _username(self.session, document.drafter_id),
                "created_by": _username(self.session, document.created_by_id),
                "signer_name": document.signer_name, "signer_position": document.signer_position,
                "signing_authority": _value(document.signing_authority),
                "page_count": document.page_count, "issued_amount": document.issued_amount,
                "description": document.description, "due_date": iso(document.due_date),
                "issued_date": iso(document.issued_date), "created_at": iso(document.created_at),
                "legal_status": _value(document.legal_status),
                "recipients": [recipient.name for recipient in document.recipients],
                "attachments": files, "history": self.history(document),
            })
            rows.append(self._outgoing_row(folder, document, files))
            self.summary["outgoing"] += 1
        return rows

    @staticmethod
    def _outgoing_row(folder, document, files) -> list[str]:
        from app.registry.catalogues import URGENCY_LABELS
        from app.registry.views import OUTGOING_STATUS_LABELS

        return [folder, document.number_display, str(document.document_type), document.subject,
                str(URGENCY_LABELS[document.urgency]), str(OUTGOING_STATUS_LABELS[document.status]),
                str(document.drafting_department or ""), document.signer_name or "",
                format_date(document.issued_date), format_date(document.due_date),
                format_datetime(document.created_at), "; ".join(f["filename"] for f in files)]

    # văn bản đến

    def incoming(self) -> list[list[str]]:
        rows = []
        for document_id in incoming_ids(self.session, self.user):
            document = self.session.get(IncomingDocument, document_id)
            if not may_read(IncomingDocument, document, "IncomingDocument", user=self.user):
                continue
            folder = f"{INCOMING_DIR}/{document.id}"
            files = self.files(f"{folder}/tep", document.attachments)
            own_work = self.files(f"{folder}/tep-xu-ly",
                                  working_files(self.session, document, self.user))
            parts = [part for part in self.parts if part.incoming_id == document.id]
            self.json(f"{folder}/metadata.json", {
                "id": document.id, "agency": document.agency.name,
                "author": document.author, "code_number": document.code_number,
                "code_notation": document.code_notation,
                "document_type": str(document.document_type or "") or None,
                "document_date": iso(document.document_date), "subject": document.subject,
                "urgency": _value(document.urgency), "status": _value(document.status),
                "register": str(document.register or "") or None, "year": document.year,
                "arrival_number": document.arrival_number,
                "arrival_date": iso(document.arrival_date), "due_date": iso(document.due_date),
                "signer_name": document.signer_name, "page_count": document.page_count,
                "presented_to": _username(self.session, document.presented_to_id),
                "presented_at": iso(document.presented_at),
                "my_parts": [self._part(part) for part in parts],
                "attachments": files, "working_files": own_work,
                "history": self.history(document),
            })
            rows.append(self._incoming_row(folder, document, files + own_work))
            self.summary["incoming"] += 1
        return rows

    @staticmethod
    def _incoming_row(folder, document, files) -> list[str]:
        from app.registry.catalogues import URGENCY_LABELS
        from app.registry.views import INCOMING_STATUS_LABELS

        code = "/".join(p for p in (document.code_number, document.code_notation) if p)
        return [folder, format_number(document.arrival_number) if document.arrival_number else "",
                format_date(document.arrival_date), document.author, code,
                format_date(document.document_date), str(document.document_type or ""),
                document.subject, str(URGENCY_LABELS[document.urgency]),
                str(INCOMING_STATUS_LABELS[document.status]), format_date(document.due_date),
                "; ".join(f["filename"] for f in files)]

    # phân công

    def _part(self, part: Assignment) -> dict:
        return {"id": part.id, "incoming_id": part.incoming_id, "parent_id": part.parent_id,
                "role": _value(part.role), "instruction": part.instruction,
                "deadline": iso(part.deadline), "status": _value(part.status),
                "assigned_by": _username(self.session, part.assigned_by_id),
                "assigned_at": iso(part.assigned_at), "completed_at": iso(part.completed_at)}

    def assignments(self) -> None:
        from app.routing.labels import ASSIGNMENT_STATUS_LABELS, ROLE_LABELS

        parts = self.parts
        self.json(f"{ASSIGNMENTS_NAME}.json", [
            {**self._part(part), "subject": part.incoming.subject} for part in parts])
        self.csv(f"{ASSIGNMENTS_NAME}.csv", ASSIGNMENT_COLUMNS, [
            [f"{INCOMING_DIR}/{part.incoming_id}",
             format_number(part.incoming.arrival_number) if part.incoming.arrival_number else "",
             part.incoming.subject, str(ROLE_LABELS[part.role]), part.instruction or "",
             format_date(part.deadline), str(ASSIGNMENT_STATUS_LABELS[part.status]),
             _full_name(self.session, part.assigned_by_id),
             format_datetime(part.assigned_at), format_datetime(part.completed_at)]
            for part in parts])
        self.summary["assignments"] = len(parts)

    def readme(self) -> None:
        self.zip.writestr("README.txt", "\n".join([
            gettext("Copy of the data of %(name)s (%(username)s), made on %(at)s.",
                    name=self.user.get_full_name(), username=self.user.username,
                    at=format_datetime(utcnow())),
            "",
            gettext("%(file)s: outgoing documents you created or drafted; each one's details "
                    "(metadata.json) and files are in the folder %(folder)s/<id>.",
                    file=f"{OUTGOING_DIR}.csv", folder=OUTGOING_DIR),
            gettext("%(file)s: incoming documents given or presented to you; each one's "
                    "details, files and your working files are in the folder %(folder)s/<id>.",
                    file=f"{INCOMING_DIR}.csv", folder=INCOMING_DIR),
            gettext("%(file)s: every part of the work you were given.",
                    file=f"{ASSIGNMENTS_NAME}.csv"),
            "",
        ]))


def export_folder() -> Path:
    """Next to the attachment store: room for large archives (not a RAM-backed /tmp)."""
    folder = Path(current_app.config["STORAGE_DIR"]) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def build_archive(session, user: UserAccount) -> Archive:
    """Write the user's archive to a temporary file; the caller sends and closes it."""
    temporary = tempfile.TemporaryFile(prefix="data-export-", suffix=".zip",
                                       dir=export_folder())
    try:
        with force_locale(ARCHIVE_LOCALE), zipfile.ZipFile(
                temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            writer = _Writer(session, user, archive)
            writer.readme()
            outgoing_rows = writer.outgoing()
            writer.csv(f"{OUTGOING_DIR}.csv", OUTGOING_COLUMNS, outgoing_rows)
            incoming_rows = writer.incoming()
            writer.csv(f"{INCOMING_DIR}.csv", INCOMING_COLUMNS, incoming_rows)
            writer.assignments()
        temporary.seek(0, io.SEEK_END)
        writer.summary["zip_bytes"] = temporary.tell()
        temporary.seek(0)
    except BaseException:
        temporary.close()
        raise
    return Archive(temporary, writer.summary)
