"""Login protection (QĐ 778 Đ19.2c): rate limits per account and per address, lock-out
after repeated failures, and the audit entries of every login attempt.

Both ways in (the login form and ``POST /api/v1/security/login``; database and directory
passwords) pass through :func:`guarded`.

- **Rate limits.** Failed logins are counted in a sliding window
  (``EOFFICE_LOGIN_WINDOW_SECONDS``) per account (the user name as typed, lower-case,
  without the directory's mail domain) and per client address (``request.remote_addr``,
  behind ``PROXY_FIX_HOPS`` proxies). Above ``EOFFICE_LOGIN_MAX_FAILURES_PER_ACCOUNT`` or
  ``..._PER_ADDRESS`` every attempt is refused as "too many attempts" *without trying
  the password*, until enough failures leave the window. Successful logins are never
  counted; one clears the account's failures (not the address's).
  The counters live in Redis (``REDIS_URL``), shared by every worker process, under
  ``EOFFICE_LOGIN_KEY_PREFIX``. Without REDIS_URL they are kept in the process (a
  warning is logged once): good for ``make run``, not for several workers. When Redis is
  configured but does not answer, logins are refused (fail closed) with a 503.
- **Lock-out.** After ``EOFFICE_LOGIN_LOCK_AFTER`` consecutive wrong passwords on an
  existing account (Flask-AppBuilder's ``fail_login_count``) the account is locked
  (``UserAccount.locked_at``). A locked account cannot log in, even with the right
  password, and gets the same answer as a wrong password. An admin of the account's
  agency unlocks it ("Unlock" on the user list), or resets its password.
- **Audit.** LOGIN, LOGIN_FAILED (``actor_name``: the name typed; ``detail.reason``),
  LOGIN_THROTTLED (once per window and limit, so a flood cannot flood the log),
  ACCOUNT_LOCKED, ACCOUNT_UNLOCKED; committed at once, so they survive the refusal.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, g, has_request_context, jsonify, request
from flask_babel import gettext
from werkzeug.security import check_password_hash

from app.i18n import utcnow
from app.security.audit import AuditEvent, client_address, record_audit
from app.security.directory_auth import directory_domain, find_account

log = logging.getLogger("eoffice.login")

WEB_LOGIN_PATH = "/login/"
API_LOGIN_PATH = "/api/v1/security/login"
STORE_EXTENSION = "eoffice_login_store"
NAME_LIMIT = 200  # longest user name kept in a key or the audit log

# Why a login failed (LOGIN_FAILED detail.reason).
UNKNOWN_ACCOUNT = "unknown_account"
ACCOUNT_INACTIVE = "account_inactive"
ACCOUNT_LOCKED = "account_locked"
WRONG_PASSWORD = "wrong_password"
REFUSED = "refused"  # e.g. the directory did not answer, local login switched off
GUARD_UNAVAILABLE = "login_protection_unavailable"


class LoginGuardUnavailable(Exception):
    """The shared counters (Redis) did not answer."""


@dataclass(frozen=True)
class Settings:
    window: int
    per_account: int
    per_address: int
    lock_after: int
    prefix: str

    @classmethod
    def of(cls, config: Any) -> Settings:
        return cls(
            window=max(1, int(config.get("EOFFICE_LOGIN_WINDOW_SECONDS", 900))),
            per_account=int(config.get("EOFFICE_LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)),
            per_address=int(config.get("EOFFICE_LOGIN_MAX_FAILURES_PER_ADDRESS", 50)),
            lock_after=int(config.get("EOFFICE_LOGIN_LOCK_AFTER", 10)),
            prefix=str(config.get("EOFFICE_LOGIN_KEY_PREFIX", "eoffice:login:")),
        )


def settings() -> Settings:
    return Settings.of(current_app.config)


# --- Counters ------------------------------------------------------------------------------


class RedisStore:
    """Failure timestamps in one sorted set per key (a sliding-window log)."""

    def __init__(self, url: str):
        import redis

        self._errors = (redis.RedisError,)
        self.client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)

    def _run(self, build: Callable[[Any], None]) -> list:
        try:
            pipe = self.client.pipeline()
            build(pipe)
            return pipe.execute()
        except self._errors as error:
            raise LoginGuardUnavailable(str(error)) from error

    def recent(self, key: str, now: float, window: int) -> list[float]:
        def build(pipe):
            pipe.zremrangebyscore(key, "-inf", now - window)
            pipe.zrange(key, 0, -1, withscores=True)

        return sorted(score for _, score in self._run(build)[1])

    def add(self, key: str, now: float, window: int) -> None:
        def build(pipe):
            pipe.zadd(key, {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
            pipe.zremrangebyscore(key, "-inf", now - window)
            pipe.expire(key, window + 1)

        self._run(build)

    def clear(self, key: str) -> None:
        self._run(lambda pipe: pipe.delete(key))

    def first_time(self, key: str, ttl: int) -> bool:
        """True the first time ``key`` is marked within ``ttl`` seconds."""
        return bool(self._run(lambda pipe: pipe.set(key, 1, nx=True, ex=max(1, ttl)))[0])


class MemoryStore:
    """The same counters in this process only (no REDIS_URL: development)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._stamps: dict[str, list[float]] = {}
        self._marks: dict[str, float] = {}

    def recent(self, key: str, now: float, window: int) -> list[float]:
        with self._lock:
            stamps = [s for s in self._stamps.get(key, []) if s > now - window]
            self._stamps[key] = stamps
            return sorted(stamps)

    def add(self, key: str, now: float, window: int) -> None:
        with self._lock:
            stamps = [s for s in self._stamps.get(key, []) if s > now - window]
            self._stamps[key] = [*stamps, now]

    def clear(self, key: str) -> None:
        with self._lock:
            self._stamps.pop(key, None)

    def first_time(self, key: str, ttl: int) -> bool:
        now = time.time()
        with self._lock:
            if self._marks.get(key, 0) > now:
                return False
            self._marks[key] = now + max(1, ttl)
            return True


