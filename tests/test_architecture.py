"""The dependency rule of bot/, checked over the import graph that the source itself declares.

Layers, top to bottom (a module may import its own layer, the layers below it and base modules):

    root      cli, the composition root app.py, and the other commands (check, webhooks_cli)
    adapters  slack/, shell/, web/, scheduler/ (its runner turns the clock into service calls, as a
              listener turns a slash command into one), metrics (the Prometheus side of the observers)
    services  services/, commands/ (the /hvr grammar), blocks/, and the schedule grammar of `digest add` (scheduler.schedule/days/
              triggers: pure values the services parse and store, with no service or Slack in them)
    clients   fivetran/, storage/ (and hvr/ to come)
    base      modules that import nothing of the bot but other base modules: config, logs, the package

simulator/ and slack_double/ are apps of their own shipped in the package (stand-ins for Fivetran and
Slack): each imports only itself and base modules, so that a double never shares the bot's code, nor its
bugs. Adapters (the shell's demo) and the root may start them.

The graph is read with `ast`, so it counts what a glance at `import` lines misses: imports under
`if TYPE_CHECKING:` and inside functions are edges too (a cycle hidden there still knots the design).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400

# Longest prefix wins, so a module can sit apart from its package (the schedule grammar does).
LAYERS: dict[str, str] = {
    "bot.__main__": "root",
    "bot.cli": "root",
    "bot.app": "root",
    "bot.compose": "root",
    "bot.check": "root",
    "bot.check_hubs": "root",
    "bot.webhooks_cli": "root",
    "bot.slack": "adapters",
    "bot.shell": "adapters",
    "bot.web": "adapters",
    "bot.scheduler": "adapters",
    "bot.metrics": "adapters",
    "bot.services": "services",
    "bot.commands": "services",
    "bot.blocks": "services",
    "bot.scheduler.schedule": "services",
    "bot.scheduler.days": "services",
    "bot.scheduler.triggers": "services",
    "bot.fivetran": "clients",
    "bot.storage": "clients",
    "bot.hvr": "clients",
    "bot.config": "base",
    "bot.logs": "base",
    "bot.clock": "base",
    "bot.keys": "base",
    "bot.source_config": "base",
    "bot.source_errors": "base",
    "bot.simulator": "simulator",
    "bot.slack_double": "slack_double",
}
# Exact names only: a module of its own under bot/ does not become base by falling back to the package.
EXACT: dict[str, str] = {"bot": "base"}  # the package itself: __version__
MAY_IMPORT: dict[str, frozenset[str]] = {
    "root": frozenset({"root", "adapters", "services", "clients", "base", "simulator", "slack_double"}),
    "adapters": frozenset({"adapters", "services", "clients", "base", "simulator", "slack_double"}),
    "services": frozenset({"services", "clients", "base"}),
    "clients": frozenset({"clients", "base"}),
    "base": frozenset({"base"}),
    "simulator": frozenset({"simulator", "base"}),
    "slack_double": frozenset({"slack_double", "base"}),
}
WEB_AND_SLACK = ("slack_sdk", "slack_bolt", "starlette", "uvicorn")


@dataclass(frozen=True)
class Import:
    target: str  # a dotted module name, resolved (relative imports made absolute)
    path: str  # the importing file, relative to the repository
    line: int

    def where(self) -> str:
        return f"{self.path}:{self.line}"


Graph = Mapping[str, list[Import]]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(
    source: str, module: str, *, is_package: bool, path: str, known: Iterable[str]
) -> list[Import]:
    """Every import in `source`, wherever it stands. `from X import n` imports X (its __init__ runs) and,
    when X.n is a module, X.n too."""
    modules = set(known)
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, path, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            found.append(Import(origin, path, node.lineno))
            found += [
                Import(f"{origin}.{alias.name}", path, node.lineno)
                for alias in node.names
                if f"{origin}.{alias.name}" in modules
            ]
    return found


def build_graph(root: Path = ROOT, package: str = "bot") -> dict[str, list[Import]]:
    files = {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}
    return {
        name: imports_in(
            p.read_text(encoding="utf-8"),
            name,
            is_package=p.name == "__init__.py",
            path=str(p.relative_to(root)),
            known=files,
        )
        for name, p in files.items()
    }


def internal(graph: Graph, module: str) -> list[Import]:
    return [i for i in graph[module] if i.target in graph and i.target != module]


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for edge in internal(graph, node):
            if edge.target not in index:
                visit(edge.target)
                low[node] = min(low[node], low[edge.target])
            elif edge.target in on_stack:
                low[node] = min(low[node], index[edge.target])
        if low[node] == index[node]:
            component: list[str] = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_of(module: str) -> str | None:
    if module in EXACT:
        return EXACT[module]
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        layer = LAYERS.get(".".join(parts[:n]))
        if layer is not None:
            return layer
    return None


def layer_violations(graph: Graph) -> list[str]:
    problems = [f"{m}: in no layer; add it to LAYERS" for m in sorted(graph) if layer_of(m) is None]
    for module in sorted(graph):
        mine = layer_of(module)
        for edge in internal(graph, module):
            theirs = layer_of(edge.target)
            if mine is not None and theirs is not None and theirs not in MAY_IMPORT[mine]:
                problems.append(f"{edge.where()}: {module} ({mine}) imports {edge.target} ({theirs})")
    return problems


def imports_of_packages(graph: Graph, under: Iterable[str], banned: Iterable[str]) -> list[str]:
    prefixes, bans = tuple(under), tuple(banned)

    def within(name: str, tops: tuple[str, ...]) -> bool:
        return any(name == top or name.startswith(top + ".") for top in tops)

    return [
        f"{edge.where()}: {module} imports {edge.target}"
        for module in sorted(graph)
        if within(module, prefixes)
        for edge in graph[module]
        if within(edge.target, bans)
    ]


def long_modules(root: Path = ROOT, package: str = "bot", limit: int = MAX_LINES) -> list[str]:
    lengths = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in (root / package).rglob("*.py")}
    return [f"{p.relative_to(root)}: {n} lines" for p, n in sorted(lengths.items()) if n > limit]


# --- the contract over bot/ -------------------------------------------------------------------------


@functools.cache
def _bot() -> dict[str, list[Import]]:
    return build_graph()


def test_bot_has_no_import_cycle() -> None:
    assert cycles(_bot()) == []


def test_every_module_imports_only_its_layer_lower_layers_and_base_modules() -> None:
    assert layer_violations(_bot()) == []


def test_services_and_blocks_import_no_slack_or_web_framework() -> None:
    assert imports_of_packages(_bot(), ("bot.services", "bot.blocks"), WEB_AND_SLACK) == []


def test_fivetran_and_storage_import_no_layer_above_them() -> None:
    above: tuple[str, ...] = (
        "bot.services",
        "bot.blocks",
        "bot.slack",
        "bot.shell",
        "bot.web",
        "bot.scheduler",
    )
    above = (*above, "bot.metrics", "bot.app", "bot.cli", "bot.check", "bot.webhooks_cli")
    assert imports_of_packages(_bot(), ("bot.fivetran", "bot.storage", "bot.hvr"), above) == []


def test_no_module_in_bot_is_over_400_lines() -> None:
    assert long_modules() == []


# --- each check can fail: the checkers on a tiny tree of their own ------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, list[Import]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return build_graph(tmp_path)


def test_a_cycle_through_type_checking_and_a_function_level_import_is_found(tmp_path: Path) -> None:
    graph = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.b import B\n",
            "bot/b.py": "def f():\n    from . import c\n",
            "bot/c.py": "import bot.a\n",
            "bot/d.py": "from bot.a import x\n",
        },
    )

    assert cycles(graph) == [["bot.a", "bot.b", "bot.c"]]


def test_a_package_init_that_its_own_module_imports_from_is_a_cycle(tmp_path: Path) -> None:
    graph = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/sim/__init__.py": "from bot.sim.app import build\n",
            "bot/sim/app.py": "from bot.sim import render\n",
            "bot/sim/render.py": "",
        },
    )

    assert cycles(graph) == [["bot.sim", "bot.sim.app"]]


def test_an_upward_import_is_reported_with_file_and_line(tmp_path: Path) -> None:
    graph = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/app.py": "",
            "bot/config.py": "",
            "bot/services/__init__.py": "",
            "bot/services/x.py": "import bot.config\n\n\ndef f():\n    from ..app import Bot\n",
            "bot/storage/y.py": "from bot.services import x\n",
            "bot/simulator/z.py": "from bot.storage.y import Y\n",
            "bot/nowhere.py": "",
        },
    )

    assert layer_violations(graph) == [
        "bot.nowhere: in no layer; add it to LAYERS",
        "bot/services/x.py:5: bot.services.x (services) imports bot.app (root)",
        "bot/simulator/z.py:1: bot.simulator.z (simulator) imports bot.storage.y (clients)",
        "bot/storage/y.py:1: bot.storage.y (clients) imports bot.services (services)",
        "bot/storage/y.py:1: bot.storage.y (clients) imports bot.services.x (services)",
    ]


def test_a_slack_import_in_services_is_reported(tmp_path: Path) -> None:
    graph = _tree(
        tmp_path,
        {
            "bot/services/p.py": "def f():\n    from slack_sdk.errors import SlackApiError\n",
            "bot/slack/q.py": "import slack_sdk\n",
            "bot/blocks/r.py": "import starlette_extras\n",
        },
    )

    assert imports_of_packages(graph, ("bot.services", "bot.blocks"), WEB_AND_SLACK) == [
        "bot/services/p.py:2: bot.services.p imports slack_sdk.errors"
    ]


def test_a_module_over_the_limit_is_named(tmp_path: Path) -> None:
    _tree(tmp_path, {"bot/short.py": "x = 1\n" * 400, "bot/long.py": "x = 1\n" * 401})

    assert long_modules(tmp_path) == ["bot/long.py: 401 lines"]
