"""The parts the composition root assembles: each group of collaborators that belong together, built from
Settings and the few shared pieces (database, poster, clocks) handed in. `app.build_bot` wires the groups.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import httpx
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.actions import follow_notice, render_followed
from bot.clock import Sleep
from bot.config import Settings
from bot.fivetran.client import FivetranClient
from bot.fivetran.factory import client_for_account
from bot.metrics import BotMetrics
from bot.scheduler.runner import DigestScheduler
from bot.services.alerts.incidents import IncidentService
from bot.services.alerts.service import AlertService
from bot.services.alerts.watcher import KINDS_WITH_WEBHOOKS, KINDS_WITHOUT_WEBHOOKS, Watcher
from bot.services.digests.service import DigestService
from bot.services.governance.access import AccessPolicy, Role
from bot.services.governance.audit import Auditor
from bot.services.governance.bulk import BulkService
from bot.services.governance.dedupe import Dedupe
from bot.services.pipelines.actions import ConnectorActions
from bot.services.pipelines.follow_keeper import FollowKeeper
from bot.services.pipelines.hub_follower import HubFollower
from bot.services.pipelines.snapshot import SnapshotCache
from bot.services.pipelines.source import FivetranSource
from bot.services.pipelines.sources import Member, Sources
from bot.services.pipelines.sync_follower import FollowPolicy, SyncFollower
from bot.services.runtime.background import Background
from bot.services.runtime.deliverer import Deliverer
from bot.services.runtime.foreground import Defer, Foreground, at_once
from bot.services.runtime.outbox import OutboxPoster
from bot.services.runtime.outbox_purge import OutboxPurge
from bot.slack.direct_post import DirectPoster
from bot.slack.poster import SlackPoster
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
from bot.storage.outbox import OutboxRepo
from bot.storage.snoozes import SnoozeRepo
from bot.storage.subscriptions import SubscriptionRepo
from bot.storage.watch_state import WatchStateRepo

if TYPE_CHECKING:
    from bot.hvr.client import HvrClient

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Pipelines:
    """Every source and what reads and changes its pipelines: `sources` routes each call to its own
    account's client; `client` is the first account's, for what speaks to one account (the shell)."""

    clients: dict[str, FivetranClient]
    sources: Sources
    actions: ConnectorActions
    follower: SyncFollower
    hub_follower: HubFollower
    # Each HVR hub's client: its own HTTP connection and bearer token, closed with the bot.
    hubs: dict[str, HvrClient] = field(default_factory=dict)

    @property
    def client(self) -> FivetranClient:
        return next(iter(self.clients.values()))

    def names(self) -> dict[str, str]:
        """The pipelines' names by key as last fetched (none before the first fetch): never fetches."""
        snapshot = self.sources.peek()
        return {} if snapshot is None else snapshot.names()


def pipelines(
    settings: Settings,
    http: httpx.AsyncClient,
    base_url: str | None,
    follow_policy: FollowPolicy | None,
    ttl: float,
    sleep: Sleep,
    now: Callable[[], datetime],
    clock: Callable[[], float],
    hub_transport: httpx.AsyncBaseTransport | None = None,
    defer: Defer = at_once,
) -> Pipelines:
    """One client, budget and snapshot cache per account. `base_url` replaces the one account's URL (the
    shell's simulator, tests); with several accounts each keeps its own FIVETRAN_<N>_API_URL. `hub_transport`
    carries every hub's requests instead of the network (the shell's simulated hub); `defer` is where the
    caches put what the answers need not wait for (`Foreground.after`)."""
    accounts = settings.accounts()
    clients: dict[str, FivetranClient] = {}
    members: list[Member] = []
    for account in accounts:
        url = base_url if len(accounts) == 1 else None
        # the budget measures by the clock it sleeps on: a driven clock paces in driven time
        client = client_for_account(account, http, base_url=url, sleep=sleep, clock=clock)
        source = FivetranSource(account.name, client)
        clients[account.name] = client
        members.append(
            Member(
                account.name,
                source,
                SnapshotCache(source, name=account.name, ttl=ttl, clock=clock, now=now, defer=defer),
            )
        )
    hubs: dict[str, HvrClient] = {}
    if configured := settings.hubs():
        # Only a bot with hubs loads their client (issue 22: an idle serve's memory).
        from bot.services.pipelines.hub_members import hub_members

        hubs, hub_side = hub_members(
            configured, ttl=ttl, sleep=sleep, now=now, clock=clock, defer=defer, transport=hub_transport
        )
        members.extend(hub_side)
    sources = Sources(members)
    follower = SyncFollower(sources, sources, policy=follow_policy, sleep=sleep, clock=clock, now=now)
    hub_follower = HubFollower(sources, policy=follow_policy, sleep=sleep, clock=clock)
    return Pipelines(clients, sources, ConnectorActions(sources, sources), follower, hub_follower, hubs)


