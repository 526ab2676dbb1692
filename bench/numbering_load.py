#!/usr/bin/env python3
"""Numbering under load: C concurrent clients (default 16) each register R văn bản đến
(default 500) in the same agency and register on PostgreSQL, each registration one
transaction (``incoming.receive`` + ``incoming.register`` + commit) in its own session,
as a văn thư's request would. Prints the throughput and checks that the số đến handed
out are exactly last_number+1 … last_number+C×R: no duplicate, no gap. (The pass/fail
test of the same rule lives in tests/test_registry_numbering.py.)

    .venv/bin/python bench/numbering_load.py                       # throw-away database
    .venv/bin/python bench/numbering_load.py --mode threads
    .venv/bin/python bench/numbering_load.py --database-url postgresql+psycopg://…/eoffice_bench_…

Without --database-url a new database is created on 127.0.0.1 (as tests/conftest.py
does), migrated, given one agency and its clerk, and dropped at the end (--keep keeps it).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import corpus  # noqa: E402

AGENCY_CODE = common.BIG_CLERK[1]
CLERK = common.BIG_CLERK[0]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL database made by generate.py "
                        "(default: a new throw-away database)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-client", type=int, default=500)
    parser.add_argument("--mode", choices=["processes", "threads"], default="processes",
                        help="processes (default: no GIL between clients) or threads")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away database")
    return parser.parse_args(argv)


def engine_options(clients: int) -> dict:
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": clients + 2,
                                          "max_overflow": 4}}


def prepare_fresh(url: str) -> None:
    """Migrate, sync roles and types, add the agency and its clerk."""
    from flask_migrate import upgrade

    from app import db
    from app.models import Agency, AgencyKind
    from app.registry.catalogues import sync_document_types
    from app.security.roles import CLERK as CLERK_ROLE
    from app.security.roles import sync_roles

    app = common.make_app(url)
    with app.app_context():
        upgrade()
        sync_roles()
        sync_document_types(db.session)
        agency = Agency(code=AGENCY_CODE, name="Ủy ban nhân dân tỉnh Quảng Ngãi",
                        abbreviation="UBND", kind=AgencyKind.province, place_name="Quảng Ngãi")
        db.session.add(agency)
        db.session.commit()
        sm = app.appbuilder.sm
        user = sm.add_user(username=CLERK, first_name="Thị Thu Hà", last_name="Nguyễn",
                           email=f"{CLERK}@{corpus.MAIL_DOMAIN}", role=sm.find_role(CLERK_ROLE),
                           password=common.BENCH_PASSWORD)
        user.agency_id = agency.id
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def open_register(app) -> tuple[int, int, int, int]:
    """(agency id, clerk id, register id, last number) of this year's default register."""
    from app import db
    from app.i18n import local_today
    from app.models import Agency, Direction, UserAccount
    from app.registry.registers import choose_register

    with app.app_context():
        agency = db.session.query(Agency).filter_by(code=AGENCY_CODE).one()
        clerk = db.session.query(UserAccount).filter_by(username=CLERK).one()
        register = choose_register(db.session, agency.id, Direction.incoming, local_today().year)
        db.session.commit()
        result = (agency.id, clerk.id, register.id, register.last_number)
        db.session.remove()
    return result


def client_loop(app, worker: int, per_client: int, agency_id: int, clerk_id: int,
                start_at: float) -> tuple[list[float], list[str]]:
    """One văn thư: per_client registrations, each in its own request context and session."""
    from flask import g

    from app import db
    from app.models import IncomingDocument, UserAccount
    from app.registry import incoming

    rng = random.Random(worker)
    maker = corpus.SubjectMaker(rng)
    province = corpus.agencies()[0]
    latencies, errors = [], []
    while time.time() < start_at:
        time.sleep(0.001)
    for i in range(per_client):
        started = time.perf_counter()
        try:
            with app.test_request_context():
                session = db.session
                g.user = session.get(UserAccount, clerk_id)
                sender, tails = rng.choice(corpus.EXTERNAL_SENDERS)
                document = IncomingDocument(
                    agency_id=agency_id, author=f"{sender} [load]",
                    code_number=str(rng.randint(1, 3500)), code_notation=rng.choice(tails),
                    subject=maker.make("Công văn", province, 2026) + f" ({worker}-{i})",
                    signer_name="Trần Văn Bình", page_count=1)
                incoming.receive(session, document)
                incoming.register(session, document)
                session.commit()
                session.remove()
        except Exception as error:  # noqa: BLE001 - counted and reported
            errors.append(f"{type(error).__name__}: {error}"[:300])
        latencies.append(time.perf_counter() - started)
    return latencies, errors


