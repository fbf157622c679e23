"""What keeps the console's browser side safe: the session's signing key, CSRF tokens, secure headers.

The session is Flask's signed cookie (HttpOnly, SameSite=Lax) holding the user's id and a CSRF token. Every
POST under ``/console`` must send that token back (a form field, or the ``X-CSRF-Token`` header htmx sends),
so a page on another site cannot act in an operator's name. The CSP allows scripts and styles from the hub
itself only: the console has no inline script or style.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from flask import Response, abort, request, session

from hub.secrets import resolve_secret
from hub.settings import Settings

KEY_FILE = "console-secret-key"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def secret_key(settings: Settings) -> str:
    """``HUB_WEB__SECRET_KEY`` when set; else a random key made once under the data dir (mode 0600), so
    sessions survive restarts and every worker process signs with the same key."""
    if settings.web.secret_key:
        return resolve_secret(settings.web.secret_key).get_secret_value()
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first: use theirs
            return path.read_text(encoding="utf-8").strip()
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def check_csrf() -> None:
    """Refuse (400) a POST whose CSRF token is missing or not this session's."""
    if request.method != "POST":
        return
    expected = session.get(CSRF_FIELD)
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not isinstance(expected, str) or not hmac.compare_digest(expected, given):
        abort(400, "the form's security token is missing or expired: reload the page and try again")


def check_input() -> None:
    """Refuse (400) a request whose path, query or form holds a NUL character, naming where: PostgreSQL cannot
    store or compare text holding one, so it would fail the request deep inside a page or an action."""
    given = [*(request.view_args or {}).items(), *request.args.items(multi=True), *request.form.items(multi=True)]
    for name, value in given:
        if "\x00" in str(name) or "\x00" in str(value):
            abort(400, f"{str(name).replace(chr(0), '?')[:60]!r} holds a NUL character, which the hub cannot take: "
                  "remove it and try again")


def secure_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
