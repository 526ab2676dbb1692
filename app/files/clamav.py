"""Malware scan of every uploaded file by a ClamAV daemon (QĐ 778 Đ13.2: scan before
attaching).

``inspect(path, upload)`` is an inspector of the upload pipeline (``app.files.pipeline``,
registered in ``create_app``): the complete temporary file is streamed to clamd with
INSTREAM, in 64 KiB chunks (memory does not grow with the file), before the file may
enter the store. Whatever way the file came in (screen, REST API, exchange), one of three
things happens:

- clamd says OK: the file passes on;
- clamd finds a signature: ``UploadRefused("malware")`` with the signature's name, and a
  WARNING on the ``eoffice.security`` logger (file name, sha256, signature, user, address);
- anything else — not configured, not reachable, timing out, an error answer such as
  "INSTREAM size limit exceeded": the upload is refused (``scanner_unavailable`` or
  ``scan_failed``); a file is never stored unscanned (fail closed). The failure is logged
  at ERROR on ``eoffice.security`` and shown by ``/health`` (``last_failure``).

Settings: ``EOFFICE_CLAMD_HOST``/``EOFFICE_CLAMD_PORT`` (TCP, used when a host is given),
else ``EOFFICE_CLAMD_SOCKET`` (unix socket); ``EOFFICE_CLAMD_TIMEOUT`` (seconds to wait
for any answer of clamd). ``scan_file(path, filename)`` scans a file outside the pipeline.

pyclamd speaks the protocol; two of its habits are corrected here: it writes with
``socket.send``, which may send only the head of a buffer (the lost tail would shift every
later chunk header of the INSTREAM), so every write is ``sendall``; and it reads a reply
with a single ``recv``, which may return part of a line, so the reply is read to the end
(clamd closes the connection after answering one command).
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyclamd
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l

from app.files.pipeline import UploadInfo, UploadRefused, clean_filename
from app.files.store import CHUNK_SIZE

log = logging.getLogger(__name__)
security_log = logging.getLogger("eoffice.security")

STATE_KEY = "eoffice_clamd_state"
MAX_REPLY = 64 * 1024  # a verdict is one short line; never buffer more than this


class ScannerError(Exception):
    """clamd could not give a verdict. ``code``: ``scanner_unavailable`` (not configured,
    not reachable, no answer in time) or ``scan_failed`` (it answered with an error)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# --- The protocol (pyclamd, corrected) ----------------------------------------------------


class _SendAllSocket:
    """A socket whose ``send`` is ``sendall``: pyclamd's partial writes cannot corrupt the
    stream."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def send(self, data: bytes, flags: int = 0) -> int:
        self._sock.sendall(data, flags)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _Reliable:
    """Mixed into pyclamd's clients: whole writes, whole replies, no test connection in
    ``__init__`` (every command opens its own connection anyway)."""

    clamd_socket: Any

    def _init_socket(self) -> None:
        super()._init_socket()  # type: ignore[misc]
        self.clamd_socket = _SendAllSocket(self.clamd_socket)

    def _recv_response(self) -> str:
        data = b""
        while len(data) < MAX_REPLY:
            try:
                chunk = self.clamd_socket.recv(4096)
            except OSError:
                if data.endswith((b"\n", b"\0")):
                    break  # a complete reply, then a reset: clamd already hung up
                raise
            if not chunk:
                break
            data += chunk
        return data.decode("utf-8", "replace").strip().strip("\0").strip()

    def leftover_reply(self) -> str:
        """After a failed write: what clamd said before it closed the connection (e.g.
        "INSTREAM size limit exceeded. ERROR"), or ``""``."""
        try:
            self.clamd_socket.settimeout(1)
            return self._recv_response()
        except OSError:
            return ""

    def close(self) -> None:
        sock = getattr(self, "clamd_socket", None)
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


class UnixClamd(_Reliable, pyclamd.ClamdUnixSocket):
    def __init__(self, path: str, timeout: float) -> None:
        self.unix_socket = path
        self.timeout = timeout


class TcpClamd(_Reliable, pyclamd.ClamdNetworkSocket):
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout


# --- Settings -----------------------------------------------------------------------------


def client(config: Any = None) -> UnixClamd | TcpClamd:
    """A client for the configured clamd; ``ScannerError`` if none is configured."""
    config = current_app.config if config is None else config
    timeout = float(config.get("EOFFICE_CLAMD_TIMEOUT") or 60)
    host = (config.get("EOFFICE_CLAMD_HOST") or "").strip()
    if host:
        return TcpClamd(host, int(config.get("EOFFICE_CLAMD_PORT") or 3310), timeout)
    path = (config.get("EOFFICE_CLAMD_SOCKET") or "").strip()
    if path:
        return UnixClamd(path, timeout)
    raise ScannerError("scanner_unavailable", "no ClamAV daemon configured "
                       "(EOFFICE_CLAMD_SOCKET or EOFFICE_CLAMD_HOST)")


def _root_cause(error: BaseException) -> str:
    """The innermost reason of a failure ("timed out", "[Errno 111] Connection refused")
    rather than pyclamd's generic "Unable to scan stream"."""
    seen = error
    while seen.__cause__ or seen.__context__:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    if isinstance(seen, TimeoutError):
        return "no answer in time"
    return str(seen) or type(seen).__name__


