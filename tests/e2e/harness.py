"""The bot as it runs in production, driven over real HTTP the way Slack drives it.

`running_bot()` starts the Starlette app of `serve` (built by `build_bot` + `build_web_app`) under uvicorn on
a loopback port, with the Slack Web API double for everything the bot sends to Slack and the Fivetran
simulator (in process, through httpx's ASGI transport) for everything it asks Fivetran. A test then:

    async with running_bot() as e2e:
        sent = await e2e.command("show orders")                          # signed, over HTTP, like Slack
        show = await e2e.wait_for_message(lambda m: "Sync" in labels(m), since=sent)  # what the bot posted
        await e2e.click(show, "Sync")                                    # the button as a user presses it
        e2e.sim_count(SYNC)                                              # what reached Fivetran

Time of the simulated account is a `ManualClock` the test moves (`e2e.clock.advance(...)`); the bot follows
a sync every 0.05–0.1 s of real time, so a sync of ten simulated minutes ends as soon as the test says so.
Each bot gets its own SQLite file, signing secret and ports. `e2e.tamper` adds faults the simulator cannot
express (an exception inside the HTTP client, a body that cannot be decoded).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import secrets
import socket
import tempfile
import time
import traceback
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from pydantic import SecretStr
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.app import Bot, build_bot
from bot.clock import Sleep, utcnow
from bot.config import Settings
from bot.services.pipelines.sync_follower import FollowPolicy
from bot.simulator import ManualClock, Simulator, build_app
from bot.slack_double import SlackDouble
from bot.slack_double.inbound import InboundFactory, SlackRequest
from bot.slack_double.server import WAIT_GUARD_S
from bot.slack_double.store import Message
from bot.web.app import build_web_app
from tests.native import double_problems
from tests.simulator.aliases import watched

ADMIN = "UADMIN0001"
OPERATOR = "UOPER00001"
VIEWER = "UVIEW00001"
CHANNEL = "CE2E000001"
BOT_TOKEN = "xoxb-e2e"
SIM_URL = "http://simulator"

# Operation names as the simulator counts them (`sim.requests_by_operation`).
SYNC = "POST /v1/connections/{connection_id}/sync"
RESYNC = "POST /v1/connections/{connection_id}/resync"
GET_CONNECTION = "GET /v1/connections/{connection_id}"
LIST_CONNECTIONS = "GET /v1/connections"

FAST_FOLLOW = FollowPolicy(first_delay=0.05, max_delay=0.1, give_up_after=60.0, max_consecutive_errors=20)


async def no_wait(seconds: float) -> None:
    """A sleep that barely waits: Fivetran retry backoff without the wall-clock wait. It waits a few
    milliseconds rather than only yielding, so a loop that sleeps between passes (the outbox's deliverer
    looking for rows, a followed sync) does not spin on the database and starve the test under load."""
    await asyncio.sleep(min(seconds, 0.005))


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass(frozen=True)
class Sent:
    """One request sent to `/slack/events` and how the bot answered it over HTTP (the ack)."""

    request: SlackRequest
    response: httpx.Response
    seconds: float  # from sending the request to the complete HTTP answer
    response_url: str
    mark: int  # how many messages the double held before: what came after is the answer


def buttons(message: Message) -> list[dict[str, Any]]:
    """Every button of a message, as the `actions[]` entry Slack would send when it is pressed."""
    found = []
    for index, block in enumerate(message.blocks):
        if block.get("type") != "actions":
            continue
        block_id = block.get("block_id") or f"blk{index}"  # Slack fills in an id when the app gives none
        for element in block.get("elements", []):
            if element.get("type") == "button":
                found.append({**element, "block_id": block_id})
    return found


def all_text(message: Message) -> str:
    """Everything a person reads in a message: the blocks' texts (header, sections, fields, context)."""
    parts: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                parts.append(node["text"])
            for key, value in node.items():
                if key not in ("confirm",):
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(message.blocks)
    return "\n".join(parts) or message.text


def labels(message: Message) -> list[str]:
    return [str(b.get("text", {}).get("text")) for b in buttons(message)]


def button(message: Message, label: str) -> dict[str, Any]:
    """The button labelled `label` (its visible text), as a user would find it."""
    for candidate in buttons(message):
        if candidate.get("text", {}).get("text") == label:
            return candidate
    raise AssertionError(f"no button {label!r} in message {message.text!r}; buttons: {labels(message)}")


