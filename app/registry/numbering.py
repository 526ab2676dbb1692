"""Gap-free numbering (NĐ 30 Đ15, Đ22.2).

Numbers run per register, and a register belongs to one agency, direction and year, so
they restart at 01 on 1 January. The next number is taken with one atomic
``UPDATE register SET last_number = last_number + 1 ... RETURNING`` inside the
transaction that issues or registers the document:

- PostgreSQL holds the register row lock until commit, so concurrent clerks queue;
- SQLite allows one writer at a time, so the same holds;
- a failed transaction rolls the increment back with everything else: no gap;
- a committed number is never handed out again: no reuse.
"""

from __future__ import annotations

from sqlalchemy import update

from app.models import Register


def take_next_number(session, register: Register) -> int:
    """Reserve the next number of ``register`` in the current transaction."""
    number = session.execute(
        update(Register)
        .where(Register.id == register.id)
        .values(last_number=Register.last_number + 1)
        .returning(Register.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    session.expire(register, ["last_number"])
    return number


def peek_next_number(register: Register) -> int:
    """The number the next document would get (shown on forms; not reserved)."""
    return (register.last_number or 0) + 1


def format_number(number: int) -> str:
    """NĐ 30 Phụ lục I: numbers under 10 get a leading zero (05)."""
    return f"{number:02d}"


def outgoing_notation(type_abbreviation: str | None, agency_abbreviation: str,
                      department_abbreviation: str | None) -> str:
    """Ký hiệu: QĐ-UBND for a typed document; UBND-VP for a công văn (no type
    abbreviation: agency + drafting unit)."""
    if type_abbreviation:
        return f"{type_abbreviation}-{agency_abbreviation}"
    if department_abbreviation:
        return f"{agency_abbreviation}-{department_abbreviation}"
    return agency_abbreviation


def display_number(number: int | None, notation: str | None) -> str:
    """``Số: 12/QĐ-UBND`` (empty before issuance)."""
    if number is None:
        return ""
    return f"Số: {format_number(number)}/{notation}" if notation else f"Số: {format_number(number)}"
