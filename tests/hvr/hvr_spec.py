"""Check HVR requests and answers against the official Hub Server definition (v6.1.0.3).

The definition writes its paths with `/api/v6.1.0.3/`; hubs serve the same under `/api/latest/` and
`/api/v0/` (specs/README.md), so those are read as the written version. Schemas are inline (no `$ref`),
validated with jsonschema Draft 4, the closest to OpenAPI 3.0.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator, FormatChecker

SPEC_PATH = Path(__file__).resolve().parents[3] / "shared" / "specs" / "hvr6-openapi-6.1.0.3.yaml"
_VERSION = "/api/v6.1.0.3/"
_ANY_VERSION = re.compile(r"^/api/(latest|v[0-9.]+)/")


@functools.cache
def load_spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.load(handle, Loader=loader)
    return spec


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in load_spec()["paths"]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        out.append((re.compile(f"^{pattern}$"), template))
    # Literal paths before templated ones: `/jobs_start` must not match `/jobs/{job}`.
    return sorted(out, key=lambda item: item[1].count("{"))


def operation(method: str, path: str) -> dict[str, Any]:
    """The definition's operation for a concrete request path; AssertionError when it has none."""
    written = _ANY_VERSION.sub(_VERSION, path)
    for pattern, template in _templates():
        if pattern.match(written):
            item = load_spec()["paths"][template]
            assert method.lower() in item, f"{method} {template} is not in the HVR definition"
            op: dict[str, Any] = item[method.lower()]
            return op
    raise AssertionError(f"{method} {path} is not in the HVR definition")


def _validate(schema: dict[str, Any], instance: Any, what: str) -> None:
    errors = sorted(Draft4Validator(schema, format_checker=FormatChecker()).iter_errors(instance), key=str)
    assert not errors, f"{what}: {errors[0].message} at {list(errors[0].absolute_path)}"


def validate_request(
    method: str, path: str, body: Any = None, params: dict[str, list[str]] | None = None
) -> None:
    op = operation(method, path)
    declared = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
    for name, values in (params or {}).items():
        assert name in declared, f"{method} {path}: query parameter {name!r} is not declared"
        schema = declared[name]["schema"]
        if schema.get("type") == "array":
            for value in values:
                _validate(schema["items"], _coerce(schema["items"], value), name)
        else:
            _validate(schema, _coerce(schema, values[-1]), name)
    content = (op.get("requestBody") or {}).get("content", {})
    if "application/json" in content:
        assert body is not None, f"{method} {path} needs a JSON body"
        _validate(content["application/json"]["schema"], body, f"{method} {path} body")
    else:
        assert body in (None, {}), f"{method} {path} takes no body"


def _coerce(schema: dict[str, Any], value: str) -> Any:
    if schema.get("type") == "integer":
        return int(value)
    if schema.get("type") == "boolean":
        assert value in ("true", "false"), value
        return value == "true"
    return value


def validate_response(method: str, path: str, status: int, body: Any) -> None:
    op = operation(method, path)
    responses = op["responses"]
    assert str(status) in responses or (path.endswith("/jobs_start") and status == 200), (
        f"{method} {path} does not declare {status}"
    )
    declared = responses.get(str(status)) or responses["204"]
    content = (declared or {}).get("content", {})
    if "application/json" in content and body is not None:
        _validate(content["application/json"]["schema"], body, f"{method} {path} {status} answer")
