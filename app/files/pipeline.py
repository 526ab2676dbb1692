"""The single upload pipeline (QĐ 778 Đ13.2, NĐ 30/2020).

Every way a file enters eOffice — a form on a screen, the REST API, an edXML package
from another agency — calls ``accept_upload()``, so these rules hold for all of them and
change in one place:

1. the extension must be in ``EOFFICE_ALLOWED_UPLOAD_TYPES`` (checked before reading);
2. the file streams to a temporary file and is refused as soon as it passes
   ``EOFFICE_MAX_UPLOAD_MB``;
3. an empty file is refused;
4. its leading bytes must match its extension, for the types that have known ones
   (a renamed .exe is refused);
5. the registered inspectors run, in order, on the complete temporary file;
6. only then does the file enter the attachment store (content-addressed, deduplicated).

``inspect_small_upload()`` applies steps 1-5 (with its own allow-list and limit) to a
small file that is not an attachment — a signing key, a signature image — and returns
its bytes without storing it.

A refusal raises ``UploadRefused``: a stable ``code`` for programs and a translated
``message`` for people. It is logged at WARNING with the file name, and nothing is left in
the store or its temporary folder.

The type a browser declares is not trusted (it comes from the sender's computer and
differs between systems); the extension and the bytes decide, and the returned MIME type
is the one of the extension.

Inspectors
----------
An inspector is a callable ``inspector(path, upload)`` registered with
``register_inspector(app, inspector)`` (from ``create_app``); the ClamAV malware scan
(``app.files.clamav.inspect``) and the PDF signature verification plug in here. Contract:

- ``path`` is a complete, readable temporary file: read it, never change, move or delete it;
- ``upload`` (``UploadInfo``) holds the cleaned file name, extension, MIME type, the type
  the sender declared, size and sha256;
- return to let the file pass; raise ``UploadRefused(code, message)`` with a code of its
  own (for example ``malware``, ``signature_invalid``) to refuse it;
- any other exception (a scanner that does not answer) also keeps the file out — nothing
  is stored — and reaches the caller as an error: the pipeline fails closed;
- inspectors run in registration order and the first refusal stops the rest.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.files.store import CHUNK_SIZE, Readable, StagedBlob, get_store

log = logging.getLogger(__name__)

INSPECTORS_KEY = "eoffice_upload_inspectors"
MAX_NAME_LENGTH = 255
MB = 1024 * 1024


class UploadRefused(Exception):
    """A file the pipeline will not accept: ``code`` is stable (programs and tests rely on
    it), ``message`` is for the person who sent the file."""

    def __init__(self, code: str, message: object) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class AcceptedFile:
    """A file now in the attachment store, with the name and type to record with it."""

    sha256: str
    size: int
    filename: str
    mime_type: str


@dataclass(frozen=True)
class UploadInfo:
    """What inspectors learn about the file besides its bytes."""

    filename: str
    extension: str
    mime_type: str
    declared_mime: str | None
    size: int
    sha256: str


Inspector = Callable[[Path, UploadInfo], None]


# --- File types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileType:
    """A MIME type and the leading bytes a genuine file starts with (empty: not checked)."""

    mime_type: str
    signatures: tuple[bytes, ...] = ()


_ZIP = (b"PK\x03\x04",)  # OOXML and OpenDocument files are ZIP archives
_OLE2 = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # Office 97-2003 compound file
_XML = (  # the XML declaration, plain or after a UTF-8 / UTF-16 byte order mark
    b"<?xml",
    b"\xef\xbb\xbf<?xml",
    b"\xff\xfe" + "<?xml".encode("utf-16-le"),
    b"\xfe\xff" + "<?xml".encode("utf-16-be"),
)
_TIFF = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # little/big endian, BigTIFF

FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("application/pdf", (b"%PDF-",)),
    "doc": FileType("application/msword", _OLE2),
    "xls": FileType("application/vnd.ms-excel", _OLE2),
    "ppt": FileType("application/vnd.ms-powerpoint", _OLE2),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP
    ),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "pptx": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP
    ),
    "odt": FileType("application/vnd.oasis.opendocument.text", _ZIP),
    "ods": FileType("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    "odp": FileType("application/vnd.oasis.opendocument.presentation", _ZIP),
    "zip": FileType("application/zip", _ZIP + (b"PK\x05\x06",)),  # also the empty archive
    "jpg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    "png": FileType("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "gif": FileType("image/gif", (b"GIF87a", b"GIF89a")),
    "tif": FileType("image/tiff", _TIFF),
    "tiff": FileType("image/tiff", _TIFF),
    "xml": FileType("application/xml", _XML),
    "rtf": FileType("application/rtf", (b"{\\rtf",)),
}
_HEAD_SIZE = max(len(s) for t in FILE_TYPES.values() for s in t.signatures)


def file_type(extension: str) -> FileType:
    """Known types get their signatures checked; a type an operator adds to the
    allow-list that is not known here is checked by extension only."""
    known = FILE_TYPES.get(extension)
    if known:
        return known
    guessed, _ = mimetypes.guess_type(f"file.{extension}", strict=False)
    return FileType(guessed or "application/octet-stream")


def content_matches(kind: FileType, path: Path) -> bool:
    if not kind.signatures:
        return True
    with path.open("rb") as file:
        head = file.read(_HEAD_SIZE)
    return head.startswith(kind.signatures)


# --- File names ------------------------------------------------------------------------------

# Bidirectional overrides can make "hoso\u202Efdp.exe" display as "hosoexe.pdf".
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                        "\u2066\u2067\u2068\u2069"))
_SEPARATORS = re.compile(r"[/\\]")


def clean_filename(name: str | None) -> str:
    """The name as the sender gave it, Vietnamese letters and spaces kept (it is shown
    and downloaded under this name; blobs on disk are named by their hash, so the name
    never becomes a path). Only what could mislead is changed: path separators become
    "_" (``12/QĐ-UBND.pdf`` stays readable as ``12_QĐ-UBND.pdf``), control and
    bidirectional characters go, surrounding blanks go, the text is NFC-normalised (the
    same letters typed on macOS and Windows compare equal), and the length is capped at
    255 characters, keeping the extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = _SEPARATORS.sub("_", name).translate(_BIDI_CONTROLS)
    name = "".join(c for c in name if unicodedata.category(c) != "Cc").strip()
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) < 16:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot else ""


