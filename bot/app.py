"""The composition root: builds the clients, services, Bolt app and web app from Settings.

Nothing else in the bot constructs a collaborator it does not own; tests, the shell and `serve` all come
through `build_bot`, so what runs in a test is what runs in production.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Sleep
from bot.compose import (
    Channels,
    Governance,
    Outbox,
    Pipelines,
    bolt_app,
    channels,
    follow_keeper,
    governance,
    outbox,
    pipelines,
    slack_client,
)
from bot.config import Settings
from bot.fivetran.client import FivetranClient
from bot.metrics import BotMetrics
from bot.scheduler.runner import DigestScheduler
from bot.services.alerts.service import AlertService
from bot.services.alerts.watcher import Watcher
from bot.services.digests.service import DigestService
from bot.services.governance.access import AccessPolicy
from bot.services.governance.bulk import BulkService
from bot.services.governance.bulk_recovery import InterruptedRuns
from bot.services.governance.dedupe import Dedupe
from bot.services.governance.replay import ReplayGuard
from bot.services.pipelines.actions import ConnectorActions
from bot.services.pipelines.follow_keeper import FollowKeeper
from bot.services.pipelines.sources import Sources
from bot.services.pipelines.sync_follower import FollowPolicy
from bot.services.runtime.background import Background
from bot.services.runtime.foreground import Foreground
from bot.services.runtime.holders import new_holder
from bot.slack.flow import Deps
from bot.slack.home import HomeTab
from bot.slack.listeners import register
from bot.slack.people import People
from bot.slack.poster import SlackPoster
from bot.slack.response_urls import ResponseUrls
from bot.slack.router import Router
from bot.slack.sessions import SlackSessions
from bot.storage.db import Database
from bot.storage.migrate import ensure_schema
from bot.storage.replays import SignatureRepo

log = logging.getLogger(__name__)


@dataclass
class Bot:
    """Everything `build_bot` made, for `serve`, the shell and tests; it owns the start and stop order."""

    settings: Settings
    http: httpx.AsyncClient
    pipelines: Pipelines
    governance: Governance
    channels: Channels
    follows: FollowKeeper
    interrupted: InterruptedRuns
    router: Router
    slack: AsyncWebClient
    app: AsyncApp
    home: HomeTab
    database: Database
    poster: SlackPoster
    background: Background
    metrics: BotMetrics
    replay: ReplayGuard
    response_urls: ResponseUrls
    outbox: Outbox
    owns_http: bool = False
    _started: bool = field(default=False, init=False, repr=False)
    _sessions: SlackSessions | None = field(default=None, init=False, repr=False)
    _jobs: bool = field(default=False, init=False, repr=False)

    # The collaborators tests and the shell reach for most, by their old names.
    @property
    def fivetran(self) -> FivetranClient:
        return self.pipelines.client

    @property
    def cache(self) -> Sources:
        return self.pipelines.sources

    @property
    def actions(self) -> ConnectorActions:
        return self.pipelines.actions

    @property
    def policy(self) -> AccessPolicy:
        return self.governance.policy

    @property
    def bulk(self) -> BulkService:
        return self.governance.bulk

    @property
    def digests(self) -> DigestService:
        return self.channels.digests

    @property
    def scheduler(self) -> DigestScheduler:
        return self.channels.scheduler

    @property
    def alerts(self) -> AlertService:
        return self.channels.alerts

    @property
    def watcher(self) -> Watcher:
        return self.channels.watcher

    async def start(self, *, jobs: bool = True) -> None:
        """Make the database current (or refuse), pick up what a previous process left behind, and (with
        `jobs`) start the digest scheduler and the polling watcher. Idempotent: `serve` calls it before
        listening, the web app's lifespan again."""
        if self._started:
            return
        await ensure_schema(
            self.database.url.render_as_string(hide_password=False), auto_upgrade=self.database.is_sqlite
        )
        await self.replay.start()
        if self._sessions is None:
            self._sessions = SlackSessions(self.slack, self.outbox.client)
            self._sessions.open()
        # Started whether or not this process runs jobs: what a request or a webhook owes Slack is sent.
        self.outbox.deliverer.start()
        await self.interrupted.report()
        if jobs:
            await self.scheduler.start()
            self.watcher.start()
            self.channels.incidents.start()  # reminders and snooze ends
            self.outbox.purge.start()  # delivered rows past their retention
            self.follows.start_monitor()  # resumes follows a previous process left, then keeps looking
            self.interrupted.start()
            self._jobs = True
        self._started = True

    async def outbox_backlog(self) -> tuple[int, float]:
        """Messages owed to Slack and the oldest one's age in seconds (readiness, the doctor)."""
        return await self.outbox.deliverer.backlog()

    async def outbox_delivered(self, within: float, *, every: float = 0.05) -> bool:
        """Waits, the deliverer running, until nothing is owed to Slack (the shell before it exits: a
        followed sync's last state goes through the outbox); True when so within `within` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (await self.outbox.repo.stats()).depth:
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(every)
        return True

    async def aclose(self, *, drain_seconds: float = 5.0) -> None:
        """Stop taking scheduled work (claims not done are released for another replica), let in-flight
        work finish for a moment, then stop it and close the clients."""
        try:
            jobs, self._jobs = self._jobs, False
            if jobs:
                # Each loop ends after the pass it is in (5 s at most: `Periodic.stop`), all at once.
                await asyncio.gather(
                    _step("the interrupted-work monitor", self.interrupted.stop()),
                    _step("the watcher", self.watcher.stop()),
                    _step("the incidents' tick", self.channels.incidents.stop()),
                    _step("the outbox purge", self.outbox.purge.stop()),
                )
                await _step("the digest scheduler", self.scheduler.stop())
            if not await self.background.drain(drain_seconds):
                log.info("stopping %d unfinished background tasks", self.background.pending)
                await self.background.cancel_all()
            # A row half-sent stays held until its lease ends: whether Slack took it is not known.
            last = [_step("the outbox deliverer", self.outbox.deliverer.stop())]
            if jobs:  # hands unfinished follows to the next process at once
                last.append(_step("the sync follows", self.follows.stop()))
            await asyncio.gather(*last)
            await _step("the replay of interrupted work", self.replay.stop())
            await self.response_urls.aclose()
            for hub in self.pipelines.hubs.values():
                await hub.aclose()
            if self.owns_http:
                await self.http.aclose()
        finally:
            # What waits behind requests still counted (the collector's resume among it) runs now: their
            # loop may stop before they end.
            self.router.foreground.close()
            # Even when a step above failed (the database gone): an open aiohttp session outlives the
            # bot and warns when collected.
            if self._sessions is not None:
                await self._sessions.aclose()
                self._sessions = None
        await self.database.dispose()


async def _step(what: str, stopping: Awaitable[None]) -> None:
    """One step of the shutdown: one that fails (the database gone, say) is logged, and the steps after
    it still run, so every client is closed and each other loop hands its work back. What a failed step
    held (a digest's claim, a follow) is taken over when its lease ends, as after a crash."""
    try:
        await stopping
    except Exception:
        log.exception("shutdown: stopping %s failed; going on with the rest", what)


def build_bot(
    settings: Settings,
    *,
    fivetran_http: httpx.AsyncClient | None = None,
    fivetran_base_url: str | None = None,
    slack: AsyncWebClient | None = None,
    sleep: Sleep = asyncio.sleep,
    follow_policy: FollowPolicy | None = None,
    snapshot_ttl: float = 30.0,
    dedupe: Dedupe | None = None,
    database: Database | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    clock: Callable[[], float] = time.monotonic,
    hub_transport: httpx.AsyncBaseTransport | None = None,
) -> Bot:
    """Everything from Settings; the keyword arguments are the seams tests and the shell replace."""
    http = fivetran_http or httpx.AsyncClient()
    # The requests being handled, and what waits behind them (the watcher's pass, freeing a replaced snapshot).
    foreground = Foreground()
    pipes = pipelines(
        settings,
        http,
        fivetran_base_url,
        follow_policy,
        snapshot_ttl,
        sleep,
        now,
        clock,
        hub_transport,
        defer=foreground.after,
    )
    database = database or Database(settings.database_url)
    web = slack or slack_client(settings)
    metrics, poster, holder, background = (
        BotMetrics(),
        SlackPoster(web, sleep=sleep),
        new_holder(),
        Background(),
    )
    owed = outbox(database, web, metrics, holder, now, clock, sleep)
    gov = governance(settings, database, web, owed.poster, pipes, dedupe, holder, now, clock)
    out = channels(settings, database, pipes.sources, owed.poster, metrics, holder, now, foreground)
    follows = follow_keeper(database, pipes, gov, background, poster, owed.poster, holder, now, clock, sleep)
    deps = Deps(
        configured=pipes.sources.kinds,
        cache=pipes.sources,
        actions=pipes.actions,
        follower=pipes.follower,
        follows=follows,
        policy=gov.policy,
        background=background,
        dedupe=gov.dedupe,
        auditor=gov.auditor,
        access=gov.access,
        audit_repo=gov.audit_repo,
        bulk=gov.bulk,
        digests=out.digests,
        alerts=out.alerts,
        approvals=gov.approvals,
        hubs=pipes.sources,
        people=People(web, clock=clock),
        default_tz=settings.hvr_timezone,
        resync_approval=settings.hvr_resync_approval,
        admins=tuple(settings.hvr_admins),
        operators=tuple(settings.hvr_operators),
        now=now,
        clock=clock,
        sleep=sleep,
    )
    router = Router(deps, observer=metrics, foreground=foreground)
    metrics.read_live(
        {n: c.transport for n, c in pipes.clients.items()},
        lambda: router.inflight,
        lambda: background.pending,
    )
    app = bolt_app(web, settings)
    home = HomeTab(
        pipes.sources,
        gov.policy,
        now,
        subscriptions=out.subscriptions,
        audit=gov.audit_repo,
        incidents=out.incidents,
        configured=pipes.sources.kinds,
    )
    # PostgreSQL takes concurrent inserts, one per request; SQLite (one process) is written behind.
    replay = ReplayGuard(SignatureRepo(database), shared=not database.is_sqlite, clock=clock, now=now)
    response_urls = ResponseUrls()
    register(app, router, home, replay, response_urls)
    return Bot(
        settings=settings,
        http=http,
        pipelines=pipes,
        governance=gov,
        channels=out,
        follows=follows,
        interrupted=InterruptedRuns(gov.bulk, gov.auditor, owed.poster.for_origin("bulk"), sleep=sleep),
        router=router,
        slack=web,
        app=app,
        home=home,
        database=database,
        poster=poster,
        background=background,
        metrics=metrics,
        replay=replay,
        response_urls=response_urls,
        outbox=owed,
        owns_http=fivetran_http is None,
    )
