"""Real services the tests need, started on demand (placeholder: see issue 5 work)."""

CLAMD_SOCKET = "/tmp/eoffice-clamd/clamd.sock"


def ensure_clamd() -> str:
    return CLAMD_SOCKET
