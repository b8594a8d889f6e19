"""The house habits, checked where a slip would otherwise pass unnoticed: strict typing of the tests,
warnings as errors, and one copy of each clock alias and each shared fake."""

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
