"""ShipStation webhooks: proving one comes from ShipStation, and the resource it points at.

ShipStation signs nothing (v1 webhooks carry only ``{"resource_url", "resource_type"}``), so each account is
given a secret token to put in the webhook URL it subscribes (``.../webhooks/connectors/shipstation/<account>/
<token>``) or, from a proxy that can add one, in an ``X-Orderhub-Token`` header. Even an authenticated
notification is only a pointer: the hub reads the resource back with the account's own credentials, and only
from under the account's base URL, so a forged ``resource_url`` can neither send those credentials elsewhere
nor make the hub fetch an arbitrary address.
"""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import SecretStr

from hub.sdk import InboundNotification, NotificationRefused, PermanentError

TOKEN_HEADER = "x-orderhub-token"  # noqa: S105 - a header name, not a secret
SHIP_NOTIFY = "SHIP_NOTIFY"
DEFAULT_PORTS = {"http": 80, "https": 443}


def authenticate(notification: InboundNotification, secret: SecretStr | None) -> None:
    """Refuse the request unless it carries the account's token (compared in constant time)."""
    if secret is None:
        raise NotificationRefused(
            "this ShipStation account has no webhook_secret: set one (orderhub connector add ... --secret "
            "webhook_secret=REF) and put it at the end of the webhook URL"
        )
    given = notification.path_token or notification.headers.get(TOKEN_HEADER) or ""
    if not hmac.compare_digest(given.encode(), secret.get_secret_value().encode()):
        what = "wrong" if given else "missing"
        raise NotificationRefused(
            f"the webhook token is {what}: ShipStation must call the URL that ends with this account's "
            "webhook_secret (or send it in X-Orderhub-Token)"
        )


def read_body(body: bytes) -> tuple[str, str]:
    """``(resource_type, resource_url)`` of a webhook body; ``PermanentError`` for anything else."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise PermanentError("the ShipStation webhook body is not JSON") from None
    if not isinstance(data, dict):
        raise PermanentError("the ShipStation webhook body is not a JSON object")
    resource_type, resource_url = data.get("resource_type"), data.get("resource_url")
    if not isinstance(resource_type, str) or not resource_type:
        raise PermanentError("the ShipStation webhook has no resource_type")
    if not isinstance(resource_url, str) or not resource_url:
        raise PermanentError(f"the ShipStation {resource_type} webhook has no resource_url")
    return resource_type, resource_url


def checked_resource_url(resource_url: str, base_url: str) -> str:
    """The URL to read, with shipment items asked for; ``PermanentError`` unless it lies under ``base_url``
    (same scheme, host and port, and a path inside the base URL's path)."""
    try:
        resource, base = urlsplit(resource_url.strip()), urlsplit(base_url)
        same_origin = (
            resource.scheme.lower() == base.scheme.lower()
            and (resource.hostname or "").lower() == (base.hostname or "").lower()
            and _port(resource.scheme, resource.port) == _port(base.scheme, base.port)
            and not resource.username
            and not resource.password
        )
    except ValueError:
        same_origin = False
    if not same_origin or not _inside(resource.path, base.path) or resource.fragment:
        raise PermanentError(
            f"the webhook's resource_url {resource_url[:200]!r} is not under this account's base_url "
            f"{base_url!r}: it is not read"
        )
    query = [(name, value) for name, value in parse_qsl(resource.query) if name.lower() != "includeshipmentitems"]
    query.append(("includeShipmentItems", "true"))
    return urlunsplit((base.scheme, resource.netloc, resource.path, urlencode(query), ""))


def _port(scheme: str, port: int | None) -> int | None:
    return port if port is not None else DEFAULT_PORTS.get(scheme.lower())


def _inside(path: str, base_path: str) -> bool:
    """``path`` is ``base_path`` or below it, with no dot segment or encoded separator to climb out."""
    segments = path.split("/")
    if any(segment in (".", "..") for segment in segments) or "%2f" in path.lower() or "%2e" in path.lower():
        return False
    if "\\" in path:
        return False
    prefix = base_path.rstrip("/")
    return not prefix or path == prefix or path.startswith(prefix + "/")