# --- Settings and inspectors ---------------------------------------------------------------


def allowed_types() -> tuple[str, ...]:
    """``EOFFICE_ALLOWED_UPLOAD_TYPES`` as a tuple of lower-case extensions without dots
    (a comma-separated string is accepted too, for settings given as text)."""
    value: str | Iterable[str] = current_app.config["EOFFICE_ALLOWED_UPLOAD_TYPES"]
    if isinstance(value, str):
        value = value.split(",")
    return tuple(t.strip().lower().lstrip(".") for t in value if t.strip())


def max_upload_bytes() -> int:
    return int(current_app.config["EOFFICE_MAX_UPLOAD_MB"] * MB)


def register_inspector(app: Flask, inspector: Inspector) -> Inspector:
    """Add ``inspector`` to the end of the app's inspectors (see the module docstring for
    the contract). Returns it unchanged."""
    app.extensions.setdefault(INSPECTORS_KEY, []).append(inspector)
    return inspector


def inspectors() -> tuple[Inspector, ...]:
    return tuple(current_app.extensions.get(INSPECTORS_KEY, ()))


# --- The pipeline ------------------------------------------------------------------------------


class _SizeLimit:
    """Passes reads through and refuses the upload as soon as more than ``limit`` bytes
    have come, never reading more than one byte past it."""

    def __init__(self, stream: Readable, limit: int, limit_mb: object) -> None:
        self._stream = stream
        self._limit = limit
        self._limit_mb = limit_mb
        self._count = 0

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            size = CHUNK_SIZE
        chunk = self._stream.read(min(size, self._limit - self._count + 1))
        self._count += len(chunk)
        if self._count > self._limit:
            raise UploadRefused(
                "too_large",
                _l("The file is larger than the limit of %(limit)s MB.", limit=self._limit_mb),
            )
        return chunk


