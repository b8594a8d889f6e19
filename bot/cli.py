"""The `hvr-bot` command line. It parses arguments and hands over; it builds nothing itself.

Each subcommand's module is imported only when that subcommand runs, so `hvr-bot --help` stays fast
and a missing optional piece of one subcommand cannot break the others.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hvr-bot",
        description="Slack chatops bot for Fivetran and HVR 6 hubs. Run `hvr-bot shell --demo` for a first look.",
    )
    parser.add_argument("--version", action="version", version=f"hvr-bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the bot for Slack (HTTP, or Socket Mode with SLACK_APP_TOKEN)")
    serve.add_argument("--host", help="interface to listen on (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: PORT or 3000)")

    shell = sub.add_parser("shell", help="chat with the bot in this terminal (reads stdin, prints replies)")
    shell.add_argument("--demo", action="store_true", help="use the built-in Fivetran simulator")
    shell.add_argument(
        "--user", default="U0SHELL01", help="Slack user ID to act as (try roles with HVR_ADMINS etc.)"
    )
    shell.add_argument(
        "--speed",
        type=float,
        default=60.0,
        help="with --demo: simulated seconds per real second (default 60)",
    )
    shell.add_argument(
        "--accounts",
        type=_demo_accounts,
        default=1,
        help="with --demo: simulated Fivetran accounts, 1 to 5, with the same connector names (default 1)",
    )

    sim = sub.add_parser("simulator", help="serve a fake Fivetran API or HVR 6 hub on loopback")
    sim.add_argument("--kind", choices=("fivetran", "hvr6"), default="fivetran")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=None, help="default 8765 (fivetran), 4340 (hvr6)")
    sim.add_argument("--channels", type=int, default=8, help="hvr6: channels in the hub")
    sim.add_argument("--token-seconds", type=int, default=900, help="hvr6: access token lifetime")
    sim.add_argument("--connections", type=int, default=60, help="connections in the account")
    sim.add_argument("--groups", type=int, default=4, help="groups (destinations)")
    sim.add_argument("--seed", type=int, default=7, help="seed of the generated account")
    sim.add_argument("--latency-ms", type=float, default=0.0, help="added to every answer")
    sim.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    sim.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 500")
    sim.add_argument("--hourly-budget", type=int, default=20_000, help="requests an hour before 429")

    sub.add_parser("check", help="check configuration, Fivetran and Slack credentials")

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply database migrations")

    hooks = sub.add_parser("webhooks", help="manage the Fivetran account webhook for real-time alerts")
    hooks_sub = hooks.add_subparsers(dest="webhooks_command", metavar="ACTION")
    register = hooks_sub.add_parser("register", help="create or update the account webhook")
    register.add_argument(
        "--url", required=True, help="public URL of /fivetran/webhook (/<source> with several)"
    )
    listing = hooks_sub.add_parser(
        "list", help="list the account's webhooks (every account's without --source)"
    )
    remove = hooks_sub.add_parser("remove", help="delete a webhook")
    remove.add_argument("id")
    for action in (register, listing, remove):
        action.add_argument(
            "--source", help="the account, one of FIVETRAN_ACCOUNTS (needed when it names several)"
        )
    return parser


def _demo_accounts(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; use 1 to 5") from None
    if not 1 <= count <= 5:
        raise argparse.ArgumentTypeError(f"{count} accounts: use 1 to 5")
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return _dispatch(parser, args)
    except KeyboardInterrupt:
        return 130


def _simulator(args: argparse.Namespace) -> int:
    if args.kind == "hvr6":
        from bot.simulator.hvr6.main import run_hvr6

        return run_hvr6(args)
    from bot.simulator.main import run_simulator

    if args.port is None:
        args.port = 8765
    return run_simulator(args)


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "check":
        from bot.check import run_check

        return asyncio.run(run_check())
    if args.command == "simulator":
        from bot.simulator.listening import CannotListen

        try:
            return _simulator(args)
        except CannotListen as error:  # its port in use, say: a sentence, not a traceback
            print(f"hvr-bot simulator: {error.strerror}", file=sys.stderr)
            return 2
    if args.command == "shell":
        from bot.app import build_bot
        from bot.shell.main import run_shell

        return run_shell(args, build_bot)
    if args.command == "serve":
        from bot.app import build_bot
        from bot.web.serve import run_serve

        return run_serve(args, build_bot)
    if args.command == "db":
        if args.db_command != "upgrade":
            parser.parse_args(["db", "--help"])
        from bot.storage.migrate import run_upgrade

        return run_upgrade()
    if args.command == "webhooks":
        if args.webhooks_command is None:
            parser.parse_args(["webhooks", "--help"])
        from bot.webhooks_cli import run_webhooks

        return asyncio.run(run_webhooks(args))
    print(f"hvr-bot: unknown command {args.command!r}", file=sys.stderr)
    return 2
