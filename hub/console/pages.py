"""The console's pages: login and logout, dashboard, orders, one order, failures, inventory.

Reads reuse the API's own queries and views (``hub.api.orders``, ``hub.orders.views``,
``hub.delivery.views``), so the console and the API never show an operator different things.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, session, url_for
from pydantic import ValidationError
from sqlalchemy import select

from hub.api.orders import OrderFilters, order_page, read_order
from hub.api.problems import Problem
from hub.api.returns import returns_of
from hub.console.access import blueprint, needs
from hub.console.dashboard import backlog, dashboard
from hub.console.security import CSRF_FIELD
from hub.console.users import LoginRefused, log_in
from hub.db.models import Delivery, DeliveryStatus, InboxMessage, InboxStatus
from hub.delivery.views import delivery_summary
from hub.inventory.levels import find_levels
from hub.orders.views import order_summary
from hub.web.extension import hub_extension

FILTERS = ("channel", "status", "sku", "customer_email", "po_number", "placed_from", "placed_to", "late", "stuck",
           "cursor")  # fmt: skip
FAILURES_SHOWN = 100


def _db() -> Any:
    return hub_extension().runtime.database


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        email, password = request.form.get("email", ""), request.form.get("password", "")
        with _db().session() as db:
            try:  # caught inside the transaction, so the failure row it recorded is kept
                user = log_in(db, email, password, request.remote_addr or "unknown")
                user_id = user.id
            except LoginRefused as refused:
                error = str(refused)
        if error is None:
            token = session.get(CSRF_FIELD)
            session.clear()  # a new session on login: nothing set before it carries over
            session.update(user_id=user_id, **{CSRF_FIELD: token} if token else {})
            session.permanent = True
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/console/") else url_for("console.home"))
    return render_template("login.html", error=error), 401 if error else 200


@blueprint.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("console.login"))


@blueprint.get("/")
@needs("viewer")
def home() -> Any:
    with _db().session() as db:
        return render_template("dashboard.html", **dashboard(db))


@blueprint.get("/backlog")
@needs("viewer")
def backlog_part() -> Any:
    """The backlog panel alone, polled by htmx."""
    with _db().session() as db:
        return render_template("_backlog.html", backlog=backlog(db))


@blueprint.get("/orders")
@needs("viewer")
def orders() -> Any:
    given = {name: request.args[name].strip() for name in FILTERS if request.args.get(name, "").strip()}
    rows: list[dict[str, Any]] = []
    cursor = error = None
    try:
        query = OrderFilters.model_validate(given)
        with _db().session() as db:
            found, cursor = order_page(db, query, limit=50)
            rows = [order_summary(row) for row in found]
    except ValidationError as invalid:
        error = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in invalid.errors()[:5])
    except Problem as problem:
        error = problem.detail
    following = {k: v for k, v in given.items() if k != "cursor"} | {"cursor": cursor} if cursor else None
    return render_template("orders.html", rows=rows, given=given, following=following, error=error)


@blueprint.get("/orders/<order_id>")
@needs("viewer")
def order(order_id: str) -> Any:
    with _db().session() as db:
        try:
            detail = read_order(db, order_id[:64]).model.model_dump()
        except Problem as missing:
            return render_template("error.html", status=404, message=missing.detail), 404
        returns = [r.model_dump() for r in returns_of(db, detail["order"]["id"])]
    return render_template("order.html", detail=detail, o=detail["order"], returns=returns)


def failures_data() -> dict[str, Any]:
    with _db().session() as db:
        dead = db.scalars(
            select(Delivery).where(Delivery.status == DeliveryStatus.DEAD).order_by(Delivery.id.desc())
            .limit(FAILURES_SHOWN)
        )  # fmt: skip
        failing = db.scalars(
            select(Delivery)
            .where(Delivery.status == DeliveryStatus.PENDING, Delivery.attempts > 0, Delivery.last_error.is_not(None))
            .order_by(Delivery.id.desc()).limit(FAILURES_SHOWN)
        )  # fmt: skip
        messages = db.scalars(
            select(InboxMessage).where(InboxMessage.status == InboxStatus.FAILED).order_by(InboxMessage.id.desc())
            .limit(FAILURES_SHOWN)
        )  # fmt: skip
        return {
            "dead": [delivery_summary(d) for d in dead],
            "failing": [delivery_summary(d) for d in failing],
            "messages": [
                {
                    "id": m.id,
                    "channel": m.channel,
                    "account": m.account,
                    "topic": m.topic,
                    "error": m.error,
                    "received_at": m.received_at,
                    "attempts": m.attempts,
                }  # fmt: skip
                for m in messages
            ],
        }


@blueprint.get("/failures")
@needs("viewer")
def failures() -> Any:
    return render_template("failures.html", **failures_data())


@blueprint.get("/failures/part")
@needs("viewer")
def failures_part() -> Any:
    """The failure tables alone, polled by htmx."""
    return render_template("_failures.html", **failures_data())


@blueprint.get("/inventory")
@needs("viewer")
def inventory() -> Any:
    sku = request.args.get("sku", "").strip()[:128] or None
    location = request.args.get("location", "").strip()[:64] or None
    with _db().session() as db:
        levels = [lvl.as_json() for lvl in find_levels(db, [sku] if sku else None, [location] if location else None)]
    levels.sort(key=lambda lvl: (lvl["sku"], lvl["location_id"]))
    return render_template("inventory.html", levels=levels[:500], sku=sku or "", location=location or "")
