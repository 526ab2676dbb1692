"""REST APIs (``/api/v1/...``, OpenAPI at ``/swagger/v1``) for the directory.

Same permissions, scope and checks as the screens; bad input gets a structured 400.
"""

from __future__ import annotations

from flask import current_app
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from app.crud import ScopedModelApi
from app.directory import prepare_agency, prepare_department, prepare_user
from app.models import Agency, Department, UserAccount
from app.security import passwords
from app.security.scope import AgencyScopeFilter, ProtectedAccountFilter, scoped
from app.security.views import USER_REL_QUERIES
from app.validation import DomainValidationError

AGENCY_FIELDS = [
    "code", "name", "abbreviation", "kind", "parent", "place_name", "official_email",
    "exchange_endpoint", "infosec_officer", "active",
]


class AgencyApi(ScopedModelApi):
    resource_name = "agency"
    datamodel = SQLAInterface(Agency)
    class_permission_name = "Agency"
    base_filters = scoped("Agency", "id")
    base_order = ("name", "asc")
    list_columns = [
        "id", "code", "name", "abbreviation", "kind", "parent.id", "parent.name",
        "place_name", "official_email", "exchange_endpoint", "active",
    ]
    show_columns = list_columns + ["infosec_officer.id", "can_exchange_externally"]
    add_columns = edit_columns = AGENCY_FIELDS
    search_columns = ["code", "name", "abbreviation", "kind", "parent", "active"]
    # As on the screen (AgencyView): the officer is chosen among the accounts one may see.
    add_query_rel_fields = edit_query_rel_fields = {
        "infosec_officer": [["agency_id", AgencyScopeFilter, "User"]],
    }

    def prepare(self, item: Agency) -> None:
        prepare_agency(self.datamodel.session, item)


class DepartmentApi(ScopedModelApi):
    resource_name = "department"
    datamodel = SQLAInterface(Department)
    class_permission_name = "Department"
    base_filters = scoped("Department")
    base_order = ("name", "asc")
    list_columns = show_columns = ["id", "agency.id", "agency.name", "name", "abbreviation", "active"]
    # "agency" is accepted but forced to the caller's own agency unless province-wide.
    add_columns = edit_columns = ["agency", "name", "abbreviation", "active"]
    server_filled = ("agency",)
    search_columns = ["agency", "name", "abbreviation", "active"]

    def prepare(self, item: Department) -> None:
        prepare_department(self.datamodel.session, item)


USER_FIELDS = [
    "username", "first_name", "last_name", "email", "official_email", "phone", "position",
    "agency", "department", "roles", "active",
]


class UserApi(ScopedModelApi):
    resource_name = "user"
    datamodel = SQLAInterface(UserAccount)
    class_permission_name = "User"
    base_filters = scoped("User") + [["id", ProtectedAccountFilter, "User"]]
    base_order = ("username", "asc")
    list_columns = show_columns = [
        "id", "username", "first_name", "last_name", "email", "official_email", "phone",
        "position", "agency.id", "agency.name", "department.id", "department.name",
        "roles.id", "roles.name", "active", "last_login",
    ]
    # Shares the "User" permissions with UserAccountView, profile page included.
    base_permissions = ["can_read", "can_write", "can_userinfo"]
    server_filled = ("agency",)
    add_columns = USER_FIELDS + ["password"]
    edit_columns = USER_FIELDS
    search_columns = ["username", "email", "agency", "department", "active"]
    add_query_rel_fields = edit_query_rel_fields = USER_REL_QUERIES

    def _init_model_schemas(self) -> None:
        super()._init_model_schemas()
        # The password goes in, never out (not even its hash).
        self.add_model_schema.dump_fields.pop("password", None)

    def prepare(self, item: UserAccount) -> None:
        prepare_user(self.datamodel.session, item)
        if item.id is None and not item.password:
            raise DomainValidationError({"password": [str(_l("This field is required."))]})
        if item.id is None:  # password policy, before pre_add hashes it
            found = passwords.problems(item.password, passwords.names_of(item))
            if found:
                raise DomainValidationError({"password": found})

    def pre_add(self, item: UserAccount) -> None:
        super().pre_add(item)
        if item.password:
            item.password = generate_password_hash(
                item.password,
                method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
            )
