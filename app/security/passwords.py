"""Password policy for local accounts (tài khoản cục bộ; QĐ 778 Đ19.2c: a user answers
for what their account does, so the account must not be easy to take over).

Applied wherever a password is *set*: the user add form, an admin's password reset,
"reset my password" and the REST user API. Existing passwords (the demo's "Demo@2026")
keep working: the policy is never checked at login.

A password must
- have at least ``EOFFICE_PASSWORD_MIN_LENGTH`` characters (never fewer than 8);
- not contain the user name, nor the local part of the account's mailboxes;
- not be one of the common passwords shipped in ``common-passwords.txt`` (case ignored);
- mix at least ``EOFFICE_PASSWORD_MIN_CLASSES`` of: lower-case letters, upper-case
  letters, digits, other symbols (0 turns this rule off).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import LazyString, gettext
from wtforms.validators import ValidationError

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")
LENGTH_FLOOR = 8  # the common list holds only passwords of 8+ characters
DEFAULT_MIN_LENGTH = 10
DEFAULT_MIN_CLASSES = 3
# A user name shorter than this is not looked for inside the password ("an" in "thanh").
SHORTEST_NAME_CHECKED = 3


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines
                     if line.strip() and not line.startswith("#"))


def min_length(config: Any = None) -> int:
    config = config if config is not None else _config()
    return max(LENGTH_FLOOR, int(config.get("EOFFICE_PASSWORD_MIN_LENGTH", DEFAULT_MIN_LENGTH)))


def min_classes(config: Any = None) -> int:
    config = config if config is not None else _config()
    return min(4, max(0, int(config.get("EOFFICE_PASSWORD_MIN_CLASSES", DEFAULT_MIN_CLASSES))))


def _config() -> Any:
    return current_app.config if has_app_context() else {}


def character_classes(password: str) -> int:
    """How many of lower-case, upper-case, digits and symbols ``password`` uses
    (Vietnamese letters with diacritics count as letters)."""
    return sum((
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ))


def account_names(username: str | None, *mailboxes: str | None) -> list[str]:
    """The names a password must not contain: the user name and the local part of
    each mailbox (and of the user name when it is a mailbox itself)."""
    names = []
    for value in (username, *mailboxes):
        value = (value or "").strip().casefold()
        if not value:
            continue
        names.append(value)
        if "@" in value:
            names.append(value.split("@", 1)[0])
    return [name for name in dict.fromkeys(names) if len(name) >= SHORTEST_NAME_CHECKED]


def problems(password: str | None, names: Iterable[str] = (), config: Any = None) -> list[str]:
    """What is wrong with ``password`` (translated messages), empty when it may be set."""
    password = password or ""
    found: list[str] = []
    length = min_length(config)
    if len(password) < length:
        found.append(gettext("The password must have at least %(count)d characters.",
                             count=length))
    folded = password.casefold()
    if any(name in folded for name in names):
        found.append(gettext("The password must not contain the user name or the name of "
                             "the mailbox."))
    if folded in common_passwords():
        found.append(gettext("This password is too common and easy to guess; please "
                             "choose another one."))
    classes = min_classes(config)
    if classes and character_classes(password) < classes:
        found.append(gettext("The password must mix at least %(count)d of: lower-case "
                             "letters, upper-case letters, digits, symbols.", count=classes))
    return found


def requirements() -> str:
    """The rules in one sentence, shown under the password fields."""
    return gettext(
        "At least %(length)d characters, mixing %(classes)d of lower-case letters, "
        "upper-case letters, digits and symbols; not the user name, not a common password.",
        length=min_length(), classes=min_classes(),
    )


REQUIREMENTS = LazyString(requirements)


class PasswordPolicy:
    """WTForms validator applying the policy; ``names(form)`` gives the account's user
    name and mailboxes (see :func:`account_names`)."""

    def __init__(self, names: Callable[[Any], Iterable[str]]):
        self.names = names

    def __call__(self, form: Any, field: Any) -> None:
        if not field.data:
            return  # DataRequired speaks for an empty field
        found = problems(field.data, self.names(form))
        if found:
            raise ValidationError(" ".join(found))


def names_from_form(form: Any) -> list[str]:
    """The account names typed in a user form (add user)."""
    def value(name: str) -> str | None:
        field = getattr(form, name, None)
        return getattr(field, "data", None) if field is not None else None

    return account_names(value("username"), value("email"), value("official_email"))


def names_of(user: Any) -> list[str]:
    """The account names of an existing account."""
    if user is None:
        return []
    return account_names(getattr(user, "username", None), getattr(user, "email", None),
                         getattr(user, "official_email", None))


def fab_complexity_validator(password: str) -> None:
    """``FAB_PASSWORD_COMPLEXITY_VALIDATOR``: the policy for any Flask-AppBuilder form
    not replaced by the eOffice's own (it knows only the password, not the user)."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    found = problems(password)
    if found:
        raise PasswordComplexityValidationError(" ".join(found))



# --- Form fields ------------------------------------------------------------------------------


def password_field(names: Callable[[Any], Iterable[str]]):
    """A password field under the policy; ``names(form)`` as for PasswordPolicy."""
    from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
    from flask_babel import lazy_gettext as _l
    from wtforms import PasswordField
    from wtforms.validators import DataRequired

    return PasswordField(_l("Password"), description=REQUIREMENTS,
                         validators=[DataRequired(), PasswordPolicy(names)],
                         widget=BS3PasswordFieldWidget())


def confirmation_field():
    from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
    from flask_babel import lazy_gettext as _l
    from wtforms import PasswordField
    from wtforms.validators import DataRequired, EqualTo

    return PasswordField(_l("Confirm Password"),
                         description=_l("Please rewrite the password to confirm"),
                         validators=[DataRequired(),
                                     EqualTo("password", message=_l("Passwords must match"))],
                         widget=BS3PasswordFieldWidget())


def _reset_target_names(form: Any) -> list[str]:
    """Admin reset (``/resetpassword/form?pk=``): the names of the account reset."""
    from flask import request

    return names_of(current_app.appbuilder.sm.get_user_by_id(request.args.get("pk")))


def _own_names(form: Any) -> list[str]:
    from flask import g

    return names_of(getattr(g, "user", None))


def _reset_form(names: Callable[[Any], Iterable[str]]):
    from flask_appbuilder.forms import DynamicForm

    return type("PasswordPolicyForm", (DynamicForm,), {
        "password": password_field(names), "conf_password": confirmation_field()})


ResetPasswordForm = _reset_form(_reset_target_names)  # an admin resets someone's password
ResetMyPasswordForm = _reset_form(_own_names)  # "reset my password"
