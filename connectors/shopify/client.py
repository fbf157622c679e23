"""Talking to the Shopify Admin GraphQL API: the access token header, a timeout on every call, the cost-based
throttle, and every failure (HTTP, GraphQL ``errors``, a mutation's ``userErrors``) turned into the SDK's
error tree without a secret in any message.

The throttle is a leaky bucket of query cost points per app and shop. Every answer carries
``extensions.cost.throttleStatus`` (``currentlyAvailable``, ``maximumAvailable``, ``restoreRate`` points a
second): the client keeps the last reading, and before a call it waits briefly when the bucket has refilled
too little for a typical call, or fails fast with ``TransientError`` (``retry_after`` in seconds) when the
wait would be long. A ``THROTTLED`` answer (HTTP 200 or 429, no ``data``) is a ``TransientError`` whose
``retry_after`` is the time the bucket needs to hold the refused call's cost.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any

import requests

from connectors.shopify.config import Config
from hub.sdk import (
    AlreadyDelivered,
    ConfigurationError,
    PermanentError,
    TransientError,
    error_excerpt,
    json_body,
    raise_for_answer,
    send_request,
)

log = logging.getLogger(__name__)

EXCERPT = 300
TYPICAL_COST = 50  # points a call is assumed to ask for until an answer says what calls ask for
LONGEST_WAIT = 2.0  # seconds the client sleeps for the bucket; longer, and the delivery is retried later
ALREADY = re.compile(
    r"already (been )?(fulfilled|cancell?ed|refunded)|is already|no (remaining|fulfillable|refundable)"
    r"|exceeds? the (remaining|fulfillable|refundable)|greater than the (remaining|fulfillable|refundable)"
    r"|nothing (left )?to fulfill|fulfillable quantity|line item quantity requested|unfulfillable status= ?closed",
    re.IGNORECASE,
)
BAD_ID = re.compile(r"not (be )?found|does not exist|doesn't exist|invalid (global )?id|could not find", re.I)


@dataclass
class Bucket:
    """The last throttle reading and when it was taken."""

    available: float
    maximum: float
    restore_rate: float
    read_at: float

    def now_available(self) -> float:
        return min(self.maximum, self.available + self.restore_rate * (time.monotonic() - self.read_at))

    def wait_for(self, cost: float) -> float:
        missing = cost - self.now_available()
        return max(0.0, missing / self.restore_rate) if self.restore_rate > 0 else 0.0


class ShopifyClient:
    """One shop's Admin GraphQL API."""

    def __init__(self, config: Config, session: requests.Session) -> None:
        self.config = config
        self.session = session
        self._token = config.access_token.get_secret_value()
        self._bucket: Bucket | None = None
        self._expected = float(TYPICAL_COST)  # the most a call has asked for: what the next one may ask

    def __repr__(self) -> str:
        return f"ShopifyClient({self.config.shop!r})"

    def execute(self, query: str, variables: dict[str, Any] | None = None, *, what: str) -> dict[str, Any]:
        """The ``data`` of the answer, or the ``hub.sdk`` error the failure means. ``what`` names the
        operation in messages (``fulfillmentCreate``)."""
        self._wait_for_bucket(what)
        response = send_request(
            self.session, "POST", self.config.endpoint, what=f"Shopify {what}", timeout=self.config.timeout,
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": self._token, "Accept": "application/json"},
        )  # fmt: skip
        body = json_body(response)
        self._note_cost(body)
        throttled = _throttled(body)
        if throttled is not None:
            message, retry = f"Shopify throttled {what}: {throttled}", self._retry(body)
            raise TransientError(message, status_code=response.status_code, retry_after=retry)
        return self._data(response, body, what)

    def _data(self, response: requests.Response, body: Any, what: str) -> dict[str, Any]:
        status = response.status_code
        raise_for_answer(response, f"Shopify {what}", lambda answer: self._detail(answer, body))
        if not isinstance(body, dict):
            raise TransientError(f"Shopify answered {what} with a body that is not a JSON object", status_code=status)
        errors = body.get("errors")
        if errors:
            raise _graphql_error(what, errors, status)
        data = body.get("data")
        if not isinstance(data, dict):
            raise TransientError(f"Shopify answered {what} without data", status_code=status)
        return data

    # -- the throttle --

    def _wait_for_bucket(self, what: str) -> None:
        if self._bucket is None:
            return
        wait = self._bucket.wait_for(min(self._expected, self._bucket.maximum))
        if wait > LONGEST_WAIT:
            message = f"Shopify's query cost bucket is nearly empty before {what}"
            raise TransientError(message, retry_after=math.ceil(wait))
        if wait > 0:
            log.info("Shopify cost bucket low; waiting %.1f s before %s", wait, what)
            time.sleep(wait)

    def _note_cost(self, body: Any) -> None:
        status = _throttle_status(body)
        if status is None:
            return
        requested = ((body.get("extensions") or {}).get("cost") or {}).get("requestedQueryCost")
        if isinstance(requested, int | float) and requested > 0:
            self._expected = max(self._expected, float(requested))
        try:
            self._bucket = Bucket(
                float(status["currentlyAvailable"]),
                float(status["maximumAvailable"]),
                float(status["restoreRate"]),
                time.monotonic(),
            )
        except (KeyError, TypeError, ValueError):
            return

    def _retry(self, body: Any) -> float:
        """Seconds until the bucket holds the refused call's cost (at least one)."""
        cost = (body.get("extensions") or {}).get("cost") or {} if isinstance(body, dict) else {}
        requested = cost.get("requestedQueryCost") if isinstance(cost, dict) else None
        if self._bucket is None:
            return 1.0
        return max(1.0, math.ceil(self._bucket.wait_for(float(requested or TYPICAL_COST))))

    def _detail(self, response: requests.Response, body: Any) -> str:
        if isinstance(body, dict) and body.get("errors"):
            text = _messages(body["errors"])
        elif body is not None:
            text = json.dumps(body)
        else:
            text = response.text
        return error_excerpt(text, response, [self._token])


