"""Forms of the văn thư's screens. Dates are typed and shown as dd/mm/yyyy."""

from __future__ import annotations

from flask_appbuilder.fieldwidgets import (
    BS3TextAreaFieldWidget,
    BS3TextFieldWidget,
    Select2ManyWidget,
)
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.registry.catalogues import SECRECY_LABELS, URGENCY_LABELS


class VietnameseDateField(DateField):
    """A date typed as dd/mm/yyyy (the way Vietnamese clerks write it)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%d/%m/%Y")
        kwargs.setdefault("widget", BS3TextFieldWidget())
        kwargs.setdefault("render_kw", {"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d/%m/%Y") if self.data else ""


def type_choices() -> list[tuple[int, str]]:
    from app import db
    from app.models import DocumentType

    types = db.session.query(DocumentType).filter_by(active=True).order_by(DocumentType.sort_order)
    return [(t.id, t.name) for t in types]


def type_choices_with_blank():
    return [("", "")] + type_choices()


def urgency_choices():
    return [(key.value, str(label)) for key, label in URGENCY_LABELS.items()]


def secrecy_choices():
    return [(key.value, str(label)) for key, label in SECRECY_LABELS.items()]


def files_field() -> MultipleFileField:
    return MultipleFileField(_l("Attachments"), description=_l(
        "PDF, Word, Excel, images; each file is checked before it is stored."))


class IncomingMetadataForm(DynamicForm):
    """Phụ lục VI fields a văn thư checks or types when registering a văn bản đến."""

    author = StringField(_l("Author (issuing agency)"), [DataRequired(), Length(max=200)],
                         widget=BS3TextFieldWidget())
    code_number = StringField(_l("Number"), [Optional(), Length(max=11)],
                              widget=BS3TextFieldWidget())
    code_notation = StringField(_l("Notation"), [Optional(), Length(max=30)],
                                widget=BS3TextFieldWidget())
    document_date = VietnameseDateField(_l("Document date"), [Optional()])
    document_type = SelectField(_l("Document type"), coerce=int)
    subject = TextAreaField(_l("Subject"), [DataRequired(), Length(max=500)],
                            widget=BS3TextAreaFieldWidget())
    signer_name = StringField(_l("Signed by"), [Optional(), Length(max=50)],
                              widget=BS3TextFieldWidget())
    urgency = SelectField(_l("Urgency"), choices=urgency_choices)
    secrecy = SelectField(_l("Secrecy"), choices=secrecy_choices)
    page_count = IntegerField(_l("Pages"), [Optional()], widget=BS3TextFieldWidget())
    register = SelectField(_l("Document register"), coerce=int)
    arrival_date = VietnameseDateField(_l("Arrival date"), [DataRequired()])
    due_date = VietnameseDateField(_l("Deadline"), [Optional()])
    to_places = StringField(_l("Units or people receiving it"), [Optional(), Length(max=1000)],
                            widget=BS3TextFieldWidget())


class PaperIncomingForm(IncomingMetadataForm):
    files = files_field()


class ReasonForm(DynamicForm):
    reason = TextAreaField(_l("Reason"), [DataRequired(), Length(max=500)],
                           widget=BS3TextAreaFieldWidget())


class CommentForm(DynamicForm):
    comment = TextAreaField(_l("Comment"), [Optional(), Length(max=1000)],
                            widget=BS3TextAreaFieldWidget())


class IssueForm(DynamicForm):
    register = SelectField(_l("Document register"), coerce=int)


class SendForm(DynamicForm):
    agencies = SelectMultipleField(
        _l("Agencies of this system"), coerce=int, widget=Select2ManyWidget(),
        description=_l("Type to search; choose as many agencies as needed."))
    external = TextAreaField(
        _l("Other recipients"), [Optional()], widget=BS3TextAreaFieldWidget(),
        description=_l("One per line: name; electronic identifier (optional)."),
    )
