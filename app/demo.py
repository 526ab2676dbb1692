"""Demo data: the agencies of Quảng Ngãi and one account per role in two agencies.

Idempotent: running it again changes nothing that is already there.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app import db
from app.i18n import local_today
from app.models import Agency, AgencyKind, Department
from app.security import roles as R

AGENCIES_CSV = Path(__file__).resolve().parent / "data" / "agencies-quang-ngai.csv"
DEMO_PASSWORD = "Demo@2026"

DEMO_DEPARTMENTS = {
    "000.00.11.H48": [
        ("Văn phòng Sở", "VP"),
        ("Phòng Công nghệ thông tin", "CNTT"),
        ("Phòng Bưu chính - Viễn thông", "BCVT"),
    ],
    "000.00.53.H48": [
        ("Văn phòng HĐND và UBND huyện", "VP"),
        ("Phòng Nội vụ", "NV"),
        ("Phòng Tài chính - Kế hoạch", "TCKH"),
    ],
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    last_name: str
    first_name: str
    role: str
    agency_code: str
    department: str | None
    position: str


def _agency_users(slug: str, code: str, office: str, unit: str, people: list[tuple[str, str]]):
    spec = [
        ("qtcq", R.AGENCY_ADMIN, unit, "Chuyên viên CNTT"),
        ("lanhdao", R.AGENCY_HEAD, None, "Giám đốc" if slug == "stttt" else "Chủ tịch"),
        ("truongphong", R.DEPARTMENT_HEAD, unit, "Trưởng phòng"),
        ("vanthu", R.CLERK, office, "Văn thư"),
        ("chuyenvien", R.OFFICER, unit, "Chuyên viên"),
    ]
    return [
        DemoUser(f"{prefix}.{slug}", last, first, role, code, department, position)
        for (prefix, role, department, position), (last, first) in zip(spec, people, strict=True)
    ]


DEMO_USERS: list[DemoUser] = [
    DemoUser("quantri", "Lê", "Minh Quân", R.SYSTEM_ADMIN, "000.00.11.H48",
             "Phòng Công nghệ thông tin", "Quản trị hệ thống"),
    DemoUser("vanhanh", "Phạm", "Văn Hành", R.OPERATOR, "000.00.11.H48", None,
             "Kỹ sư vận hành"),
    DemoUser("giamsat", "Đỗ", "Thị Giang", R.AUDITOR, "000.00.11.H48", None,
             "Thanh tra viên"),
    *_agency_users(
        "stttt", "000.00.11.H48", "Văn phòng Sở", "Phòng Công nghệ thông tin",
        [("Nguyễn", "Văn An"), ("Trần", "Quốc Bảo"), ("Võ", "Thị Cúc"),
         ("Huỳnh", "Thị Dung"), ("Đặng", "Văn Em")],
    ),
    *_agency_users(
        "binhson", "000.00.53.H48", "Văn phòng HĐND và UBND huyện", "Phòng Nội vụ",
        [("Bùi", "Văn Giàu"), ("Ngô", "Minh Hải"), ("Lương", "Thị Hoa"),
         ("Phan", "Thị Kim"), ("Trương", "Văn Long")],
    ),
]


def load_agencies(path: Path = AGENCIES_CSV) -> int:
    """Insert the agencies of the CSV that are missing; returns how many were added."""
    session = db.session
    by_code = {a.code: a for a in session.query(Agency).filter(Agency.code.isnot(None))}
    added = 0
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["code"] in by_code:
            continue
        agency = Agency(
            code=row["code"], name=row["name"], abbreviation=row["abbreviation"],
            kind=AgencyKind(row["kind"]), place_name=row["place"] or None, active=True,
        )
        session.add(agency)
        by_code[row["code"]] = agency
        added += 1
    session.flush()
    for row in rows:
        if row["parent_code"] and by_code[row["code"]].parent_id is None:
            by_code[row["code"]].parent = by_code[row["parent_code"]]
    session.commit()
    return added


def load_departments() -> None:
    session = db.session
    for code, departments in DEMO_DEPARTMENTS.items():
        agency = session.query(Agency).filter_by(code=code).one()
        existing = {d.name for d in agency.departments}
        for name, abbreviation in departments:
            if name not in existing:
                session.add(Department(agency=agency, name=name, abbreviation=abbreviation))
    session.commit()


def load_users() -> list[DemoUser]:
    sm = current_app.appbuilder.sm
    session = db.session
    for spec in DEMO_USERS:
        if sm.find_user(username=spec.username):
            continue
        agency = session.query(Agency).filter_by(code=spec.agency_code).one()
        department = (
            session.query(Department).filter_by(agency_id=agency.id, name=spec.department).one()
            if spec.department else None
        )
        user = sm.add_user(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@quangngai.gov.vn",
            role=sm.find_role(spec.role),
            password=DEMO_PASSWORD,
        )
        user.agency = agency
        user.department = department
        user.position = spec.position
        user.official_email = user.email
        session.commit()
    return DEMO_USERS


# Bộ luật Lao động 2019 Đ112: the solar-calendar holidays. Tết Nguyên đán, Giỗ Tổ (lunar)
# and the second day of Quốc khánh are announced each year: the operator adds them.
SOLAR_HOLIDAYS = (
    (1, 1, "Tết Dương lịch"),
    (4, 30, "Ngày Chiến thắng (30/4)"),
    (5, 1, "Ngày Quốc tế Lao động"),
    (9, 2, "Quốc khánh"),
)


def load_holidays(years: list[int]) -> None:
    from app.models import PublicHoliday

    session = db.session
    known = {day for (day,) in session.query(PublicHoliday.day)}
    for year in years:
        for month, day, name in SOLAR_HOLIDAYS:
            date = dt.date(year, month, day)
            if date not in known:
                session.add(PublicHoliday(day=date, name=name))
    session.commit()


def load_demo() -> list[DemoUser]:
    load_agencies()
    load_departments()
    year = local_today().year
    load_holidays([year, year + 1])
    return load_users()
