"""Forms of the signing screens: the signing profile (image, key) and the signing step."""

from __future__ import annotations

from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_babel import lazy_gettext as _l
from wtforms import FileField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


def _secret(label, description=None):
    return PasswordField(label, [DataRequired(), Length(max=200)],
                         widget=BS3PasswordFieldWidget(), description=description)


class ImageForm(DynamicForm):
    image = FileField(_l("Image (PNG, transparent background)"), [DataRequired()])


class Pkcs12Form(DynamicForm):
    pkcs12 = FileField(_l("Key file (.p12 or .pfx)"), [DataRequired()])
    password = _secret(_l("Password of the key file"), _l(
        "Used once to check the file; it is never stored and is asked at every signing."))


class Pkcs11Form(DynamicForm):
    token_label = StringField(_l("Token label"), [DataRequired(), Length(max=100)],
                              widget=BS3TextFieldWidget())
    key_label = StringField(_l("Key label"), [DataRequired(), Length(max=100)],
                            widget=BS3TextFieldWidget())
    pin = _secret(_l("PIN"), _l("Used once to check the token; it is never stored."))


class SignForm(DynamicForm):
    secret = _secret(_l("Password or PIN of your key"))
    comment = TextAreaField(_l("Comment"), [Optional(), Length(max=1000)])