_warned_memory_store = False


def store():
    """This app's counter store: Redis when REDIS_URL is set, else in-process."""
    global _warned_memory_store
    app = current_app._get_current_object()
    found = app.extensions.get(STORE_EXTENSION)
    if found is None:
        url = app.config.get("REDIS_URL") or ""
        if url:
            found = RedisStore(url)
        else:
            found = MemoryStore()
            if not _warned_memory_store:
                _warned_memory_store = True
                log.warning("REDIS_URL is not set: failed logins are counted in this process "
                            "only. Fine for a single development process; with several workers "
                            "set REDIS_URL so that the login limits hold across all of them.")
        app.extensions[STORE_EXTENSION] = found
    return found


# --- Keys and limits -----------------------------------------------------------------------


def normalise_username(username: str | None) -> str:
    """The account a login name counts against: lower-case, trimmed, without the
    directory's mail domain ("NguyenVanA@quangngai.gov.vn" and "nguyenvana" are one)."""
    name = (username or "").strip().casefold()
    domain = directory_domain()
    if domain and name.endswith("@" + domain):
        name = name[: -len(domain) - 1]
    return name[:NAME_LIMIT]


def _account_key(conf: Settings, name: str) -> str:
    return f"{conf.prefix}fail:account:{name}"


def _address_key(conf: Settings, address: str) -> str:
    return f"{conf.prefix}fail:address:{address}"


def _wait(stamps: list[float], limit: int, now: float, window: int) -> int:
    """Seconds until fewer than ``limit`` failures are left in the window (0: allowed)."""
    if limit <= 0 or len(stamps) < limit:
        return 0
    return max(1, math.ceil(stamps[len(stamps) - limit] + window - now))


def throttle(username: str | None, address: str | None) -> tuple[int, str | None]:
    """``(seconds to wait, "account" or "address")``; ``(0, None)`` when allowed.
    Raises LoginGuardUnavailable when the counters do not answer."""
    conf, counters, now = settings(), store(), time.time()
    name = normalise_username(username)
    waits = []
    if name:
        stamps = counters.recent(_account_key(conf, name), now, conf.window)
        waits.append((_wait(stamps, conf.per_account, now, conf.window), "account"))
    if address:
        stamps = counters.recent(_address_key(conf, address), now, conf.window)
        waits.append((_wait(stamps, conf.per_address, now, conf.window), "address"))
    wait, which = max(waits, default=(0, None))
    return (wait, which) if wait else (0, None)


