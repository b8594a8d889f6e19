"""The typed HVR 6 Hub Server client: one method per operation the bot performs (DESIGN §8).

Paths follow the official definition (`/api/v6.1.0.3/hubs/{hub}/…`), served under `/api/latest/` by
default or the pinned `api_version` (`v6.1.0.3`, `v0`). Retries: a GET is retried on a connection error,
a timeout, 429 and 5xx; a POST only when the hub cannot have acted (the connection was refused before
anything was sent, or a 429 which the hub answers without acting).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import quote

import httpx

import bot.hvr.errors as errors
from bot.clock import Sleep
from bot.hvr.answers import channel_from, parse, retry_after, status_error
from bot.hvr.auth import Clock, Credentials
from bot.hvr.models import Channel, Event, HubStatus, Job, Location, PostedEvent, StartResult

log = logging.getLogger(__name__)
# the operations that post an event the hub then runs (the definition's `channels/{channel}/<kind>`)
EventKind = Literal["refresh", "compare"]

ATTEMPTS = 3
BACKOFF = 0.5
TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=10.0)


def _seg(value: str) -> str:
    return quote(value, safe="")


class HvrClient:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        hub: str,
        api_version: str = "latest",
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self.hub = hub
        self.api_version = api_version.strip("/") or "latest"
        self._creds = Credentials(username, password)
        self._clock = clock
        self._sleep = sleep
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout)

    def __repr__(self) -> str:
        return f"HvrClient(hub={self.hub!r}, api_version={self.api_version!r})"

    def _hub_path(self, tail: str) -> str:
        return f"/api/{self.api_version}/hubs/{_seg(self.hub)}/{tail}"

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- transport -------------------------------------------------------------------------------------

    async def _send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request with bounded retries; never repeats a POST the hub may have acted on."""
        idempotent = method == "GET"
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = await self._http.request(method, path, params=params, json=json, headers=headers)
            except httpx.ConnectError:
                # Refused or unresolved: nothing was sent, so even a POST is safe to repeat.
                if attempt < ATTEMPTS:
                    await self._sleep(BACKOFF * attempt)
                    continue
                raise errors.ConnectError(
                    f"Could not reach the HVR hub for {operation}", operation=operation, **errors.SPEAKS
                ) from None
            except httpx.TimeoutException:
                if idempotent and attempt < ATTEMPTS:
                    await self._sleep(BACKOFF * attempt)
                    continue
                raise errors.Timeout(
                    f"The HVR hub did not answer {operation} in time",
                    operation=operation,
                    **errors.SPEAKS,
                    may_have_acted=not idempotent,
                ) from None
            except httpx.HTTPError as error:
                raise errors.TransportError(
                    f"The connection to the HVR hub failed during {operation} ({error.__class__.__name__})",
                    operation=operation,
                    **errors.SPEAKS,
                    may_have_acted=not idempotent,
                ) from None
            retryable = response.status_code == 429 or (idempotent and response.status_code >= 500)
            if retryable and attempt < ATTEMPTS:
                await self._sleep(retry_after(response) or BACKOFF * attempt)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def _login(self) -> None:
        """Renew with the refresh token when there is one, else (or when it is refused) log in."""
        now = self._clock()
        if self._creds.tokens.refresh:
            answer = await self._send(
                "auth_refresh", "POST", "/auth/v1/refresh", json=self._creds.refresh_body()
            )
            if answer.status_code == 200:
                self._store(answer, now, "auth_refresh")
                return
            log.info(
                "hvr hub %s refused the refresh token (%s); logging in again", self.hub, answer.status_code
            )
        answer = await self._send("auth_password", "POST", "/auth/v1/password", json=self._creds.login_body())
        if answer.status_code != 200:
            raise status_error(answer, "auth_password")
        self._store(answer, now, "auth_password")

    def _store(self, answer: httpx.Response, now: float, operation: str) -> None:
        try:
            self._creds.store(answer.json(), now)
        except ValueError:
            raise errors.DecodeError(
                "The HVR hub's login answer had no token", operation=operation, **errors.SPEAKS
            ) from None

    async def _authed(
        self, operation: str, method: str, path: str, *, params: Any = None, json: Any = None
    ) -> httpx.Response:
        async with self._creds.lock:
            if not self._creds.fresh(self._clock()):
                await self._login()
        response = await self._send(
            operation, method, path, params=params, json=json, headers=self._creds.header()
        )
        if response.status_code == 401:  # expired early or revoked: renew once, then give up
            sent = self._creds.tokens.access
            async with self._creds.lock:
                if self._creds.tokens.access == sent:  # another request may have renewed already
                    await self._login()
            response = await self._send(
                operation, method, path, params=params, json=json, headers=self._creds.header()
            )
        if response.status_code >= 400:
            raise status_error(response, operation)
        return response

    async def _json(self, operation: str, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._authed(operation, method, path, **kwargs)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise errors.DecodeError(
                f"The HVR hub's answer to {operation} was not JSON", operation=operation, **errors.SPEAKS
            ) from None

    async def _map(self, operation: str, path: str, params: Any = None) -> dict[str, dict[str, Any]]:
        data = await self._json(operation, "GET", path, params=params)
        if not isinstance(data, dict):
            raise errors.DecodeError(
                f"The HVR hub answered {operation} without a map", operation=operation, **errors.SPEAKS
            )
        return {str(key): value if isinstance(value, dict) else {} for key, value in data.items()}

    # --- reads -----------------------------------------------------------------------------------------

    async def status(self) -> HubStatus:
        data = await self._json("query_status", "GET", self._hub_path("query/status"))
        return parse(HubStatus, data, "query_status")

    _CHANNEL_FETCH = (
        ("fetch", "tables"),
        ("fetch", "loc_groups"),
        ("fetch", "members"),
        ("fetch", "channel_actions"),
    )

    async def channels(self, channel: str | None = None) -> list[Channel]:
        params = list(self._CHANNEL_FETCH)
        if channel:
            params.append(("channel", channel))
        found = await self._map("definition_channels", self._hub_path("definition/channels"), params)
        return [channel_from(name, body, "definition_channels") for name, body in found.items()]

    async def channel(self, name: str) -> Channel:
        """One channel's definition (`definition/channels/{channel}`); NotFound when the hub has none."""
        path = self._hub_path(f"definition/channels/{_seg(name)}")
        data = await self._json("definition_channel", "GET", path, params=list(self._CHANNEL_FETCH))
        if not isinstance(data, dict):
            raise errors.DecodeError(
                "The HVR hub answered definition_channel without the channel",
                operation="definition_channel",
                **errors.SPEAKS,
            )
        return channel_from(name, data, "definition_channel")

    async def locations(self) -> list[Location]:
        params = [("fetch", "loc_props"), ("fetch", "loc_actions")]
        found = await self._map("definition_locs", self._hub_path("definition/locs"), params)
        return [parse(Location, {**body, "name": name}, "definition_locs") for name, body in found.items()]

    async def jobs(self, channel: str | None = None, *, fetch_latency: bool = True) -> list[Job]:
        params: list[tuple[str, str]] = [("fetch", "latency")] if fetch_latency else []
        if channel:
            params.append(("channel", channel))
        found = await self._map("jobs", self._hub_path("jobs"), params)
        return [parse(Job, {**body, "name": name}, "jobs") for name, body in found.items()]

    async def events(
        self,
        ev_id: str | None = None,
        *,
        channel: str | None = None,
        types: Sequence[str] = (),
        fetch_results: bool = True,
        max_events: int | None = None,
    ) -> list[Event]:
        params: list[tuple[str, str]] = [("fetch_results", "true" if fetch_results else "false")]
        if ev_id:
            params.append(("ev_id", ev_id))
        if channel:
            params.append(("channel", channel))
        params += [("type", kind) for kind in types]
        if max_events is not None:
            params.append(("max_events", str(max_events)))
        found = await self._map("events", self._hub_path("events"), params)
        return [parse(Event, {**body, "ev_id": key}, "events") for key, body in found.items()]

    async def job_log(self, job: str, *, max_lines: int = 50) -> str:
        """The tail of a job's log file (`<job>.out`), where the last error of a failed job is."""
        response = await self._authed(
            "job_log", "GET", self._hub_path(f"logs/{_seg(job)}.out"), params={"max_lines": max_lines}
        )
        return response.text

    # --- actions ---------------------------------------------------------------------------------------

    async def suspend_jobs(self, jobs: Sequence[str]) -> None:
        await self._authed("jobs_suspend", "POST", self._hub_path("jobs_suspend"), json={"jobs": list(jobs)})

    async def unsuspend_jobs(self, jobs: Sequence[str]) -> None:
        await self._authed(
            "jobs_unsuspend", "POST", self._hub_path("jobs_unsuspend"), json={"jobs": list(jobs)}
        )

    async def start_jobs(
        self, jobs: Sequence[str], trigger_failed: bool = True, *, unsuspend: bool = False
    ) -> list[StartResult]:
        """Run now. The definition says 204, yet a job that could not start is reported in a 200 body."""
        body = {"jobs": list(jobs), "trigger_failed": trigger_failed, "unsuspend": unsuspend}
        data = await self._json("jobs_start", "POST", self._hub_path("jobs_start"), json=body)
        if not isinstance(data, dict):
            return []
        return [
            parse(StartResult, {**(v if isinstance(v, dict) else {}), "job": k}, "jobs_start")
            for k, v in data.items()
        ]

    async def post_event(
        self,
        kind: EventKind,
        channel: str,
        tables: Sequence[str] | None = None,
        *,
        source_loc: str | None = None,
        target_loc: str | None = None,
        granularity: str = "bulk",
    ) -> str:
        """Post a Refresh or Compare event of the channel (its named tables, else all) and return its
        `ev_id`; follow it with `events(ev_id)`. Both operations take the same body in the definition."""
        if source_loc is None or target_loc is None:
            source_loc, target_loc = await self._ends(kind, channel, source_loc, target_loc)
        body: dict[str, Any] = {
            "source_loc": source_loc,
            "target_loc": target_loc,
            "granularity": granularity,
            "start_immediate": True,
        }
        if tables:
            body["tables"] = list(tables)
        data = await self._json(kind, "POST", self._hub_path(f"channels/{_seg(channel)}/{kind}"), json=body)
        return parse(PostedEvent, data, kind).posted_ev_id

    async def _ends(self, kind: str, channel: str, source: str | None, target: str | None) -> tuple[str, str]:
        """The channel's one source and one target from its definition, when the caller named none."""
        found = await self.channel(channel)
        sources, targets = (
            [source] if source else found.source_locs,
            [target] if target else found.target_locs,
        )
        if len(sources) != 1 or len(targets) != 1:
            raise errors.HvrError(
                f"Channel {channel} has sources {sources or 'none'} and targets {targets or 'none'}: "
                "name the source and target location",
                operation=kind,
                **errors.SPEAKS,
            )
        return sources[0], targets[0]

    async def test_location(self, loc: str, channel: str | None = None) -> dict[str, Any]:
        body = {"channel": channel} if channel else {}
        data = await self._json("loc_test", "POST", self._hub_path(f"locs/{_seg(loc)}/test"), json=body)
        return data if isinstance(data, dict) else {}
