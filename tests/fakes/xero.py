"""A fake Xero organisation (Accounting API 2.0) as Xero documents it.

- ``Authorization: Bearer`` and ``xero-tenant-id`` on every call (401 / 403 in Xero's problem shape).
- ``PUT /api.xro/2.0/{Contacts,Invoices,CreditNotes,Payments,ManualJournals}``: an ``Idempotency-Key`` seen
  before answers with the first response and creates nothing. Unknown account codes, a manual journal whose
  lines do not sum to zero, a payment that is not the document's amount due, or line amounts that are not
  ``Quantity * UnitAmount`` are a 400 ``ValidationException`` naming the element's ``ValidationErrors``.
- ``GET`` lists with ``where`` (``Name=="x"``, ``Date>=DateTime(y,m,d)&&Date<=DateTime(y,m,d)``) and ``page``
  (100 per page); dates come back as ``/Date(ms+0000)/`` with a ``DateString``.
- A 429 carries ``X-Rate-Limit-Problem: minute`` and ``Retry-After``.
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, Response, jsonify, request

from tests.fakes.server import Failure, FakeServer

TOKEN = "xero-test-token-0123456789"  # noqa: S105 - a fake's credential
TENANT = "8a1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
ID_FIELD = {
    "Contacts": "ContactID",
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "Payments": "PaymentID",
    "ManualJournals": "ManualJournalID",
}


def _problem(status: int, title: str, detail: str) -> Response:
    response = jsonify({"Title": title, "Status": status, "Detail": detail, "Type": None})
    response.status_code = status
    return response


def _validation(element: dict[str, Any], *messages: str) -> tuple[int, dict[str, Any]]:
    return 400, {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{**element, "ValidationErrors": [{"Message": message} for message in messages]}],
    }


@dataclass
class FakeXero(FakeServer):
    accounts: set[str] = field(default_factory=lambda: {"090", "200", "260", "820", "404", "310", "610"})
    requests: list[tuple[str, str]] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._answers: dict[str, tuple[int, dict[str, Any]]] = {}
        self._db_lock = threading.Lock()

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "base_url": self.origin,
            "tenant_id": TENANT,
            "access_token": TOKEN,
            "mapping_file": "accounts.yaml",
            "timeout": 1.0,
            **extra,
        }

    def of(self, kind: str) -> list[dict[str, Any]]:
        with self._db_lock:
            return [dict(row) for row in self.records.get(kind, [])]

    def _seen(self) -> tuple[str, str]:
        return request.method, request.full_path

    def _failure_response(self, failure: Failure) -> Response:
        if failure.status == 429:
            response = _problem(429, "Too Many Requests", "Rate limit exceeded")
            response.headers["X-Rate-Limit-Problem"] = "minute"
            response.headers.setdefault("Retry-After", "45")
            return response
        return _problem(failure.status, "Error", "An error occurred in Xero")

    def _authorize(self) -> Response | None:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        if request.headers.get("xero-tenant-id") != TENANT:
            return _problem(403, "Forbidden", "AuthorizationUnsuccessful")
        return None

    def _app(self) -> Flask:
        app = Flask("fake-xero")

        @app.get("/api.xro/2.0/Organisation")
        def organisation() -> Response:
            return jsonify({"Organisations": [{"Name": "Fake Retail Ltd", "BaseCurrency": "USD"}]})

        @app.get("/api.xro/2.0/<kind>")
        def listing(kind: str) -> Response:
            rows = self._filtered(kind, request.args.get("where", ""))
            page = int(request.args.get("page", 1))
            return jsonify({kind: rows[(page - 1) * 100 : page * 100]})

        @app.put("/api.xro/2.0/<kind>")
        def create(kind: str) -> Response:
            if kind not in ID_FIELD:
                return _problem(404, "Not Found", f"no endpoint {kind}")
            key = request.headers.get("Idempotency-Key")
            with self._db_lock:
                if key and key in self._answers:
                    status, body = self._answers[key]
                else:
                    status, body = self._create(kind, request.get_json(force=True)[kind][0])
                    if key and status == 200:
                        self._answers[key] = (status, body)
            response = jsonify(body)
            response.status_code = status
            return response

        return app

    def _create(self, kind: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        refused = self._refusal(kind, body)
        if refused is not None:
            return refused
        row = {**body, ID_FIELD[kind]: str(uuid.uuid4()), "HasErrors": False, "StatusAttributeString": "OK"}
        if "Date" in body:
            day = date.fromisoformat(body["Date"])
            millis = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
            row |= {"Date": f"/Date({millis}+0000)/", "DateString": f"{day.isoformat()}T00:00:00"}
        if kind in ("Invoices", "CreditNotes"):
            total = sum((Decimal(str(item["LineAmount"])) for item in body["LineItems"]), Decimal(0))
            row |= {"Total": float(total), "AmountDue": float(total)}
        self.records.setdefault(kind, []).append(row)
        return 200, {"Id": str(uuid.uuid4()), "Status": "OK", kind: [row]}

    def _refusal(self, kind: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        lines = body.get("LineItems") or body.get("JournalLines") or []
        unknown = sorted({str(line.get("AccountCode")) for line in lines} - self.accounts)
        if unknown:
            return _validation(
                body, *(f"Account code '{code}' is not a valid code for this document." for code in unknown)
            )
        for item in body.get("LineItems", []):
            if Decimal(str(item["Quantity"])) * Decimal(str(item["UnitAmount"])) != Decimal(str(item["LineAmount"])):
                return _validation(body, "The line amount must equal quantity multiplied by unit amount.")
        if kind == "ManualJournals" and sum(Decimal(str(line["LineAmount"])) for line in lines) != 0:
            return _validation(body, "The total debits (0.00) must equal total credits (0.00).")
        if kind == "Payments":
            return self._payment_refusal(body)
        return None

    def _payment_refusal(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if body["Account"]["Code"] not in self.accounts:
            return _validation(body, "Account code is not valid.")
        kind, id_field = ("Invoices", "InvoiceID") if "Invoice" in body else ("CreditNotes", "CreditNoteID")
        target_id = body["Invoice" if kind == "Invoices" else "CreditNote"][id_field]
        target = next((row for row in self.records.get(kind, []) if row[id_field] == target_id), None)
        if target is None:
            return _validation(body, f"{id_field} not found.")
        if Decimal(str(body["Amount"])) > Decimal(str(target["AmountDue"])):
            return _validation(body, "Payment amount exceeds the amount outstanding on this document.")
        target["AmountDue"] = float(Decimal(str(target["AmountDue"])) - Decimal(str(body["Amount"])))
        return None

    def _filtered(self, kind: str, where: str) -> list[dict[str, Any]]:
        rows = self.of(kind)
        name = re.search(r'Name=="((?:[^"\\]|\\.)*)"', where)
        if name:
            rows = [row for row in rows if row.get("Name") == name.group(1).replace('\\"', '"')]
        for operator, year, month, day in re.findall(r"Date(>=|<=)DateTime\((\d+),(\d+),(\d+)\)", where):
            bound = date(int(year), int(month), int(day)).isoformat()
            rows = [
                row
                for row in rows
                if (row["DateString"][:10] >= bound if operator == ">=" else row["DateString"][:10] <= bound)
            ]
        return rows
