#!/usr/bin/env python3
"""Generate a benchmark database of the eOffice: 300 agencies of a province, 10,000 users
and N documents (default 1,000,000) split between registered văn bản đến and issued văn
bản đi, with gap-free numbers consistent with the registers.

The schema is the app's own: the database is migrated with the Alembic migrations,
then roles and document types are synced exactly as at a real start. Rows are written
in bulk: SQLAlchemy Core ``insert()`` in batches on SQLite (the FTS5 index is rebuilt
once at the end instead of row by row through its triggers), ``COPY`` on PostgreSQL
(foreign keys and secondary indexes, the GIN search index included, are dropped for the
load and recreated from their saved definitions). ``search_text`` is filled by the
services' own ``index_text`` functions. ANALYZE runs at the end.

    .venv/bin/python bench/generate.py                      # SQLite file in bench/data/
    .venv/bin/python bench/generate.py --postgresql         # new database on 127.0.0.1
    .venv/bin/python bench/generate.py --documents 200000 --database-url postgresql+psycopg://...

Every generated account has the password ``Bench@2026``; run.py logs in as
``vanthu.ubndtinh`` (clerk of the busiest agency) and ``vanthu.binhchau`` (a commune).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402  (puts the project root on sys.path)
import corpus  # noqa: E402

from app.models import URGENCY_PRIORITY, Urgency  # noqa: E402

VN_OFFSET = dt.timedelta(hours=7)  # Asia/Ho_Chi_Minh, no DST
BULK_TABLES = ("outgoing_document", "incoming_document", "document_event", "attachment")
ROLE_PLAN = ("Agency admin", "Agency head", "Clerk", "Department head", "Officer")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--database-url", help="SQLAlchemy URL of an empty database")
    target.add_argument("--postgresql", action="store_true",
                        help=f"create a new database on {common.PG_ADMIN_URL}")
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--incoming-share", type=float, default=0.6,
                        help="share of documents that are văn bản đến (default 0.6)")
    parser.add_argument("--first-year", type=int, default=None,
                        help="documents run from 1 January of this year until now "
                             "(default: four years before this one)")
    parser.add_argument("--batch", type=int, default=10_000, help="rows per insert batch")
    parser.add_argument("--no-events", action="store_true",
                        help="skip the document history rows (2 per document)")
    parser.add_argument("--seed", type=int, default=778)
    args = parser.parse_args(argv)
    if args.documents < 1 or args.users < 1000:
        parser.error("--documents must be at least 1 and --users at least 1000")
    return args


def local_date(utc: dt.datetime) -> dt.date:
    return (utc + VN_OFFSET).date()


class Writer:
    """Bulk rows into a table: Core insert() batches, or COPY on PostgreSQL."""

    def __init__(self, connection, dialect: str, batch: int):
        self.connection = connection
        self.dialect = dialect
        self.batch = batch
        self.buffers: dict[str, list[dict]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        from flask_appbuilder import Model

        import app.models  # noqa: F401  (registers the tables)

        self.tables = Model.metadata.tables

    def add(self, table: str, row: dict) -> None:
        self.buffers[table].append(row)

    def flush(self, *tables: str) -> None:
        for name in tables or list(self.buffers):
            rows = self.buffers.pop(name, None)
            if rows:
                self.write(name, rows)

    def write(self, name: str, rows: list[dict]) -> None:
        from sqlalchemy import insert

        table = self.tables[name]
        if self.dialect == "postgresql" and len(rows) > 50:
            columns = list(rows[0])
            cursor = self.connection.connection.driver_connection.cursor()
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
        else:
            for start in range(0, len(rows), self.batch):
                self.connection.execute(insert(table), rows[start:start + self.batch])
        self.counts[name] += len(rows)


class Generator:
    def __init__(self, args, connection, dialect: str):
        self.args = args
        self.rng = random.Random(args.seed)
        self.connection = connection
        self.dialect = dialect
        self.writer = Writer(connection, dialect, args.batch)
        self.subjects = corpus.SubjectMaker(self.rng)
        today = dt.date.today()
        self.first_year = args.first_year or today.year - 4
        self.years = list(range(self.first_year, today.year + 1))
        self.start = dt.datetime(self.first_year, 1, 2, 1, 0)  # 08:00 local on 2 January
        self.end = dt.datetime.now(dt.UTC).replace(tzinfo=None).replace(microsecond=0) - dt.timedelta(hours=1)
        self.timings: dict[str, float] = {}

    # --- reference data ---------------------------------------------------------------

    def load_reference(self) -> None:
        from app import db
        from app.models import DocumentType
        from app.security.roles import ROLES_BY_NAME

        self.types = {t.name: (t.id, t.abbreviation) for t in db.session.query(DocumentType)}
        db.session.remove()  # no transaction left open beside the load's connection
        rows = self.connection.exec_driver_sql("SELECT id, name FROM ab_role").all()
        self.role_ids = {name: id_ for id_, name in rows if name in ROLES_BY_NAME}

    def make_agencies(self) -> None:
        specs = corpus.agencies()
        self.agencies = specs
        self.agency_ids = {spec.code: i for i, spec in enumerate(specs, start=1)}
        for spec in specs:
            self.writer.add("agency", {
                "id": self.agency_ids[spec.code], "code": spec.code, "name": spec.name,
                "abbreviation": spec.abbreviation, "kind": spec.kind,
                "parent_id": self.agency_ids.get(spec.parent_code) if spec.parent_code else None,
                "place_name": spec.place, "official_email": f"{spec.code.replace('.', '')}@"
                f"{corpus.MAIL_DOMAIN}".lower(), "exchange_endpoint": None,
                "infosec_officer_id": None, "active": True,
            })
        self.writer.flush("agency")
        self.departments: dict[int, list[tuple[int, str, str]]] = {}
        dep_id = itertools.count(1)
        for spec in specs:
            agency_id = self.agency_ids[spec.code]
            self.departments[agency_id] = []
            for name, abbreviation in spec.departments:
                row_id = next(dep_id)
                self.departments[agency_id].append((row_id, name, abbreviation))
                self.writer.add("department", {"id": row_id, "agency_id": agency_id,
                                               "name": name, "abbreviation": abbreviation,
                                               "active": True})
        self.writer.flush("department")

    def make_users(self) -> None:
        from flask import current_app
        from werkzeug.security import generate_password_hash

        from app.registry.text import fold

        password = generate_password_hash(
            common.BENCH_PASSWORD,
            method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
            salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16))
        base = {"province": 300, "department": 150, "district": 150, "commune": 15, "unit": 25}
        raw = [base[s.kind] * (1.6 if s.code == "000.00.01.H48" else 1) for s in self.agencies]
        scale = self.args.users / sum(raw)
        sizes = [max(6, round(r * scale)) for r in raw]
        sizes[0] += self.args.users - sum(sizes)  # exact total; the province absorbs rounding
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None).replace(microsecond=0)
        user_id = itertools.count(1)
        link_id = itertools.count(1)
        self.people: dict[int, dict] = {}
        special = {common.BIG_CLERK[1]: common.BIG_CLERK[0],
                   common.SMALL_CLERK[1]: common.SMALL_CLERK[0]}
        for spec, size in zip(self.agencies, sizes, strict=True):
            agency_id = self.agency_ids[spec.code]
            departments = self.departments[agency_id]
            big = spec.kind in ("province", "department", "district")
            plan = (["Agency admin"] + ["Agency head"] * (3 if big else 2)
                    + ["Clerk"] * (4 if big else 1)
                    + ["Department head"] * min(2 * len(departments), max(0, size - 8)))
            plan += ["Officer"] * (size - len(plan))
            staff = {"heads": [], "clerks": [], "officers": []}
            for index, role in enumerate(plan[:size]):
                family, given = corpus.person(self.rng)
                uid = next(user_id)
                if role == "Clerk" and not staff["clerks"] and spec.code in special:
                    username = special[spec.code]
                else:
                    initials = "".join(w[0] for w in fold(f"{family} {given}").split()[:-1])
                    username = f"{fold(given).split()[-1]}{initials}.{uid}"
                if role == "Agency head":
                    position = spec.head_title if index == 1 else f"Phó {spec.head_title}"
                elif role == "Department head":
                    position = self.rng.choice(corpus.POSITIONS["Department head"])
                elif role == "Officer":
                    position = self.rng.choice(corpus.POSITIONS["Officer"])
                else:
                    position = corpus.POSITIONS[role]
                department = (departments[0] if role in ("Clerk", "Agency admin")
                              else None if role == "Agency head"
                              else self.rng.choice(departments))
                self.writer.add("ab_user", {
                    "id": uid, "first_name": given, "last_name": family, "username": username,
                    "password": password, "active": True,
                    "email": f"{username}@{corpus.MAIL_DOMAIN}", "last_login": None,
                    "login_count": 0, "fail_login_count": 0, "created_on": now,
                    "changed_on": now, "created_by_fk": None, "changed_by_fk": None,
                    "agency_id": agency_id, "department_id": department[0] if department else None,
                    "position": position, "official_email": f"{username}@{corpus.MAIL_DOMAIN}",
                    "phone": f"0255 3{self.rng.randint(0, 999999):06d}",
                })
                self.writer.add("ab_user_role", {"id": next(link_id), "user_id": uid,
                                                 "role_id": self.role_ids[role]})
                if role == "Agency head":
                    staff["heads"].append((uid, f"{family} {given}", position,
                                           "own" if index == 1 else "KT"))
                elif role == "Clerk":
                    staff["clerks"].append(uid)
                elif role == "Agency admin":
                    staff["admin"] = uid
                else:
                    staff["officers"].append(uid)
            self.people[agency_id] = staff
        self.writer.flush("ab_user", "ab_user_role")
        from sqlalchemy import text

        self.connection.execute(
            text("UPDATE agency SET infosec_officer_id = :u WHERE id = :a"),
            [{"u": staff["admin"], "a": a} for a, staff in self.people.items()])

    def make_registers(self) -> None:
        self.registers: dict[tuple[int, str, int], int] = {}
        reg_id = itertools.count(1)
        for agency_id in self.people:
            for year in self.years:
                for direction, name in (("incoming", "Sổ đăng ký văn bản đến"),
                                        ("outgoing", "Sổ đăng ký văn bản đi")):
                    row_id = next(reg_id)
                    self.registers[(agency_id, direction, year)] = row_id
                    self.writer.add("register", {
                        "id": row_id, "agency_id": agency_id, "direction": direction,
                        "year": year, "name": name, "is_default": True, "last_number": 0,
                        "active": True})
        self.writer.flush("register")

    # --- documents ------------------------------------------------------------------------

    def make_documents(self) -> None:
        from app.registry import incoming, outgoing
        from app.registry.numbering import outgoing_notation

        args, rng, writer = self.args, self.rng, self.writer
        n = args.documents
        agency_ids = [self.agency_ids[s.code] for s in self.agencies]
        specs = {self.agency_ids[s.code]: s for s in self.agencies}
        weights = [s.weight for s in self.agencies]
        cum_weights = list(itertools.accumulate(weights))
        total_weight = cum_weights[-1]
        type_names = [t for t, _ in corpus.TYPE_WEIGHTS]
        type_cum = list(itertools.accumulate(w for _, w in corpus.TYPE_WEIGHTS))
        urgencies = ("normal",) * 90 + ("urgent",) * 7 + ("very_urgent",) * 2 + ("flash",)
        span = (self.end - self.start).total_seconds()
        counters: dict[int, int] = defaultdict(int)  # register id -> last number
        recent: list[tuple] = []  # ring of issued outgoing documents, for internal mail
        ids = {"out": itertools.count(1), "in": itertools.count(1),
               "event": itertools.count(1), "attachment": itertools.count(1)}
        # Plant the rare phrase in ~40 documents, and a few in each bench agency.
        rare_p = 40 / n
        bench_agencies = {self.agency_ids[common.BIG_CLERK[1]],
                          self.agency_ids[common.SMALL_CLERK[1]]}
        rare_bench_p = {a: min(0.5, 6 / max(1.0, n * args.incoming_share * weights[a - 1]
                                            / total_weight)) for a in bench_agencies}
        events = not args.no_events
        started = time.perf_counter()
        report_every = max(args.batch * 5, n // 20)

        for i in range(n):
            t = self.start + dt.timedelta(seconds=span * (i + rng.random()) / n)
            day = local_date(t)
            agency_id = agency_ids[bisect.bisect(cum_weights, rng.random() * total_weight)]
            spec = specs[agency_id]
            staff = self.people[agency_id]
            urgency = rng.choice(urgencies)
            if rng.random() >= args.incoming_share:
                # Văn bản đi: drafted, approved, issued with the next number of the year.
                type_name = type_names[bisect.bisect(type_cum, rng.random() * type_cum[-1])]
                type_id, type_abbr = self.types[type_name]
                dep_id, _, dep_abbr = rng.choice(self.departments[agency_id])
                notation = outgoing_notation(type_abbr, spec.abbreviation, dep_abbr)
                register_id = self.registers[(agency_id, "outgoing", day.year)]
                counters[register_id] += 1
                number = counters[register_id]
                signer = rng.choice(staff["heads"])
                drafter = rng.choice(staff["officers"] or staff["clerks"])
                clerk = rng.choice(staff["clerks"])
                doc = SimpleNamespace(subject=self.subjects.make(type_name, spec, day.year),
                                      number=number, notation=notation, signer_name=signer[1])
                outgoing.index_text(doc)
                row_id = next(ids["out"])
                created = t - dt.timedelta(minutes=rng.randint(60, 14 * 24 * 60))
                page_count = rng.randint(1, 12)
                writer.add("outgoing_document", {
                    "id": row_id, "agency_id": agency_id, "document_type_id": type_id,
                    "drafting_department_id": dep_id, "drafter_id": drafter,
                    "signer_id": signer[0], "signer_name": signer[1],
                    "signer_position": signer[2], "signing_authority": signer[3],
                    "issued_amount": rng.randint(2, 40), "due_date": None, "status": "issued",
                    "register_id": register_id, "year": day.year, "number": number,
                    "notation": notation, "issued_date": day, "issued_at": t,
                    "issued_by_id": clerk, "replaces_id": None, "cancel_reason": None,
                    "cancelled_at": None, "cancelled_by_id": None, "created_by_id": drafter,
                    "subject": doc.subject, "urgency": urgency, "secrecy": "none",
                    "priority": URGENCY_PRIORITY[Urgency(urgency)],
                    "page_count": page_count, "description": None,
                    "search_text": doc.search_text, "created_at": created,
                })
                recent.append((row_id, agency_id, type_id, number, notation, day, doc.subject,
                               signer[1], signer[2], urgency, page_count))
                if len(recent) > 4000:
                    del recent[:2000]
                if events:
                    writer.add("document_event", self._event(
                        next(ids["event"]), agency_id, None, row_id, created, drafter,
                        "created", None, "draft", None))
                    writer.add("document_event", self._event(
                        next(ids["event"]), agency_id, None, row_id, t, clerk, "issued",
                        "approved", "issued", f"{number:02d}/{notation}"))
                if rng.random() < 0.25:
                    self._attachment(next(ids["attachment"]), agency_id, None, row_id, t,
                                     drafter, f"{number:02d}_{notation}")
            else:
                # Văn bản đến: from an agency of the install (its outgoing document) or
                # from outside; then registered, unless it arrived in the last days.
                row_id = next(ids["in"])
                source = rng.choice(recent) if recent and rng.random() < 0.65 else None
                if source and source[1] == agency_id:
                    source = None
                if source:
                    (src_id, src_agency, type_id, number, notation, document_date, subject,
                     signer_name, signer_position, urgency, page_count) = source
                    author_agency_id = src_agency
                    author = specs[src_agency].name
                    code_number = f"{number:02d}"
                else:
                    sender, tails = rng.choice(corpus.EXTERNAL_SENDERS)
                    type_name = type_names[bisect.bisect(type_cum, rng.random() * type_cum[-1])]
                    type_id = self.types[type_name][0]
                    src_id = author_agency_id = None
                    author = sender
                    code_number = str(rng.randint(1, 3500))
                    notation = rng.choice(tails)
                    document_date = day - dt.timedelta(days=rng.randint(0, 6))
                    subject = self.subjects.make(type_name, self.agencies[0], day.year)
                    family, given = corpus.person(rng)
                    signer_name = f"{family} {given}"
                    signer_position = rng.choice(("Thứ trưởng", "Phó Chủ tịch", "Giám đốc",
                                                  "Phó Giám đốc", "Chánh Văn phòng"))
                    page_count = rng.randint(1, 20)
                if rng.random() < rare_bench_p.get(agency_id, rare_p):
                    subject = rng.choice(corpus.RARE_SUBJECTS)
                age = (self.end - t).days
                clerk = rng.choice(staff["clerks"])
                row = {
                    "id": row_id, "agency_id": agency_id, "status": "03",
                    "source_outgoing_id": src_id, "author_agency_id": author_agency_id,
                    "author": author, "document_type_id": type_id, "code_number": code_number,
                    "code_notation": notation, "document_date": document_date,
                    "signer_name": signer_name, "signer_position": signer_position,
                    "arrived_at": t, "register_id": None, "year": None,
                    "arrival_number": None, "arrival_date": None, "due_date": None,
                    "to_places": None, "registered_at": None, "registered_by_id": None,
                    "return_reason": None, "cancel_reason": None, "subject": subject,
                    "urgency": urgency, "secrecy": "none", "page_count": page_count,
                    "priority": URGENCY_PRIORITY[Urgency(urgency)],
                    "description": None, "search_text": None, "created_at": t,
                }
                doc = SimpleNamespace(subject=subject, code_number=code_number,
                                      code_notation=notation, author=author,
                                      signer_name=signer_name)
                incoming.index_text(doc)
                row["search_text"] = doc.search_text
                if events:
                    writer.add("document_event", self._event(
                        next(ids["event"]), agency_id, row_id, None, t,
                        None if source else clerk, "arrived", None, "01",
                        author if source else None))
                if age <= 5 and rng.random() < 0.35:
                    row["status"] = "01"  # Đã đến, waiting for the văn thư
                elif rng.random() < 0.003:
                    row["status"] = "02"
                    row["return_reason"] = "Gửi nhầm cơ quan nhận, đề nghị gửi lại đúng nơi nhận."
                    if events:
                        writer.add("document_event", self._event(
                            next(ids["event"]), agency_id, row_id, None,
                            t + dt.timedelta(minutes=30), clerk, "returned", "01", "02",
                            row["return_reason"]))
                else:
                    register_id = self.registers[(agency_id, "incoming", day.year)]
                    counters[register_id] += 1
                    registered = t + dt.timedelta(minutes=rng.randint(5, 240))
                    roll = rng.random()
                    status = (("06" if roll < 0.8 else "05" if roll < 0.95 else "03")
                              if age > 90 else
                              ("05" if roll < 0.4 else "06" if roll < 0.8 else "04")
                              if age > 30 else
                              ("03" if roll < 0.4 else "04" if roll < 0.7 else "05"))
                    row.update(status=status, register_id=register_id, year=day.year,
                               arrival_number=counters[register_id], arrival_date=day,
                               registered_at=registered, registered_by_id=clerk)
                    if rng.random() < 0.2:
                        row["due_date"] = day + dt.timedelta(days=rng.randint(7, 30))
                    if rng.random() < 0.4:
                        row["to_places"] = "; ".join(
                            d[1] for d in rng.sample(self.departments[agency_id],
                                                     min(2, len(self.departments[agency_id]))))
                    if events:
                        writer.add("document_event", self._event(
                            next(ids["event"]), agency_id, row_id, None, registered, clerk,
                            "registered", "01", "03", f"{counters[register_id]:02d}"))
                writer.add("incoming_document", row)
                if rng.random() < 0.25:
                    self._attachment(next(ids["attachment"]), agency_id, row_id, None, t,
                                     clerk, f"{code_number}_{notation}")
            if (i + 1) % args.batch == 0 or i + 1 == n:
                writer.flush("outgoing_document", "incoming_document", "attachment",
                             "document_event")
            if (i + 1) % report_every == 0 or i + 1 == n:
                elapsed = time.perf_counter() - started
                print(f"  {i + 1:>10,} / {n:,} documents  {elapsed:7.1f} s  "
                      f"({(i + 1) / elapsed:,.0f} documents/s)", flush=True)
        self.last_numbers = counters

    @staticmethod
    def _event(row_id, agency_id, incoming_id, outgoing_id, at, actor, action, from_status,
               to_status, comment) -> dict:
        return {"id": row_id, "agency_id": agency_id, "outgoing_id": outgoing_id,
                "incoming_id": incoming_id, "at": at, "actor_id": actor, "action": action,
                "from_status": from_status, "to_status": to_status, "comment": comment}

    def _attachment(self, row_id, agency_id, incoming_id, outgoing_id, at, user, stem):
        safe = "".join(ch if ch.isalnum() else "_" for ch in stem)
        self.writer.add("attachment", {
            "id": row_id, "agency_id": agency_id, "outgoing_id": outgoing_id,
            "incoming_id": incoming_id, "sha256": f"{self.rng.getrandbits(256):064x}",
            "size": self.rng.randint(40_000, 4_000_000), "filename": f"{safe}.pdf",
            "mime_type": "application/pdf", "uploaded_at": at, "uploaded_by_id": user})

    def close_registers(self) -> None:
        from sqlalchemy import text

        self.connection.execute(
            text("UPDATE register SET last_number = :n WHERE id = :id"),
            [{"n": n, "id": register_id} for register_id, n in self.last_numbers.items()])


# --- engine-specific bulk-load preparation ----------------------------------------------------


def sqlite_prepare(connection) -> list[str]:
    """Load pragmas; drop the FTS triggers (saved) so the index is built once at the end."""
    connection.exec_driver_sql("PRAGMA synchronous = OFF")
    connection.exec_driver_sql("PRAGMA journal_mode = MEMORY")
    connection.exec_driver_sql("PRAGMA cache_size = -1000000")
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_fts_%'"
    ).all()
    for name, _ in triggers:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    return [sql for _, sql in triggers]


def sqlite_finish(connection, triggers: list[str]) -> None:
    from app.registry.search import TABLES

    for sql in triggers:
        connection.exec_driver_sql(sql)
    for fts in TABLES.values():
        started = time.perf_counter()
        connection.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        print(f"  {fts} rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
    connection.commit()
    connection.exec_driver_sql("PRAGMA journal_mode = DELETE")
    started = time.perf_counter()
    connection.exec_driver_sql("ANALYZE")
    connection.commit()
    print(f"  ANALYZE in {time.perf_counter() - started:.1f} s", flush=True)


def pg_prepare(connection) -> list[str]:
    """Drop foreign keys and secondary indexes of the bulk tables; return the statements
    that recreate them exactly (pg_get_indexdef / pg_get_constraintdef)."""
    tables = ", ".join(f"'{t}'" for t in BULK_TABLES)
    fks = connection.exec_driver_sql(f"""
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN ({tables})
    """).all()
    indexes = connection.exec_driver_sql(f"""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid::regclass::text IN ({tables}) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    """).all()
    for table, name, _ in fks:
        connection.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        connection.exec_driver_sql(f"DROP INDEX {name}")
    connection.exec_driver_sql("SET synchronous_commit = off")
    connection.commit()
    return ([definition for _, definition in indexes]
            + [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
               for table, name, definition in fks])


def pg_finish(connection, statements: list[str]) -> None:
    connection.exec_driver_sql("SET maintenance_work_mem = '512MB'")
    for statement in statements:
        started = time.perf_counter()
        connection.exec_driver_sql(statement)
        connection.commit()
        print(f"  {time.perf_counter() - started:6.1f} s  {statement[:110]}", flush=True)
    for table in ("agency", "department", "ab_user", "ab_user_role", "register",
                  *BULK_TABLES):
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"coalesce((SELECT max(id) FROM {table}), 1))")
    connection.commit()
    started = time.perf_counter()
    autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
    autocommit.exec_driver_sql("VACUUM ANALYZE")
    print(f"  VACUUM ANALYZE in {time.perf_counter() - started:.1f} s", flush=True)


def check_numbers(connection) -> dict:
    """Every register's numbers are 1..last_number, once each."""
    result = {}
    for table, column, direction in (("incoming_document", "arrival_number", "incoming"),
                                     ("outgoing_document", "number", "outgoing")):
        bad = connection.exec_driver_sql(f"""
            SELECT count(*) FROM register r LEFT JOIN (
                SELECT register_id, count({column}) AS n, count(DISTINCT {column}) AS d,
                       max({column}) AS top
                FROM {table} WHERE {column} IS NOT NULL GROUP BY register_id
            ) x ON x.register_id = r.id
            WHERE r.direction = '{direction}' AND (coalesce(x.n, 0) <> r.last_number OR coalesce(x.d, 0) <> r.last_number
               OR coalesce(x.top, 0) <> r.last_number)
        """).scalar()
        result[table] = "consistent" if bad == 0 else f"{bad} registers inconsistent"
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    pg_name = None
    if args.postgresql:
        pg_name, url = common.create_pg_database()
    elif args.database_url:
        url = args.database_url
    else:
        common.DATA_DIR.mkdir(parents=True, exist_ok=True)
        path = common.DATA_DIR / f"eoffice-bench-{args.documents}.db"
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    dialect = common.engine_name(url)
    print(f"database: {url}", flush=True)
    total_started = time.perf_counter()

    from flask_migrate import upgrade

    from app import db
    from app.registry.catalogues import sync_document_types
    from app.security.roles import sync_roles

    app = common.make_app(url)
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        sync_roles()
        sync_document_types(db.session)
        db.session.commit()
        print(f"migrated, roles and document types synced in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        with db.engine.connect() as connection:
            if connection.exec_driver_sql("SELECT count(*) FROM agency").scalar():
                raise SystemExit("the database already has agencies: give an empty one")
            generator = Generator(args, connection, dialect)
            generator.load_reference()
            prepared = (sqlite_prepare(connection) if dialect == "sqlite"
                        else pg_prepare(connection))
            started = time.perf_counter()
            generator.make_agencies()
            generator.make_users()
            generator.make_registers()
            connection.commit()
            print(f"{len(generator.agencies)} agencies, {args.users:,} users, "
                  f"{len(generator.registers):,} registers in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            started = time.perf_counter()
            generator.make_documents()
            generator.close_registers()
            connection.commit()
            load_seconds = time.perf_counter() - started
            print(f"documents loaded in {load_seconds:.1f} s", flush=True)
            started = time.perf_counter()
            if dialect == "sqlite":
                sqlite_finish(connection, prepared)
            else:
                pg_finish(connection, prepared)
            index_seconds = time.perf_counter() - started
            numbers = check_numbers(connection)
            counts = dict(generator.writer.counts)
            clerks = {}
            for username, code in (common.BIG_CLERK, common.SMALL_CLERK):
                agency_id = generator.agency_ids[code]
                clerks[username] = {
                    "agency_code": code, "agency_id": agency_id,
                    "agency": generator.agencies[agency_id - 1].name,
                    "incoming": connection.exec_driver_sql(
                        f"SELECT count(*) FROM incoming_document WHERE agency_id = {agency_id}"
                    ).scalar(),
                }
        db.session.remove()
        db.engine.dispose()
    total = time.perf_counter() - total_started
    print(f"numbering: {numbers}")
    print(f"rows: {counts}")
    for username, info in clerks.items():
        print(f"clerk {username} / {common.BENCH_PASSWORD}: {info['agency']} "
              f"({info['incoming']:,} incoming documents)")
    print(f"total time: {total:.1f} s ({total / 60:.1f} min)")
    meta = {
        "url": url, "engine": dialect, "pg_database": pg_name, "documents": args.documents,
        "users": args.users, "seed": args.seed, "events": not args.no_events,
        "rows": counts, "numbering": numbers, "clerks": clerks,
        "password": common.BENCH_PASSWORD, "load_seconds": round(load_seconds, 1),
        "index_seconds": round(index_seconds, 1), "total_seconds": round(total, 1),
        "generated_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    print(f"metadata: {common.save_metadata(dialect, meta)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
