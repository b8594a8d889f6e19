"""The lock files stay true to pyproject.toml: every dependency it names is pinned, to a version it allows.

`./dev` and `.ci/run` install with the dev lock as constraints, so a dependency added to pyproject.toml
without `./dev lock` would install unpinned; this catches it without asking a package index.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def pins(lock: Path) -> dict[str, Version]:
    found: dict[str, Version] = {}
    for raw in lock.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{lock.name}: {line!r} is not pinned with =="
        found[canonicalize_name(requirement.name)] = Version(specifier.version)
    return found


def project() -> dict[str, list[str]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {"runtime": data["dependencies"], "dev": data["optional-dependencies"]["dev"]}


def applies_here(requirement: Requirement) -> bool:
    return requirement.marker is None or Marker(str(requirement.marker)).evaluate()


@pytest.mark.parametrize(
    ("lock_name", "groups"),
    [("requirements.lock", ["runtime"]), ("requirements-dev.lock", ["runtime", "dev"])],
)
def test_every_dependency_of_pyproject_is_pinned_to_an_allowed_version(
    lock_name: str, groups: list[str]
) -> None:
    pinned = pins(ROOT / lock_name)
    for group in groups:
        for line in project()[group]:
            requirement = Requirement(line)
            if not applies_here(requirement):
                continue
            name = canonicalize_name(requirement.name)
            assert name in pinned, f"{name} is in pyproject.toml but not in {lock_name}: run ./dev lock"
            assert requirement.specifier.contains(pinned[name], prereleases=True), (
                f"{lock_name} pins {name}=={pinned[name]}, outside {requirement.specifier}: run ./dev lock"
            )


def test_the_runtime_lock_is_the_dev_lock_without_the_dev_tools() -> None:
    runtime, dev = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    differing = {name: (v, dev.get(name)) for name, v in runtime.items() if dev.get(name) != v}
    assert differing == {}, "the two locks disagree: run ./dev lock"
