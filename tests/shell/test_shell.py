"""`hvr-bot shell` as a person or a script uses it: a subprocess reading piped input."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIVETRAN_", "HVR_", "DATABASE_"))
    }
    env["PYTHONPATH"] = str(REPO)
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path}/shell.db"
    env.update(extra)
    return env


def _shell(
    tmp_path: Path, lines: list[str], *args: str, timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "shell", *args],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tmp_path,  # no .env from the checkout
        env=_env(tmp_path, **env),
    )


def _button(output: str, label: str, after: str) -> str:
    """The number of the button labelled `label` in the first message printed after `after`."""
    tail = output[output.index(after) :]
    match = re.search(rf"\[(\d+)\] {re.escape(label)}\b", tail)
    assert match, f"no [{label}] button after {after!r} in:\n{tail[:2000]}"
    return match.group(1)


def test_demo_lists_shows_and_follows_a_clicked_sync_to_its_end(tmp_path: Path) -> None:
    first = _shell(tmp_path, ["/hvr list status:healthy"], "--demo", "--speed", "600")
    assert first.returncode == 0, first.stderr
    name = re.search(r"^:large_green_circle: (\S+) · ", first.stdout, re.MULTILINE)
    assert name, first.stdout
    connector = name.group(1)

    show = _shell(tmp_path, [f"/hvr show {connector}"], "--demo", "--speed", "600")
    sync_button = _button(show.stdout, "Sync", connector)

    run = _shell(
        tmp_path, [f"/hvr show {connector}", f"click {sync_button}", "quit"], "--demo", "--speed", "600"
    )
    out = run.stdout
    assert run.returncode == 0, run.stderr
    assert "simulated Fivetran account" in out.splitlines()[0]
    assert f"Sync of {connector} requested by @U0SHELL01" in out
    assert re.search(rf"Sync of {connector} (succeeded|failed) (in|after) \d", out), out
    assert "· updated" in out
    assert "Traceback" not in out + run.stderr


def test_the_demos_first_list_shows_the_fivetran_account_and_the_hub(tmp_path: Path) -> None:
    run = _shell(tmp_path, ["/hvr list", "quit"], "--demo")
    out = run.stdout
    assert run.returncode == 0, run.stderr
    assert "simulated Fivetran account" in out.splitlines()[0] and "simulated HVR hub onprem" in out
    assert re.search(r"^fivetran · 60 connectors", out, re.MULTILINE), out
    assert re.search(r"^onprem · 8 connectors · .*failing", out, re.MULTILINE), out
    assert re.search(r" · hvr6 · onprem:hvrhub$", out, re.MULTILINE), out  # a channel's row, among the first
    assert "Traceback" not in out + run.stderr


def test_a_confirm_guarded_button_asks_and_no_means_nothing_is_sent(tmp_path: Path) -> None:
    run = _shell(tmp_path, ["/hvr list status:healthy", "click 1", "click 6"], "--demo", "--speed", "600")
    out = run.stdout
    resync = _button(out, "Re-sync", "Next step")
    run = _shell(
        tmp_path,
        ["/hvr list status:healthy", "click 1", f"click {resync}", "n"],
        "--demo",
        "--speed",
        "600",
    )
    assert "[Re-sync? y/N]" in run.stdout or "y/N" in run.stdout
    assert "Not confirmed; nothing was sent." in run.stdout


def test_unknown_input_and_bad_clicks_get_clear_answers(tmp_path: Path) -> None:
    run = _shell(
        tmp_path,
        ["click 1", "/hvr lsit", "/deploy now", "hello", "click x", "/hvr list", "click 999", "help"],
        "--demo",
    )
    out = run.stdout
    assert run.returncode == 0
    assert "Nothing to click yet" in out
    assert "Did you mean `list`?" in out
    assert "Only /hvr is a command here, not /deploy" in out
    assert "I don't understand `hello`" in out
    assert "Use `click N`" in out
    assert "There is no button 999" in out
    assert "press button N of the last message with buttons" in out


def test_a_viewer_is_told_which_role_is_needed(tmp_path: Path) -> None:
    run = _shell(tmp_path, ["/hvr list", "click 2"], "--demo", "--user", "U0VIEW001")
    assert "You are U0VIEW001 (viewer)" in run.stdout
    assert "needs the operator role; you are a viewer" in run.stdout


def test_without_demo_or_credentials_it_says_what_to_set(tmp_path: Path) -> None:
    run = _shell(tmp_path, ["/hvr list"])
    assert run.returncode == 1
    assert "FIVETRAN_API_KEY is not set" in run.stdout
    assert "hvr-bot shell --demo" in run.stdout


def test_an_interrupted_shell_says_so_and_exits(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "shell", "--demo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # the banner: the shell is up and waiting for input
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "Interrupted; bye." in out


@pytest.fixture
def simulator_url(tmp_path: Path) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "simulator", "--port", "0", "--connections", "30", "--speed", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
    assert match, line + (proc.stderr.read() if proc.stderr else "")
    try:
        yield match.group(1)
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # reaps it and closes its pipes (else: ResourceWarning, unclosed file)


def test_the_shell_drives_a_separately_started_simulator(tmp_path: Path, simulator_url: str) -> None:
    listing = _shell(
        tmp_path,
        ["/hvr list status:healthy"],
        FIVETRAN_API_URL=simulator_url,
        FIVETRAN_API_KEY="demo",
        FIVETRAN_API_SECRET="demo",
        HVR_ADMINS="U0SHELL01",
    )
    assert listing.returncode == 0, listing.stderr
    assert f"Fivetran account at {simulator_url}" in listing.stdout
    assert "30 connectors" not in listing.stdout  # filtered to healthy ones
    run = _shell(
        tmp_path,
        ["/hvr list status:healthy", "click 2"],  # the first row's Sync option
        FIVETRAN_API_URL=simulator_url,
        FIVETRAN_API_KEY="demo",
        FIVETRAN_API_SECRET="demo",
        HVR_ADMINS="U0SHELL01",
        timeout=90,
    )
    assert "requested by @U0SHELL01" in run.stdout, run.stdout
    assert re.search(r"(succeeded|failed) (in|after)", run.stdout), run.stdout


def test_show_through_a_pipe_prints_the_name_exactly_as_fivetran_spells_it(tmp_path: Path) -> None:
    # `postgres_ops` is in the seed-7 demo account once; a shell that upper-cased headers printed POSTGRES_OPS
    run = _shell(tmp_path, ["/hvr show postgres_ops", "quit"], "--demo")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "postgres_ops" in lines, run.stdout
    assert "POSTGRES_OPS" not in run.stdout
