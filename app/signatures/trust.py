"""The trust roots the operator configured, and validation contexts built on them.

``TRUST_ROOTS_DIR`` is a folder of certificates (PEM or DER; ``.pem``, ``.crt``, ``.cer``,
``.der``; a PEM file may hold several). In production it holds the root of the
Government specialised CA of Ban Cơ yếu Chính phủ; only chains ending there are trusted.
A missing or empty folder means no trust roots: every signature is then reported as
untrusted, with a reason a clerk can read, never as an error.

The network is closed: nothing is ever fetched (no CRL, OCSP or issuer download).
Revocation is checked in soft-fail mode with what the signed file itself carries (its
DSS and the signature's own revocation attribute).

The certificates are read once per process and read again when the folder changes
(its entries or their modification times): web processes are many and stateless, so an
operator who replaces a root needs no restart, then runs ``flask eoffice signatures
verify --all`` to check the stored files again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import crl, ocsp, pem, x509
from flask import current_app
from pyhanko_certvalidator import ValidationContext

log = logging.getLogger(__name__)

CERTIFICATE_SUFFIXES = (".pem", ".crt", ".cer", ".der")


@dataclass(frozen=True)
class TrustRoots:
    """The certificates of one trust folder, as read at one moment."""

    directory: str
    certificates: tuple[x509.Certificate, ...]

    def __bool__(self) -> bool:
        return bool(self.certificates)


_cache: dict[str, tuple[tuple, TrustRoots]] = {}
_lock = threading.Lock()


def trust_roots(directory: str | os.PathLike[str] | None = None) -> TrustRoots:
    """The trust roots in ``directory`` (default: the app's ``TRUST_ROOTS_DIR``), read
    again only when the folder changed since the last call in this process."""
    folder = str(directory if directory is not None else current_app.config["TRUST_ROOTS_DIR"])
    fingerprint = _fingerprint(Path(folder))
    with _lock:
        cached = _cache.get(folder)
        if cached and cached[0] == fingerprint:
            return cached[1]
    roots = TrustRoots(folder, tuple(_read_folder(Path(folder))))
    with _lock:
        _cache[folder] = (fingerprint, roots)
    return roots


def validation_context(
    roots: TrustRoots | None = None, *, other_certs: Iterable[x509.Certificate] = (),
    crls: Iterable[crl.CertificateList] = (), ocsps: Iterable[ocsp.OCSPResponse] = (),
    moment: dt.datetime | None = None,
) -> ValidationContext:
    """A fresh pyHanko/certvalidator context: our roots only (never the system's list),
    no fetching, soft-fail revocation with the given embedded CRLs and OCSP responses.
    ``moment`` (aware) validates at that time, e.g. the time of a trusted timestamp;
    default now. Build one per signature: a context keeps state between validations."""
    roots = roots if roots is not None else trust_roots()
    return ValidationContext(
        # An explicit list, even empty: None would fall back to the system's TLS roots.
        trust_roots=list(roots.certificates),
        other_certs=list(other_certs),
        crls=list(crls),
        ocsps=list(ocsps),
        moment=moment,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def _fingerprint(folder: Path) -> tuple:
    """What changes when a certificate is added, removed, renamed or rewritten."""
    try:
        entries = [(entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
                   for entry in os.scandir(folder) if _is_certificate_file(entry.name)]
        return (folder.stat().st_mtime_ns, tuple(sorted(entries)))
    except OSError:
        return ("missing",)


def _is_certificate_file(name: str) -> bool:
    return name.lower().endswith(CERTIFICATE_SUFFIXES) and not name.startswith(".")


def _read_folder(folder: Path) -> list[x509.Certificate]:
    if not folder.is_dir():
        log.warning("trust roots folder %s does not exist: no signature can be trusted", folder)
        return []
    certificates: dict[bytes, x509.Certificate] = {}
    for path in sorted(folder.iterdir()):
        if not (path.is_file() and _is_certificate_file(path.name)):
            continue
        try:
            for certificate in load_certificates(path.read_bytes()):
                certificates.setdefault(certificate.sha256, certificate)
        except (OSError, ValueError, TypeError) as error:
            log.warning("trust roots: %s is not a readable certificate (%s); skipped",
                        path, error)
    if not certificates:
        log.warning("trust roots folder %s holds no certificate: no signature can be "
                    "trusted", folder)
    return list(certificates.values())


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in ``data``: one DER certificate, or PEM blocks (a bundle)."""
    if pem.detect(data):
        found = [x509.Certificate.load(der) for kind, _headers, der
                 in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"]
    else:
        found = [x509.Certificate.load(data)]
    for certificate in found:
        certificate.native  # noqa: B018 - parse it all now, so a broken file fails here
    return found
