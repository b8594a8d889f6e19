"""`serve` imports what serving needs: the demo's simulator, the Slack double, the shell and Alembic are
imported only by the commands that use them (issue 22: memory of an idle `serve`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bot

ROOT = Path(bot.__file__).resolve().parents[1]  # this checkout, first on the child's path
NOT_FOR_SERVE = ("bot.simulator", "bot.slack_double", "bot.shell", "alembic", "mako", "respx")


def test_the_serve_path_imports_no_simulator_slack_double_shell_or_alembic() -> None:
    script = (
        "import sys\n"
        "from bot.cli import main\n"
        "from bot.app import build_bot\n"  # what `serve` imports before it runs
        "from bot.web.serve import run_serve\n"
        "from bot.web.app import build_web_app\n"
        f"print(bot_file := sys.modules['bot'].__file__)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {{'alembic', 'mako', 'respx'}} "
        f"or m.startswith({NOT_FOR_SERVE[:3]!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT, check=True
    )
    imported_from, found = done.stdout.strip().splitlines()
    assert Path(imported_from).resolve().parent == Path(bot.__file__).resolve().parent
    assert found == "[]"
