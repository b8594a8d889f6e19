"""results.json → results.md: one table the README shows."""

from __future__ import annotations

from typing import Any


def _number(value: float, unit: str) -> str:
    if unit in ("requests", "snapshots", "messages", "posts"):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")


def _reruns(reruns: list[dict[str, Any]]) -> str:
    """What partial runs replaced since the full one, so that no figure passes for older or newer than it is."""
    if not reruns:
        return ""
    done = "; ".join(
        f"{', '.join(r['only'])} at {r['at']} ({r['repetitions']} run{'' if r['repetitions'] == 1 else 's'} each)"
        for r in reruns
    )
    return f" Re-run since: {done}."


def render(results: dict[str, Any]) -> str:
    machine = results["machine"]
    lines = [
        f"Measured {results['finished_at']} on {machine['cores']} cores ({machine['cpu_model']}), "
        f"Python {machine['python']}, {machine['os']}; {results['mode']} run, "
        f"{results['repetitions']} runs of each figure (median, and min – max over the runs); "
        f"the suite took {results['duration_s']:.0f} s." + _reruns(results.get("reruns", [])),
        "",
        "| Benchmark | Figure | Median | Min – max | Compared with | Target | Met |",
        "|---|---|---:|---:|---|---|:-:|",
    ]
    for name, bench in results["benchmarks"].items():
        title = bench.get("title", name)
        if "error" in bench:
            lines.append(f"| {title} | did not run | | | {_cell(bench['error'])} | | |")
            continue
        for label, fig in bench["figures"].items():
            unit = fig["unit"]
            median = f"{_number(fig['median'], unit)} {unit}"
            span = f"{_number(fig['min'], unit)} – {_number(fig['max'], unit)}"
            met = {True: "yes", False: "**no**", None: ""}[fig.get("met")]
            lines.append(
                f"| {title} | {_cell(label)} | {median} | {span} | {_cell(fig.get('compare'))} | "
                f"{_cell(fig.get('target'))} | {met} |"
            )
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def update_readme(readme: str, table: str) -> str:
    """The README with the latest table between its markers (unchanged when it has none)."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        return readme
    return readme[: start + len(BEGIN)] + "\n" + table + readme[end:]
