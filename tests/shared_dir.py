"""Where `../shared/` is: beside the repository, or wherever HVR_SHARED_DIR says. Tests that need it fail
loudly when it is missing rather than skip."""

from __future__ import annotations

import os
from pathlib import Path


def shared_dir() -> Path:
    explicit = os.environ.get("HVR_SHARED_DIR")
    path = Path(explicit) if explicit else Path(__file__).resolve().parents[2] / "shared"
    if not (path / "specs").is_dir():
        raise FileNotFoundError(f"shared/ with the specs was not found at {path}; set HVR_SHARED_DIR")
    return path
