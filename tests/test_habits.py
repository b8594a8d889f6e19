"""The house habits, checked where a slip would otherwise pass unnoticed: strict typing of the tests,
warnings as errors, one copy of each clock alias and each shared fake, and no real sleep in a test longer
than a fraction of a second."""

from __future__ import annotations

import ast
import warnings
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The time aliases of bot/clock.py, written as their right-hand side.
TIME_ALIASES = {"Callable[[float], Awaitable[None]]", "Callable[[], datetime]"}
SHARED_FAKES = {"FakeClock", "FakeSleep", "FakePoster"}
# The longest real sleep a test may take, in seconds: a yield to another task or process, never a wait
# for something to happen (wait for an event, a log line or a row; move a fake clock).
REAL_SLEEP_LIMIT_S = 0.5
REAL_SLEEPS = {"asyncio.sleep", "time.sleep", "anyio.sleep", "trio.sleep"}
# "path:line" of a real sleep allowed past the limit, each with why. Keep it empty.
LONG_SLEEPS_ALLOWED: dict[str, str] = {}


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_lint_type_checks_bot_tests_and_benchmarks_strictly() -> None:
    lint = (ROOT / "dev").read_text().split("    lint)", 1)[1].split(";;", 1)[0]
    assert "paths=(bot tests)" in lint and "paths+=(bench)" in lint
    assert '/mypy" --strict "${paths[@]}"' in lint, "mypy must check every linted path"


def test_a_stray_warning_fails_the_test_that_raised_it() -> None:
    with pytest.raises(DeprecationWarning, match="stray"):
        warnings.warn("a stray warning", DeprecationWarning, stacklevel=1)


def test_each_time_alias_of_the_bot_is_defined_once_in_bot_clock() -> None:
    found: dict[str, list[str]] = defaultdict(list)
    for path in _modules("bot") + _modules("tests") + _modules("bench"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and ast.unparse(node.value) in TIME_ALIASES:
                found[ast.unparse(node.value)].append(str(path.relative_to(ROOT)))
    assert dict(found) == {alias: ["bot/clock.py"] for alias in TIME_ALIASES}


def test_each_shared_fake_is_defined_once_in_tests_fakes() -> None:
    found: dict[str, list[str]] = defaultdict(list)
    for path in _modules("tests"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name in SHARED_FAKES:
                found[node.name].append(str(path.relative_to(ROOT).parent))
    assert dict(found) == {name: ["tests/fakes"] for name in SHARED_FAKES}


def test_every_simulator_a_test_of_the_bot_builds_is_watched_for_legacy_alias_requests() -> None:
    """tests/conftest.py checks the watched ones after each test (DESIGN section 10); tests/simulator/
    calls the legacy names on purpose."""
    unwatched: list[str] = []
    for path in _modules("tests"):
        if path.is_relative_to(ROOT / "tests" / "simulator"):
            continue
        tree = ast.parse(path.read_text())
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        wrapped = {id(arg) for call in calls if ast.unparse(call.func) == "watched" for arg in call.args}
        unwatched += [
            f"{path.relative_to(ROOT)}:{call.lineno}"
            for call in calls
            if ast.unparse(call.func) == "Simulator" and id(call) not in wrapped
        ]
    assert unwatched == [], "wrap each in tests.simulator.aliases.watched(...)"


def _numbers(tree: ast.Module) -> dict[str, float]:
    """Names given a number anywhere in a module (`LATENCY_S = 0.005`, in a class or at the top)."""
    found: dict[str, float] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant):
            value = node.value.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(value, int | float) and not isinstance(value, bool):
                found.update({t.id: float(value) for t in targets if isinstance(t, ast.Name)})
    return found


def _longest(node: ast.expr, numbers: dict[str, float]) -> float | None:
    """The longest a sleep's argument can be, when the module says; None when it cannot be told."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name | ast.Attribute):
        return numbers.get(node.id if isinstance(node, ast.Name) else node.attr)
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "min":
        bounds = [b for b in (_longest(arg, numbers) for arg in node.args) if b is not None]
        return min(bounds) if bounds else None
    return None


def _real_sleep_names(tree: ast.Module) -> set[str]:
    """How this module calls a real sleep: `asyncio.sleep`, or `sleep` imported from one of them."""
    names = set(REAL_SLEEPS)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {n.split(".")[0] for n in REAL_SLEEPS}:
            names |= {alias.asname or alias.name for alias in node.names if alias.name == "sleep"}
    return names


def long_real_sleeps(source: str) -> list[int]:
    """The lines of a module's real sleeps that may last longer than the limit."""
    tree = ast.parse(source)
    numbers, sleeps = _numbers(tree), _real_sleep_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in sleeps:
            longest = _longest(node.args[0], numbers) if node.args else 0.0
            if longest is None or longest > REAL_SLEEP_LIMIT_S:
                found.append(node.lineno)
    return found


def test_no_test_sleeps_for_real_longer_than_a_fraction_of_a_second() -> None:
    """A real wait is either too short on a loaded CI machine (a flake) or longer than needed (a slow
    suite); a sleep whose length the module does not say counts as long."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _modules("tests")
        for line in long_real_sleeps(path.read_text())
    ]
    assert sorted(set(found) - set(LONG_SLEEPS_ALLOWED)) == [], "wait for an event, or move a fake clock"
    assert sorted(set(LONG_SLEEPS_ALLOWED) - set(found)) == [], "allowed but gone: drop it from the list"


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("import asyncio\nasync def f():\n    await asyncio.sleep(1.5)\n", True),
        ("import time\ndef f():\n    time.sleep(2)\n", True),
        ("from asyncio import sleep\nasync def f():\n    await sleep(0.6)\n", True),
        ("import asyncio\nasync def f(s):\n    await asyncio.sleep(s + 1)\n", True),
        ("import asyncio\nWAIT = 3\nasync def f():\n    await asyncio.sleep(WAIT)\n", True),
        ("import asyncio\nasync def f():\n    await asyncio.sleep(0.05)\n", False),
        ("import asyncio\nasync def f(s):\n    await asyncio.sleep(min(s, 0.005))\n", False),
        (
            "import asyncio\nclass A:\n    L = 0.01\n    async def f(self):\n        await asyncio.sleep(self.L)\n",
            False,
        ),
        ("async def f(sleep):\n    await sleep(60)\n", False),  # an injected (fake) sleep
    ],
)
def test_the_sleep_check_tells_a_long_or_unknown_real_sleep_from_a_short_or_injected_one(
    source: str, flagged: bool
) -> None:
    assert bool(long_real_sleeps(source)) is flagged
