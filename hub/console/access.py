"""Who is logged in, and what their role lets them do. Every console request passes through here:
the CSRF check on a POST, the refusal of NUL characters in any input, the login check (except on the login
page and static files), secure headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from hub.console.security import check_csrf, check_input, csrf_token, secure_headers
from hub.console.users import allows
from hub.db.models import ConsoleUser
from hub.web.extension import hub_extension

blueprint = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static")
OPEN_ENDPOINTS = {"console.login", "console.static"}


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: str

    @property
    def actor(self) -> str:
        return f"console:{self.email}"

    def can(self, role: str) -> bool:
        return allows(self.role, role)


def current_user() -> User | None:
    user: User | None = g.get("console_user")
    return user


@blueprint.before_request
def _before() -> Any:
    check_csrf()
    check_input()
    user_id = session.get("user_id")
    if isinstance(user_id, int):
        with hub_extension().runtime.database.session() as db:
            row = db.get(ConsoleUser, user_id)
            if row is not None:  # a removed user's cookie is worth nothing from the next request on
                g.console_user = User(row.id, row.email, row.role)
    if current_user() is None and request.endpoint not in OPEN_ENDPOINTS:
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    return None


@blueprint.after_request
def _after(response: Response) -> Response:
    return secure_headers(response)


@blueprint.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "user": current_user()}


@blueprint.errorhandler(HTTPException)
def _error(error: HTTPException) -> Any:
    page = render_template("error.html", status=error.code, message=error.description)
    return secure_headers(Response(page, status=error.code or 500, mimetype="text/html"))


def needs(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view only users with ``role`` (or above) may use: others get 403."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(**params: Any) -> Any:
            user = current_user()
            if user is None or not user.can(role):
                abort(403, f"this needs the {role} role; you are a {user.role if user else 'visitor'}")
            return view(**params)

        return guarded

    return decorate