class E2E:
    def __init__(
        self,
        *,
        bot: Bot,
        double: SlackDouble,
        sim: Simulator,
        clock: ManualClock,
        base_url: str,
        signing_secret: str,
        tamper: Tamper,
    ) -> None:
        self.tamper = tamper
        self.bot = bot
        self.double = double
        self.sim = sim
        self.clock = clock
        self.base_url = base_url
        self.signing_secret = signing_secret
        self.inbound = InboundFactory(signing_secret)
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30.0)

    async def aclose(self) -> None:
        await self.http.aclose()

    # --- what a person does in Slack ------------------------------------------------------------------

    def slash(
        self,
        text: str,
        *,
        user: str = OPERATOR,
        channel: str = CHANNEL,
        timestamp: float | None = None,
    ) -> tuple[SlackRequest, str]:
        """A signed `/hvr` request as Slack would build it, and its response_url (not sent yet)."""
        response_url = self.double.new_response_url(channel=channel, user=user)
        request = self.inbound.slash_command(
            text=text,
            user=user,
            channel=channel,
            response_url=response_url,
            trigger_id=self.double.new_trigger_id(user=user),
            timestamp=timestamp,
        )
        return request, response_url

    async def command(self, text: str, *, user: str = OPERATOR, channel: str = CHANNEL) -> Sent:
        """Types `/hvr <text>` and sends it; returns once the bot has acked over HTTP."""
        request, response_url = self.slash(text, user=user, channel=channel)
        return await self.send(request, response_url)

    def press(self, message: Message, label: str, *, user: str = OPERATOR) -> tuple[SlackRequest, str]:
        """A signed `block_actions` request for the button `label` of `message` (not sent yet)."""
        response_url = self.double.new_response_url(channel=message.channel, user=user, message_ts=message.ts)
        request = self.inbound.block_action(
            user=user,
            channel=message.channel,
            message_ts=message.ts,
            message={"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks},
            action=button(message, label),
            response_url=response_url,
            trigger_id=self.double.new_trigger_id(user=user),
            ephemeral=message.ephemeral,
        )
        return request, response_url

    async def click(self, message: Message, label: str, *, user: str = OPERATOR) -> Sent:
        """Presses the button `label` of `message` (after any confirm dialog: Slack sends only then)."""
        request, response_url = self.press(message, label, user=user)
        return await self.send(request, response_url)

    async def send(
        self, request: SlackRequest, response_url: str, *, extra_headers: dict[str, str] | None = None
    ) -> Sent:
        """POSTs to /slack/events; a non-empty ack body is shown in Slack as the double shows it."""
        mark = len(self.double.all_messages())
        started = time.perf_counter()
        response = await self.http.post(
            "/slack/events", content=request.body, headers={**request.headers, **(extra_headers or {})}
        )
        seconds = time.perf_counter() - started
        if response.status_code == 200 and response.content:
            body: dict[str, Any] | str
            try:
                body = json.loads(response.content)
            except ValueError:
                body = response.text
            await self.double.deliver_ack(response_url, body)
        return Sent(request, response, seconds, response_url, mark)

    async def event(self, event: dict[str, Any]) -> httpx.Response:
        """Delivers an Events API event (a `link_shared`, say) as Slack does: signed JSON; Bolt acks it
        at once and handles it after."""
        request = self.inbound.event(event)
        return await self.http.post("/slack/events", content=request.body, headers=request.headers)

    async def submit(self, view_id: str, answers: dict[str, Any], *, user: str = OPERATOR) -> httpx.Response:
        """The person fills in the modal `view_id` and presses Submit; Slack applies the bot's answer
        (errors under fields, or the modal closed) as the double shows it."""
        request = self.inbound.view_submission(
            user=user,
            view=self.double.fill_in(view_id, answers),
            trigger_id=self.double.new_trigger_id(user=user),
        )
        response = await self.http.post("/slack/events", content=request.body, headers=request.headers)
        if response.status_code == 200:
            await self.double.answer_submission(view_id, response.text)
        return response

    # --- what the bot did -----------------------------------------------------------------------------

    def since(self, sent: Sent | None) -> list[Message]:
        """Messages posted after `sent` was sent (live: they show later updates), oldest first."""
        return self.double.all_messages()[sent.mark if sent is not None else 0 :]

    async def wait_for_message(
        self,
        predicate: Callable[[Message], bool],
        *,
        since: Sent | None = None,
        timeout: float = WAIT_GUARD_S,  # noqa: ASYNC109 - the deadline spans many waits
    ) -> Message:
        """The first message posted after `since` that satisfies `predicate` (now, or once it does)."""

        def found() -> Message | None:
            return next((m for m in self.since(since) if not m.deleted and predicate(m)), None)

        return await self.double.wait_for(found, timeout)

    async def wait_for_text(
        self,
        needle: str,
        *,
        since: Sent | None = None,
        timeout: float = WAIT_GUARD_S,  # noqa: ASYNC109 - the deadline spans many waits
    ) -> Message:
        return await self.wait_for_message(lambda m: needle in m.text, since=since, timeout=timeout)

    async def settle(self, limit: float = 10.0) -> None:
        """Waits until no request is being handled (background work such as a followed sync may go on)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        quiet = 0
        while quiet < 3:
            if loop.time() > deadline:
                raise TimeoutError(f"the bot is still handling {self.bot.router.inflight} requests")
            await asyncio.sleep(0.01)
            quiet = quiet + 1 if self.bot.router.inflight == 0 else 0

    def sim_count(self, operation: str) -> int:
        return self.sim.requests_by_operation[operation]

    # --- the simulated account ------------------------------------------------------------------------

    def connection_named(self, health: str = "healthy") -> tuple[str, str]:
        """(id, name) of a connector of this generated health whose name is unique in the account."""
        names = [c.schema for c in self.sim.connections.values()]
        for conn in self.sim.connections.values():
            if conn.generated_health == health and names.count(conn.schema) == 1 and conn.run is None:
                return conn.id, conn.schema
        raise LookupError(f"no {health} connector with a unique name in this account")


class Tamper:
    """An ASGI wrapper around the in-process simulator for faults the simulator has no words for.

    `crash_next`: the next matching request raises `error` inside the bot's HTTP client (httpx's ASGI
    transport re-raises what the app raises): a fault nobody planned for, such as a bug in a library.
    `garble_next`: the next matching request is answered 200 with `Content-Encoding: gzip` over a body that
    is not gzip, as a broken proxy might: httpx fails while decoding it.
    `echo_auth_next`: the next matching request is refused with an error whose `message` quotes the
    request's Authorization header and the key:secret it carries, as a careless upstream might.
    `record_stack`: the call stack (innermost last) of each matching request, to see the path it took.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._scripted: list[tuple[str, re.Pattern[str], Exception | None]] = []
        self._echoes: list[tuple[str, re.Pattern[str], int]] = []
        self._watched: list[tuple[str, re.Pattern[str], list[traceback.StackSummary]]] = []

    def record_stack(self, method: str, path_regex: str) -> list[traceback.StackSummary]:
        stacks: list[traceback.StackSummary] = []
        self._watched.append((method.upper(), re.compile(path_regex), stacks))
        return stacks

    def echo_auth_next(self, method: str, path_regex: str, status: int = 400) -> None:
        self._echoes.append((method.upper(), re.compile(path_regex), status))

    def crash_next(self, method: str, path_regex: str, error: Exception) -> None:
        self._scripted.append((method.upper(), re.compile(path_regex), error))

    def garble_next(self, method: str, path_regex: str) -> None:
        self._scripted.append((method.upper(), re.compile(path_regex), None))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for method, pattern, stacks in self._watched:
                if scope["method"] == method and pattern.search(scope["path"]):
                    stacks.append(traceback.extract_stack())
            for echo in self._echoes:
                method, pattern, status = echo
                if scope["method"] == method and pattern.search(scope["path"]):
                    self._echoes.remove(echo)
                    auth = dict(scope["headers"]).get(b"authorization", b"").decode()
                    pair = base64.b64decode(auth.split(" ", 1)[-1]).decode() if auth else ""
                    message = f"Rejected request with Authorization: {auth} (credentials {pair})"
                    refused = Response(
                        json.dumps({"code": "BadRequest", "message": message}),
                        status_code=status,
                        media_type="application/json",
                    )
                    await refused(scope, receive, send)
                    return
            for entry in self._scripted:
                method, pattern, error = entry
                if scope["method"] == method and pattern.search(scope["path"]):
                    self._scripted.remove(entry)
                    if error is not None:
                        raise error
                    garbled = Response(
                        b'{"code": "Success"}',
                        media_type="application/json",
                        headers={"Content-Encoding": "gzip"},
                    )
                    await garbled(scope, receive, send)
                    return
        await self._app(scope, receive, send)


