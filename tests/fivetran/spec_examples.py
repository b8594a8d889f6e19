"""Builds a response body from the property-level `example`s of the official spec.

The spec has no whole-response examples; every property carries one. Assembling them gives the body
Fivetran's documentation shows, which the models must parse.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from tests.shared_dir import shared_dir


@cache
def raw_spec() -> dict[str, Any]:
    with (shared_dir() / "specs" / "fivetran-openapi-v1.json").open() as f:
        spec: dict[str, Any] = json.load(f)
    return spec


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = raw_spec()["components"]["schemas"][name]
    return node


def example_of(node: dict[str, Any], depth: int = 0) -> Any:
    node = _resolve(node)
    if depth > 8:
        return None
    if "allOf" in node:
        merged: dict[str, Any] = {}
        for part in node["allOf"]:
            value = example_of(part, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    for key in ("oneOf", "anyOf"):
        if key in node:
            return example_of(node[key][0], depth + 1)
    if node.get("type") == "object" or "properties" in node:
        return {
            name: value
            for name, prop in node.get("properties", {}).items()
            if (value := example_of(prop, depth + 1)) is not None
        }
    if node.get("type") == "array":
        if "example" in node and isinstance(node["example"], list):
            item = example_of(node.get("items", {}), depth + 1)
            return [item] if isinstance(item, dict) else node["example"]
        item = example_of(node.get("items", {}), depth + 1)
        return [] if item is None else [item]
    return node.get("example")


def response_example(path: str, method: str, status: str = "200") -> Any:
    operation = raw_spec()["paths"][path][method]
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    return example_of(schema)