def user_errors(payload: Any, what: str, key: str = "userErrors") -> None:
    """Raise what a mutation's ``userErrors`` (HTTP 200, beside ``data``) mean: work already done at Shopify
    (``AlreadyDelivered``), or a refusal that a resend cannot change (``PermanentError``)."""
    found = (payload or {}).get(key) or [] if isinstance(payload, dict) else []
    if not found:
        return
    text = "; ".join(
        f"{'.'.join(str(part) for part in (error.get('field') or []))}: {error.get('message')}".lstrip(": ")
        for error in found
        if isinstance(error, dict)
    )[:EXCERPT]
    codes = " ".join(str(error.get("code", "")) for error in found if isinstance(error, dict))
    if ALREADY.search(text) or "ALREADY" in codes:
        raise AlreadyDelivered(f"Shopify {what}: {text}")
    raise PermanentError(f"Shopify refused {what}: {text}")


def _graphql_error(what: str, errors: Any, status: int) -> Exception:
    codes = {str((e.get("extensions") or {}).get("code", "")) for e in errors if isinstance(e, dict)}
    text = f"Shopify {what}: {_messages(errors)}"[: EXCERPT + 40]
    if codes & {"ACCESS_DENIED", "UNAUTHORIZED", "FORBIDDEN"}:
        return ConfigurationError(text, status_code=status)
    if codes & {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"}:
        return TransientError(text, status_code=status)
    return PermanentError(text, status_code=status)


def _throttle_status(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, dict):
        return None
    cost = (body.get("extensions") or {}).get("cost")
    status = cost.get("throttleStatus") if isinstance(cost, dict) else None
    return status if isinstance(status, dict) else None


def _throttled(body: Any) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return None
    for error in body["errors"]:
        if isinstance(error, dict) and (error.get("extensions") or {}).get("code") == "THROTTLED":
            return str(error.get("message") or "Throttled")
    return None


def _messages(errors: Any) -> str:
    if isinstance(errors, str):
        return errors
    if isinstance(errors, list):
        return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
    return json.dumps(errors)
