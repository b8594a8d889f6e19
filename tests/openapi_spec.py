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

Validation uses jsonschema's Draft 4 (closest to OpenAPI 3.0 schemas) with a `referencing` registry over
the whole spec, so `$ref`s resolve lazily: nothing is resolved up front and loading stays fast. `nullable`
is honoured by extending the `type` and `enum` keywords rather than rewriting the 3 MB document.
Nothing is stripped: jsonschema ignores `discriminator`, so the 773 per-service variants of
`ConnectorResponseV1` (reachable only through the discriminator mapping) are never visited and a
connection's `config` is not checked; the spec has no `oneOf`. `format: date-time` is checked (RFC 3339).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft4Validator, FormatChecker, ValidationError
from jsonschema import _keywords as keywords
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from referencing import Registry
from referencing.jsonschema import DRAFT4

SPEC_PATH = Path(
    os.environ.get(
        "FIVETRAN_OPENAPI_SPEC",
        Path(__file__).resolve().parents[2] / "shared" / "specs" / "fivetran-openapi-v1.json",
    )
)
SPEC_URI = "urn:fivetran:openapi-v1"
_METHODS = ("get", "put", "post", "delete", "patch")
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
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.IGNORECASE)


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


# types-jsonschema declares these private keyword checks `-> None`; at runtime they are generators of
# errors, which is what a keyword check must be. Typed once here, so the wrappers below stay checked.
_type_keyword = cast(Callable[..., Iterator[ValidationError]], keywords.type)
_enum_keyword = cast(Callable[..., Iterator[ValidationError]], keywords.enum)


def _nullable_type(validator: Validator, types: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    if instance is None and schema.get("nullable") is True:
        return
    yield from _type_keyword(validator, types, instance, schema)


def _nullable_enum(validator: Validator, enums: Any, instance: Any, schema: dict[str, Any]) -> Iterator[Any]:
    if instance is None and schema.get("nullable") is True:
        return
    yield from _enum_keyword(validator, enums, instance, schema)


# extend() has no annotations in types-jsonschema; what it returns is a validator class.
_OpenApiValidator: type[Validator] = extend(  # type: ignore[no-untyped-call]
    Draft4Validator, {"type": _nullable_type, "enum": _nullable_enum}
)
_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_datetime(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.match(value))


@functools.cache
def _registry() -> Registry[Any]:
    # with_resource is typed as returning Any (attrs' evolve); it is the same kind of registry
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(load_spec()))
    return registry


@functools.cache
def _validator(pointer: str) -> Validator:
    return _OpenApiValidator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=_registry(), format_checker=_FORMATS)


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    found = []
    for template in load_spec()["paths"]:
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "([^/]+)", re.escape(template)) + "$")
        found.append((pattern, template))
    # a literal segment beats a parameter: /v1/webhooks/account is not /v1/webhooks/{webhookId}
    found.sort(key=lambda pair: pair[1].count("{"))
    return found


def _operation(method: str, path: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    method = method.lower()
    path = path.rstrip("/") or "/"
    paths = load_spec()["paths"]
    candidates = [template for pattern, template in _templates() if pattern.match(path)]
    for template in candidates:
        if method in paths[template]:
            return template, paths[template], paths[template][method]
    if candidates:
        declared = sorted({m.upper() for t in candidates for m in paths[t] if m in _METHODS})
        raise AssertionError(f"{method.upper()} {path}: the spec has {candidates[0]} only for {declared}")
    raise AssertionError(f"{method.upper()} {path}: no such path in the Fivetran spec")


def _check(pointer: str, instance: Any, what: str) -> None:  # Any: decoded JSON, as jsonschema takes it
    errors = sorted(_validator(pointer).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        first: ValidationError = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise AssertionError(f"{what}: at {where}: {first.message} ({len(errors)} error(s))")


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
    query = dict(query or {})
    for pair in filter(None, raw_query.split("&")):
        key, _, value = pair.partition("=")
        query[key] = value
    template, path_item, op = _operation(method, path)
    what = f"{method.upper()} {path} (spec {template})"
    if template in UNOFFICIAL and not unofficial:
        raise AssertionError(f"{what}: not in the official definition (live Fivetran serves it too)")
    params = {
        p["name"]: p
        for p in [*path_item.get("parameters", []), *op.get("parameters", [])]
        if p["in"] == "query"
    }
    for key, value in query.items():
        if key not in params:
            raise AssertionError(
                f"{what}: query parameter {key!r} is not declared (declared: {sorted(params)})"
            )
        schema = params[key].get("schema", {})
        typed: object = value
        if schema.get("type") == "integer":
            try:
                typed = int(value)
            except ValueError:
                raise AssertionError(f"{what}: query parameter {key}={value!r} is not an integer") from None
        pointer = f"/paths/{_escape(template)}/{method.lower()}/parameters/"
        index = (
            op.get("parameters", []).index(params[key]) if params[key] in op.get("parameters", []) else None
        )
        if index is not None:
            _check(f"{pointer}{index}/schema", typed, f"{what}: query {key}")
    request_body = op.get("requestBody")
    if request_body is None:
        if body is not None:
            raise AssertionError(f"{what}: the spec declares no request body, but one was sent")
        return
    if body is None:
        if request_body.get("required"):
            raise AssertionError(f"{what}: the spec requires a request body")
        return
    media = _json_media(request_body.get("content", {}))
    if media is not None and "schema" in request_body["content"][media]:
        pointer = f"/paths/{_escape(template)}/{method.lower()}/requestBody/content/{_escape(media)}/schema"
        _check(pointer, body, f"{what}: request body")


def validate_response(method: str, path: str, status: int, body: object) -> None:
    """Assert that `body` fits the response schema the spec declares for `status`.

    Skips silently when the spec declares no schema for that status: the status is not declared at all
    (429 never is, most 5xx are not) or is declared without content (most 4xx). Those bodies are
    Fivetran's `{code, message}` error envelope, which the spec does not model."""
    path = path.partition("?")[0]
    template, _, op = _operation(method, path)
    response = op.get("responses", {}).get(str(status))
    if response is None:
        return
    media = _json_media(response.get("content", {}))
    if media is None or "schema" not in response["content"][media]:
        return
    pointer = (
        f"/paths/{_escape(template)}/{method.lower()}/responses/{status}/content/{_escape(media)}/schema"
    )
    _check(pointer, body, f"{method.upper()} {path} (spec {template}) answer {status}")


def _json_media(content: dict[str, Any]) -> str | None:
    return next((m for m in content if m.split(";")[0].strip() == "application/json"), None)
