#!/usr/bin/env python3
"""Time the văn thư's hot paths on a generated database and print a table.

For each clerk (the busiest agency and a commune by default) and each case, up to four
rows:

- ``app``: the eOffice as a user gets it (Flask test client, logged in as the clerk,
  a fresh application context per request as in production) or the registry service;
- ``app SQL``: the same rows fetched with hand-written SQL on the raw driver connection,
  so ``app / SQL`` is the app's overhead (ORM, Flask-AppBuilder, templates);
- ``FAB``: Flask-AppBuilder's default behaviour on the same data: a plain ``ModelView``
  of IncomingDocument (defined below, registered on this app instance only) with no agency
  scope and no limits: ``COUNT(*)`` + ``OFFSET`` pages, and its ``ILIKE '%…%'`` "Contains"
  filter on the subject for search;
- ``FAB SQL``: the SQL that default generates, on the raw driver connection.

    .venv/bin/python bench/run.py                    # latest generated SQLite database
    .venv/bin/python bench/run.py --engine postgresql
    .venv/bin/python bench/run.py --database-url URL --samples 50 --explain

Timings use time.perf_counter after warm-up runs; nothing is asserted. The registration
cases add documents (``[bench]`` in the author) to the clerk's agency.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import corpus  # noqa: E402

REGISTERED = ("03", "04", "05", "06", "cancelled")  # Đã vào sổ: not 01 arrived, not 02 returned
LIST_COLUMNS = ("id, arrival_number, arrival_date, author, code_notation, subject, urgency, "
                "due_date, status")
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite",
                        help="use bench/data/latest-ENGINE.json written by generate.py")
    parser.add_argument("--database-url", help="a database made by generate.py")
    parser.add_argument("--clerk", action="append",
                        help=f"username (default: {common.BIG_CLERK[0]} and "
                             f"{common.SMALL_CLERK[0]})")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--deep-page", type=int, default=200,
                        help="page number (0-based, 25 rows) for the deep-page case")
    parser.add_argument("--explain", action="store_true",
                        help="print the query plans of the statements each case runs")
    parser.add_argument("--only", help="regular expression: run only matching cases")
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args(argv)


# --- Flask-AppBuilder's default, for comparison -----------------------------------------------


def plain_view_class():
    """A stock ModelView of IncomingDocument: what FAB gives without the app's scope,
    status filters, keyset paging or full-text search. Same columns as the app's list."""
    from flask import g
    from flask_appbuilder import ModelView
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from app.models import IncomingDocument
    from app.registry.views import IncomingBaseView, IncomingRegisteredView

    class BenchPlainIncomingView(ModelView):
        datamodel = SQLAInterface(IncomingDocument)
        route_base = "/bench/plain-incoming"
        # The clerk's existing permissions on IncomingDocument open it: nothing is added
        # to the security tables.
        class_permission_name = "IncomingDocument"
        method_permission_name = {"list": "read", "show": "read", "add": "write"}
        base_order = ("id", "desc")
        list_columns = list(IncomingRegisteredView.list_columns)
        show_columns = list(IncomingBaseView.show_columns)
        add_columns = ["author", "code_number", "code_notation", "document_date", "subject",
                       "signer_name", "page_count", "to_places"]
        search_columns = ["subject", "author"]

        def pre_add(self, item):
            item.agency_id = g.user.agency_id  # FAB would leave it to the form

    return BenchPlainIncomingView


# --- helpers ----------------------------------------------------------------------------


class QueryCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        self.statements: list[tuple[str, object]] = []
        self.capture = False
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        if self.capture:
            self.statements.append((statement, parameters))


