"""What the bench scripts share: the app on a given database, throw-away PostgreSQL
databases (as tests/conftest.py makes them), the bench accounts, timing statistics."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get(
    "EOFFICE_BENCH_PG_ADMIN_URL",
    os.environ.get("EOFFICE_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
)

# The clerks generate.py creates for run.py: the busiest agency and a typical commune.
BENCH_PASSWORD = "Bench@2026"
BIG_CLERK = ("vanthu.ubndtinh", "000.00.00.H48")  # Ủy ban nhân dân tỉnh Quảng Ngãi
SMALL_CLERK = ("vanthu.binhchau", "000.02.53.H48")  # Ủy ban nhân dân xã Bình Châu


def create_pg_database(prefix: str = "eoffice_bench") -> tuple[str, str]:
    """A new empty UTF-8 database on PG_ADMIN_URL: (name, SQLAlchemy URL)."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return name, f"{base}/{name}"


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(url: str, **overrides):
    """The real application on ``url`` (roles are synced by the caller, not at start)."""
    from app import create_app

    instance = DATA_DIR / "instance"
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "EOFFICE_SYNC_ROLES_ON_START": False,
        "STORAGE_DIR": str(instance / "storage"),
        "BACKUP_DIR": str(instance / "backups"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }
    config.update(overrides)
    return create_app(config)


def metadata_path(engine: str) -> Path:
    return DATA_DIR / f"latest-{engine}.json"


def save_metadata(engine: str, data: dict) -> Path:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = metadata_path(engine)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return path


def load_metadata(engine: str) -> dict:
    path = metadata_path(engine)
    if not path.exists():
        raise SystemExit(f"{path} not found: run bench/generate.py first (or give --database-url)")
    return json.loads(path.read_text())


def engine_name(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def summarise(samples: list[float]) -> dict:
    """p50/p95 in ms and sequential throughput (operations per second)."""
    ordered = sorted(samples)
    n = len(ordered)

    def pct(p: float) -> float:
        if n == 1:
            return ordered[0]
        k = (n - 1) * p
        lo = int(k)
        hi = min(lo + 1, n - 1)
        return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)

    total = sum(ordered)
    return {
        "n": n,
        "p50": pct(0.50) * 1000,
        "p95": pct(0.95) * 1000,
        "mean": statistics.fmean(ordered) * 1000,
        "ops": n / total if total else float("inf"),
    }


def timed(fn, samples: int, warmup: int) -> dict:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return summarise(times)


def machine_info() -> dict:
    """What the figures ran on."""
    import platform
    import sqlite3

    info = {"nproc": os.cpu_count(), "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "date": time.strftime("%Y-%m-%d %H:%M %Z")}
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as handle:
            kb = int(handle.readline().split()[1])
            info["ram_gib"] = round(kb / 1024 / 1024, 1)
    except OSError:
        pass
    return info
