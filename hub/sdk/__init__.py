"""The only API connectors import: the connector protocol, its capabilities, the error tree, the registry."""

from hub.sdk.capabilities import (
    CancelsFulfillment,
    FetchesFulfillmentStatus,
    FulfillmentRef,
    FulfillmentStatus,
    InboundNotification,
    NotificationRefused,
    NotificationResult,
    ReceivesNotifications,
    ShipmentNotice,
    SubmitsFulfillment,
    Submitted,
    capabilities_of,
)
from hub.sdk.errors import (
    AlreadyDelivered,
    ConfigurationError,
    ConnectorError,
    PermanentError,
    TransientError,
    classify_http_status,
    parse_retry_after,
)
from hub.sdk.protocol import Connector, ConnectorKind
from hub.sdk.registry import UnknownConnector, available_connectors, load_connector

__all__ = [
    "AlreadyDelivered",
    "CancelsFulfillment",
    "ConfigurationError",
    "Connector",
    "ConnectorError",
    "ConnectorKind",
    "FetchesFulfillmentStatus",
    "FulfillmentRef",
    "FulfillmentStatus",
    "InboundNotification",
    "NotificationRefused",
    "NotificationResult",
    "PermanentError",
    "ReceivesNotifications",
    "ShipmentNotice",
    "Submitted",
    "SubmitsFulfillment",
    "TransientError",
    "UnknownConnector",
    "available_connectors",
    "capabilities_of",
    "classify_http_status",
    "load_connector",
    "parse_retry_after",
]
