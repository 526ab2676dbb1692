"""Forms of the handover wizard and of the data export screens."""

from __future__ import annotations

from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


def optional_id(value):
    """A posted id, or None when nothing was chosen; the service says what is wrong."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def person_field(label, description=None) -> SelectField:
    # validate_choice=False: an id outside the list reaches the service, which refuses
    # it with a clear message (someone of another agency, an inactive account).
    return SelectField(label, coerce=optional_id, validate_choice=False,
                       description=description)


def person_choices(people) -> list[tuple[str, str]]:
    blank = ("", str(_l("— choose —")))
    return [blank] + [(str(p.id), f"{p.get_full_name()} ({p.username})") for p in people]


class ChooseLeaverForm(DynamicForm):
    leaver = person_field(_l("Person leaving"), _l(
        "Accounts of your agency; the next step shows what they hold."))


class HandoverForm(DynamicForm):
    successor = person_field(_l("Successor"), _l(
        "An active account of the same agency; they take over the work and the drafts."))
    confirm = BooleanField(
        _l("I confirm the handover and the closing of this account"),
        [DataRequired(message=_l("Tick the box to confirm the handover."))])


class ExportRequestForm(DynamicForm):
    reason = TextAreaField(_l("Reason"), [DataRequired(), Length(max=500)], description=_l(
        "For example: leaving the agency, moving to another post."))


DECISIONS = [("approve", _l("Approve")), ("reject", _l("Reject"))]


class ExportDecisionForm(DynamicForm):
    decision = SelectField(_l("Decision"), choices=DECISIONS, validators=[DataRequired()])
    note = TextAreaField(_l("Note"), [Optional(), Length(max=500)], description=_l(
        "Required when rejecting: the requester reads it."))
