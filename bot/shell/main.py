"""`hvr-bot shell [--demo] [--user U…]`: the bot in a terminal.

Reads lines from stdin (a terminal or a pipe); `/hvr …` is the slash command, `click N` presses button N of
the most recent message with buttons, `help` and `quit`. At the end of input it waits for work still
running (a followed sync) and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol, TextIO

import httpx
from pydantic import SecretStr
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigurationError, Settings, load_settings
from bot.logs import configure_logging
from bot.services.governance.access import AccessPolicy
from bot.services.pipelines.sync_follower import FollowPolicy
from bot.shell.demo import DEMO_HUB, DEMO_SEED, DemoAccounts
from bot.shell.session import ShellSession
from bot.slack.router import Router
from bot.slack_double import SlackDouble
from bot.storage.db import mask_url
from bot.storage.migrate import SchemaError
from bot.web.app import Served, build_web_app

DEMO_ADMIN, DEMO_OPERATOR, DEMO_VIEWER = "U0SHELL01", "U0OPER001", "U0VIEW001"
# The demo's people, as the terminal names them where Slack would show a mention's name.
DEMO_PEOPLE = {DEMO_ADMIN: "Ada Admin", DEMO_OPERATOR: "Omar Operator", DEMO_VIEWER: "Vera Viewer"}
CHANNEL = "C0SHELL01"
EXIT_WAIT_S = 300.0

SHELL_HELP = """Type a slash command as in Slack, e.g.
  /hvr list                 /hvr show <connector>      /hvr help
  click N                   press button N of the last message with buttons
  help                      this text
  quit                      leave (or end the input)"""


class ShellBot(Served, Protocol):
    """What the shell uses of the composed bot (`bot.app.Bot` is one), besides what its web app serves."""

    router: Router

    @property
    def policy(self) -> AccessPolicy: ...

    async def outbox_delivered(self, within: float, *, every: float = 0.05) -> bool: ...


class Build(Protocol):
    """The composition root's `build_bot`, passed in by the cli so that the shell never imports it."""

    def __call__(
        self,
        settings: Settings,
        *,
        fivetran_http: httpx.AsyncClient | None = None,
        fivetran_base_url: str | None = None,
        follow_policy: FollowPolicy | None = None,
        hub_transport: httpx.AsyncBaseTransport | None = None,
    ) -> ShellBot: ...


@dataclass
class Environment:
    bot: ShellBot
    double: SlackDouble
    signing_secret: str
    banner: str


def run_shell(args: argparse.Namespace, build: Build) -> int:
    configure_logging(logging.WARNING)
    interrupted = threading.Event()

    async def main() -> int:
        # Ctrl-C cancels the session and is remembered here: a cancellation some library swallows on its
        # way out (seen under load) must still end the shell as interrupted, not as a clean exit.
        task = asyncio.current_task()
        assert task is not None

        def on_interrupt() -> None:
            interrupted.set()
            task.cancel()

        with contextlib.suppress(
            NotImplementedError, RuntimeError
        ):  # no signal handlers: not the main thread
            asyncio.get_running_loop().add_signal_handler(signal.SIGINT, on_interrupt)
        return await _main(args, sys.stdin, sys.stdout, build)

    try:
        code = asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        interrupted.set()
    if interrupted.is_set():
        print("\nInterrupted; bye.")
        return 130
    return code


async def _main(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, build: Build) -> int:
    def write(line: str) -> None:
        stdout.write(line + "\n")
        stdout.flush()

    try:
        settings = load_settings()
    except ConfigurationError as error:
        write("The configuration is not valid:")
        for problem in error.problems:
            write(f"  ✗ {problem}")
        return 1
    demo = bool(args.demo)
    problems = settings.problems("shell", demo=demo)
    if problems:
        for problem in problems:
            write(f"  ✗ {problem}")
        return 1
    try:
        return await _session(args, settings, demo, stdin, stdout, write, build)
    except SchemaError as error:
        write(f"  ✗ {error}")
    except (OSError, SQLAlchemyError) as error:
        write(
            f"  ✗ The database at {mask_url(settings.database_url)} can't be used ({type(error).__name__}): "
            "check DATABASE_URL."
        )
    return 1


async def _session(
    args: argparse.Namespace,
    settings: Settings,
    demo: bool,
    stdin: TextIO,
    stdout: TextIO,
    write: Callable[[str], None],
    build: Build,
) -> int:
    async with _environment(
        settings, demo=demo, speed=args.speed, build=build, accounts=getattr(args, "accounts", 1)
    ) as env:
        session = ShellSession(
            double=env.double,
            web=build_web_app(env.bot),
            signing_secret=env.signing_secret,
            router=env.bot.router,
            user=args.user,
            channel=CHANNEL,
            write=write,
            colour=stdout.isatty(),
        )
        write(env.banner)
        role = (await env.bot.policy.role_of(args.user)).label
        name = env.double.user_name(args.user) or args.user
        write(f"You are {name} ({role}) in #{CHANNEL}. Type `help` for help, `quit` to leave.")
        try:
            await _loop(session, _lines(stdin), write)
        finally:
            pending = env.bot.background.pending
            if pending:
                # followed syncs and bulk runs alike: what was started here is seen to its end
                write(f"Waiting for {pending} task{'s' if pending > 1 else ''} under way to finish…")
            await env.bot.background.drain(EXIT_WAIT_S)
            await env.bot.outbox_delivered(EXIT_WAIT_S)  # their last state, owed to the channel
            await session.aclose()
    return 0