class Web:
    """The Flask test client, one application context per request (as in production)."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, url):
        with self.app.app_context():
            return self.client.get(url)

    def post(self, url, data):
        with self.app.app_context():
            return self.client.post(url, data=data)

    def csrf(self, url) -> str:
        page = self.get(url)
        match = CSRF_RE.search(page.text)
        if not match:
            raise SystemExit(f"{url} answered {page.status_code} without a CSRF token")
        return match.group(1)

    def login(self, username, password):
        token = self.csrf("/login/")
        response = self.post("/login/", {"username": username, "password": password,
                                          "csrf_token": token})
        if response.status_code != 302:
            raise SystemExit(f"login of {username} failed ({response.status_code})")


class Raw:
    """Hand-written SQL on the driver connection (qmark on SQLite, %s on psycopg)."""

    def __init__(self, engine):
        self.dialect = engine.dialect.name
        self.connection = engine.raw_connection()
        self.count = 0
        if self.dialect == "postgresql":
            # Reads run outside any transaction; writes say BEGIN/COMMIT themselves.
            self.connection.driver_connection.autocommit = True
            # A custom plan for every execution: psycopg prepares a statement after 5
            # runs and PostgreSQL may then settle on a generic plan that ignores how
            # common the searched words are (see bench/README.md). The baseline should
            # be the best plan for each query.
            self.connection.driver_connection.prepare_threshold = None

    def sql(self, statement: str) -> str:
        return statement if self.dialect == "sqlite" else statement.replace("?", "%s")

    def all(self, statement: str, params=()):
        self.count += 1
        cursor = self.connection.cursor()
        cursor.execute(self.sql(statement), params)
        rows = cursor.fetchall()
        cursor.close()
        return rows

    def one(self, statement: str, params=()):
        self.count += 1
        cursor = self.connection.cursor()
        cursor.execute(self.sql(statement), params)
        row = cursor.fetchone()
        cursor.close()
        return row

    def begin(self):
        if self.dialect == "postgresql":
            self.connection.cursor().execute("BEGIN")

    def commit(self):
        if self.dialect == "postgresql":
            self.connection.cursor().execute("COMMIT")
        else:
            self.connection.commit()

    def in_list(self, values) -> str:
        return "(" + ", ".join("'" + v + "'" for v in values) + ")"


def fold_words(text: str) -> str:
    from app.registry.text import fold

    return fold(text)


def fts_phrase(words: str) -> str:
    """The FTS5 MATCH string search._match builds."""
    return " ".join('"' + word.replace('"', "") + '"' for word in words.split())


# --- the cases ------------------------------------------------------------------------------


class Bench:
    def __init__(self, args, app, url):
        from app import db

        self.args = args
        self.app = app
        self.db = db
        self.dialect = common.engine_name(url)
        self.rng = random.Random(1)
        self.results: list[dict] = []
        with app.app_context():
            self.counter = QueryCounter(db.engine)
            self.raw = Raw(db.engine)

    # measurement ---------------------------------------------------------------------

    def measure(self, clerk: str, case: str, variant: str, fn, samples=None, note=""):
        if self.args.only and not re.search(self.args.only, f"{case} {variant}"):
            return None
        samples = samples or self.args.samples
        warmup = self.args.warmup
        fn()  # once more for the query count
        before = self.counter.count + self.raw.count
        started = time.perf_counter()
        fn()
        once = time.perf_counter() - started
        queries = self.counter.count + self.raw.count - before
        if once > 0.1:  # slow cases (ILIKE over the whole table): 30 samples are plenty
            samples, warmup = min(samples, 30), min(warmup, 2)
        stats = common.timed(fn, samples, warmup)
        row = {"clerk": clerk, "case": case, "variant": variant, "queries": queries,
               "note": note, **stats}
        self.results.append(row)
        print(f"  {case:<28} {variant:<8} p50 {stats['p50']:9.2f} ms  p95 {stats['p95']:9.2f} ms"
              f"  {stats['ops']:8.1f}/s  {queries:3d} queries {note}", flush=True)
        return row

    def explain(self, title: str, fn):
        """Run fn once, capturing its statements, and print each one's plan."""
        if not self.args.explain or (self.args.only and not re.search(self.args.only, title)):
            return
        self.counter.statements.clear()
        self.counter.capture = True
        fn()
        self.counter.capture = False
        print(f"\n### EXPLAIN: {title}")
        with self.app.app_context(), self.db.engine.connect() as connection:
            for statement, params in self.counter.statements:
                head = statement.strip().split()[0].upper()
                if head not in ("SELECT", "WITH") or "ab_" in statement:
                    continue
                print("\n" + " ".join(statement.split())[:600])
                print(f"  params: {str(params)[:200]}")
                if self.dialect == "postgresql":
                    plan = connection.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
                    print("\n".join("  " + r[0] for r in plan))
                else:
                    plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                      params).all()
                    print("\n".join(f"  {r[-1]}" for r in plan))
            connection.rollback()

    # setup ---------------------------------------------------------------------------

    def clerk_info(self, username: str) -> dict:
        row = self.raw.one("SELECT id, agency_id FROM ab_user WHERE username = ?", (username,))
        if row is None:
            raise SystemExit(f"no user {username}: was the database made by bench/generate.py?")
        user_id, agency_id = row
        total = self.raw.one(
            f"SELECT count(*) FROM incoming_document WHERE agency_id = ? AND status IN "
            f"{self.raw.in_list(REGISTERED)}", (agency_id,))[0]
        ids = [r[0] for r in self.raw.all(
            f"SELECT id FROM incoming_document WHERE agency_id = ? AND status IN "
            f"{self.raw.in_list(REGISTERED)} ORDER BY id DESC LIMIT 2000", (agency_id,))]
        name = self.raw.one("SELECT name FROM agency WHERE id = ?", (agency_id,))[0]
        return {"user_id": user_id, "agency_id": agency_id, "registered": total,
                "ids": ids, "agency": name}

    def run_clerk(self, username: str, password: str):
        info = self.clerk_info(username)
        agency_id = info["agency_id"]
        print(f"\n## {username}: {info['agency']} — {info['registered']:,} registered incoming "
              f"documents", flush=True)
        web = Web(self.app)
        web.login(username, password)
        raw = self.raw
        status_in = raw.in_list(REGISTERED)
        deep = min(self.args.deep_page, max(0, info["registered"] // 25 - 1))
        total_rows = raw.one("SELECT count(*) FROM incoming_document")[0]

        def get_ok(url):
            def fn():
                response = web.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
            return fn

        # 1. The inbox (Đã vào sổ), first page and a deep page.
        for label, page in (("inbox list, page 1", 0), (f"inbox list, page {deep + 1}", deep)):
            query = f"?page_IncomingRegisteredView={page}" if page else ""
            self.measure(username, label, "app", get_ok(f"/incoming/registered/list/{query}"))

            def app_sql(page=page):
                raw.one(f"SELECT count(*) FROM incoming_document WHERE agency_id = ? "
                        f"AND status IN {status_in}", (agency_id,))
                raw.all(f"SELECT {LIST_COLUMNS} FROM incoming_document WHERE agency_id = ? "
                        f"AND status IN {status_in} ORDER BY id DESC LIMIT 25 OFFSET ?",
                        (agency_id, page * 25))
            self.measure(username, label, "app SQL", app_sql)
            fab_query = f"?page_BenchPlainIncomingView={page}" if page else ""
            self.measure(username, label, "FAB", get_ok(f"/bench/plain-incoming/list/{fab_query}"),
                         note=f"(all {total_rows:,} rows, no scope)")

            def fab_sql(page=page):
                raw.one("SELECT count(*) FROM incoming_document")
                raw.all(f"SELECT {LIST_COLUMNS} FROM incoming_document ORDER BY id DESC "
                        f"LIMIT 25 OFFSET ?", (page * 25,))
            self.measure(username, label, "FAB SQL", fab_sql)
            self.explain(f"{label} (app, {username})",
                         get_ok(f"/incoming/registered/list/{query}"))

        # 2. Search, a common and a rare phrase: the registry's search service vs ILIKE.
        from app.models import IncomingDocument
        from app.registry.search import COUNT_CAP, Filters, search

        for label, phrase in (("search common phrase", corpus.COMMON_PHRASE),
                              ("search very common phrase", corpus.VERY_COMMON_PHRASE),
                              ("search rare phrase", corpus.RARE_PHRASE)):
            words = fold_words(phrase)
            found = {}

            def app_search(phrase=phrase, found=found):
                with self.app.app_context():
                    page = search(self.db.session, IncomingDocument, agency_id,
                                  Filters(query=phrase))
                    found["rows"], found["count"] = len(page.rows), page.count_label
                    self.db.session.remove()
            app_search()
            self.measure(username, label, "app", app_search,
                         note=f"('{phrase}': {found['count']} in agency, page {found['rows']})")
            if self.dialect == "postgresql":
                match = ("to_tsvector('simple', coalesce(search_text, '')) "
                         "@@ plainto_tsquery('simple', ?)")
                match_param = words
            else:
                match = "id IN (SELECT rowid FROM incoming_fts WHERE incoming_fts MATCH ?)"
                match_param = fts_phrase(words)

            def search_sql(match=match, match_param=match_param):
                raw.all(f"SELECT * FROM incoming_document WHERE agency_id = ? AND {match} "
                        f"ORDER BY id DESC LIMIT 26", (agency_id, match_param))
                raw.one(f"SELECT count(*) FROM (SELECT id FROM incoming_document WHERE "
                        f"agency_id = ? AND {match} LIMIT {COUNT_CAP + 1}) AS capped",
                        (agency_id, match_param))
            self.measure(username, label, "app SQL", search_sql)
            fab_count = raw.one(
                "SELECT count(*) FROM incoming_document WHERE lower(subject) LIKE lower(?)",
                (f"%{phrase}%",))[0]
            self.measure(username, label, "FAB",
                         get_ok(f"/bench/plain-incoming/list/?_flt_2_subject={quote(phrase)}"),
                         note=f"(ILIKE, whole table: {fab_count:,} rows)")
            like = "subject ILIKE ?" if self.dialect == "postgresql" else \
                "lower(subject) LIKE lower(?)"

            def fab_search_sql(phrase=phrase, like=like):
                raw.one(f"SELECT count(*) FROM incoming_document WHERE {like}", (f"%{phrase}%",))
                raw.all(f"SELECT {LIST_COLUMNS} FROM incoming_document WHERE {like} "
                        f"ORDER BY id DESC LIMIT 25", (f"%{phrase}%",))
            self.measure(username, label, "FAB SQL", fab_search_sql)
            self.explain(f"{label} (app, {username})", app_search)

        # 3. The detail page of a registered document.
        ids = info["ids"]
        cycle = {"i": 0}

        def next_id():
            cycle["i"] = (cycle["i"] + 1) % len(ids)
            return ids[cycle["i"]]

        def show():
            url = f"/incoming/registered/show/{next_id()}"
            response = web.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        self.measure(username, "detail page", "app", show)

        def show_sql():
            pk = next_id()
            raw.one(f"SELECT * FROM incoming_document WHERE id = ? AND agency_id = ? "
                    f"AND status IN {status_in}", (pk, agency_id))
            raw.one("SELECT * FROM register WHERE id = (SELECT register_id FROM "
                    "incoming_document WHERE id = ?)", (pk,))
            raw.one("SELECT * FROM document_type WHERE id = (SELECT document_type_id FROM "
                    "incoming_document WHERE id = ?)", (pk,))
            raw.all("SELECT * FROM attachment WHERE incoming_id = ? ORDER BY id", (pk,))
            raw.all("SELECT e.*, u.first_name, u.last_name FROM document_event e LEFT JOIN "
                    "ab_user u ON u.id = e.actor_id WHERE e.incoming_id = ? ORDER BY e.id",
                    (pk,))
        self.measure(username, "detail page", "app SQL", show_sql)

        def fab_show():
            url = f"/bench/plain-incoming/show/{next_id()}"
            response = web.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        self.measure(username, "detail page", "FAB", fab_show)

        def fab_show_sql():
            raw.one("SELECT * FROM incoming_document WHERE id = ?", (next_id(),))
        self.measure(username, "detail page", "FAB SQL", fab_show_sql)
        self.explain(f"detail page (app, {username})", show)

        # 4. Registration of one document: receive + register + commit.
        self.registration(username, info, web)

    def registration(self, username: str, info: dict, web: Web):
        from flask import g

        from app.models import IncomingDocument, UserAccount
        from app.registry import incoming

        agency_id, raw = info["agency_id"], self.raw
        samples = max(10, min(self.args.samples, 50))
        maker = corpus.SubjectMaker(self.rng)
        agencies = {s.code: s for s in corpus.agencies()}
        province = agencies["000.00.00.H48"]
        today = dt.date.today()

        def new_fields():
            sender, tails = self.rng.choice(corpus.EXTERNAL_SENDERS)
            return {"author": f"{sender} [bench]", "code_number": str(self.rng.randint(1, 3500)),
                    "code_notation": self.rng.choice(tails),
                    "subject": maker.make("Công văn", province, today.year),
                    "signer_name": "Nguyễn Văn Bình", "page_count": 2}

        def register_service():
            with self.app.test_request_context():
                session = self.db.session
                g.user = session.get(UserAccount, info["user_id"])
                document = IncomingDocument(agency_id=agency_id, **new_fields())
                incoming.receive(session, document)
                incoming.register(session, document)
                session.commit()
                session.remove()
        self.measure(username, "registration (service)", "app", register_service, samples)

        from app.registry.text import fold_all

        def register_sql():
            raw.begin()
            fields = new_fields()
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            search_text = fold_all(fields["subject"],
                                   f"{fields['code_number']}/{fields['code_notation']}",
                                   fields["author"], fields["signer_name"])
            register_id = raw.one(
                "SELECT id FROM register WHERE agency_id = ? AND direction = 'incoming' "
                "AND year = ? AND active ORDER BY is_default DESC, id LIMIT 1",
                (agency_id, today.year))[0]
            doc_id = raw.one(
                "INSERT INTO incoming_document (agency_id, status, author, code_number, "
                "code_notation, subject, signer_name, page_count, urgency, secrecy, "
                "search_text, arrived_at, created_at) VALUES (?, '01', ?, ?, ?, ?, ?, ?, "
                "'normal', 'none', ?, ?, ?) RETURNING id",
                (agency_id, fields["author"], fields["code_number"], fields["code_notation"],
                 fields["subject"], fields["signer_name"], fields["page_count"], search_text,
                 now, now))[0]
            raw.one("INSERT INTO document_event (agency_id, incoming_id, at, actor_id, action, "
                    "to_status) VALUES (?, ?, ?, ?, 'arrived', '01') RETURNING id",
                    (agency_id, doc_id, now, info["user_id"]))
            number = raw.one("UPDATE register SET last_number = last_number + 1 WHERE id = ? "
                             "RETURNING last_number", (register_id,))[0]
            raw.one("UPDATE incoming_document SET status = '03', register_id = ?, year = ?, "
                    "arrival_number = ?, arrival_date = ?, registered_at = ?, "
                    "registered_by_id = ? WHERE id = ? RETURNING id",
                    (register_id, today.year, number, today, now, info["user_id"], doc_id))
            raw.one("INSERT INTO document_event (agency_id, incoming_id, at, actor_id, action, "
                    "from_status, to_status, comment) VALUES (?, ?, ?, ?, 'registered', '01', "
                    "'03', ?) RETURNING id",
                    (agency_id, doc_id, now, info["user_id"], f"{number:02d}"))
            raw.commit()
        self.measure(username, "registration (service)", "app SQL", register_sql, samples)

        # The same through the screen a văn thư uses (Vào sổ văn bản giấy), and FAB's
        # generic add form (no number, no history: what FAB would do by default).
        token = web.csrf("/incoming/pending/paper")
        register_id = raw.one(
            "SELECT id FROM register WHERE agency_id = ? AND direction = 'incoming' AND year = ? "
            "AND active ORDER BY is_default DESC, id LIMIT 1", (agency_id, today.year))[0]
        type_id = raw.one("SELECT id FROM document_type WHERE name = 'Công văn'")[0]

        def register_web():
            fields = new_fields()
            data = {**fields, "csrf_token": token, "document_type": type_id,
                    "urgency": "normal", "secrecy": "none", "register": register_id,
                    "arrival_date": today.strftime("%d/%m/%Y"), "document_date": "",
                    "due_date": "", "to_places": ""}
            response = web.post("/incoming/pending/paper", data)
            if response.status_code != 302:
                raise SystemExit(f"paper registration answered {response.status_code}")
        self.measure(username, "registration (web form)", "app", register_web, samples)

        fab_token = web.csrf("/bench/plain-incoming/add")

        def fab_add():
            fields = new_fields()
            response = web.post("/bench/plain-incoming/add",
                                {**fields, "csrf_token": fab_token, "document_date": "",
                                 "to_places": ""})
            if response.status_code != 302:
                raise SystemExit(f"FAB add answered {response.status_code}")
        self.measure(username, "registration (web form)", "FAB", fab_add, samples,
                     note="(generic add: no số đến, no history)")
        self.explain(f"registration (service, {username})", register_service)


def print_table(results: list[dict]) -> str:
    """Markdown table; ratio = variant / its raw SQL (app / app SQL, FAB / FAB SQL)."""
    lines = ["| clerk | case | variant | p50 ms | p95 ms | ops/s | queries | ×SQL (p50) |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    index = {(r["clerk"], r["case"], r["variant"]): r for r in results}
    for r in results:
        base = index.get((r["clerk"], r["case"], f"{r['variant']} SQL"))
        ratio = f"{r['p50'] / base['p50']:.1f}" if base and base["p50"] else ""
        lines.append(f"| {r['clerk']} | {r['case']} | {r['variant']} | {r['p50']:.2f} | "
                     f"{r['p95']:.2f} | {r['ops']:.1f} | {r['queries']} | {ratio} |")
    table = "\n".join(lines)
    print("\n" + table)
    return table


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.database_url:
        url, password = args.database_url, common.BENCH_PASSWORD
        meta = {}
    else:
        meta = common.load_metadata(args.engine)
        url, password = meta["url"], meta["password"]
    clerks = args.clerk or [common.BIG_CLERK[0], common.SMALL_CLERK[0]]
    app = common.make_app(url)
    with app.app_context():
        app.appbuilder.add_view_no_menu(plain_view_class())
    bench = Bench(args, app, url)
    info = common.machine_info()
    with app.app_context():
        from app import db

        if bench.dialect == "postgresql":
            info["postgresql"] = db.session.execute(
                db.text("SHOW server_version")).scalar()
        db.session.remove()
        counts = {t: bench.raw.one(f"SELECT count(*) FROM {t}")[0]
                  for t in ("incoming_document", "outgoing_document", "document_event",
                            "ab_user", "agency")}
    print(f"database: {url}")
    print(f"machine: {info}")
    print(f"rows: {counts}")
    started = time.perf_counter()
    for clerk in clerks:
        bench.run_clerk(clerk, password)
    print(f"\nbench time: {time.perf_counter() - started:.0f} s")
    table = print_table(bench.results)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"url": url, "machine": info, "rows": counts, "generated": meta,
             "results": bench.results, "table": table}, indent=2, ensure_ascii=False,
            default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
