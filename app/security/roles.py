"""Roles as data (QĐ 778 Đ8.2c, Đ19.1d).

The roles of the eOffice and what each may do are written here, once. ``sync_roles``
applies them to the database idempotently: it is run by ``flask eoffice sync-roles`` at
deploy time and at every start-up, so the Roles screen always shows what this file says.

Permissions use two verbs per resource, ``can_read`` and ``can_write``, shared by a
resource's web view and its REST API (see ``app.security.permissions``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

log = logging.getLogger(__name__)

SYSTEM_ADMIN = "System admin"
AGENCY_ADMIN = "Agency admin"
AGENCY_HEAD = "Agency head"
DEPARTMENT_HEAD = "Department head"
CLERK = "Clerk"
OFFICER = "Officer"
OPERATOR = "Operator"
AUDITOR = "Auditor"
PUBLIC = "Public"

READ = ("can_read",)
WRITE = ("can_read", "can_write")

# Permissions every signed-in user needs for their own profile and password.
SELF_SERVICE = {
    "User": ("can_userinfo",),
    "ResetMyPasswordView": ("can_this_form_get", "can_this_form_post"),
    "UserInfoEditView": ("can_this_form_get", "can_this_form_post"),
    # A departing user asks for a copy of their own data (QĐ 778 Đ19.1c).
    "DataExport": ("can_read", "can_write"),
}
# Nhật ký hệ thống (audit log): read, filter and export.
AUDIT_READ = ("can_read",)
# Data export requests: the agency head decides them.
DATA_EXPORT_APPROVE = ("can_read", "can_write", "can_approve")

# Permissions on the document registry (app.registry.views and .api).
INCOMING_CLERK = ("can_read", "can_write", "can_register")  # vào sổ, trả lại, trình
# Every permission of the resource: each view and API sharing it declares all of them,
# or Flask-AppBuilder's permission update would remove the others' verbs.
INCOMING_ALL = INCOMING_CLERK + ("can_assign",)
INCOMING_DIRECT = ("can_read", "can_assign")  # phân công (ý kiến chỉ đạo)
# Việc của tôi: read it, act on one's parts; leaders also follow their units (theo dõi).
WORK_FOLLOW = ("can_read", "can_write", "can_follow")
OUTGOING_ALL = ("can_read", "can_write", "can_approve", "can_issue")  # duyệt; phát hành, gửi
# Chữ ký số: one's own signing profile (write); the agency's seal and key (seal), which
# the văn thư keeps (NĐ 30 Đ32–33).
SIGNING_ALL = ("can_read", "can_write", "can_seal")
SIGNING_OWN = ("can_read", "can_write")

# Menu entries: (resource, permission needed, category or None for the top bar, item).
MENUS: tuple[tuple[str, str, str | None, str], ...] = (
    ("Agency", "can_read", "Directory", "Agencies"),
    ("Department", "can_read", "Directory", "Departments"),
    ("User", "can_read", "Directory", "List Users"),  # FAB's user view, moved here
    ("IncomingDocument", "can_read", "Incoming", "Waiting for registration"),
    ("IncomingDocument", "can_read", "Incoming", "Registered incoming"),
    ("IncomingDocument", "can_register", "Incoming", "Register a paper document"),
    ("OutgoingDocument", "can_read", "Outgoing", "Drafts"),
    ("OutgoingDocument", "can_read", "Outgoing", "Waiting for issuance"),
    ("OutgoingDocument", "can_read", "Outgoing", "Issued"),
    ("Register", "can_read", "Directory", "Registers"),
    ("IncomingDocument", "can_read", None, "Search documents"),
    ("PublicHoliday", "can_read", "Directory", "Public holidays"),
    ("Work", "can_read", None, "My work"),
    ("Work", "can_follow", "Reports", "Units' workload"),
    ("Report", "can_read", "Reports", "Reports and registers"),
    ("SigningProfile", "can_write", "Digital signature", "My digital signature"),
    ("SigningProfile", "can_seal", "Digital signature", "Agency seal and key"),
    ("AuditLog", "can_read", "Audit", "Audit log"),
    ("DirectoryMapping", "can_read", "Directory", "Mail directory mapping"),
    ("Handover", "can_write", "Directory", "Hand over and leave"),
    ("DataExport", "can_read", "Directory", "My data export"),
    ("DataExport", "can_approve", "Directory", "Data export requests"),
)


@dataclass(frozen=True)
class RoleDefinition:
    name: str
    label: str
    description: str
    grants: dict[str, tuple[str, ...]]
    # Resources this role sees and edits for every agency; elsewhere it is held to
    # the user's own agency (QĐ 778 Đ2, Đ10).
    province_wide: frozenset[str] = field(default_factory=frozenset)
    # Roles an agency admin may never hand out (QĐ 778 Đ8.2c, Đ19.1d).
    protected: bool = False
    # Resources this role reads only where it has work (văn bản đến assigned to the
    # person or their department); leaders and the văn thư read all of their agency's.
    own_work_only: frozenset[str] = field(default_factory=frozenset)


ROLE_DEFINITIONS: tuple[RoleDefinition, ...] = (
    RoleDefinition(
        SYSTEM_ADMIN,
        _l("System administrator"),
        _l("Department of Information and Communications: runs the whole system, every agency"),
        grants={},  # Flask-AppBuilder's admin role holds every permission.
        province_wide=frozenset({"*"}),
        protected=True,
    ),
    RoleDefinition(
        AGENCY_ADMIN,
        _l("Agency administrator"),
        _l("IT staff of an agency: manages the accounts and departments of that agency only"),
        # The agency directory is kept by the System admin and the Operator.
        grants={
            "Agency": READ,
            "Register": WRITE,
            "Department": WRITE,
            "User": WRITE,
            "ResetPasswordView": ("can_this_form_get", "can_this_form_post"),
            "SwaggerView": ("can_show",),
            "OpenApi": ("can_get",),
            "Notification": READ,  # directory sync reports (new, moved, revoked accounts)
            "AuditLog": AUDIT_READ,  # their agency's entries
            "DirectoryMapping": READ,
            "Handover": WRITE,
        },
    ),
    RoleDefinition(
        AGENCY_HEAD,
        _l("Agency head"),
        _l("Leader of the agency: directs, assigns and signs documents"),
        grants={
            "Agency": READ, "Department": READ, "User": READ, "Register": READ,
            "IncomingDocument": INCOMING_DIRECT, "Attachment": WRITE, "PublicHoliday": READ,
            "OutgoingDocument": ("can_read", "can_write", "can_approve"), "Work": WORK_FOLLOW,
            "Notification": READ, "Report": READ, "SigningProfile": SIGNING_OWN,
            "DataExport": DATA_EXPORT_APPROVE,
        },
    ),
    RoleDefinition(
        DEPARTMENT_HEAD,
        _l("Department head"),
        _l("Leader of a department: assigns and follows up work in the department"),
        grants={
            "Agency": READ, "Department": READ, "User": READ,
            "IncomingDocument": READ, "OutgoingDocument": WRITE, "Attachment": WRITE, "PublicHoliday": READ,
            "Work": WORK_FOLLOW, "Notification": READ,
            "Report": READ,  # their department's part only (app.reports.views)
            "SigningProfile": SIGNING_OWN,
        },
        own_work_only=frozenset({"IncomingDocument"}),
    ),
    RoleDefinition(
        CLERK,
        _l("Clerk"),
        _l("Registers incoming documents and issues outgoing ones"),
        grants={
            "Agency": READ, "Department": READ, "User": READ, "Register": WRITE,
            "IncomingDocument": INCOMING_CLERK, "Attachment": WRITE, "PublicHoliday": READ,
            "OutgoingDocument": ("can_read", "can_write", "can_issue"), "Work": READ,
            "Notification": READ, "Report": READ, "SigningProfile": SIGNING_ALL,
        },
    ),
    RoleDefinition(
        OFFICER,
        _l("Officer"),
        _l("Processes the documents assigned to them"),
        grants={
            "Agency": READ, "Department": READ, "User": READ,
            "IncomingDocument": READ, "OutgoingDocument": WRITE, "Attachment": WRITE, "PublicHoliday": READ,
            "Work": WRITE, "Notification": READ,
        },
        own_work_only=frozenset({"IncomingDocument"}),
    ),
    RoleDefinition(
        OPERATOR,
        _l("Operator"),
        _l("Service provider: backups, incidents, maintenance, exchange directory"),
        # QĐ 778 Đ18.6: the operator keeps the agencies' receiving addresses current.
        grants={"Agency": WRITE, "PublicHoliday": WRITE, "AuditLog": AUDIT_READ,
                "DirectoryMapping": WRITE},
        province_wide=frozenset({"Agency", "AuditLog", "DirectoryMapping"}),
        protected=True,
    ),
    RoleDefinition(
        AUDITOR,
        _l("Auditor"),
        _l("Reads reports and the audit log, changes nothing"),
        grants={"Agency": READ, "AuditLog": AUDIT_READ},
        province_wide=frozenset({"AuditLog"}),
    ),
)

ROLES_BY_NAME = {definition.name: definition for definition in ROLE_DEFINITIONS}
PROTECTED_ROLES = frozenset(d.name for d in ROLE_DEFINITIONS if d.protected)


def role_label(name: str) -> str:
    definition = ROLES_BY_NAME.get(name)
    return str(definition.label) if definition else name


def _permission_pairs(definition: RoleDefinition) -> set[tuple[str, str]]:
    """(permission, view_menu) pairs a role must hold, menus included."""
    pairs = {
        (permission, resource)
        for grants in (SELF_SERVICE, definition.grants)
        for resource, permissions in grants.items()
        for permission in permissions
    }
    for resource, permission, category, item in MENUS:
        granted = (*SELF_SERVICE.get(resource, ()), *definition.grants.get(resource, ()))
        if permission in granted:
            pairs |= {("menu_access", name) for name in (category, item) if name}
    return pairs


def _lock_for_sync(session) -> None:
    """Serialise concurrent syncs when several workers start at once."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(778002)"))


def sync_roles() -> list[str]:
    """Create every permission the registered views need and set each role's
    permissions to exactly what ROLE_DEFINITIONS says. Returns the role names."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    session = sm.session
    _lock_for_sync(session)
    admin = sm.add_role(SYSTEM_ADMIN)
    sm.add_role(PUBLIC)
    appbuilder.add_permissions(update_perms=True)
    all_pvms = session.query(sm.permissionview_model).all()
    admin.permissions = list(all_pvms)
    index = {(pv.permission.name, pv.view_menu.name): pv for pv in all_pvms}
    for definition in ROLE_DEFINITIONS:
        if definition.name == SYSTEM_ADMIN:
            continue
        role = sm.add_role(definition.name)
        wanted = []
        for permission, view_menu in sorted(_permission_pairs(definition)):
            pvm = index.get((permission, view_menu))
            if pvm is None:
                pvm = sm.add_permission_view_menu(permission, view_menu)
                index[(permission, view_menu)] = pvm
            wanted.append(pvm)
        role.permissions = wanted
    session.commit()
    names = [definition.name for definition in ROLE_DEFINITIONS]
    log.info("roles synced: %s", ", ".join(names))
    return names