# --- Scanning -----------------------------------------------------------------------------


def scan_stream(stream: BinaryIO, config: Any = None) -> str | None:
    """Stream ``stream`` to clamd: the signature name if it found one, ``None`` if clean.
    Raises ``ScannerError`` when there is no verdict."""
    clamd = client(config)
    try:
        answer = clamd.scan_stream(stream, chunk_size=CHUNK_SIZE)
    except pyclamd.BufferTooLongError as error:
        raise ScannerError("scan_failed", str(error)) from error
    except OSError as error:
        said = clamd.leftover_reply()
        if said.endswith("ERROR"):
            raise ScannerError("scan_failed", said) from error
        raise ScannerError("scanner_unavailable", _root_cause(error)) from error
    finally:
        clamd.close()
    if not answer:
        return None
    status, reason = next(iter(answer.values()))
    if status == "FOUND":
        return reason
    raise ScannerError("scan_failed", f"{reason} {status}".strip())


def version(config: Any = None) -> str:
    """clamd's VERSION answer ("ClamAV 1.4.6/27000/..."); ``ScannerError`` if none."""
    clamd = client(config)
    try:
        if not clamd.ping():
            raise ScannerError("scanner_unavailable", "no PONG")
        return clamd.version()
    except OSError as error:
        raise ScannerError("scanner_unavailable", _root_cause(error)) from error
    finally:
        clamd.close()


# --- Refusals -----------------------------------------------------------------------------


MALWARE = "malware"
SCANNER_UNAVAILABLE = "scanner_unavailable"
SCAN_FAILED = "scan_failed"


def _malware(signature: str) -> UploadRefused:
    return UploadRefused(MALWARE, _l(
        "The file contains malware (%(signature)s) and was refused.", signature=signature))


def _no_verdict(error: ScannerError) -> UploadRefused:
    if error.code == SCAN_FAILED:
        return UploadRefused(SCAN_FAILED, _l(
            "The malware scanner could not check this file, so it was not accepted. "
            "Tell the IT department."))
    return UploadRefused(SCANNER_UNAVAILABLE, _l(
        "The malware scanner is not answering; the file was not accepted. "
        "Try again later or tell the IT department."))


def _who() -> tuple[str, str]:
    """User name and address of the request, when there is one."""
    if not has_request_context():
        return "-", "-"
    from app.security.scope import current_user

    user = current_user()
    return getattr(user, "username", None) or "-", request.remote_addr or "-"


def _record_failure(error: ScannerError) -> None:
    current_app.extensions[STATE_KEY] = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "code": error.code,
        "reason": error.reason,
    }


def last_failure() -> dict | None:
    """The last scan in this process that ended without a verdict (for ``/health``)."""
    return current_app.extensions.get(STATE_KEY)


def clear_failure() -> None:
    current_app.extensions.pop(STATE_KEY, None)


def scan_file(path: str | Path, filename: str, sha256: str | None = None) -> None:
    """Scan one complete file (QĐ 778 Đ13.2): return if clean, else raise
    ``UploadRefused`` (``malware``, ``scanner_unavailable``, ``scan_failed``) after logging
    the security event. For uploads outside the attachment pipeline; the pipeline itself
    calls ``inspect``."""
    name = clean_filename(filename)
    try:
        with open(path, "rb") as file:
            signature = scan_stream(file)
    except ScannerError as error:
        user, address = _who()
        _record_failure(error)
        security_log.error(
            "malware scan impossible, upload refused: file=%r sha256=%s user=%s ip=%s "
            "error=%s (%s)", name, sha256 or "-", user, address, error.code, error.reason)
        raise _no_verdict(error) from error
    if signature is not None:
        user, address = _who()
        security_log.warning(
            "malware found, upload refused: file=%r sha256=%s signature=%s user=%s ip=%s",
            name, sha256 or "-", signature, user, address)
        raise _malware(signature)


def inspect(path: Path, upload: UploadInfo) -> None:
    """The pipeline inspector (see ``app.files.pipeline``)."""
    scan_file(path, upload.filename, upload.sha256)


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str


def health() -> Health:
    """Does clamd answer now? A good answer clears the last failure."""
    try:
        answer = version()
    except ScannerError as error:
        return Health(False, f"ClamAV not answering: {error.reason}")
    clear_failure()
    return Health(True, answer)
