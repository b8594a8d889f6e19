"""A flow's `Deps` with only the collaborators a test exercises: every other required one is None, so a
flow that reaches for it fails loudly (AttributeError) instead of quietly working on a fake."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from bot.slack.flow import Deps


def only(**given: Any) -> Deps:
    required = {f.name: None for f in fields(Deps) if f.default is MISSING and f.default_factory is MISSING}
    return Deps(**{**required, **given})