@contextlib.asynccontextmanager
async def serving(
    bot: Bot,
    *,
    double: SlackDouble,
    sim: Simulator,
    clock: ManualClock,
    signing_secret: str,
    tamper: Tamper,
) -> AsyncIterator[E2E]:
    """The bot's web app under uvicorn on a loopback port, as an `E2E`; stopped cleanly afterwards."""
    server, task, port = await _serve(build_web_app(bot))
    e2e = E2E(
        bot=bot,
        double=double,
        sim=sim,
        clock=clock,
        base_url=f"http://127.0.0.1:{port}",
        signing_secret=signing_secret,
        tamper=tamper,
    )
    try:
        yield e2e
    finally:
        await e2e.aclose()
        # A request still being handled may yet start a followed sync; followed syncs would hold the
        # shutdown for the whole drain period, and they are not under test here.
        with contextlib.suppress(TimeoutError):
            await e2e.settle(limit=5.0)
        await bot.background.cancel_all()
        server.should_exit = True
        await task  # the lifespan's shutdown closes the bot (and its database)


async def _serve(app: Any) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve(), name="uvicorn")
    while not server.started:
        if task.done():
            task.result()  # raises what stopped the server
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.01)
    port: int = server.servers[0].sockets[0].getsockname()[1]
    return server, task, port


