"""Content-addressed attachment store.

Why content addressing: a file is named by the sha256 of its bytes, so the same
attachment sent to twenty agencies is stored once, a stored file can be checked against
its own name at any time (integrity of records), and a blob never changes once written,
so several web hosts can write to the same store without locks.

Why this shape: callers see only ``AttachmentStore`` — ``put``, ``stage``, ``open``,
``exists``, ``path_hint`` — and get it from ``get_store()``. An S3-compatible backend can
implement the same five methods later (staging to a local temporary file, uploading on
commit) without any caller changing.

The local backend keeps each blob at ``<root>/<aa>/<bb>/<sha256>`` and writes through a
temporary file in ``<root>/tmp/`` (same file system, so the final rename is atomic): a
crash or a failing upload never leaves a partial file at a final path.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Protocol

from flask import current_app

CHUNK_SIZE = 64 * 1024
EXTENSION_KEY = "eoffice_attachment_store"
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class Readable(Protocol):
    """Anything with ``read(size)`` returning bytes (a file, werkzeug's FileStorage.stream)."""

    def read(self, size: int = -1, /) -> bytes: ...


class InvalidBlobId(ValueError):
    """A blob id that is not 64 lower-case hex characters: refused before it can reach
    the file system, so an id can never be used for path traversal."""


def check_sha256(sha256: object) -> str:
    if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
        raise InvalidBlobId(f"not a sha256 blob id: {sha256!r}")
    return sha256


@dataclass(frozen=True)
class StoredBlob:
    """A blob in the store: its name (sha256, lower-case hex) and its size in bytes."""

    sha256: str
    size: int


class StagedBlob:
    """A complete, fsynced temporary file, hashed while it was written, not yet in the
    store. The upload pipeline lets its inspectors read ``path`` before deciding.

    Use it as a context manager: leaving the block without ``commit()`` (a refusal, an
    error) deletes the temporary file, so nothing is left behind.
    """

    def __init__(
        self, path: Path, sha256: str, size: int, finish: Callable[[StagedBlob], StoredBlob]
    ) -> None:
        self.path = path
        self.sha256 = sha256
        self.size = size
        self._finish = finish
        self._state = "staged"

    def commit(self) -> StoredBlob:
        """Move the file into the store (or drop it if the same bytes are already there)."""
        if self._state != "staged":
            raise RuntimeError(f"staged blob already {self._state}")
        blob = self._finish(self)
        self._state = "committed"
        return blob

    def discard(self) -> None:
        if self._state == "staged":
            self.path.unlink(missing_ok=True)
            self._state = "discarded"

    def __enter__(self) -> StagedBlob:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()


class AttachmentStore(Protocol):
    """What callers may rely on; keep it this small so other backends stay easy."""

    def put(self, stream: Readable) -> StoredBlob:
        """Store everything ``stream`` yields (read in chunks) and return its blob."""
        ...

    def stage(self, stream: Readable) -> StagedBlob:
        """Write ``stream`` to a temporary file, to be committed or discarded."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """The blob's bytes; FileNotFoundError if absent, InvalidBlobId if not a sha256."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def path_hint(self, sha256: str) -> Path | None:
        """A local path of the blob when the backend has one (e.g. for X-Accel-Redirect),
        else None. Callers must work with ``open`` alone."""
        ...


class LocalFolderStore:
    """The store in a local (or mounted network) folder."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.tmp_dir = self.root / "tmp"

    # --- writing -----------------------------------------------------------------------

    def put(self, stream: Readable) -> StoredBlob:
        with self.stage(stream) as staged:
            return staged.commit()

    def stage(self, stream: Readable) -> StagedBlob:
        """Copy ``stream`` chunk by chunk (memory does not grow with the file) into a
        temporary file, hashing and counting as it goes; fsync so the bytes are on disk
        before the rename that publishes them. Any error removes the temporary file."""
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="incoming-", suffix=".part", dir=self.tmp_dir)
        path = Path(name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK_SIZE):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedBlob(path, digest.hexdigest(), size, self._commit)

    def _commit(self, staged: StagedBlob) -> StoredBlob:
        final = self._path(staged.sha256)
        if final.is_file() and final.stat().st_size == staged.size:
            # Same bytes already stored (deduplication): keep the one copy.
            staged.path.unlink()
        else:
            # New blob, or a damaged copy of the wrong size that the fresh one repairs.
            _make_dirs(final.parent)
            # Blobs never change: read-only for the owner, readable by its group (backups).
            os.chmod(staged.path, 0o440)
            os.replace(staged.path, final)
            _fsync_dir(final.parent)
        return StoredBlob(staged.sha256, staged.size)

    # --- reading -----------------------------------------------------------------------

    def open(self, sha256: str) -> BinaryIO:
        return self._path(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def path_hint(self, sha256: str) -> Path | None:
        return self._path(sha256)

    def _path(self, sha256: str) -> Path:
        sha256 = check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in ``path`` survive a power cut."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> None:
    """``mkdir -p`` that fsyncs the parent of every folder it creates."""
    missing: list[Path] = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:  # another process created it meanwhile
            continue
        _fsync_dir(folder.parent)


def get_store() -> AttachmentStore:
    """The app's attachment store (one per app, kept in ``app.extensions``), rooted at
    ``STORAGE_DIR``."""
    extensions = current_app.extensions
    store = extensions.get(EXTENSION_KEY)
    if store is None:
        store = extensions[EXTENSION_KEY] = LocalFolderStore(current_app.config["STORAGE_DIR"])
    return store