def process_main(url, worker, per_client, agency_id, clerk_id, clients, ready, go, results):
    app = common.make_app(url, **engine_options(1))
    with app.app_context():  # connect before the start signal
        from app import db

        db.session.execute(db.text("SELECT 1"))
        db.session.remove()
    ready.put(worker)
    start_at = go.get()
    go.put(start_at)  # pass the start time on to the next client
    results.put((worker, *client_loop(app, worker, per_client, agency_id, clerk_id, start_at)))


def run_processes(args, url, agency_id, clerk_id):
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Queue(), context.Queue(), context.Queue()
    procs = [context.Process(target=process_main, args=(
        url, w, args.per_client, agency_id, clerk_id, args.clients, ready, go, results))
        for w in range(args.clients)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=300)
    start_at = time.time() + 0.5
    go.put(start_at)
    collected = [results.get() for _ in procs]
    for proc in procs:
        proc.join()
    return start_at, collected


def run_threads(args, app, agency_id, clerk_id):
    start_at = time.time() + 0.5
    collected = []
    lock = threading.Lock()

    def target(worker):
        out = client_loop(app, worker, args.per_client, agency_id, clerk_id, start_at)
        with lock:
            collected.append((worker, *out))

    threads = [threading.Thread(target=target, args=(w,)) for w in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return start_at, collected


def check(app, register_id: int, before: int, expected: int) -> dict:
    from app import db

    with app.app_context():
        numbers = [n for (n,) in db.session.execute(db.text(
            "SELECT arrival_number FROM incoming_document WHERE register_id = :r "
            "AND arrival_number > :b ORDER BY arrival_number"), {"r": register_id, "b": before})]
        duplicates_in_register = db.session.execute(db.text(
            "SELECT count(*) FROM (SELECT arrival_number FROM incoming_document "
            "WHERE register_id = :r GROUP BY arrival_number HAVING count(*) > 1) d"),
            {"r": register_id}).scalar()
        last = db.session.execute(db.text("SELECT last_number FROM register WHERE id = :r"),
                                  {"r": register_id}).scalar()
        db.session.remove()
    seen = set(numbers)
    wanted = set(range(before + 1, before + expected + 1))
    return {
        "registered": len(numbers),
        "duplicates": len(numbers) - len(seen) + duplicates_in_register,
        "gaps": len(wanted - seen),
        "unexpected": len(seen - wanted),
        "last_number": last,
        "last_number_ok": last == before + expected,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    pg_name = None
    if args.database_url:
        url = args.database_url
        if not url.startswith("postgresql"):
            raise SystemExit("numbering_load.py measures PostgreSQL: give a postgresql+psycopg URL")
    else:
        pg_name, url = common.create_pg_database("eoffice_numbering")
        print(f"throw-away database {pg_name}", flush=True)
        prepare_fresh(url)
    try:
        app = common.make_app(url, **engine_options(args.clients))
        agency_id, clerk_id, register_id, before = open_register(app)
        total = args.clients * args.per_client
        print(f"{args.clients} clients × {args.per_client} registrations ({args.mode}) into "
              f"register {register_id}, last number before: {before}", flush=True)
        if args.mode == "processes":
            start_at, collected = run_processes(args, url, agency_id, clerk_id)
        else:
            start_at, collected = run_threads(args, app, agency_id, clerk_id)
        elapsed = time.time() - start_at
        latencies = [t for _, lat, _ in collected for t in lat]
        errors = [e for _, _, errs in collected for e in errs]
        stats = common.summarise(latencies)
        print(f"elapsed {elapsed:.1f} s: {total / elapsed:,.0f} registrations/s "
              f"(latency per registration p50 {stats['p50']:.1f} ms, p95 {stats['p95']:.1f} ms)")
        print(f"errors: {len(errors)}" + (f" — first: {errors[0]}" if errors else ""))
        result = check(app, register_id, before, total - len(errors))
        verdict = ("OK" if result["duplicates"] == 0 and result["gaps"] == 0
                   and result["unexpected"] == 0 and result["last_number_ok"] and not errors
                   else "PROBLEM")
        print(f"numbers: {result['registered']} handed out, {result['duplicates']} duplicates, "
              f"{result['gaps']} gaps, {result['unexpected']} outside the expected range, "
              f"last_number {result['last_number']} "
              f"({'=' if result['last_number_ok'] else '≠'} {before} + {total - len(errors)})"
              f" → {verdict}")
        with app.app_context():
            from app import db

            db.engine.dispose()
    finally:
        if pg_name and not args.keep:
            common.drop_pg_database(pg_name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
