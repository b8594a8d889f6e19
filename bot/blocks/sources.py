"""What every view of several sources says besides its rows: the totals of each source, and which sources
could not be reached (their pipelines are missing from the view, not gone). Nothing when there is one."""

from __future__ import annotations

from collections.abc import Mapping

from bot.blocks.health import counts_line
from bot.blocks.kit import Block, context
from bot.blocks.rows import selection_counts
from bot.blocks.text import clip, esc
from bot.fivetran.models import Connection
from bot.keys import source_of
from bot.services.pipelines.health import Health
from bot.services.pipelines.kinds import SourceKinds
from bot.services.pipelines.snapshot import AccountSnapshot

REASON_MAX = 200


def kinds(hub_channels: int, total: int, configured: SourceKinds) -> str:
    """What a view covers, as its title says it: Fivetran connectors, HVR channels, or both; a view of
    nothing by the sources `configured` (a hub-only bot's empty view is still HVR's)."""
    if not total:
        return configured.title
    if not hub_channels:
        return "Fivetran"
    return "HVR" if hub_channels == total else "Fivetran and HVR"


def per_source_lines(
    snapshot: AccountSnapshot,
    selected: list[Connection],
    among: tuple[str, ...] = (),
    by_source: Mapping[str, Mapping[Health, int]] | None = None,
) -> list[str]:
    """`*prod* · 8 connectors · 2 failing · 6 healthy`, one per reachable source, in configured order;
    only the sources `among` names when it names some (a `source:` selector). `by_source`: each source's
    counts of `selected`, when the caller has them (`selectors.source_counts`), else counted here."""
    if not snapshot.several:
        return []
    if by_source is None:
        by_source = _counted(snapshot, selected)
    names = [n for n in snapshot.sources if not among or n in among]
    names += [n for n in by_source if n not in names]
    lines = []
    for name in names:
        if name in snapshot.unreachable:
            continue
        counts = by_source.get(name) or {}
        lines.append(f"*{esc(name)}* · {counts_line(dict(counts), sum(counts.values()))}")
    return lines


def _counted(snapshot: AccountSnapshot, selected: list[Connection]) -> dict[str, dict[Health, int]]:
    by_source: dict[str, list[Connection]] = {}
    for connection in selected:
        by_source.setdefault(source_of(connection.id), []).append(connection)
    return {name: selection_counts(snapshot, found) for name, found in by_source.items()}


def unreachable_lines(snapshot: AccountSnapshot) -> list[str]:
    return [
        f":warning: Could not reach *{esc(name)}*: {clip(reason, REASON_MAX)} Its connectors are not shown."
        for name, reason in snapshot.unreachable.items()
    ]


def source_blocks(
    snapshot: AccountSnapshot,
    selected: list[Connection],
    among: tuple[str, ...] = (),
    by_source: Mapping[str, Mapping[Health, int]] | None = None,
) -> list[Block]:
    """At most two blocks: the per-source totals, and the sources that gave nothing."""
    blocks: list[Block] = []
    totals = per_source_lines(snapshot, selected, among, by_source)
    if totals:
        blocks.append(context("\n".join(totals)))
    missing = unreachable_lines(snapshot)
    if missing:
        blocks.append(context("\n".join(missing)))
    return blocks


def unreachable_blocks(snapshot: AccountSnapshot) -> list[Block]:
    missing = unreachable_lines(snapshot)
    return [context("\n".join(missing))] if missing else []