def _access_policy(
    settings: Settings, web: AsyncWebClient, access: AccessRepo, clock: Callable[[], float]
) -> AccessPolicy:
    async def group_members(group_id: str) -> list[str]:
        answer = await web.usergroups_users_list(usergroup=group_id)
        users = answer.get("users") or []
        return [str(u) for u in users]

    return AccessPolicy(
        admins=settings.hvr_admins,
        operators=settings.hvr_operators,
        allowed_channels=settings.hvr_allowed_channels,
        read_only=settings.hvr_read_only,
        group_members=group_members,
        grants=_Grants(access),
        clock=clock,
    )


def bolt_app(web: AsyncWebClient, settings: Settings) -> AsyncApp:
    signing = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    return AsyncApp(
        client=web,
        # Bolt checks every HTTP request's signature (Socket Mode envelopes carry none, and it skips them).
        # Without a signing secret the web app does not serve /slack/events at all; should an HTTP request
        # reach Bolt anyway, it is checked against a secret nobody knows rather than let through.
        signing_secret=signing or secrets.token_hex(32),
        request_verification_enabled=True,
    )


@dataclass(frozen=True)
class Governance:
    """Who may do what, what they did, and the changes that span many connectors or a second person."""

    policy: AccessPolicy
    access: AccessRepo
    audit_repo: AuditRepo
    auditor: Auditor
    bulk: BulkService
    approvals: ApprovalRepo
    dedupe: Dedupe


def governance(
    settings: Settings,
    database: Database,
    web: AsyncWebClient,
    owed: OutboxPoster,
    pipelines: Pipelines,
    dedupe: Dedupe | None,
    holder: str,
    now: Callable[[], datetime],
    clock: Callable[[], float],
) -> Governance:
    access, audit_repo = AccessRepo(database), AuditRepo(database)
    return Governance(
        policy=_access_policy(settings, web, access, clock),
        access=access,
        audit_repo=audit_repo,
        # the mirror is owed with the entry: through the outbox, in the entry's transaction
        auditor=Auditor(
            audit_repo,
            poster=owed.for_origin("audit"),
            mirror_channel=settings.hvr_audit_channel,
            unit=database.unit,
            names=pipelines.names,
        ),
        bulk=BulkService(BulkRepo(database), pipelines.actions, clock=clock, now=now, holder=holder),
        approvals=ApprovalRepo(database, clock=now),
        # Kept in the database, so that a retry delivered to another replica is recognised too.
        dedupe=dedupe or DedupeRepo(database),
    )


@dataclass(frozen=True)
class Channels:
    """What the bot posts on its own: digests on their schedules, alerts from webhooks and the poller."""

    subscriptions: SubscriptionRepo
    digests: DigestService
    scheduler: DigestScheduler
    alerts: AlertService
    watcher: Watcher
    incidents: IncidentService


@dataclass(frozen=True)
class Outbox:
    """What the bot owes Slack: the rows, the poster that writes them, the deliverer that sends them."""

    repo: OutboxRepo
    poster: OutboxPoster
    deliverer: Deliverer
    purge: OutboxPurge
    client: AsyncWebClient  # the deliverer's own Slack client (no retry handlers)


