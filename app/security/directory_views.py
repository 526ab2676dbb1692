"""Screens of the official mail directory (QĐ 778 Đ8.2a, Đ16).

- "Mail directory mapping": which agency (and department) a value of the directory's
  agency attribute stands for, for mailboxes whose attribute does not carry the agency's
  code. Operators and system admins keep it for the whole province; agency admins read
  their agency's rows.
- Passwords: under AUTH_LDAP, Flask-AppBuilder registers no password screens; local
  accounts still need them. A directory account's password is its mailbox's, changed in
  the mail system: neither its owner nor an admin sets one in eOffice.
"""

from __future__ import annotations

import logging

from flask import current_app, flash, g, redirect, request, url_for
from flask_appbuilder.const import AUTH_LDAP
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.crud import ScopedModelView
from app.models import Agency, Department, DirectoryMapping
from app.security.directory_auth import LOCAL
from app.security.scope import AgencyScopeFilter, can_manage_user, owning_agency_id, scoped
from app.validation import check_required, raise_if_errors, run_checks, unique_errors

log = logging.getLogger(__name__)

MAPPING_CHECKS = {"directory_value": [check_required]}


def prepare_mapping(session, mapping: DirectoryMapping) -> None:
    """Trim the value, force the agency the user may write for, keep the department
    inside that agency; refuse duplicates (case-insensitive, as logins match them)."""
    if isinstance(mapping.directory_value, str):
        mapping.directory_value = mapping.directory_value.strip() or None
    errors = run_checks(mapping, MAPPING_CHECKS)
    requested = mapping.agency.id if mapping.agency else mapping.agency_id
    mapping.agency_id = owning_agency_id(requested, "DirectoryMapping")
    mapping.agency = session.get(Agency, mapping.agency_id) if mapping.agency_id else None
    if mapping.agency is None:
        errors.setdefault("agency", []).append(str(_l("Choose the agency.")))
    department = mapping.department or (
        session.get(Department, mapping.department_id) if mapping.department_id else None)
    if department is not None and department.agency_id != mapping.agency_id:
        errors.setdefault("department", []).append(
            str(_l("The department must belong to the chosen agency.")))
    raise_if_errors(errors, unique_errors(session, mapping, ["directory_value"]))


class DirectoryMappingView(ScopedModelView):
    """Ánh xạ thư mục thư công vụ: directory value -> agency, department."""

    datamodel = SQLAInterface(DirectoryMapping)
    class_permission_name = "DirectoryMapping"
    base_filters = scoped("DirectoryMapping")
    base_order = ("directory_value", "asc")
    list_title = _l("Mail directory mapping")
    show_title = _l("Mail directory mapping")
    add_title = _l("Add mail directory mapping")
    edit_title = _l("Edit mail directory mapping")
    label_columns = {
        "directory_value": _l("Directory value"),
        "agency": _l("Agency"),
        "department": _l("Department"),
    }
    list_columns = show_columns = add_columns = edit_columns = [
        "directory_value", "agency", "department"]
    search_columns = ["directory_value", "agency", "department"]
    description_columns = {
        "directory_value": _l(
            "A value of the mail directory's agency attribute (e.g. departmentNumber), as "
            "written in the directory. Mailboxes carrying it get their account in this "
            "agency at their first login."),
        "department": _l("Optional: the department new accounts are placed in."),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "agency": [["id", AgencyScopeFilter, "DirectoryMapping"]],
        "department": [["agency_id", AgencyScopeFilter, "DirectoryMapping"]],
    }
    search_form_query_rel_fields = add_form_query_rel_fields

    def prepare(self, item: DirectoryMapping) -> None:
        prepare_mapping(self.datamodel.session, item)


def register_views(appbuilder) -> None:
    from app.menu import N_

    appbuilder.add_view(
        DirectoryMappingView, "Mail directory mapping", label=N_("Mail directory mapping"),
        icon="fa-address-book", category="Directory",
    )


# --- Passwords of local accounts --------------------------------------------------------------


def register_password_views(sm) -> None:
    """Under AUTH_LDAP, add the password screens FAB adds under AUTH_DB only (for local
    accounts), and keep directory accounts out of both (under either AUTH_TYPE)."""
    if not current_app.config.get("FAB_ADD_SECURITY_VIEWS", True):
        return
    if sm.auth_type == AUTH_LDAP:
        sm.appbuilder.add_view_no_menu(sm.resetpasswordview())
        sm.appbuilder.add_view_no_menu(sm.resetmypasswordview())
    current_app.before_request(_local_passwords_only)


def _local_passwords_only():
    """Before the password screens: a directory account's password is its mailbox's."""
    sm = current_app.appbuilder.sm
    view = (request.endpoint or "").split(".", 1)[0]
    if view == sm.resetmypasswordview.__name__:
        target, back = g.user, ("userinfo", {})
    elif view == sm.resetpasswordview.__name__:
        target = sm.get_user_by_id(request.args.get("pk", type=int))
        if not can_manage_user(target):
            return None  # the view itself answers (404)
        back = ("show", {"pk": target.id})
    else:
        return None
    if getattr(target, "auth_source", LOCAL) == LOCAL:
        return None
    log.info("password change of directory account %s refused", target.username)
    flash(str(_l("This account logs in with its official mailbox: its password is changed "
                 "in the mail system, not in eOffice.")), "warning")
    endpoint, args = back
    return redirect(url_for(f"{sm.user_view.endpoint}.{endpoint}", **args))
