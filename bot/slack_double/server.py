"""The Slack double: a loopback Web API and response_url endpoint in the bot's own event loop.

Point `AsyncWebClient(base_url=double.api_url)` (or `SLACK_API_URL`) at it and put
`double.new_response_url(...)` into the payloads; everything the bot does is then recorded, checked against
Slack's rules and published as events.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aiohttp import web

from bot.slack_double.api import WebApi
from bot.slack_double.directory import Directory, Identity
from bot.slack_double.errors import ApiError, RateLimited
from bot.slack_double.events import Callback, Event, EventBus, ViewClosed
from bot.slack_double.faults import Fault, Faults, Pacer, PacingViolation
from bot.slack_double.response_urls import Refused, ResponseUrls
from bot.slack_double.store import Call, Message, MessageStore
from bot.slack_double.submissions import Answer, ack_problems, state_values
from bot.slack_double.unfurls import Share, Shares
from bot.slack_double.views import Triggers, View, Views
from bot.slack_double.wire import ack_payload, fault_response, ok_false, rate_limited, read_params

# How long `wait_for` waits by default: a guard, not a measure. A loaded CI core can take seconds to get
# the bot to a message it posts at once on a laptop, and a flaky failure costs more than a slow one.
WAIT_GUARD_S = 30.0

T = TypeVar("T")


class SlackDouble:
    def __init__(
        self,
        *,
        bot_token: str = "xoxb-double",
        clock: Callable[[], float] = time.time,
        enforce_pacing: bool = False,
        strict_blocks: bool = True,
        strict_triggers: bool = True,
    ) -> None:
        self.bot_token = bot_token
        self.clock = clock
        self.identity = Identity()
        self.calls: list[Call] = []
        self._store = MessageStore(clock)
        self._bus = EventBus()
        self._views = Views()
        self._triggers = Triggers(clock, strict=strict_triggers)
        self._directory = Directory(clock)
        self._faults = Faults()
        self._held: dict[str, asyncio.Event] = {}
        self._shares = Shares()
        self._pacer = Pacer(clock) if enforce_pacing else None
        self._api = WebApi(
            identity=self.identity,
            store=self._store,
            views=self._views,
            triggers=self._triggers,
            directory=self._directory,
            shares=self._shares,
            bus=self._bus,
            pacer=self._pacer,
            strict_blocks=strict_blocks,
        )
        self._responses = ResponseUrls(
            clock=clock, store=self._store, bus=self._bus, strict_blocks=strict_blocks
        )
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if self._runner is not None:
            raise RuntimeError("the Slack double is already running")
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{token}", self._handle_response)
        # A short shutdown timeout: a test's stop() must not wait a minute for an abandoned keep-alive.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        self._runner = runner
        self._base_url = f"http://{bound_host}:{bound_port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackDouble:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("start the Slack double first")
        return self._base_url

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # --- scripting the workspace -------------------------------------------------------------------------

    def new_response_url(self, *, channel: str, user: str, message_ts: str | None = None) -> str:
        hook = self._responses.new(channel=channel, user=user, message_ts=message_ts)
        return f"{self.base_url}/response/{hook.token}"

    def new_trigger_id(self, *, user: str | None = None) -> str:
        return self._triggers.new(user)

    def set_usergroup(self, usergroup: str, users: list[str]) -> None:
        self._directory.set_usergroup(usergroup, users)

    def set_user(
        self,
        user: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str | None = None,
        display_name: str = "",
    ) -> None:
        self._directory.set_user(user, name=name, real_name=real_name, tz=tz, display_name=display_name)

    def set_channel(self, channel: str, name: str) -> None:
        self._directory.set_channel(channel, name)

    def remove_user(self, user: str) -> None:
        """`users.info` on `user` answers `user_not_found` from now on (until `set_user` again)."""
        self._directory.remove_user(user)

    def user_name(self, user: str) -> str | None:
        """The name a Slack client shows for a mention of `user` (the shell's), None when unknown."""
        try:
            found = self._directory.user_info(user)
        except ApiError:
            return None
        profile = found["profile"]
        return str(profile["display_name"] or profile["real_name"] or found["name"])

    def fail_until(self, method: str, until: float, *, status: int = 500) -> None:
        """Makes every call of `method` fail with `status` until `clock()` reaches `until`."""
        self._faults.fail_until(method, until, status=status)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Makes the next `times` calls of `method` (or `"response_url"`) fail; faults queue in order."""
        self._faults.fail_next(method, status=status, retry_after=retry_after, error=error, times=times)

    def hold(self, method: str) -> asyncio.Event:
        """Every call of `method` from now on waits unanswered until the returned event is set, then
        fails with 500 unprocessed, as a request Slack lost: a test kills the bot in the middle of the
        call, knowing Slack never took it."""
        return self._held.setdefault(method, asyncio.Event())

    def release(self, method: str) -> None:
        """The held calls of `method` fail; the next ones are answered as usual."""
        held = self._held.pop(method, None)
        if held is not None:
            held.set()

    async def deliver_ack(self, response_url: str, body: dict[str, Any] | str) -> Message | None:
        """Shows an ack body (the HTTP answer to a command or click) as Slack does: as a response through
        `response_url` that spends none of its uses. Takes Bolt's `BoltResponse.body` as it is: empty for a
        bare `ack()` (nothing shown), plain text for `ack(text=...)`, else a JSON object.
        Used by the shell and the end-to-end harness.
        """
        payload = ack_payload(body)
        if payload is None:
            return None
        try:
            return await self._responses.deliver(self._token_of(response_url), payload, counts=False)
        except Refused as e:
            raise ValueError(f"Slack would refuse this ack: {e.error}") from None

    def share_links(
        self,
        *,
        channel: str,
        user: str,
        urls: list[str],
        source: str = "conversations_history",
        thread_ts: str | None = None,
    ) -> Share:
        """A person posts (or, with `source="composer"`, is still typing) a message with `urls`; the
        share's `event()` is the `link_shared` event Slack then sends the app."""
        return self._shares.add(
            channel=channel,
            user=user,
            message_ts=self._store.next_ts(),
            urls=urls,
            source=source,
            thread_ts=thread_ts,
        )

    def shares(self) -> list[Share]:
        return self._shares.all()

    def fill_in(self, view_id: str, answers: dict[str, Answer]) -> dict[str, Any]:
        """The view as a `view_submission` carries it once a person typed `answers` into its inputs."""
        record = self._views.get(view_id=view_id)
        if record.closed:
            raise ValueError("that modal is closed")
        payload = record.as_payload()
        payload["state"] = {"values": state_values(record.view, answers)}
        return payload

    async def answer_submission(self, view_id: str, body: dict[str, Any] | str) -> View:
        """What Slack does with the app's answer to a submission: errors under their fields, or the
        modal closed (an empty ack, or `clear`). Raises ValueError for an answer Slack would refuse."""
        record = self._views.get(view_id=view_id)
        payload = ack_payload(body)
        problems = ack_problems(record, payload)
        if problems:
            raise ValueError("; ".join(problems))
        if payload and payload.get("response_action") == "errors":
            record.errors = dict(payload["errors"])
        elif payload and payload.get("response_action") == "update":
            self._views.update(record, payload["view"])
        else:
            record.errors, record.closed = {}, True
            await self._bus.publish(ViewClosed(record.snapshot()))
        self._bus.changed()
        return record

    # --- what happened -----------------------------------------------------------------------------------

    def messages(self, channel: str, *, include_deleted: bool = False) -> list[Message]:
        return self._store.messages(channel, include_deleted=include_deleted)

    def all_messages(self) -> list[Message]:
        return list(self._store)

    def find(self, predicate: Callable[[Message], bool]) -> Message | None:
        return self._store.find(predicate)

    def last(self, channel: str | None = None) -> Message | None:
        return self._store.last(channel)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def home(self, user: str) -> View | None:
        return self._views.home(user)

    def modals(self) -> list[View]:
        return self._views.modals()

    @property
    def events(self) -> list[Event]:
        return list(self._bus.history)

    @property
    def pacing_violations(self) -> list[PacingViolation]:
        return list(self._pacer.violations) if self._pacer is not None else []

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Calls `callback` (sync or async) with each later event, in order; returns an unsubscriber."""
        return self._bus.subscribe(callback)

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = WAIT_GUARD_S) -> T:  # noqa: ASYNC109 - the deadline spans many waits
        """Waits (in real time) until `predicate()` over the double's state is truthy, and returns its value.
        It looks again at each change of that state, so `timeout` only turns a hang into a failure."""
        return await self._bus.wait_for(predicate, timeout, self._describe)

    def _describe(self) -> str:
        recent = [f"{m.channel} {m.ts}: {m.text[:60]!r}" for m in list(self._store)[-5:]]
        return f"{len(self.calls)} calls, last messages: {recent or 'none'}"

    # --- HTTP --------------------------------------------------------------------------------------------

    def _token_of(self, response_url: str) -> str:
        return urlsplit(response_url).path.rsplit("/", 1)[-1]

    def _record(self, method: str, params: dict[str, Any]) -> None:
        self.calls.append(Call(method, params, self.clock()))
        self._bus.changed()

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        try:
            params = await read_params(request)
        except ValueError:
            return ok_false("invalid_json")
        token = params.pop("token", None)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ").strip()
        self._record(method, params)
        held = self._held.get(method)
        if held is not None:
            await held.wait()
            return fault_response(Fault(500))
        fault = self._faults.outage(method, self.clock()) or self._faults.take(method)
        if fault is not None:
            return fault_response(fault)
        handler = self._api.methods.get(method)
        if handler is None:
            return ok_false("unknown_method")
        if not token:
            return ok_false("not_authed")
        if token != self.bot_token:
            return ok_false("invalid_auth")
        headers = {"x-oauth-scopes": ",".join(self.identity.scopes)}
        try:
            body = await handler(params)
        except ApiError as e:
            return web.json_response({"ok": False, "error": e.error, **e.extra}, headers=headers)
        except RateLimited as e:
            return rate_limited(e.retry_after)
        return web.json_response({"ok": True, **body}, headers=headers)

    async def _handle_response(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        self._record("response_url", body)
        fault = self._faults.take("response_url")
        if fault is not None:
            return fault_response(fault)
        try:
            await self._responses.deliver(request.match_info["token"], body)
        except Refused as e:
            return web.json_response({"ok": False, "error": e.error}, status=e.status)
        return web.json_response({"ok": True})
