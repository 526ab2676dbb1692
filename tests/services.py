"""Real services the tests need, started on demand.

ClamAV: one clamd per machine, shared by every test run (``scripts/clamd-local``, socket
``/tmp/eoffice-clamd/clamd.sock``), loaded with two test signatures only: EICAR and a
custom marker. Tests never stop it (other runs may be using it); a test that needs a
scanner that does not answer points the app at a dead socket instead
(``dead_clamd_socket``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLAMD_LOCAL = ROOT / "scripts" / "clamd-local"
CLAMD_DIR = Path(os.environ.get("EOFFICE_CLAMD_DIR", "/tmp/eoffice-clamd"))
CLAMD_SOCKET = str(CLAMD_DIR / "clamd.sock")
INSTALL_HINT = "make test-deps   (or: scripts/apt-ensure clamav-daemon && scripts/clamd-local start)"


def clamd_answers(socket_path: str = CLAMD_SOCKET, timeout: float = 3.0) -> bool:
    """True if a clamd answers PING on ``socket_path``."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(socket_path)
            conn.sendall(b"zPING\0")
            return conn.recv(16).startswith(b"PONG")
    except OSError:
        return False


def clamd_installed() -> bool:
    return bool(shutil.which("clamd") or os.access("/usr/sbin/clamd", os.X_OK))


def ensure_clamd() -> str:
    """The socket of a running clamd with the test signatures, started if needed; fails
    the run loudly, with the command that fixes it, if clamd is not installed."""
    if not clamd_installed():
        pytest.fail(f"clamd (Debian package clamav-daemon) is not installed: the upload "
                    f"tests need a real ClamAV daemon. Install and start it with:\n  "
                    f"{INSTALL_HINT}", pytrace=False)
    # Always run the script: it is quick when clamd already answers, (re)writes the test
    # signatures and checks that both are really detected.
    result = subprocess.run(
        [str(CLAMD_LOCAL), "start", str(CLAMD_DIR)],
        capture_output=True, text=True, timeout=180, check=False,
    )
    if result.returncode != 0 or not clamd_answers():
        pytest.fail(f"clamd did not start on {CLAMD_SOCKET}:\n{result.stdout}{result.stderr}\n"
                    f"Try: {INSTALL_HINT}", pytrace=False)
    return CLAMD_SOCKET


def dead_clamd_socket(tmp_path: Path) -> str:
    """A socket path where no clamd listens (a stopped scanner, as the app sees it)."""
    return str(tmp_path / "stopped-clamd.sock")


@contextmanager
def throwaway_clamd(**settings: str) -> Iterator[str]:
    """A separate clamd in its own folder (never the shared one), stopped afterwards; for
    a test that needs clamd configured differently, e.g.
    ``throwaway_clamd(EOFFICE_CLAMD_STREAM_MAX="1M")``. Yields its socket path."""
    # Short path under /tmp: unix socket paths are limited to 107 bytes.
    folder = tempfile.mkdtemp(prefix="eoffice-clamd-", dir="/tmp")
    env = {**os.environ, **settings}
    try:
        result = subprocess.run([str(CLAMD_LOCAL), "start", folder], env=env,
                                capture_output=True, text=True, timeout=180, check=False)
        if result.returncode != 0:
            pytest.fail(f"throw-away clamd did not start:\n{result.stdout}{result.stderr}",
                        pytrace=False)
        yield result.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(CLAMD_LOCAL), "stop", folder], capture_output=True, timeout=60,
                       check=False)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def silent_scanner(folder: Path) -> Iterator[str]:
    """A unix socket that takes connections and whatever is sent, and never answers: a
    clamd that hangs. Yields its path."""
    path = str(folder / "silent-clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()
    connections: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(0.2)
            connections.append(conn)
            while not stop.is_set():  # swallow what comes, answer nothing
                try:
                    if not conn.recv(65536):
                        break
                except TimeoutError:
                    continue
                except OSError:
                    break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        stop.set()
        thread.join(5)
        for conn in connections:
            conn.close()
        server.close()


# --- OpenLDAP: the official mail directory (QĐ 778 Đ8.2a, Đ16) ----------------------------
# One throw-away slapd per machine (``scripts/slapd-local``, ldap://127.0.0.1:3389, data in
# /tmp/eoffice-slapd), shared by every test run like clamd. Tests add their own entries
# with unique mailboxes (tests/ldap_directory.py) and never stop it.

SLAPD_LOCAL = ROOT / "scripts" / "slapd-local"
SLAPD_DIR = Path(os.environ.get("EOFFICE_SLAPD_DIR", "/tmp/eoffice-slapd"))
SLAPD_INSTALL_HINT = ("make slapd   (or: scripts/apt-ensure slapd ldap-utils && "
                      "scripts/slapd-local start)")


class Slapd:
    """Connection facts of the test directory (the defaults of scripts/slapd-local)."""

    suffix = "dc=quangngai,dc=gov,dc=vn"
    people = f"ou=people,{suffix}"
    admin_dn = f"cn=admin,{suffix}"
    search_dn = f"cn=eoffice-search,{suffix}"
    domain = "quangngai.gov.vn"

    def __init__(self) -> None:
        host = os.environ.get("EOFFICE_SLAPD_HOST", "127.0.0.1")
        self.url = f"ldap://{host}:{os.environ.get('EOFFICE_SLAPD_PORT', '3389')}"
        self.admin_password = os.environ.get("SLAPD_ADMIN_PASSWORD", "slapd-admin-test")
        self.search_password = os.environ.get("SLAPD_SEARCH_PASSWORD", "slapd-search-test")
        # Password of the test accounts (nguyenvana@quangngai.gov.vn, ...).
        self.user_password = os.environ.get("SLAPD_USER_PASSWORD", "Hopthu@2026")

    def __repr__(self) -> str:
        return f"Slapd({self.url}, {self.people})"


def slapd_answers(facts: Slapd, timeout: float = 3.0) -> bool:
    """True if the test directory accepts a bind of its search account."""
    import ldap

    connection = ldap.initialize(facts.url)
    connection.set_option(ldap.OPT_NETWORK_TIMEOUT, timeout)
    connection.set_option(ldap.OPT_TIMEOUT, timeout)
    try:
        connection.simple_bind_s(facts.search_dn, facts.search_password)
        return True
    except ldap.LDAPError:
        return False
    finally:
        connection.unbind_s()


def ensure_slapd() -> Slapd:
    """The test mail directory, started if it does not answer (its test accounts are
    re-added when missing); fails the run loudly, with the command that fixes it."""
    facts = Slapd()
    if slapd_answers(facts):
        return facts
    if not (shutil.which("slapd") or os.access("/usr/sbin/slapd", os.X_OK)):
        pytest.fail(f"slapd (Debian package slapd) is not installed: the directory login "
                    f"tests need a real OpenLDAP. Install and start it with:\n  "
                    f"{SLAPD_INSTALL_HINT}", pytrace=False)
    result = subprocess.run([str(SLAPD_LOCAL), "start", str(SLAPD_DIR)],
                            capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0 or not slapd_answers(facts):
        pytest.fail(f"slapd did not start on {facts.url}:\n{result.stdout}{result.stderr}\n"
                    f"Try: {SLAPD_LOCAL} start   (or: {SLAPD_INSTALL_HINT})", pytrace=False)
    return facts