def _count_failure(name: str, address: str | None) -> None:
    conf, counters, now = settings(), store(), time.time()
    if name:
        counters.add(_account_key(conf, name), now, conf.window)
    if address:
        counters.add(_address_key(conf, address), now, conf.window)


def forget_failures(username: str) -> None:
    """Clear an account's failure count (after a success or an unlock)."""
    name = normalise_username(username)
    if name:
        store().clear(_account_key(settings(), name))


# --- The guard -------------------------------------------------------------------------------


def _via() -> str:
    return "api" if has_request_context() and request.path.startswith("/api/") else "web"


def _typed(username: str | None) -> str:
    return (username or "").strip()[:NAME_LIMIT]


def _find_account(sm: Any, username: str) -> Any:
    """The account a login name stands for: the user name as typed, its mailbox
    (directory_auth.find_account), or the e-mail address (as Flask-AppBuilder's database
    login also accepts)."""
    typed = _typed(username)
    if not typed:
        return None
    user = find_account(sm, typed)
    if user is None and "@" in typed:
        user = sm.find_user(email=typed)
    return user


def _target(user: Any) -> str | None:
    return f"user:{user.id}" if user is not None and getattr(user, "id", None) else None


def note_throttled(sm: Any, username: str | None, which: str, wait: int) -> None:
    """Audit a refused-as-throttled attempt, once per limit and window (a flood of
    attempts makes one entry), and remember it for the answer."""
    if has_request_context():
        g.eoffice_login_throttled = wait
    conf, address = settings(), client_address()
    subject = normalise_username(username) if which == "account" else address
    log.warning("login of %r from %s refused: too many failed attempts (%s limit, %ds left)",
                _typed(username), address, which, wait)
    if not store().first_time(f"{conf.prefix}noted:{which}:{subject}", wait):
        return
    record_audit(AuditEvent.LOGIN_THROTTLED, actor_name=_typed(username) or None,
                 detail={"limit": which, "retry_after": wait, "via": _via()},
                 session=sm.session)
    sm.session.commit()


def _balance_timing() -> None:
    """Spend the time a password check takes, so a locked account does not answer
    faster than a wrong password (Flask-AppBuilder does the same for unknown users)."""
    fake = current_app.config.get("AUTH_DB_FAKE_PASSWORD_HASH_CHECK")
    if fake:
        check_password_hash(fake, "password")


def _refuse(sm: Any, username: str, user: Any, reason: str) -> None:
    """Count one failed login, lock the account when it has failed too often, and
    audit it; committed now, whatever the login view does next."""
    conf = settings()
    try:
        _count_failure(normalise_username(username), client_address())
    except LoginGuardUnavailable as error:
        log.error("failed login of %r not counted: the login counters do not answer: %s",
                  _typed(username), error)
    locked = False
    if (user is not None and reason == WRONG_PASSWORD and conf.lock_after > 0
            and user.locked_at is None and (user.fail_login_count or 0) >= conf.lock_after):
        user.locked_at = utcnow()
        locked = True
    agency_id = getattr(user, "agency_id", None)
    log.info("login of %r from %s failed: %s", _typed(username), client_address(), reason)
    record_audit(AuditEvent.LOGIN_FAILED, actor_name=_typed(username) or None,
                 agency_id=agency_id, target=_target(user),
                 detail={"reason": reason, "via": _via()}, session=sm.session)
    if locked:
        log.warning("account %s locked after %d failed logins", user.username,
                    user.fail_login_count)
        record_audit(AuditEvent.ACCOUNT_LOCKED, actor_name=user.username, agency_id=agency_id,
                     target=_target(user),
                     detail={"failed_logins": user.fail_login_count, "via": _via()},
                     session=sm.session)
    sm.session.commit()


def _failure_reason(user: Any, fails_before: int) -> str:
    if user is None:
        return UNKNOWN_ACCOUNT
    if not user.is_active:
        return ACCOUNT_INACTIVE
    if (user.fail_login_count or 0) > fails_before:
        return WRONG_PASSWORD
    return REFUSED


