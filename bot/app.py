"""The composition root: builds the clients, services, Bolt app and web app from Settings.

Nothing else in the bot constructs a collaborator it does not own; tests, the shell and `serve` all come
through `build_bot`, so what runs in a test is what runs in production.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.actions import render_follow
from bot.blocks.governance import render_bulk_report
from bot.clock import Sleep
from bot.config import Settings
from bot.fivetran.client import FivetranClient
from bot.fivetran.factory import client_from_settings
from bot.metrics import BotMetrics
from bot.scheduler.runner import DigestScheduler
from bot.services.alerts.service import AlertService
from bot.services.alerts.watcher import KINDS_WITH_WEBHOOKS, KINDS_WITHOUT_WEBHOOKS, Watcher
from bot.services.digests.service import DigestService
from bot.services.governance.access import AccessPolicy, Role
from bot.services.governance.audit import Auditor
from bot.services.governance.bulk import BulkService
from bot.services.governance.dedupe import Dedupe
from bot.services.governance.replay import ReplayGuard
from bot.services.pipelines.actions import ConnectorActions
from bot.services.pipelines.follow_keeper import FollowKeeper
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.pipelines.sync_follower import FollowPolicy, SyncFollower
from bot.services.runtime.background import Background
from bot.services.runtime.holders import new_holder
from bot.services.runtime.posting import PostError, SlackUnavailable
from bot.slack.bulk_flow import bulk_lines, run_summary
from bot.slack.flow import Deps
from bot.slack.home import HomeTab
from bot.slack.listeners import register
from bot.slack.poster import SlackPoster
from bot.slack.router import Router
from bot.storage.access import AccessRepo
from bot.storage.alert_messages import AlertMessageRepo
from bot.storage.approvals import ApprovalRepo
from bot.storage.audit import AuditRepo
from bot.storage.bulk import BulkRepo
from bot.storage.claims import ClaimRepo, EventClaimRepo
from bot.storage.db import Database
from bot.storage.dedupe import DedupeRepo
from bot.storage.digest_state import DigestStateRepo
from bot.storage.fire_ledger import FireLedger
from bot.storage.follows import FollowRepo
from bot.storage.migrate import ensure_schema
from bot.storage.replays import SignatureRepo
from bot.storage.subscriptions import SubscriptionRepo
from bot.storage.watch_state import WatchStateRepo

log = logging.getLogger(__name__)


@dataclass
class Bot:
    settings: Settings
    http: httpx.AsyncClient
    fivetran: FivetranClient
    cache: SnapshotCache
    actions: ConnectorActions
    follower: SyncFollower
    policy: AccessPolicy
    background: Background
    router: Router
    slack: AsyncWebClient
    app: AsyncApp
    home: HomeTab
    database: Database
    poster: SlackPoster
    bulk: BulkService
    digests: DigestService
    scheduler: DigestScheduler
    alerts: AlertService
    watcher: Watcher
    follows: FollowKeeper
    metrics: BotMetrics
    auditor: Auditor | None = None
    replay: ReplayGuard | None = None
    _owned_http: bool = field(default=False, repr=False)
    _started: bool = field(default=False, repr=False)
    _jobs: bool = field(default=False, repr=False)
    _monitor: asyncio.Task[None] | None = field(default=None, repr=False)

    async def start(self, *, jobs: bool = True) -> None:
        """Make the database current (or refuse), pick up what a previous process left behind, and (with
        `jobs`) start the digest scheduler and the polling watcher. Idempotent: `serve` calls it before
        listening, the web app's lifespan again."""
        if self._started:
            return
        await ensure_schema(
            self.database.url.render_as_string(hide_password=False), auto_upgrade=self.database.is_sqlite
        )
        if self.replay is not None:
            await self.replay.start()
        await self._report_interrupted_bulk_runs()
        if jobs:
            await self.scheduler.start()
            self.watcher.start()
            self.follows.start_monitor()  # resumes follows a previous process left, then keeps looking
            self._monitor = asyncio.create_task(self._look_for_interrupted_bulk_runs(), name="bulk-monitor")
            self._jobs = True
        self._started = True

    async def _look_for_interrupted_bulk_runs(self, every: float = 60.0) -> None:
        # Another replica may die mid-run; its runs go stale and are reported by whoever looks next.
        while True:
            await asyncio.sleep(every)
            try:
                await self._report_interrupted_bulk_runs()
            except Exception:
                log.warning("could not look for interrupted bulk runs", exc_info=True)

    async def _report_interrupted_bulk_runs(self) -> None:
        for run in await self.bulk.interrupted():
            lines = bulk_lines(run, {})
            report = render_bulk_report(run.action.split(":")[0], lines, by=run.user_id, interrupted=True)
            if self.auditor is not None:
                # the run's entry says `started` until someone says how it ended
                await self.auditor.close_interrupted("bulk", run.id, f"interrupted: {run_summary(run)}")
            try:
                if run.message_ts:
                    await self.poster.update(run.channel_id, run.message_ts, report)
                else:
                    await self.poster.post(run.channel_id, report)
            except (PostError, SlackUnavailable) as error:
                log.warning("could not report interrupted bulk run %s: %s", run.id, error.code)

    async def aclose(self, *, drain_seconds: float = 5.0) -> None:
        """Stop taking scheduled work (claims not done are released for another replica), let in-flight
        work finish for a moment, then stop it and close the clients."""
        if self._jobs:
            if self._monitor is not None:
                self._monitor.cancel()
                await asyncio.gather(self._monitor, return_exceptions=True)
            await self.watcher.stop()
            await self.scheduler.stop()
        if not await self.background.drain(drain_seconds):
            log.info("stopping %d unfinished background tasks", self.background.pending)
            await self.background.cancel_all()
        if self._jobs:
            await self.follows.stop()  # hands unfinished follows to the next process at once
            self._jobs = False
        if self.replay is not None:
            await self.replay.stop()
        if self._owned_http:
            await self.http.aclose()
        await self.database.dispose()


