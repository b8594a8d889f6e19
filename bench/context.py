"""What every benchmark gets: the plan and a scratch directory for databases and process logs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.plan import Plan


@dataclass(frozen=True)
class Context:
    plan: Plan
    workdir: Path

    def log(self, text: str) -> None:
        print(f"  {text}", flush=True)
