"""The Fivetran REST API v1 client: typed models, an error tree, retries, a request budget."""

from bot.fivetran.client import FivetranClient
from bot.fivetran.errors import (
    BadRequest,
    Conflict,
    ConnectError,
    DecodeError,
    FivetranError,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    StatusError,
    Timeout,
    TransportError,
    Unauthorized,
    UnsupportedMediaType,
)
from bot.fivetran.models import AccountInfo, Connection, Group, SchemaSettings, SetupTest, Webhook

__all__ = [
    "AccountInfo",
    "BadRequest",
    "Conflict",
    "ConnectError",
    "Connection",
    "DecodeError",
    "FivetranClient",
    "FivetranError",
    "Forbidden",
    "Group",
    "NotFound",
    "RateLimited",
    "SchemaSettings",
    "ServerError",
    "SetupTest",
    "StatusError",
    "Timeout",
    "TransportError",
    "Unauthorized",
    "UnsupportedMediaType",
    "Webhook",
]
