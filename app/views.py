"""Screens of the directory: agencies (cơ quan) and departments (phòng, ban)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.crud import ScopedModelView, enum_select_field, label_formatter
from app.directory import (
    AGENCY_CHECKS,
    AGENCY_KIND_LABELS,
    DEPARTMENT_CHECKS,
    prepare_agency,
    prepare_department,
)
from app.i18n import format_yes_no
from app.models import Agency, Department
from app.security.scope import AgencyScopeFilter, scoped
from app.validation import form_validators

AGENCY_LABELS = {
    "code": _l("Electronic identifier"),
    "name": _l("Name"),
    "abbreviation": _l("Abbreviation"),
    "kind": _l("Kind"),
    "parent": _l("Parent agency"),
    "place_name": _l("Place name"),
    "official_email": _l("Official e-mail"),
    "exchange_endpoint": _l("Exchange address"),
    "infosec_officer": _l("Information security officer"),
    "active": _l("Active"),
    "can_exchange_externally": _l("Can exchange externally"),
    "agency": _l("Agency"),
    "departments": _l("Departments"),
}


class AgencyView(ScopedModelView):
    """Danh mục cơ quan: the directory of every agency of the province."""

    datamodel = SQLAInterface(Agency)
    class_permission_name = "Agency"
    base_filters = scoped("Agency", "id")
    base_order = ("name", "asc")
    list_title = _l("Agencies")
    show_title = _l("Agency")
    add_title = _l("Add agency")
    edit_title = _l("Edit agency")
    label_columns = AGENCY_LABELS
    list_columns = ["code", "name", "abbreviation", "kind", "parent", "active"]
    search_columns = ["code", "name", "abbreviation", "kind", "active"]
    show_columns = [
        "code", "name", "abbreviation", "kind", "parent", "place_name", "official_email",
        "exchange_endpoint", "infosec_officer", "active", "can_exchange_externally",
    ]
    add_columns = edit_columns = [
        "code", "name", "abbreviation", "kind", "parent", "place_name", "official_email",
        "exchange_endpoint", "infosec_officer", "active",
    ]
    description_columns = {
        "code": _l(
            "Mã định danh điện tử, e.g. 000.00.00.H48. Without it the agency cannot "
            "exchange documents with other systems (QĐ 778 Đ9.2)."
        ),
        "abbreviation": _l("Used in document notations, e.g. UBND in 12/QĐ-UBND."),
        "place_name": _l("Shown in the date line, e.g. Quảng Ngãi, ngày 22 tháng 5 năm 2023."),
        "exchange_endpoint": _l("Address that receives electronic documents for this agency."),
    }
    formatters_columns = {
        "kind": label_formatter(AGENCY_KIND_LABELS),
        "can_exchange_externally": format_yes_no,
    }
    validators_columns = form_validators(AGENCY_CHECKS)
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": enum_select_field(_l("Kind"), AGENCY_KIND_LABELS,
                                  _l("Level of the agency in the province.")),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "infosec_officer": [["agency_id", AgencyScopeFilter, "User"]],
    }

    def prepare(self, item: Agency) -> None:
        prepare_agency(self.datamodel.session, item)


class DepartmentView(ScopedModelView):
    """Phòng, ban of an agency; each agency sees and manages only its own."""

    datamodel = SQLAInterface(Department)
    class_permission_name = "Department"
    base_filters = scoped("Department")
    base_order = ("name", "asc")
    list_title = _l("Departments")
    show_title = _l("Department")
    add_title = _l("Add department")
    edit_title = _l("Edit department")
    label_columns = {**AGENCY_LABELS, "name": _l("Name"), "abbreviation": _l("Abbreviation")}
    list_columns = ["name", "abbreviation", "agency", "active"]
    search_columns = ["name", "abbreviation", "active"]
    show_columns = add_columns = edit_columns = ["agency", "name", "abbreviation", "active"]
    validators_columns = form_validators(DEPARTMENT_CHECKS)
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "agency": [["id", AgencyScopeFilter, "Department"]],
    }

    def prepare(self, item: Department) -> None:
        prepare_department(self.datamodel.session, item)


__all__ = ["AgencyView", "DepartmentView", "AGENCY_LABELS", "AGENCY_KIND_LABELS"]