def accept_upload(
    stream: Readable, filename: str | None, declared_mime: str | None = None
) -> AcceptedFile:
    """Check the file and put it in the attachment store, or raise ``UploadRefused``.

    ``stream`` is read once, in chunks (e.g. ``FileStorage.stream``); ``filename`` is the
    name the sender gave; ``declared_mime`` is the type the sender claimed (only passed on
    to inspectors). Needs an application context.
    """
    name = clean_filename(filename)
    limit = current_app.config["EOFFICE_MAX_UPLOAD_MB"]
    try:
        with _inspected(stream, name, declared_mime, allowed_types(), max_upload_bytes(),
                        limit) as (staged, upload):
            blob = staged.commit()
    except UploadRefused as refused:
        _log_refusal(name, refused)
        raise
    log.info("upload accepted: %r: %s, %d bytes", name, blob.sha256, blob.size)
    return AcceptedFile(blob.sha256, blob.size, name, upload.mime_type)


def inspect_small_upload(
    stream: Readable,
    filename: str | None,
    allowed_extensions: Iterable[str],
    max_bytes: int,
    declared_mime: str | None = None,
) -> bytes:
    """The same checks as ``accept_upload`` for a small file that is not an attachment
    (a signing key, a signature image): ``allowed_extensions`` instead of the attachment
    allow-list, ``max_bytes`` as the limit, the content check and every inspector — the
    malware scan included (QĐ 778 Đ13.2). Returns the file's bytes; nothing is stored.
    Raises ``UploadRefused``."""
    name = clean_filename(filename)
    allowed = tuple(e.strip().lower().lstrip(".") for e in allowed_extensions if e.strip())
    try:
        with _inspected(stream, name, declared_mime, allowed, max_bytes,
                        f"{max_bytes / MB:g}") as (staged, _upload):
            return staged.path.read_bytes()
    except UploadRefused as refused:
        _log_refusal(name, refused)
        raise


def _log_refusal(name: str, refused: UploadRefused) -> None:
    with force_locale("en"):
        reason = str(refused.message)
    log.warning("upload refused: %r: %s (%s)", name, refused.code, reason)


@contextmanager
def _inspected(
    stream: Readable,
    name: str,
    declared_mime: str | None,
    allowed: tuple[str, ...],
    max_bytes: int,
    limit_mb: object,
) -> Iterator[tuple[StagedBlob, UploadInfo]]:
    """Steps 1-5 of the module docstring: yields the staged file and what the inspectors
    learnt once every check passed; leaving the block without committing removes it."""
    extension = extension_of(name)
    if extension not in allowed:
        raise _not_allowed(extension, allowed)
    kind = file_type(extension)
    with get_store().stage(_SizeLimit(stream, max_bytes, limit_mb)) as staged:
        if staged.size == 0:
            raise UploadRefused("empty", _l("The file is empty."))
        if not content_matches(kind, staged.path):
            raise UploadRefused(
                "type_mismatch",
                _l(
                    "The content of the file is not a .%(extension)s file; "
                    "it may have been renamed.",
                    extension=extension,
                ),
            )
        upload = UploadInfo(
            name, extension, kind.mime_type, declared_mime, staged.size, staged.sha256
        )
        for inspector in inspectors():
            inspector(staged.path, upload)
        yield staged, upload


def _not_allowed(extension: str, allowed: tuple[str, ...]) -> UploadRefused:
    accepted = ", ".join(allowed)
    if not extension:
        message = _l(
            "The file name has no extension. Accepted types: %(allowed)s.", allowed=accepted
        )
    else:
        message = _l(
            "Files of type .%(extension)s are not accepted. Accepted types: %(allowed)s.",
            extension=extension,
            allowed=accepted,
        )
    return UploadRefused("type_not_allowed", message)
