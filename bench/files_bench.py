"""What the malware scan costs an upload (QĐ 778 Đ13.2: scan before attaching).

For clean PDFs of 1, 20 and 100 MB, each timed over a few runs (p50/p95, ms):

- ``store``: the pipeline without inspectors (stream to a temporary file, sha256, fsync,
  content check, move into the store);
- ``scan``: the clamd INSTREAM scan alone (app.files.clamav.scan_stream, 64 KiB chunks);
- ``pipeline``: ``accept_upload`` as the app runs it (store + scan);
- ``ratio``: pipeline p50 / scan p50 — how much of an upload is the scanner;
- memory: the tracemalloc peak of one ``accept_upload`` (Python allocations) and how much
  the process's peak RSS (ru_maxrss) grew over all runs of that size. Neither should grow
  with the file: everything streams in chunks.

Uses the running clamd (``make clamd``; socket EOFFICE_CLAMD_SOCKET, by default
/tmp/eoffice-clamd/clamd.sock), a throw-away store folder and no database. Figures only,
no assertions::

    .venv/bin/python bench/files_bench.py [--runs 5] [--sizes 1,20,100] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

MB = 1024 * 1024


def make_app(folder: Path):
    from app import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'unused.db'}",
        "EOFFICE_SYNC_ROLES_ON_START": False,
        "STORAGE_DIR": str(folder / "storage"),
        "EOFFICE_MAX_UPLOAD_MB": 128,  # room for the 100 MB case (clamd: StreamMaxLength 200M)
        "EOFFICE_CLAMD_SOCKET": os.environ.get("EOFFICE_CLAMD_SOCKET",
                                               "/tmp/eoffice-clamd/clamd.sock"),
        "LOG_LEVEL": "WARNING",
    })


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_size(flask_app, folder: Path, size_mb: int, runs: int) -> dict:
    from app.files import clamav
    from app.files.pipeline import INSPECTORS_KEY, accept_upload
    from app.files.store import get_store
    from tests.sample_files import write_padded_pdf

    path = folder / f"clean-{size_mb}MB.pdf"
    write_padded_pdf(path, size_mb * MB)
    store = get_store()

    def drop(sha256: str) -> None:  # each run stores a new blob, not a deduplicated one
        blob = store.path_hint(sha256)
        if blob and blob.exists():
            blob.unlink()

    def pipeline() -> None:
        with path.open("rb") as stream:
            drop(accept_upload(stream, path.name, "application/pdf").sha256)

    def store_only() -> None:
        inspectors = flask_app.extensions[INSPECTORS_KEY]
        flask_app.extensions[INSPECTORS_KEY] = []
        try:
            pipeline()
        finally:
            flask_app.extensions[INSPECTORS_KEY] = inspectors

    def scan_only() -> None:
        with path.open("rb") as stream:
            assert clamav.scan_stream(stream) is None, "a clean file was flagged"

    rss_before = max_rss_mb()
    result = {
        "size_mb": size_mb,
        "store": common.timed(store_only, runs, warmup=1),
        "scan": common.timed(scan_only, runs, warmup=1),
        "pipeline": common.timed(pipeline, runs, warmup=1),
    }
    tracemalloc.start()
    pipeline()
    result["tracemalloc_peak_kib"] = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()
    result["rss_growth_mb"] = max_rss_mb() - rss_before
    result["ratio"] = result["pipeline"]["p50"] / result["scan"]["p50"]
    path.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="1,20,100", help="MB, comma-separated")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    folder = Path(tempfile.mkdtemp(prefix="eoffice-files-bench-"))
    try:
        flask_app = make_app(folder)
        with flask_app.app_context():
            from app.files import clamav

            print(f"clamd: {clamav.version()}")
            print(f"process peak RSS before: {max_rss_mb():.0f} MB; {args.runs} runs per case\n")
            results = [run_size(flask_app, folder, size, args.runs) for size in sizes]
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    header = (f"{'size':>6} | {'store p50/p95 ms':>17} | {'scan p50/p95 ms':>16} | "
              f"{'pipeline p50/p95 ms':>20} | {'ratio':>5} | {'MB/s':>6} | "
              f"{'tracemalloc peak':>16} | {'RSS growth':>10}")
    print(header)
    print("-" * len(header))
    for r in results:
        def pair(case: str, r: dict = r) -> str:
            return f"{r[case]['p50']:.0f} / {r[case]['p95']:.0f}"

        throughput = r["size_mb"] / (r["pipeline"]["p50"] / 1000)
        print(f"{r['size_mb']:>4}MB | {pair('store'):>17} | {pair('scan'):>16} | "
              f"{pair('pipeline'):>20} | {r['ratio']:>5.2f} | {throughput:>6.0f} | "
              f"{r['tracemalloc_peak_kib']:>12.0f} KiB | {r['rss_growth_mb']:>7.1f} MB")
    if args.json:
        args.json.write_text(json.dumps({"machine": common.machine_info(), "results": results,
                                         "at": time.strftime("%Y-%m-%d %H:%M")}, indent=2))


if __name__ == "__main__":
    main()