def guarded(sm: Any, username: str, attempt: Callable[[], Any]) -> Any:
    """Run one login ``attempt`` (returns the user or None) under the protections."""
    if not _typed(username):
        return attempt()  # Flask-AppBuilder refuses an empty name without a look-up
    try:
        wait, which = throttle(username, client_address())
        if wait:
            note_throttled(sm, username, which, wait)
            return None
    except LoginGuardUnavailable as error:
        log.error("login of %r refused: the login counters (REDIS_URL) do not answer: %s",
                  _typed(username), error)
        return None
    account = _find_account(sm, username)
    if account is not None and account.locked_at is not None:
        _balance_timing()
        _refuse(sm, username, account, ACCOUNT_LOCKED)
        return None
    fails_before = (account.fail_login_count or 0) if account is not None else 0
    user = attempt()
    if user is not None and getattr(user, "locked_at", None) is not None:
        _refuse(sm, username, user, ACCOUNT_LOCKED)  # reached by a name we did not look up
        return None
    if user is None:
        account = account if account is not None else _find_account(sm, username)
        _refuse(sm, username, account, _failure_reason(account, fails_before))
        return None
    try:
        forget_failures(username)
        if normalise_username(user.username) != normalise_username(username):
            forget_failures(user.username)
    except LoginGuardUnavailable as error:
        log.error("login of %r: its earlier failures not cleared: %s", _typed(username), error)
    record_audit(AuditEvent.LOGIN, actor=user, detail={"via": _via()}, session=sm.session)
    sm.session.commit()
    return user


# --- Unlock --------------------------------------------------------------------------------


def unlock(user: Any, how: str, session: Any = None) -> bool:
    """Clear an account's lock and failure counts (the signed-in admin does it; the
    caller commits). True when the account was locked."""
    was_locked = user.locked_at is not None
    user.locked_at = None
    user.fail_login_count = 0
    try:
        forget_failures(user.username)
    except LoginGuardUnavailable as error:
        log.warning("unlocking %s: the login counters do not answer (%s); its recent "
                    "failures still count until they leave the window", user.username, error)
    if was_locked:
        record_audit(AuditEvent.ACCOUNT_UNLOCKED, agency_id=user.agency_id, target=_target(user),
                     detail={"how": how}, session=session)
    return was_locked


# --- Answers of the login endpoints ------------------------------------------------------------


def throttled_message(wait: int) -> str:
    return gettext("Too many failed login attempts. Please wait %(minutes)d minute(s) and "
                   "try again, or ask your agency's administrator for help.",
                   minutes=max(1, math.ceil(wait / 60)))


def unavailable_message() -> str:
    return gettext("Logging in is not possible right now: the login protection service does "
                   "not answer. Please try again in a few minutes.")


def _posted_username() -> str | None:
    if request.path == API_LOGIN_PATH:
        payload = request.get_json(silent=True)
        value = payload.get("username") if isinstance(payload, dict) else None
    else:
        value = request.form.get("username")
    return value if isinstance(value, str) else None


def _login_page(message: str, status: int, headers: dict[str, str]):
    from flask_appbuilder.security.forms import LoginForm_db

    sm = current_app.appbuilder.sm
    view = sm.auth_view
    sm.before_request()  # g.user for the page: this answer comes before FAB's hook
    flash(message, "danger")
    page = view.render_template(view.login_template, title=view.title, form=LoginForm_db(),
                                appbuilder=current_app.appbuilder)
    return page, status, headers


def refusal_response(message: str, status: int, wait: int | None = None):
    headers = {"Retry-After": str(wait)} if wait else {}
    if request.path.startswith("/api/"):
        body = {"message": message}
        if wait:
            body["retry_after"] = wait
        return jsonify(body), status, headers
    return _login_page(message, status, headers)


def refuse_throttled_login():
    """``before_request``: answer a login POST that is over a limit with 429 before
    Flask-AppBuilder looks at the password (web: the login form with the message;
    REST: ``{"message", "retry_after"}``)."""
    if request.method != "POST" or request.path not in (WEB_LOGIN_PATH, API_LOGIN_PATH):
        return None
    username = _posted_username()
    try:
        wait, which = throttle(username, client_address())
        if not wait:
            return None
        note_throttled(current_app.appbuilder.sm, username, which, wait)
    except LoginGuardUnavailable as error:
        log.error("login refused: the login counters (REDIS_URL) do not answer: %s", error)
        return refusal_response(unavailable_message(), 503)
    return refusal_response(throttled_message(wait), 429, wait)


def install(app) -> None:
    """Answer throttled logins before the login views run."""
    app.before_request(refuse_throttled_login)
