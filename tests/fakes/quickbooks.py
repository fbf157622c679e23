"""A fake QuickBooks Online company (Accounting API v3) as the documentation describes it.

- Bearer token checked on every call (401 with an ``AuthenticationFault``); ``minorversion`` below 75 refused.
- ``POST /v3/company/<realm>/<entity>`` creates items, customers, sales receipts, invoices, payments, refund
  receipts and journal entries; ``requestid`` makes a repeat answer with the first response and create
  nothing (Intuit's idempotency); a taken ``DocNumber`` is Fault 6140 (unless
  ``include=allowduplicatedocnum``), a taken display or item name Fault 6240; an account id not in the chart
  is Fault 2500; a journal entry whose debits and credits differ is Fault 6000; a sales document's
  ``Amount`` must equal ``Qty * UnitPrice`` where both are given.
- ``POST /v3/company/<realm>/batch``: up to 30 ``BatchItemRequest`` creates, each answered in
  ``BatchItemResponse`` by its ``bId`` with the row or its own ``Fault``; the call's ``requestid`` (at most 36
  characters) answers a repeat with the first response.
- ``GET /query?query=select * from E where F = 'v' [and ...] startposition n maxresults m``.
- ``GET /companyinfo/<realm>``.
- Failures injected as any fake's; a 429 answers with the throttle fault.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Flask, Response, jsonify, request

from tests.fakes.server import Failure, FakeServer

TOKEN = "qbo-test-token-0123456789"  # noqa: S105 - a fake's credential
REALM = "9130355377389516"
ENTITIES = {
    "item": "Item",
    "customer": "Customer",
    "salesreceipt": "SalesReceipt",
    "invoice": "Invoice",
    "payment": "Payment",
    "refundreceipt": "RefundReceipt",
    "journalentry": "JournalEntry",
}
NAMED = {"Item": "Name", "Customer": "DisplayName"}
BATCH_MAX = 30
BATCH_REQUEST_ID_MAX = 36
NUMBERED = ("SalesReceipt", "Invoice", "RefundReceipt", "JournalEntry")
_CONDITION = re.compile(r"(\w+)\s*(=|>=|<=)\s*'((?:[^'\\]|\\.)*)'")


def fault(status: int, code: str, message: str, detail: str = "", kind: str = "ValidationFault") -> Response:
    body = {
        "Fault": {
            "Error": [{"Message": message, "Detail": detail or message, "code": code, "element": ""}],
            "type": kind,
        },
        "time": "2026-12-06T09:00:00.000-08:00",
    }
    response = jsonify(body)
    response.status_code = status
    return response


@dataclass
class FakeQuickBooks(FakeServer):
    accounts: set[str] = field(default_factory=lambda: {"1", "4", "79", "80", "81", "82", "90", "91", "92", "93"})
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path with query)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    custom_doc_numbers: bool = True  # QuickBooks checks duplicate numbers only when custom numbers are on

    def __post_init__(self) -> None:
        super().__post_init__()
        self._answers: dict[str, tuple[int, dict[str, Any]]] = {}
        self._ids = 100
        self._db_lock = threading.Lock()
        # (entity, display name or number) -> the row holding it: the duplicate checks stay cheap in a long run
        self._names: dict[tuple[str, Any], dict[str, Any]] = {}
        self._numbers: dict[tuple[str, Any], dict[str, Any]] = {}

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "base_url": self.origin,
            "realm_id": REALM,
            "access_token": TOKEN,
            "mapping_file": "accounts.yaml",
            "timeout": 1.0,
            **extra,
        }

    def of(self, entity: str) -> list[dict[str, Any]]:
        with self._db_lock:
            return [dict(row) for row in self.records.get(entity, [])]

    # -- the fake's parts --

    def _seen(self) -> tuple[str, str]:
        return request.method, request.full_path

    def _failure_response(self, failure: Failure) -> Response:
        if failure.status == 429:
            return fault(
                429, "003001", "message=ThrottleExceeded; errorCode=003001; statusCode=429", kind="ThrottlingFault"
            )
        if failure.status in (401, 403):
            return fault(
                failure.status, "3200", "message=AuthenticationFailed; errorCode=003200", kind="AuthenticationFault"
            )
        return fault(failure.status, str(failure.status), "An application error has occurred", kind="SystemFault")

    def _authorize(self) -> Response | None:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return fault(
                401,
                "3200",
                "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                kind="AuthenticationFault",
            )
        version = request.args.get("minorversion", "")
        if not version.isdigit() or int(version) < 75:
            return fault(400, "4001", f"Invalid minor version {version or '(none)'}: 75 or later is supported")
        return None

    def _app(self) -> Flask:
        app = Flask("fake-quickbooks")
        root = f"/v3/company/{REALM}"

        @app.get(f"{root}/companyinfo/{REALM}")
        def company() -> Response:
            return jsonify({"CompanyInfo": {"CompanyName": "Fake Retail LLC", "Id": "1"}})

        @app.get(f"{root}/query")
        def query() -> Response:
            return self._query(request.args.get("query", ""))

        @app.post(f"{root}/batch")
        def batch() -> Response:
            return self._batch(request.get_json(force=True), request.args.get("requestid"))

        @app.post(f"{root}/<path>")
        def create(path: str) -> Response:
            entity = ENTITIES.get(path)
            if entity is None:
                return fault(400, "4000", f"Unsupported operation for {path}")
            key = request.args.get("requestid")
            with self._db_lock:
                if key and key in self._answers:  # Intuit: a repeated requestid gets the original response
                    status, body = self._answers[key]
                    return _json(body, status)
                status, body = self._create(entity, request.get_json(force=True))
                if key and status == 200:
                    self._answers[key] = (status, body)
            return _json(body, status)

        return app

    # -- behaviour --

    def _batch(self, body: Any, key: str | None) -> Response:
        """Up to 30 items, each created (or refused with its own Fault) as a single POST would be; the call's
        ``requestid`` (at most 36 characters) answers a repeat with the first response."""
        items = body.get("BatchItemRequest") if isinstance(body, dict) else None
        if not isinstance(items, list) or not 0 < len(items) <= BATCH_MAX:
            return fault(400, "4000", f"A batch holds 1 to {BATCH_MAX} BatchItemRequest items")
        if key is not None and len(key) > BATCH_REQUEST_ID_MAX:
            return fault(400, "4000", f"requestid of a batch is at most {BATCH_REQUEST_ID_MAX} characters")
        with self._db_lock:
            if key and key in self._answers:
                status, answer = self._answers[key]
                return _json(answer, status)
            answers = [self._batch_item(item) for item in items]
            answer = {"BatchItemResponse": answers, "time": "2026-12-06T09:00:00.000-08:00"}
            if key:
                self._answers[key] = (200, answer)
        return _json(answer, 200)

    def _batch_item(self, item: Any) -> dict[str, Any]:
        entity = next((name for name in ENTITIES.values() if isinstance(item, dict) and name in item), None)
        bid = item.get("bId") if isinstance(item, dict) else None
        if entity is None or item.get("operation") != "create":
            return {"bId": bid, "Fault": _fault_body(400, "4000", "Unsupported batch operation", str(item))[1]["Fault"]}
        status, created = self._create(entity, item[entity])
        return {"bId": bid, **({entity: created[entity]} if status == 200 else {"Fault": created["Fault"]})}

    def _create(self, entity: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        refused = self._refusal(entity, body)
        if refused is not None:
            return refused
        self._ids += 1
        row = {**body, "Id": str(self._ids), "SyncToken": "0"}
        if entity in NUMBERED and entity != "JournalEntry":
            row["TotalAmt"] = float(sum(_signed(line) for line in body.get("Line", [])))
        self.records.setdefault(entity, []).append(row)
        if entity in NAMED:
            self._names.setdefault((entity, body.get(NAMED[entity])), row)
        if body.get("DocNumber"):
            self._numbers.setdefault((entity, body["DocNumber"]), row)
        return 200, {entity: row, "time": "2026-12-06T09:00:00.000-08:00"}

    def _refusal(self, entity: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        name_field = NAMED.get(entity)
        if name_field and (entity, body.get(name_field)) in self._names:
            return _fault_body(
                400,
                "6240",
                "Duplicate Name Exists Error",
                f"The name supplied already exists. : {body.get(name_field)}",
            )
        number = body.get("DocNumber")
        duplicates_allowed = request.args.get("include") == "allowduplicatedocnum"
        if number and entity in NUMBERED and self.custom_doc_numbers and not duplicates_allowed:
            taken = self._numbers.get((entity, number))
            if taken is not None:
                detail = (
                    "Duplicate Document Number Error : You must specify a different number. This number has "
                    f"already been used. DocNumber={number} is assigned to TxnType={entity} with TxnId={taken['Id']}"
                )
                return _fault_body(400, "6140", "Duplicate Document Number Error", detail)
        for account in _account_refs(body):
            if account not in self.accounts:
                return _fault_body(
                    400,
                    "2500",
                    "Invalid Reference Id",
                    f"Invalid Reference Id : Accounts element id {account} not found",
                )
        if entity == "JournalEntry":
            sides = {"Debit": Decimal(0), "Credit": Decimal(0)}
            for line in body.get("Line", []):
                sides[line["JournalEntryLineDetail"]["PostingType"]] += Decimal(str(line["Amount"]))
            if sides["Debit"] != sides["Credit"]:
                return _fault_body(
                    400, "6000", "A business validation error has occurred", "Debits and credits must be equal"
                )
        for line in body.get("Line", []):
            detail = line.get("SalesItemLineDetail", {})
            if "Qty" in detail and "UnitPrice" in detail:
                if Decimal(str(detail["Qty"])) * Decimal(str(detail["UnitPrice"])) != Decimal(str(line["Amount"])):
                    return _fault_body(400, "6070", "Amount is not equal to UnitPrice * Qty", str(line))
        return None

    def _query(self, statement: str) -> Response:
        match = re.match(
            r"select \* from (\w+)(?: where (.*?))?(?: startposition (\d+))?(?: maxresults (\d+))?$",
            statement.strip(),
            re.I,
        )
        if match is None:
            return fault(400, "4000", "QueryParserError: Encountered an unexpected token", statement)
        entity, where, start, most = (
            match.group(1),
            match.group(2) or "",
            int(match.group(3) or 1),
            int(match.group(4) or 100),
        )
        rows = self.of(entity)
        for name, operator, value in _CONDITION.findall(where):
            value = value.replace("\\'", "'").replace("\\\\", "\\")
            rows = [row for row in rows if _compare(str(row.get(name, "")), operator, value)]
        page = rows[start - 1 : start - 1 + most]
        body: dict[str, Any] = {"startPosition": start, "maxResults": len(page)}
        if page:
            body[entity] = page
        return jsonify({"QueryResponse": body, "time": "2026-12-06T09:00:00.000-08:00"})


def _compare(actual: str, operator: str, value: str) -> bool:
    return {"=": actual == value, ">=": actual >= value, "<=": actual <= value}[operator]


def _signed(line: dict[str, Any]) -> Decimal:
    amount = Decimal(str(line.get("Amount", 0)))
    return -amount if line.get("DetailType") == "DiscountLineDetail" else amount


def _account_refs(body: dict[str, Any]) -> list[str]:
    found = []
    for key in ("DepositToAccountRef", "IncomeAccountRef"):
        if key in body:
            found.append(str(body[key]["value"]))
    for line in body.get("Line", []):
        for detail in (line.get("JournalEntryLineDetail"), line.get("DiscountLineDetail")):
            if detail:
                found.append(str(detail.get("AccountRef", detail.get("DiscountAccountRef", {})).get("value")))
    return found


def _fault_body(status: int, code: str, message: str, detail: str) -> tuple[int, dict[str, Any]]:
    return status, {
        "Fault": {
            "Error": [{"Message": message, "Detail": detail, "code": code, "element": ""}],
            "type": "ValidationFault",
        },
        "time": "2026-12-06T09:00:00.000-08:00",
    }


def _json(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response