def bot_settings(
    double: SlackDouble,
    signing_secret: str | None,
    scratch: str,
    *,
    admins: tuple[str, ...] = (ADMIN,),
    operators: tuple[str, ...] = (OPERATOR,),
) -> dict[str, Any]:
    """The Settings every end-to-end bot shares besides its Fivetran accounts: Slack through the double,
    these roles, no channel limits, no polling watcher, a SQLite file of its own in `scratch`."""
    return {
        "slack_bot_token": SecretStr(BOT_TOKEN),
        "slack_signing_secret": SecretStr(signing_secret) if signing_secret else None,
        "slack_app_token": None,
        "slack_api_url": double.api_url,
        "hvr_admins": list(admins),
        "hvr_operators": list(operators),
        "hvr_allowed_channels": [],
        "hvr_read_only": False,
        "hvr_audit_channel": None,
        "hvr_resync_approval": False,
        # no polling watcher: these tests script Fivetran answers and a poll would take them
        "hvr_watch_interval": 0,
        "database_url": f"sqlite+aiosqlite:///{scratch}/hvr-bot.db",
    }


@contextlib.asynccontextmanager
async def running_bot(
    *,
    seed: int = 7,
    groups: int = 2,
    connections: int = 12,
    latency_ms: float = 0,
    admins: tuple[str, ...] = (ADMIN,),
    operators: tuple[str, ...] = (OPERATOR,),
    fivetran_url: str | None = None,
    sleep: Sleep = asyncio.sleep,
    follow_policy: FollowPolicy = FAST_FOLLOW,
    app_token: str | None = None,
    signed: bool = True,
    simulated_now: bool = False,
    native: bool = True,
) -> AsyncIterator[E2E]:
    """The whole bot on loopback. `fivetran_url` replaces the in-process simulator with a real HTTP client
    to that URL (e.g. a closed port); `sleep` is the bot's (Fivetran retry backoff, following).
    `app_token` configures Socket Mode (no WebSocket is opened: tests drive Bolt as its handler does);
    `signed=False` leaves SLACK_SIGNING_SECRET unset (e2e.inbound still signs, with a secret the bot
    does not know). `simulated_now`: the bot's wall clock is the simulated account's, so a time Fivetran
    names (`rescheduled_for`) is as far ahead of the bot as it is on a live account; left off, the bot
    reads real time, long past the simulator's fixed start. `native`: when the test has passed, every
    payload the double saw is checked by `tests.native` (date tokens, mentions, plurals, selectors); off
    only for a test that sends what no person would (a forged name)."""
    signing_secret = secrets.token_hex(16)
    clock = ManualClock()
    sim = watched(
        Simulator(seed=seed, groups=groups, connections=connections, clock=clock, latency_ms=latency_ms)
    )
    tamper = Tamper(build_app(sim))
    async with contextlib.AsyncExitStack() as stack:
        # A database of its own: dedupe windows, audit and grants must not leak between tests.
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="hvr-e2e-"))
        double = await stack.enter_async_context(SlackDouble(bot_token=BOT_TOKEN))
        stack.push_async_callback(sim.aclose)
        if fivetran_url is None:
            fivetran_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=tamper))
        else:
            fivetran_http = httpx.AsyncClient()
        await stack.enter_async_context(fivetran_http)
        settings = Settings(
            _env_file=None,  # not the developer's .env: everything the test relies on is given here
            fivetran_api_key=SecretStr(sim.api_key),
            fivetran_api_secret=SecretStr(sim.api_secret),
            **{
                **bot_settings(
                    double, signing_secret if signed else None, scratch, admins=admins, operators=operators
                ),
                "slack_app_token": SecretStr(app_token) if app_token else None,
            },
        )
        bot = build_bot(
            settings,
            fivetran_http=fivetran_http,
            fivetran_base_url=fivetran_url or SIM_URL,
            sleep=sleep,
            follow_policy=follow_policy,
            now=clock.now if simulated_now else utcnow,
        )
        async with serving(
            bot, double=double, sim=sim, clock=clock, signing_secret=signing_secret, tamper=tamper
        ) as e2e:
            yield e2e
            if native:
                found = double_problems(double)
                assert found == [], "\n".join(found)
