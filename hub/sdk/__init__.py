"""The only API connectors import: the connector protocol, the error tree, the registry."""

from hub.sdk.errors import (
    AlreadyDelivered,
    ConfigurationError,
    ConnectorError,
    PermanentError,
    TransientError,
    classify_http_status,
)
from hub.sdk.protocol import Connector, ConnectorKind
from hub.sdk.registry import UnknownConnector, available_connectors, load_connector

__all__ = [
    "AlreadyDelivered",
    "ConfigurationError",
    "Connector",
    "ConnectorError",
    "ConnectorKind",
    "PermanentError",
    "TransientError",
    "UnknownConnector",
    "available_connectors",
    "classify_http_status",
    "load_connector",
]
