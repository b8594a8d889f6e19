"""Check requests and responses against Fivetran's official OpenAPI definition, with its known defects
patched in memory (the file itself is never edited).

Patches (`load_spec`), each the smallest that makes the real API's answers valid:
- `nullable: true` on what the API sends as null: `succeeded_at`, `failed_at`, `connected_by`,
  `daily_sync_time` of `ConnectorResponse` / `ConnectorResponseV1`, and `status.rescheduled_for`.
- `sync_frequency` (`type: integer` with an enum of strings) gets an enum of integers, wherever it occurs.
- Schema/table/column maps modelled as one fixed property (`schema`, `table`, `column`) become
  `additionalProperties` of that property's schema, so the real keys are validated instead of ignored:
  the schema config responses, `ResyncConnectorRequest.scope`, the drop-columns requests and the inline
  body of `POST /v1/connections/{connectionId}/schemas/tables/resync`.
- What live Fivetran serves and the definition lacks (DESIGN §10), added as paths of their own and listed
  in `UNOFFICIAL`: `POST /v1/connections/{connectionId}/force` (no body; answered like `…/sync`), and the
  legacy `/v1/connectors…` and `/v1/groups/{groupId}/connectors` names of every `/v1/connections` path
  (the same path item, so the same schemas). Answers on them validate; `validate_request` refuses them
  unless asked with `unofficial=True`, so a test of the bot's requests still holds it to the definition.
- A trailing slash is the same path (`/v1/groups/` is `/v1/groups`), as on Fivetran.

Validation is tests/openapi_check.py's (shared with the HVR definition's): jsonschema's Draft 4 with a
`referencing` registry over the whole spec, so `$ref`s resolve lazily and loading stays fast; `nullable`
is honoured by extending the `type` and `enum` keywords rather than rewriting the 3 MB document.
Nothing is stripped: jsonschema ignores `discriminator`, so the 773 per-service variants of
`ConnectorResponseV1` (reachable only through the discriminator mapping) are never visited and a
connection's `config` is not checked; the spec has no `oneOf`. `format: date-time` is checked (RFC 3339).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

from tests.openapi_check import Definition

SPEC_PATH = Path(
    os.environ.get(
        "FIVETRAN_OPENAPI_SPEC",
        Path(__file__).resolve().parents[2] / "shared" / "specs" / "fivetran-openapi-v1.json",
    )
)
SPEC_URI = "urn:fivetran:openapi-v1"
_NULLABLE = {
    "ConnectorResponse": ("succeeded_at", "failed_at", "connected_by", "daily_sync_time"),
    "ConnectorResponseV1": ("succeeded_at", "failed_at", "connected_by", "daily_sync_time"),
    "ConnectorStatusResponse": ("rescheduled_for",),
}
_MAPS = {
    "StandardConfigResponse": "schemas",
    "SchemaConfigResponse": "tables",
    "TableConfigResponse": "columns",
    "TableColumnsConfigResponse": "columns",
    "ResyncConnectorRequest": "scope",
    "DropColumnsRequest": "schemas",
    "DropColumnSchemaRequest": "tables",
}
_RESYNC_TABLES = "/v1/connections/{connectionId}/schemas/tables/resync"
_SYNC = "/v1/connections/{connectionId}/sync"
_FORCE = "/v1/connections/{connectionId}/force"


def _to_map(holder: dict[str, Any]) -> None:
    """`{properties: {schema: X}}` → `{additionalProperties: X}`."""
    (only,) = holder.pop("properties").values()
    holder["additionalProperties"] = only


@functools.cache
def load_spec() -> dict[str, Any]:
    """The official spec with its known defects patched (see the module docstring). Cached: treat it as
    read-only."""
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    schemas = spec["components"]["schemas"]
    for name, fields in _NULLABLE.items():
        for field in fields:
            schemas[name]["properties"][field]["nullable"] = True
    for schema in schemas.values():
        freq = schema.get("properties", {}).get("sync_frequency") if isinstance(schema, dict) else None
        if isinstance(freq, dict) and "enum" in freq:
            freq["enum"] = [int(v) for v in freq["enum"]]
    for name, field in _MAPS.items():
        _to_map(schemas[name]["properties"][field])
    _to_map(spec["paths"][_RESYNC_TABLES]["post"]["requestBody"]["content"]["application/json"]["schema"])
    _add_unofficial(spec["paths"])
    return spec


UNOFFICIAL: set[str] = set()  # the path templates `load_spec` adds (filled by it)


def _add_unofficial(paths: dict[str, Any]) -> None:
    sync = paths[_SYNC]
    force = {k: v for k, v in sync["post"].items() if k != "requestBody"}
    paths[_FORCE] = {"post": {**force, "operationId": "force_sync_connection (unofficial)"}}
    if "parameters" in sync:
        paths[_FORCE]["parameters"] = sync["parameters"]
    UNOFFICIAL.add(_FORCE)
    for template in [t for t in paths if t.startswith("/v1/connections")]:
        alias = "/v1/connectors" + template.removeprefix("/v1/connections")
        paths[alias] = paths[template]
        UNOFFICIAL.add(alias)
    paths["/v1/groups/{groupId}/connectors"] = paths["/v1/groups/{groupId}/connections"]
    UNOFFICIAL.add("/v1/groups/{groupId}/connectors")


FIVETRAN = Definition(
    "Fivetran",
    SPEC_URI,
    load_spec,
    # a trailing slash is the same path (`/v1/groups/` is `/v1/groups`), as on Fivetran
    lambda path: path.rstrip("/") or "/",
)


def validate_request(
    method: str,
    path: str,
    body: object | None,
    query: dict[str, str] | None = None,
    *,
    unofficial: bool = False,
) -> None:
    """Assert that `method path` is an operation of the spec, that every query parameter is declared
    (and its value fits), and that the body validates against the declared request body (a body where
    none is declared, or none where one is required, fails too). An operation only live Fivetran has
    (`UNOFFICIAL`: `/force`, the `/v1/connectors` aliases) passes only with `unofficial=True`."""
    path, _, raw_query = path.partition("?")
    values = {key: [value] for key, value in (query or {}).items()}
    for pair in filter(None, raw_query.split("&")):
        key, _, value = pair.partition("=")
        values[key] = [value]
    template, path_item, op = FIVETRAN.operation(method, path)
    what = f"{method.upper()} {path} (spec {template})"
    if template in UNOFFICIAL and not unofficial:
        raise AssertionError(f"{what}: not in the official definition (live Fivetran serves it too)")
    FIVETRAN.check_query(template, method, path_item, op, values, what)
    FIVETRAN.check_body(template, method, op, body, what)


def validate_response(method: str, path: str, status: int, body: object) -> None:
    """Assert that `body` fits the response schema the spec declares for `status`.

    Skips silently when the spec declares no schema for that status: the status is not declared at all
    (429 never is, most 5xx are not) or is declared without content (most 4xx). Those bodies are
    Fivetran's `{code, message}` error envelope, which the spec does not model."""
    FIVETRAN.check_response(method, path, status, body)
