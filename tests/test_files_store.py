"""The attachment store: files named by their sha256, stored once, never half-written,
streamed without holding them in memory, and no way to reach outside the store."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tracemalloc
from pathlib import Path

import pytest

from app.files.store import (
    CHUNK_SIZE,
    InvalidBlobId,
    LocalFolderStore,
    get_store,
)

MB = 1024 * 1024


class GeneratedStream:
    """``total`` bytes of pseudo-random data made on demand (never all in memory), hashing
    what it hands out; optionally fails after ``fail_after`` bytes, like a dropped upload."""

    def __init__(self, total: int, fail_after: int | None = None, on_read=None) -> None:
        self.total = total
        self.fail_after = fail_after
        self.on_read = on_read
        self.position = 0
        self.sha256 = hashlib.sha256()
        self._pattern = os.urandom(MB + 7)

    def read(self, size: int = -1) -> bytes:
        if self.on_read:
            self.on_read()
        if self.fail_after is not None and self.position >= self.fail_after:
            raise ConnectionResetError("client went away")
        if size is None or size < 0:
            size = CHUNK_SIZE
        size = min(size, self.total - self.position)
        start = self.position % len(self._pattern)
        data = self._pattern[start : start + size]
        data += self._pattern[: size - len(data)]
        self.position += len(data)
        self.sha256.update(data)
        return data


def files_under(root: Path) -> set[str]:
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def store(tmp_path) -> LocalFolderStore:
    return LocalFolderStore(tmp_path / "storage")


def test_blob_is_named_by_its_sha256_and_round_trips_byte_for_byte(store):
    data = os.urandom(3 * CHUNK_SIZE + 123) + "Quyết định".encode()
    blob = store.put(io.BytesIO(data))

    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data)
    sha = blob.sha256
    assert files_under(store.root) == {f"{sha[:2]}/{sha[2:4]}/{sha}"}
    assert store.exists(sha)
    with store.open(sha) as stored:
        assert stored.read() == data


def test_same_bytes_twice_are_stored_once(store):
    data = b"%PDF-1.7 the same attachment sent to two agencies"
    first = store.put(io.BytesIO(data))
    second = store.put(io.BytesIO(data))

    assert first == second
    assert len(files_under(store.root)) == 1  # one blob, no temporary file left
    assert not any(store.tmp_dir.iterdir())


def test_different_bytes_are_different_blobs(store):
    one = store.put(io.BytesIO(b"version 1"))
    two = store.put(io.BytesIO(b"version 2"))
    assert one.sha256 != two.sha256
    assert len(files_under(store.root)) == 2


def test_a_stored_blob_is_read_only(store):
    blob = store.put(io.BytesIO(b"immutable record"))
    mode = stat.S_IMODE(store.path_hint(blob.sha256).stat().st_mode)
    assert mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0


def test_a_writer_failing_mid_stream_leaves_no_file_at_all(store):
    stream = GeneratedStream(10 * MB, fail_after=5 * CHUNK_SIZE)
    with pytest.raises(ConnectionResetError):
        store.put(stream)

    assert stream.position == 5 * CHUNK_SIZE  # it did write several chunks first
    assert files_under(store.root) == set()  # neither a blob nor a temporary file


def test_staged_file_not_committed_is_discarded(store):
    with store.stage(io.BytesIO(b"looked at, then refused")) as staged:
        assert staged.path.read_bytes() == b"looked at, then refused"
        assert staged.path.parent == store.tmp_dir
    assert not store.exists(staged.sha256)
    assert files_under(store.root) == set()


def test_staged_file_committed_is_in_the_store(store):
    with store.stage(io.BytesIO(b"accepted")) as staged:
        blob = staged.commit()
    assert store.exists(blob.sha256)
    assert files_under(store.root) == {str(store.path_hint(blob.sha256).relative_to(store.root))}


def test_a_damaged_copy_is_replaced_by_the_fresh_bytes(store):
    data = b"the complete file" * 100
    sha = hashlib.sha256(data).hexdigest()
    damaged = store.path_hint(sha)
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(data[:10])  # truncated by an old disk failure

    store.put(io.BytesIO(data))
    with store.open(sha) as stored:
        assert stored.read() == data


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_200_mb_file_streams_through_in_bounded_memory(store):
    """Memory must not grow with the file: a 200 MB upload must not cost 200 MB of RAM."""
    limit = 40 * MB
    has_proc = Path("/proc/self/statm").exists()
    rss_start = _rss_bytes() if has_proc else 0
    rss_peak = [rss_start]

    def sample_rss() -> None:
        if has_proc:
            rss_peak[0] = max(rss_peak[0], _rss_bytes())

    stream = GeneratedStream(200 * MB, on_read=sample_rss)
    tracemalloc.start()
    try:
        blob = store.put(stream)
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    try:
        assert blob.size == 200 * MB
        assert blob.sha256 == stream.sha256.hexdigest()
        assert python_peak < limit, f"Python allocations peaked at {python_peak / MB:.1f} MB"
        assert rss_peak[0] - rss_start < limit, "resident memory grew with the file size"
    finally:
        store.path_hint(blob.sha256).unlink()  # don't leave 200 MB in the temp folder


@pytest.mark.parametrize(
    "bad",
    [
        "../../../etc/passwd",
        "../" + "0" * 61,
        "0" * 63,
        "0" * 65,
        "0" * 64 + "\n",
        "A" * 64,  # upper case: blobs are named in lower case only
        "g" * 64,
        "",
        None,
    ],
)
def test_an_id_that_is_not_a_sha256_is_refused(store, bad):
    with pytest.raises(InvalidBlobId):
        store.open(bad)
    with pytest.raises(InvalidBlobId):
        store.exists(bad)


def test_opening_a_missing_blob_says_so(store):
    assert not store.exists("0" * 64)
    with pytest.raises(FileNotFoundError):
        store.open("0" * 64)


def test_the_app_has_one_store_in_its_storage_dir(app):
    store = get_store()
    assert get_store() is store
    assert isinstance(store, LocalFolderStore)
    assert store.root == Path(app.config["STORAGE_DIR"])
