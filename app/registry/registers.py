"""Registers (sổ đăng ký) per agency, direction and year.

The agency decides how many registers it keeps; when a year starts without one, the
first use opens this year's registers with the names of last year's (or a default)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import Direction, Register
from app.validation import DomainValidationError

DEFAULT_NAMES = {
    Direction.incoming: "Sổ đăng ký văn bản đến",
    Direction.outgoing: "Sổ đăng ký văn bản đi",
}


def _insert(session):
    """INSERT with ON CONFLICT support for the engine in use."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def open_year(session, agency_id: int, direction: Direction, year: int) -> list[Register]:
    """This year's registers, copying last year's names on first use."""
    registers = (
        session.query(Register)
        .filter_by(agency_id=agency_id, direction=direction, year=year, active=True)
        .order_by(Register.is_default.desc(), Register.id)
        .all()
    )
    if registers:
        return registers
    previous = (
        session.query(Register)
        .filter_by(agency_id=agency_id, direction=direction, year=year - 1, active=True)
        .order_by(Register.id)
        .all()
    )
    templates = [(r.name, r.is_default) for r in previous] or [(DEFAULT_NAMES[direction], True)]
    # Two clerks may open the year at the same moment: the second insert is ignored.
    session.execute(
        _insert(session)(Register)
        .values([
            {"agency_id": agency_id, "direction": direction.value, "year": year, "name": name,
             "is_default": is_default, "last_number": 0, "active": True}
            for name, is_default in templates
        ])
        .on_conflict_do_nothing(index_elements=["agency_id", "direction", "year", "name"])
    )
    return open_year(session, agency_id, direction, year)


def choose_register(session, agency_id: int, direction: Direction, year: int,
                    register_id: int | None = None) -> Register:
    """The register to number in: the one asked for (it must be this agency's, this
    direction's and this year's) or the year's default."""
    with session.no_autoflush:
        registers = open_year(session, agency_id, direction, year)
    if register_id is None:
        return registers[0]
    for register in registers:
        if register.id == register_id:
            return register
    raise DomainValidationError(
        {"register": [str(_l("Choose a register of your agency for this year."))]}
    )


def prepare_register(session, register: Register) -> None:
    """A register an agency opens by hand: always its own, named once per year and
    direction; its counter starts at 0 and only numbering moves it."""
    from app.directory import force_owning_agency
    from app.validation import check_required, raise_if_errors, run_checks

    errors = run_checks(register, {"name": [check_required], "direction": [check_required],
                                   "year": [check_required]})
    force_owning_agency(session, register, "Register", errors)
    if register.id is None:
        register.last_number = 0
    if not errors:
        clash = (
            session.query(Register.id)
            .filter_by(agency_id=register.agency_id, direction=register.direction,
                       year=register.year, name=register.name)
            .filter(Register.id != (register.id or 0))
            .first()
        )
        if clash:
            errors["name"] = [str(_l("This agency already has a register with this name for that year."))]
    raise_if_errors(errors)
