"""Screens of the điều hành part: the public holidays of the working-day calendar."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.validators import Unique
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from app.crud import READ_WRITE_METHODS, ScopedModelView
from app.models import PublicHoliday
from app.registry.forms import VietnameseDateField
from app.validation import (
    check_required,
    form_validators,
    raise_if_errors,
    run_checks,
    unique_errors,
)


class PublicHolidayView(ScopedModelView):
    """Ngày nghỉ lễ, tết: kept by the operator each year (lunar holidays move)."""

    datamodel = SQLAInterface(PublicHoliday)
    class_permission_name = "PublicHoliday"
    method_permission_name = READ_WRITE_METHODS
    base_order = ("day", "desc")
    list_title = _l("Public holidays")
    show_title = add_title = edit_title = _l("Public holiday")
    label_columns = {"day": _l("Day"), "name": _l("Name")}
    list_columns = show_columns = add_columns = edit_columns = ["day", "name"]
    search_columns = ["day", "name"]
    validators_columns = form_validators({"name": [check_required]})
    add_form_extra_fields = edit_form_extra_fields = {
        "day": VietnameseDateField(_l("Day"), [DataRequired(), Unique(datamodel, "day")]),
    }

    def prepare(self, item: PublicHoliday) -> None:
        raise_if_errors(run_checks(item, {"name": [check_required]}),
                        unique_errors(self.datamodel.session, item, ["day"]))


def register_views(appbuilder) -> None:
    from app.menu import N_

    appbuilder.add_view(PublicHolidayView, "Public holidays", label=N_("Public holidays"),
                        icon="fa-calendar", category="Directory")