async def _lines(stdin: TextIO) -> AsyncIterator[str | None]:
    """Lines from stdin without blocking the event loop, so updates print while waiting for input.

    A daemon thread reads, so an interrupted shell exits at once instead of waiting for a line.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in iter(stdin.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="shell-stdin", daemon=True).start()
    while True:
        line = await queue.get()
        yield line
        if line is None:
            return


async def _loop(
    session: ShellSession, lines: AsyncIterator[str | None], write: Callable[[str], None]
) -> None:
    async def ask(question: str) -> bool:
        write(question)
        answer = await anext(lines, None)
        return (answer or "").strip().lower() in ("y", "yes")

    async for raw in lines:
        if raw is None:
            return
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("quit", "exit", r"\q"):
            return
        if line in ("help", "?"):
            write(SHELL_HELP)
        elif line.startswith("/hvr"):
            await session.command(line[len("/hvr") :].strip())
        elif line.startswith("/"):
            write(f"Only /hvr is a command here, not {line.split()[0]}. Try /hvr help.")
        elif line.split()[0] == "click":
            parts = line.split()
            if len(parts) != 2 or not parts[1].isdigit():
                write("Use `click N` with the number of a button, e.g. `click 1`.")
            else:
                await session.click(int(parts[1]), ask)
        else:
            write(
                f"I don't understand `{line[:60]}`. Commands start with /hvr; `help` shows what you can type."
            )


@asynccontextmanager
async def _environment(
    settings: Settings, *, demo: bool, speed: float, build: Build, accounts: int = 1
) -> AsyncIterator[Environment]:
    signing_secret = secrets.token_hex(16)
    async with SlackDouble(bot_token="xoxb-shell") as double:
        for user, name in DEMO_PEOPLE.items():
            double.set_user(user, name=name.split()[0].lower(), real_name=name)
        overrides: dict[str, object] = {
            "slack_bot_token": SecretStr("xoxb-shell"),
            "slack_signing_secret": SecretStr(signing_secret),
            "slack_app_token": None,
            "slack_api_url": double.api_url,
        }
        fivetran_http: httpx.AsyncClient | None = None
        base_url: str | None = None
        follow: FollowPolicy | None = None
        demo_accounts: DemoAccounts | None = None
        hub_transport: httpx.AsyncBaseTransport | None = None
        if demo:
            from bot.shell.demo import demo_accounts as simulated  # the simulators only when asked for

            demo_accounts = simulated(accounts, speed)
            fivetran_http, base_url = demo_accounts.http, demo_accounts.base_url
            overrides |= demo_accounts.settings
            if not settings.hvr_admins and not settings.hvr_operators:
                overrides |= {"hvr_admins": [DEMO_ADMIN], "hvr_operators": [DEMO_OPERATOR]}
            follow = FollowPolicy(first_delay=1.0, max_delay=2.0, give_up_after=600.0)
            hub_transport = demo_accounts.hub_transport
            what = (
                "simulated Fivetran account"
                if accounts == 1
                else f"{accounts} simulated Fivetran accounts ({', '.join(demo_accounts.sims)})"
            )
            banner = (
                f"hvr-bot shell — {what} ({demo_accounts.connections} connectors) and simulated HVR hub "
                f"{DEMO_HUB} ({demo_accounts.channels} channels); seed {DEMO_SEED}, "
                f"time runs {speed:g}× faster. Users: {DEMO_ADMIN} admin, {DEMO_OPERATOR} operator, "
                f"{DEMO_VIEWER} viewer (--user)."
            )
        else:
            found = settings.accounts()
            where = ", ".join(a.api_url if a.single else f"{a.name} at {a.api_url}" for a in found)
            hubs = settings.hubs()
            parts = [f"Fivetran account{'s' if len(found) > 1 else ''} at {where}"] if found else []
            if hubs:  # a bot with only hubs has no Fivetran account to name
                names = ", ".join(f"{h.name} at {h.url}" for h in hubs)
                parts.append(f"HVR hub{'s' if len(hubs) > 1 else ''} {names}")
            banner = f"hvr-bot shell — {'; '.join(parts)}"
        bot = build(
            settings.model_copy(update=overrides),
            fivetran_http=fivetran_http,
            fivetran_base_url=base_url,
            follow_policy=follow,
            hub_transport=hub_transport,
        )
        try:
            await bot.start()
            yield Environment(bot, double, signing_secret, banner)
        finally:
            await bot.aclose(drain_seconds=0)
            if demo_accounts is not None:
                await demo_accounts.aclose()
            if fivetran_http is not None:
                await fivetran_http.aclose()
