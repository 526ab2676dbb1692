"""Security headers on every response, with a Content-Security-Policy that lets pages
load only what the eOffice itself serves (no CDN, no third party: the province's
network may have no way out, and nobody else should learn who opens which page).

Scripts: only the app's own files and inline blocks carrying this response's nonce
(Flask-AppBuilder's templates print ``csp_nonce()`` on every ``<script>``; templates of
the eOffice must do the same: ``<script nonce="{{ csp_nonce() }}">``). No ``onclick=``,
no ``javascript:`` links. Styles: the app's own files, and inline ``style="..."``
attributes ('unsafe-inline' for styles only), which Flask-AppBuilder's and the eOffice's
templates use in many places and which cannot carry a nonce.
"""

from __future__ import annotations

import secrets

from flask import current_app, g, request

NONCE_BYTES = 18
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


def csp_nonce() -> str:
    """This response's nonce for inline ``<script>`` blocks (a Jinja global)."""
    nonce = g.get("_csp_nonce")
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(NONCE_BYTES)
    return nonce


def content_security_policy(nonce: str | None) -> str:
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "frame-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ])


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(g.get("_csp_nonce")))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    hsts = int(current_app.config.get("EOFFICE_HSTS_SECONDS", 31536000))
    if hsts > 0 and request.is_secure:
        headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    return response


def register_security_headers(app) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(set_security_headers)
