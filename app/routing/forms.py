"""Forms of phân công and xử lý: the leader's routing slip (phiếu giải quyết văn bản
đến, NĐ 30 Phụ lục IV), the department head's hand-over, the handler's progress."""

from __future__ import annotations

from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.registry.forms import VietnameseDateField, files_field
from app.routing.assignments import INSTRUCTION_LIMIT, NOTE_LIMIT
from app.routing.labels import ROLE_LABELS

TARGET_ROWS = 6  # units and people on one routing slip; more in a second round


def role_choices():
    return [(role.value, str(label)) for role, label in ROLE_LABELS.items()]


def _instruction(label, required=False, limit=INSTRUCTION_LIMIT):
    return TextAreaField(label, [DataRequired() if required else Optional(), Length(max=limit)],
                         widget=BS3TextAreaFieldWidget())


class TargetRow(Form):
    """One line of the slip: unit or person, role, deadline."""

    # Rows left empty post nothing: the choices are checked for the rows filled in.
    assignee = SelectField(_l("Unit or person"), validate_choice=False)
    role = SelectField(_l("Role"), choices=role_choices, validate_choice=False)
    deadline = VietnameseDateField(_l("Deadline"), [Optional()])


class AssignForm(DynamicForm):
    instruction = _instruction(_l("Instruction"))
    targets = FieldList(FormField(TargetRow), min_entries=TARGET_ROWS, max_entries=TARGET_ROWS)


class SubAssignForm(DynamicForm):
    officer = SelectField(_l("Officer"), coerce=int, validate_choice=False)
    role = SelectField(_l("Role"), choices=role_choices)
    deadline = VietnameseDateField(_l("Deadline"), [Optional()])
    instruction = _instruction(_l("Instruction"))


class PresentForm(DynamicForm):
    leader = SelectField(_l("Leader"), coerce=int, validate_choice=False)
    note = _instruction(_l("Note"), limit=NOTE_LIMIT)


class ProgressForm(DynamicForm):
    note = _instruction(_l("Progress"), required=True, limit=NOTE_LIMIT)
    files = files_field()


class CompleteForm(DynamicForm):
    note = _instruction(_l("Result"), limit=NOTE_LIMIT)
    files = files_field()


class ReplyForm(DynamicForm):
    subject = StringField(_l("Subject"), [Optional(), Length(max=500)],
                          widget=BS3TextFieldWidget(),
                          description=_l("Leave empty for “V/v trả lời văn bản số …”."))