class _Grants:
    """Roles granted with `/hvr access grant`, as the database has them; AccessPolicy caches them for
    GRANTS_TTL_S, so a grant made through one replica holds on the others within that."""

    def __init__(self, repo: AccessRepo) -> None:
        self._repo = repo

    async def role_grants(self) -> dict[str, Role]:
        return {
            g.subject_id: Role.ADMIN if g.role == "admin" else Role.OPERATOR for g in await self._repo.list()
        }


def slack_client(settings: Settings) -> AsyncWebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        # Slack answers 429 with Retry-After under load (about one message a second per channel).
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


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
) -> Bot:
    owned = fivetran_http is None
    http = fivetran_http or httpx.AsyncClient()
    fivetran = client_from_settings(settings, http, base_url=fivetran_base_url, sleep=sleep)
    metrics = BotMetrics()  # one registry per bot: the router and the services report to it
    cache = SnapshotCache(fivetran, ttl=snapshot_ttl, clock=clock, now=now)
    actions = ConnectorActions(fivetran, cache)
    follower = SyncFollower(fivetran, cache, policy=follow_policy, sleep=sleep, clock=clock)
    web = slack or slack_client(settings)

    async def group_members(group_id: str) -> list[str]:
        answer = await web.usergroups_users_list(usergroup=group_id)
        users = answer.get("users") or []
        return [str(u) for u in users]

    database = database or Database(settings.database_url)
    access = AccessRepo(database)
    policy = AccessPolicy(
        admins=settings.hvr_admins,
        operators=settings.hvr_operators,
        allowed_channels=settings.hvr_allowed_channels,
        read_only=settings.hvr_read_only,
        group_members=group_members,
        grants=_Grants(access),
        clock=clock,
    )
    poster = SlackPoster(web, sleep=sleep)
    audit_repo = AuditRepo(database)
    holder = new_holder()
    bulk = BulkService(BulkRepo(database), actions, clock=clock, now=now, holder=holder)
    background = Background()
    follows = FollowKeeper(
        FollowRepo(database),
        follower,
        background,
        poster,
        lambda update, record: render_follow(
            update,
            actor=record.user_id,
            connection_name=record.connection_name,
            connection_id=record.connection_id,
            force=record.force,
        ),
        holder=holder,
        now=now,
        clock=clock,
        sleep=sleep,
    )
    auditor = Auditor(audit_repo, poster=poster, mirror_channel=settings.hvr_audit_channel)
    deps = Deps(
        cache=cache,
        actions=actions,
        follower=follower,
        follows=follows,
        policy=policy,
        background=background,
        # Kept in the database, so that a retry delivered to another replica is recognised too.
        dedupe=dedupe or DedupeRepo(database),
        auditor=auditor,
        access=access,
        audit_repo=audit_repo,
        bulk=bulk,
        resync_approval=settings.hvr_resync_approval,
        approvals=ApprovalRepo(database, clock=now),
        admins=tuple(settings.hvr_admins),
        operators=tuple(settings.hvr_operators),
        now=now,
        clock=clock,
    )
    subscriptions = SubscriptionRepo(database)
    digests = DigestService(
        subscriptions,
        ClaimRepo(database),
        DigestStateRepo(database),
        cache,
        poster,
        default_tz=settings.hvr_timezone,
        holder=holder,
        now=now,
        observer=metrics,
    )
    scheduler = DigestScheduler(digests, subscriptions, FireLedger(database), now=now)
    alerts = AlertService(
        subscriptions=subscriptions,
        claims=EventClaimRepo(database),
        alert_messages=AlertMessageRepo(database),
        snapshots=cache,
        poster=poster,
        now=now,
        holder=holder,
        timezone=settings.hvr_timezone,
        observer=metrics,
    )
    # With webhooks, Fivetran tells of syncs and pauses itself; the poller adds only what it never sends.
    watcher = Watcher(
        snapshots=cache,
        state=WatchStateRepo(database),
        handle=alerts.handle,
        interval=settings.hvr_watch_interval,
        kinds=KINDS_WITH_WEBHOOKS if settings.fivetran_webhook_secret else KINDS_WITHOUT_WEBHOOKS,
    )
    deps.digests = digests
    deps.alerts = alerts
    deps.default_tz = settings.hvr_timezone
    router = Router(deps, observer=metrics)
    metrics.read_live(fivetran.transport, lambda: router.inflight, lambda: background.pending)
    signing = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = AsyncApp(
        client=web,
        # Bolt checks every HTTP request's signature (Socket Mode envelopes carry none, and it skips them).
        # Without a signing secret the web app does not serve /slack/events at all; should an HTTP request
        # reach Bolt anyway, it is checked against a secret nobody knows rather than let through.
        signing_secret=signing or secrets.token_hex(32),
        request_verification_enabled=True,
    )
    home = HomeTab(cache, policy, now, subscriptions=subscriptions, audit=audit_repo)
    # PostgreSQL takes concurrent inserts, one per request; SQLite (one process) is written behind.
    replay = ReplayGuard(SignatureRepo(database), shared=not database.is_sqlite, clock=clock, now=now)
    register(app, router, home, replay)
    return Bot(
        settings=settings,
        http=http,
        fivetran=fivetran,
        cache=cache,
        actions=actions,
        follower=follower,
        policy=policy,
        background=background,
        router=router,
        slack=web,
        app=app,
        home=home,
        database=database,
        poster=poster,
        bulk=bulk,
        digests=digests,
        scheduler=scheduler,
        alerts=alerts,
        watcher=watcher,
        follows=follows,
        metrics=metrics,
        auditor=auditor,
        replay=replay,
        _owned_http=owned,
    )
