"""The `/hvr` commands only HVR channels have: `compare <pipeline> [<table>…]` (DESIGN section 8)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.usage import UsageError

MAX_TABLES = 500


@dataclass(frozen=True)
class CompareCmd:
    connector: str
    tables: tuple[str, ...] = ()  # empty: every table of the channel


def parse_compare(args: list[str]) -> CompareCmd:
    if not args:
        raise UsageError("`compare` needs an HVR channel: `/hvr compare <pipeline> [<table> …]`.", "compare")
    if len(args) - 1 > MAX_TABLES:
        raise UsageError(f"`compare` takes at most {MAX_TABLES} tables at once.", "compare")
    # A channel's tables are bare names (`customers`); `schema.table` as typed for Fivetran also names one.
    return CompareCmd(args[0], tuple(arg.rpartition(".")[2] or arg for arg in args[1:]))