def outbox(
    database: Database,
    web: AsyncWebClient,
    metrics: BotMetrics,
    holder: str,
    now: Callable[[], datetime],
    clock: Callable[[], float],
    sleep: Sleep,
) -> Outbox:
    repo = OutboxRepo(database, clock=now)
    # No retry handlers: the deliverer retries on its own clock, so a 429's Retry-After is waited with
    # the row released rather than slept through in the client, and its pacing is its own.
    direct = AsyncWebClient(token=web.token, base_url=web.base_url, timeout=web.timeout, retry_handlers=[])
    deliverer = Deliverer(
        repo,
        # posts straight onto the client's session (slack_sdk's path was ~0.7 ms of CPU a digest)
        DirectPoster(direct, SlackPoster(direct, interval=0.0)),
        holder=holder,
        now=now,
        clock=clock,
        sleep=sleep,
        observer=metrics,
    )
    # Hourly on the real clock, as the watcher and the incidents' tick: tests drive it on their own.
    purge = OutboxPurge(repo, now=now)
    return Outbox(repo, OutboxPoster(repo, wake=deliverer.wake), deliverer, purge, direct)


def channels(
    settings: Settings,
    database: Database,
    cache: Sources,
    poster: OutboxPoster,
    metrics: BotMetrics,
    holder: str,
    now: Callable[[], datetime],
    foreground: Foreground | None = None,
) -> Channels:
    subscriptions = SubscriptionRepo(database)
    tz = settings.hvr_timezone
    digests = DigestService(
        subscriptions,
        ClaimRepo(database),
        DigestStateRepo(database),
        cache,
        poster.for_origin("digest"),
        default_tz=tz,
        holder=holder,
        now=now,
        observer=metrics,
        unit=database.unit,
        configured=cache.kinds,
    )
    # on the bot's clock, as the incidents' tick is: an alert's age is then what it says (a driven clock)
    claims, alert_messages = EventClaimRepo(database, clock=now), AlertMessageRepo(database, clock=now)
    incidents = IncidentService(
        alert_messages=alert_messages,
        snoozes=SnoozeRepo(database, clock=now),
        claims=claims,
        snapshots=cache,
        poster=poster.for_origin("alert"),
        renotify=settings.hvr_alert_renotify,
        now=now,
        holder=holder,
    )
    alerts = AlertService(
        subscriptions=subscriptions,
        claims=claims,
        alert_messages=alert_messages,
        snapshots=cache,
        poster=poster.for_origin("alert"),
        incidents=incidents,
        now=now,
        holder=holder,
        timezone=tz,
        observer=metrics,
        unit=database.unit,
    )
    # With webhooks, Fivetran tells of syncs and pauses itself; the poller adds only what it never sends.
    # One account without a webhook secret gets no such news, so then the poller tells it for all.
    all_send_webhooks = all(a.webhook_secret for a in settings.accounts())
    watcher = Watcher(
        snapshots=cache,
        state=WatchStateRepo(database),
        handle=alerts.handle,
        interval=settings.hvr_watch_interval,
        kinds=KINDS_WITH_WEBHOOKS if all_send_webhooks else KINDS_WITHOUT_WEBHOOKS,
        hubs=cache.hubs,
        last_error=cache.last_error,
        foreground=foreground,
    )
    scheduler = DigestScheduler(digests, subscriptions, FireLedger(database), now=now)
    return Channels(subscriptions, digests, scheduler, alerts, watcher, incidents)


def follow_keeper(
    database: Database,
    pipes: Pipelines,
    gov: Governance,
    background: Background,
    poster: SlackPoster,
    owed: OutboxPoster,
    holder: str,
    now: Callable[[], datetime],
    clock: Callable[[], float],
    sleep: Sleep,
) -> FollowKeeper:
    return FollowKeeper(
        FollowRepo(database),
        pipes.follower,
        pipes.hub_follower,
        background,
        poster,
        render_followed,
        notice=follow_notice,
        # the status message and the final state are owed with the follow's record
        owed=owed.for_origin("follow"),
        actions=pipes.actions,
        auditor=gov.auditor,
        holder=holder,
        unit=database.unit,
        now=now,
        clock=clock,
        sleep=sleep,
    )
