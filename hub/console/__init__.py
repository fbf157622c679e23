"""The operations console under ``/console``: server-rendered pages (Jinja) with htmx for live parts.

::

    users      console users, password hashes, the login rate limit
    security   session key, CSRF tokens, secure headers
    access     who is logged in, and the role each page or action needs
    pages      login, dashboard, orders, one order, failures, inventory
    actions    the writes, run through the API's own handlers with ``console:<email>`` as who acted
    dashboard  the figures the dashboard shows
    reports    the reports of ``hub.reports``: a page each with its chart, and its CSV
    partners   X12 partners with their interchanges, acknowledgments and raw X12
    simulator  the routing decision and trace for a stored or pasted order
    returns    returns by state, and each step of one

``install(app, settings)`` registers the blueprint and the session settings; nothing is read at import time.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

import hub.console.reports  # noqa: F401 - declares the report pages
from hub.console import actions, pages, partners, returns, simulator  # noqa: F401 - each declares its routes
from hub.console.access import blueprint
from hub.console.security import secret_key
from hub.settings import Settings

__all__ = ["install"]


class ConsoleSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the key read (or made) on first use rather than when the app
    is built, so building an app stays free of I/O."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def get_signing_serializer(self, app: Flask):  # type: ignore[no-untyped-def]
        if not app.secret_key:
            app.secret_key = secret_key(self.settings)
        return super().get_signing_serializer(app)


def install(app: Flask, settings: Settings) -> None:
    app.session_interface = ConsoleSessions(settings)
    app.config.update(
        SESSION_COOKIE_NAME="orderhub_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/console",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
    )
    app.register_blueprint(blueprint)
