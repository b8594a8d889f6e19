"""The one exception the simulator's logic raises: an answer Fivetran would give instead of success."""

from __future__ import annotations


class ApiError(Exception):
    """An error answer: HTTP status plus Fivetran's `{code, message}` body."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def not_found(kind: str, ident: str) -> ApiError:
    # Fivetran names the missing resource in the code: NotFound_Connection, NotFound_Group, ...
    return ApiError(404, f"NotFound_{kind}", f"{kind} with id '{ident}' doesn't exist")


def invalid(message: str) -> ApiError:
    return ApiError(400, "InvalidInput", message)
