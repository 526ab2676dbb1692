"""One object of every agency-owned kind, each carrying a marker, for the isolation matrix
(QĐ 778 Đ2, Đ10: an agency never sees another's data unless it was sent to it).

``build_agency(code, tag)`` fills an agency with văn bản đến (waiting, registered with
files, presentation, assignment, sub-assignment, progress, working files; returned), văn
bản đi (draft, in review, approved, issued and sent to a third agency, cancelled), a
register, a department, accounts, a notification, a signing profile, a directory
mapping, a data export request and an audit entry. Every text a screen may show carries
a marker unique to the object (``ISO<tag><token><WHAT>``): finding one of agency B's
markers in a page of agency A is a leak.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field

from flask import current_app

from app import db
from app.files.pipeline import accept_upload
from app.i18n import local_today
from app.models import (
    AssignmentRole,
    Attachment,
    DataExportRequest,
    Department,
    Direction,
    DirectoryMapping,
    DocumentEvent,
    IncomingDocument,
    Notification,
    NotificationKind,
    OutgoingDocument,
    OutgoingRecipient,
    Register,
    SigningProfile,
    UserAccount,
)
from app.registry import incoming, outgoing
from app.registry.attachments import attach, attach_working_files
from app.registry.registers import open_year
from app.routing import assignments
from app.routing.assignments import Target
from app.security.audit import record_audit
from app.security.roles import AGENCY_HEAD, OFFICER
from tests.directory_data import account, agency
from tests.registry_data import PDF, doc_type, paper_incoming
from tests.signing_samples import signature_png

# Agency A is Sở Thông tin và Truyền thông, agency B UBND huyện Bình Sơn (directory_data).
TU_PHAP = "000.00.03.H48"  # a third agency: Sở Tư pháp

# Each marker names the resource whose rule hides it (app.security.roles).
MARKER_RESOURCES = {
    "DEPT": "Department",
    "USER": "User", "LEADER": "User",
    "REGISTER": "Register",
    "INPENDING": "IncomingDocument", "INFILE": "IncomingDocument",
    "INREG": "IncomingDocument", "INREGFILE": "IncomingDocument",
    "PRESENTNOTE": "IncomingDocument", "INRETURNED": "IncomingDocument",
    "RETURNREASON": "IncomingDocument",
    "INSTRUCTION": "Work", "SUBINSTR": "Work", "PROGRESS": "Work", "WORKFILE": "Work",
    "DRAFT": "OutgoingDocument", "DRAFTFILE": "OutgoingDocument",
    "REVIEW": "OutgoingDocument", "REVIEWFILE": "OutgoingDocument",
    "SUBMITNOTE": "OutgoingDocument", "APPROVED": "OutgoingDocument",
    "ISSUED": "OutgoingDocument", "ISSUEDFILE": "OutgoingDocument",
    "CANCELLED": "OutgoingDocument", "CANCELREASON": "OutgoingDocument",
    "SENTCOMMENT": "OutgoingDocument",
    "NOTIFY": "Notification",
    "CERT": "SigningProfile",
    "MAPPING": "DirectoryMapping",
    "EXPORT": "DataExport",
    "AUDIT": "AuditLog",
}


@dataclass
class AgencyObjects:
    """What ``build_agency`` made: markers, ids per model, files."""

    code: str
    agency_id: int
    tag: str
    token: str
    head_username: str  # the agency head who approves its văn bản đi
    markers: dict[str, str] = field(default_factory=dict)  # WHAT -> marker
    ids: dict[type, list[int]] = field(default_factory=dict)  # model -> ids
    named: dict[str, int] = field(default_factory=dict)  # WHAT -> id of the row it marks
    filenames: list[str] = field(default_factory=list)
    sha256s: list[str] = field(default_factory=list)
    # Of agency B only: the văn bản đi it issued and sent to agency A, and its markers,
    # which agency A may see (only those).
    sent_to_a_id: int | None = None
    sent_markers: dict[str, str] = field(default_factory=dict)

    def marker(self, what: str) -> str:
        if what not in self.markers:
            self.markers[what] = f"ISO{self.tag}{self.token}{what}"
        return self.markers[what]

    def add(self, *rows) -> None:
        for row in rows:
            self.ids.setdefault(type(row), [])
            if row.id not in self.ids[type(row)]:
                self.ids[type(row)].append(row.id)

    def one_of_each(self) -> list[int]:
        return sorted({ids[0] for ids in self.ids.values() if ids})

    def all_ids(self) -> list[int]:
        return sorted({i for ids in self.ids.values() for i in ids})


def _pdf(name: str):
    return accept_upload(io.BytesIO(PDF), f"{name}.pdf", "application/pdf")


def _attach(objects: AgencyObjects, document, what: str) -> list[Attachment]:
    rows = attach(db.session, document, [_pdf(objects.marker(what))])
    db.session.flush()
    objects.add(*rows)
    objects.filenames += [r.filename for r in rows]
    objects.sha256s += [r.sha256 for r in rows]
    return rows


def _user(objects: AgencyObjects, what: str, role: str, department) -> UserAccount:
    sm = current_app.appbuilder.sm
    # Named like the agency's other accounts (ending in .binhson, .stttt), marker inside.
    slug = account(objects.head_username).username.rsplit(".", 1)[-1]
    username = f"iso{objects.tag}{objects.token}{what}.{slug}".lower()
    user = sm.add_user(
        username=username, first_name=objects.marker(what), last_name="Nguyễn",
        email=f"{username}@quangngai.gov.vn", role=sm.find_role(role), password="Iso-Matrix-2026!")
    assert user, f"could not create {username}"
    user.agency_id = objects.agency_id
    user.department_id = department.id if department else None
    user.position = objects.marker(what)
    db.session.commit()
    return db.session.get(UserAccount, user.id)


def _outgoing(objects: AgencyObjects, what: str, department, head: UserAccount,
              upto: str, file_what: str | None = None) -> OutgoingDocument:
    """A văn bản đi taken up to ``upto``: draft, in_review, approved or issued."""
    document = OutgoingDocument(
        agency_id=objects.agency_id, document_type=doc_type("Công văn"),
        subject=f"Về việc {objects.marker(what)}", drafting_department=department,
        page_count=1)
    outgoing.save_draft(db.session, document)
    if file_what:
        _attach(objects, document, file_what)
    if upto != "draft":
        outgoing.transition(db.session, document, "submit", objects.marker("SUBMITNOTE"))
    if upto in ("approved", "issued"):
        outgoing.transition(db.session, document, "approve", signer=head)
    if upto == "issued":
        outgoing.issue(db.session, document)
    db.session.commit()
    objects.add(document)
    objects.named[what] = document.id
    return document


def build_agency(code: str, tag: str, token: str, head_username: str,
                 work_department: str | None = None, work_officer: str | None = None,
                 notify_usernames: tuple[str, ...] = ()) -> AgencyObjects:
    """Every agency-owned kind in agency ``code``. The registered văn bản đến's work goes
    to ``work_department`` (and on to ``work_officer``) when given, else to the
    department and officer made here; ``notify_usernames`` get a notification too."""
    session = db.session
    home = agency(code)
    objects = AgencyObjects(code=code, agency_id=home.id, tag=tag, token=token,
                            head_username=head_username)
    objects.add(home)
    year = local_today().year
    head = account(head_username)

    department = Department(agency_id=home.id, name=f"Phòng {objects.marker('DEPT')}")
    session.add(department)
    session.commit()
    objects.add(department)
    officer = _user(objects, "USER", OFFICER, department)
    leader = _user(objects, "LEADER", AGENCY_HEAD, None)
    objects.add(officer, leader)
    objects.named.update(USER=officer.id, LEADER=leader.id, DEPT=department.id)

    # Registers: this year's defaults exist first, so the marked one (an extra register
    # the văn thư may choose) never becomes the agency's default numbering register.
    for direction in Direction:
        open_year(session, home.id, direction, year)
    register = Register(agency_id=home.id, direction=Direction.incoming, year=year,
                        name=objects.marker("REGISTER"), is_default=False, active=True)
    session.add(register)
    session.commit()
    objects.add(register)
    objects.named["REGISTER"] = register.id

    # --- Văn bản đến -----------------------------------------------------------------
    pending = incoming.receive(session, paper_incoming(
        code, f"Về việc {objects.marker('INPENDING')}"))
    _attach(objects, pending, "INFILE")
    returned = incoming.receive(session, paper_incoming(
        code, f"Về việc {objects.marker('INRETURNED')}"))
    incoming.return_to_sender(session, returned, objects.marker("RETURNREASON"))
    registered = incoming.receive(session, paper_incoming(
        code, f"Về việc {objects.marker('INREG')}"))
    _attach(objects, registered, "INREGFILE")
    incoming.register(session, registered)
    session.commit()
    assignments.present(session, registered, leader, objects.marker("PRESENTNOTE"))
    unit = (session.query(Department).filter_by(agency_id=home.id, name=work_department).one()
            if work_department else department)
    (lead,) = assignments.assign(session, registered, objects.marker("INSTRUCTION"), [
        Target(AssignmentRole.lead, department=unit)])
    session.flush()
    handler = account(work_officer) if work_officer else officer
    part = assignments.sub_assign(session, lead, handler, None, objects.marker("SUBINSTR"))
    session.flush()
    assignments.record_progress(session, part, objects.marker("PROGRESS"))
    working = attach_working_files(session, part, [_pdf(objects.marker("WORKFILE"))])
    session.commit()
    objects.add(pending, returned, registered, lead, part, *working)
    objects.named.update(INPENDING=pending.id, INRETURNED=returned.id, INREG=registered.id)
    objects.filenames += [r.filename for r in working]

    # --- Văn bản đi ------------------------------------------------------------------
    _outgoing(objects, "DRAFT", department, head, "draft", file_what="DRAFTFILE")
    _outgoing(objects, "REVIEW", department, head, "in_review", file_what="REVIEWFILE")
    _outgoing(objects, "APPROVED", department, head, "approved")
    issued = _outgoing(objects, "ISSUED", department, head, "issued", file_what="ISSUEDFILE")
    outgoing.send(session, issued, [agency(TU_PHAP)], [(objects.marker("ISSUED"), None)])
    cancelled = _outgoing(objects, "CANCELLED", department, head, "issued")
    outgoing.cancel(session, cancelled, objects.marker("CANCELREASON"))
    session.commit()

    # --- The rest ------------------------------------------------------------------
    from app.routing.notifications import notify

    period = local_today().isoformat()
    from app.security.roles import ROLES_BY_NAME

    for user in (officer, *(account(name) for name in notify_usernames)):
        # Not tied to the part: handing out work already notified its holder today. An
        # agency admin reads no documents: theirs is an account notice.
        reads = any("IncomingDocument" in ROLES_BY_NAME[role.name].grants for role in user.roles)
        notify(session, user, NotificationKind.due_soon if reads else NotificationKind.account,
               period, f"{objects.marker('NOTIFY')} {user.username}",
               incoming=registered if reads else None)
    png = accept_upload(io.BytesIO(signature_png()), f"{objects.marker('CERT')}.png", "image/png")
    profile = SigningProfile(
        agency_id=home.id, user_id=officer.id, owner=f"user:{officer.id}",
        image_sha256=png.sha256, certificate_subject=f"CN={objects.marker('CERT')}")
    mapping = DirectoryMapping(directory_value=objects.marker("MAPPING"), agency_id=home.id,
                               department_id=department.id)
    export = DataExportRequest(agency_id=home.id, user_id=officer.id,
                               reason=objects.marker("EXPORT"))
    session.add_all([profile, mapping, export])
    audit = record_audit("iso_matrix", actor=officer, agency_id=home.id,
                         target=objects.marker("AUDIT"), detail={"note": objects.marker("AUDIT")})
    session.commit()
    objects.add(profile, mapping, export, audit)
    objects.add(*session.query(Notification).filter(
        Notification.message.like(f"{objects.marker('NOTIFY')}%")))
    objects.add(*session.query(DocumentEvent).filter_by(agency_id=home.id).filter(
        DocumentEvent.comment.like(f"%ISO{tag}{token}%")))
    objects.add(*session.query(OutgoingRecipient).filter(
        OutgoingRecipient.outgoing_id.in_(objects.ids[OutgoingDocument])))
    return objects


def send_to(objects: AgencyObjects, sender_head: str, receiver_code: str) -> IncomingDocument:
    """Agency B issues one văn bản đi to agency A: A sees exactly this, as an arrived
    văn bản đến with its file. Its subject and file name are markers A may see; the
    comment made while drafting stays B's."""
    session = db.session
    head = account(sender_head)
    subject_marker = f"ISO{objects.tag}{objects.token}SENTTOA"
    file_marker = f"ISO{objects.tag}{objects.token}SENTFILE"
    objects.sent_markers = {"SENTTOA": subject_marker, "SENTFILE": file_marker}
    document = OutgoingDocument(
        agency_id=objects.agency_id, document_type=doc_type("Công văn"),
        subject=f"Về việc {subject_marker}", page_count=1)
    outgoing.save_draft(session, document)
    rows = attach(session, document, [_pdf(file_marker)])
    outgoing.transition(session, document, "submit", objects.marker("SENTCOMMENT"))
    outgoing.transition(session, document, "approve", signer=head)
    outgoing.issue(session, document)
    (recipient,) = outgoing.send(session, document, [agency(receiver_code)])
    session.commit()
    objects.add(document, *rows, recipient)
    objects.sent_to_a_id = document.id
    return recipient.incoming


def new_token() -> str:
    return uuid.uuid4().hex[:8].upper()

