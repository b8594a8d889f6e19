"""One validator of requests and answers against an OpenAPI 3.0 definition, shared by Fivetran's
(tests/openapi_spec.py) and the HVR 6 Hub Server's (tests/hvr/hvr_spec.py): each of those only loads its
document (and patches its known defects) and says how its paths are written.

Validation uses jsonschema's Draft 4 (closest to OpenAPI 3.0 schemas) with a `referencing` registry over
the whole document, so `$ref`s resolve lazily; `nullable` is honoured by extending the `type` and `enum`
keywords; `format: date-time` is checked (RFC 3339), other formats are not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, cast

from jsonschema import Draft4Validator, FormatChecker, ValidationError
from jsonschema import _keywords as keywords
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from referencing import Registry
from referencing.jsonschema import DRAFT4

METHODS = ("get", "put", "post", "delete", "patch")
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.IGNORECASE)

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


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def json_media(content: Mapping[str, Any]) -> str | None:
    return next((m for m in content if m.split(";")[0].strip() == "application/json"), None)


class Definition:
    """One API's definition. `load` gives the (patched) document, once; `written` turns a concrete
    request path into how the document writes it (a trailing slash, a version segment)."""

    def __init__(
        self, name: str, uri: str, load: Callable[[], dict[str, Any]], written: Callable[[str], str]
    ) -> None:
        self.name = name
        self._uri = uri
        self._load = functools.cache(load)
        self._written = written

    @property
    def spec(self) -> dict[str, Any]:
        return self._load()

    @functools.cached_property
    def _registry(self) -> Registry[Any]:
        # with_resource is typed as returning Any (attrs' evolve); it is the same kind of registry
        registry: Registry[Any] = Registry().with_resource(self._uri, DRAFT4.create_resource(self.spec))
        return registry

    @functools.cache  # noqa: B019 (one Definition per API, alive for the whole session)
    def _validator(self, pointer: str) -> Validator:
        return _OpenApiValidator(
            {"$ref": f"{self._uri}#{pointer}"}, registry=self._registry, format_checker=_FORMATS
        )

    @functools.cached_property
    def _templates(self) -> list[tuple[re.Pattern[str], str]]:
        found = []
        for template in self.spec["paths"]:
            pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "([^/]+)", re.escape(template)) + "$")
            found.append((pattern, template))
        # a literal segment beats a parameter: /v1/webhooks/account is not /v1/webhooks/{webhookId}
        found.sort(key=lambda pair: pair[1].count("{"))
        return found

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """(template, path item, operation) of a concrete request; AssertionError when there is none."""
        method = method.lower()
        written = self._written(path)
        paths = self.spec["paths"]
        candidates = [template for pattern, template in self._templates if pattern.match(written)]
        for template in candidates:
            if method in paths[template]:
                return template, paths[template], paths[template][method]
        if candidates:
            declared = sorted({m.upper() for t in candidates for m in paths[t] if m in METHODS})
            raise AssertionError(f"{method.upper()} {path}: the spec has {candidates[0]} only for {declared}")
        raise AssertionError(f"{method.upper()} {path}: no such path in the {self.name} spec")

    def check(self, pointer: str, instance: Any, what: str) -> None:  # Any: decoded JSON
        errors = sorted(self._validator(pointer).iter_errors(instance), key=lambda e: list(e.absolute_path))
        if errors:
            first: ValidationError = errors[0]
            where = "/".join(str(p) for p in first.absolute_path) or "(root)"
            raise AssertionError(f"{what}: at {where}: {first.message} ({len(errors)} error(s))")

    def check_query(
        self, template: str, method: str, path_item: dict[str, Any], op: dict[str, Any],
        query: Mapping[str, list[str]], what: str,
    ) -> None:  # fmt: skip
        """Every parameter declared, every value (each of a repeated one) fitting its schema."""
        declared = [*path_item.get("parameters", []), *op.get("parameters", [])]
        params = {p["name"]: p for p in declared if p["in"] == "query"}
        for key, values in query.items():
            if key not in params:
                raise AssertionError(
                    f"{what}: query parameter {key!r} is not declared (declared: {sorted(params)})"
                )
            own = op.get("parameters", [])
            if params[key] not in own:
                continue  # declared on the path item: its schema is not where the pointer below looks
            pointer = (
                f"/paths/{_escape(template)}/{method.lower()}/parameters/{own.index(params[key])}/schema"
            )
            schema = params[key].get("schema", {})
            if schema.get("type") == "array":
                pointer, schema = f"{pointer}/items", schema.get("items", {})
            for value in values:
                self.check(
                    pointer, _typed(schema, value, f"{what}: query parameter {key}"), f"{what}: query {key}"
                )

    def check_body(
        self, template: str, method: str, op: dict[str, Any], body: object | None, what: str, *,
        empty_is_none: bool = False, required_when_declared: bool = False,
    ) -> None:  # fmt: skip
        request_body = op.get("requestBody")
        if request_body is None:
            # `empty_is_none`: a client that sends `{}` to an operation without a body sent none
            if body is not None and not (empty_is_none and body == {}):
                raise AssertionError(f"{what}: the spec declares no request body, but one was sent")
            return
        media = json_media(request_body.get("content", {}))
        if body is None:
            if request_body.get("required") or (required_when_declared and media is not None):
                raise AssertionError(f"{what}: the spec requires a request body")
            return
        if media is not None and "schema" in request_body["content"][media]:
            pointer = (
                f"/paths/{_escape(template)}/{method.lower()}/requestBody/content/{_escape(media)}/schema"
            )
            self.check(pointer, body, f"{what}: request body")

    def check_response(
        self, method: str, path: str, status: int, body: object, *, undeclared: str = "skip"
    ) -> None:
        """`body` against the schema declared for `status`. A status the operation does not declare is
        skipped (`undeclared="skip"`: Fivetran's 429 and most 5xx are never declared) or refused ("fail")."""
        template, _, op = self.operation(method, path.partition("?")[0])
        response = op.get("responses", {}).get(str(status))
        if response is None:
            if undeclared == "fail":
                raise AssertionError(f"{method.upper()} {path} (spec {template}) does not declare {status}")
            return
        media = json_media(response.get("content", {}))
        if media is None or "schema" not in response["content"][media] or body is None:
            return
        pointer = (
            f"/paths/{_escape(template)}/{method.lower()}/responses/{status}/content/{_escape(media)}/schema"
        )
        self.check(pointer, body, f"{method.upper()} {path} (spec {template}) answer {status}")


def _typed(schema: Mapping[str, Any], value: str, what: str) -> object:
    """A query string's value as the type its schema declares."""
    if schema.get("type") == "integer":
        try:
            return int(value)
        except ValueError:
            raise AssertionError(f"{what}={value!r} is not an integer") from None
    if schema.get("type") == "boolean":
        if value not in ("true", "false"):
            raise AssertionError(f"{what}={value!r} is not a boolean")
        return value == "true"
    return value
