"""Check HVR requests and answers against the official Hub Server definition (v6.1.0.3), with the shared
validator of tests/openapi_check.py (the one Fivetran's definition is checked with).

The definition writes its paths with `/api/v6.1.0.3/`; hubs serve the same under `/api/latest/` and
`/api/v0/` (specs/README.md), so those are read as the written version. Its schemas are inline. Stricter
than Fivetran's: an answer's status must be declared (the hub's errors are text lines, so no schema is
missed by it), except the 200 with a body that `jobs_start` answers where the definition says 204, and
an operation that declares a JSON body must be sent one.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from tests.openapi_check import Definition

SPEC_PATH = Path(__file__).resolve().parents[3] / "shared" / "specs" / "hvr6-openapi-6.1.0.3.yaml"
_VERSION = "/api/v6.1.0.3/"
_ANY_VERSION = re.compile(r"^/api/(latest|v[0-9.]+)/")


@functools.cache
def load_spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.load(handle, Loader=loader)
    return spec


HVR = Definition(
    "HVR", "urn:hvr:hub-server-6.1.0.3", load_spec, lambda path: _ANY_VERSION.sub(_VERSION, path)
)


def validate_request(
    method: str, path: str, body: Any = None, params: dict[str, list[str]] | None = None
) -> None:
    template, path_item, op = HVR.operation(method, path)
    what = f"{method.upper()} {path} (spec {template})"
    HVR.check_query(template, method, path_item, op, params or {}, what)
    HVR.check_body(template, method, op, body, what, empty_is_none=True, required_when_declared=True)


def validate_response(method: str, path: str, status: int, body: Any) -> None:
    if path.endswith("/jobs_start") and status == 200:
        return  # answered with a body of the jobs that did not start; the definition declares only 204
    HVR.check_response(method, path, status, body, undeclared="fail")
