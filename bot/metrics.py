"""Prometheus metrics of one bot, in a registry of its own.

Each bot gets its own `CollectorRegistry` (not prometheus-client's global one), so that tests, the shell and
several bots in one process never see each other's counts; `/metrics` serves exactly that registry.

`BotMetrics` is the observer the counted modules take at construction (each defines the small Protocol it
needs, with a no-op default, so a service built in a unit test reports to nobody). The composition root
makes one per bot and hands it to the router and the services; nothing here knows the bot itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.commands.grammar import VERBS
from bot.fivetran.transport import RequestEvent, Transport

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

# Slack handler latencies: an ack must come within 3 s, most answers well under one.
HANDLER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
FIVETRAN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A Fivetran answer this recent proves it reachable for /readyz without spending a request.
RECENT_SUCCESS_S = 300.0


def turn_name(kind: str, name: str) -> str:
    """A bounded label for the command verb or button action id (its base) the router reports.

    Label values must come from a closed set (a typo in `/hvr lsit` must not create a time series), so a
    command is its verb when the grammar knows it, else "other"; a button is its base when it is ours.
    """
    if kind == "command":
        return name if name in VERBS else "other"
    return name if name.startswith("hvr.") and len(name) <= 40 else "other"


class BotMetrics:
    """Every series the bot exports, plus what /readyz learns from them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.commands = Counter(
            "hvr_commands", "/hvr commands handled, by verb and outcome", ["name", "outcome"], registry=r
        )
        self.actions = Counter(
            "hvr_actions", "Button presses handled, by action and outcome", ["name", "outcome"], registry=r
        )
        self.handler_seconds = Histogram(
            "hvr_handler_seconds",
            "Time to handle a command or button, end to end",
            ["kind"],
            buckets=HANDLER_BUCKETS,
            registry=r,
        )
        self.fivetran_requests = Counter(
            "hvr_fivetran_requests",
            "Fivetran API attempts, by operation and HTTP status (none: no answer)",
            ["operation", "status"],
            registry=r,
        )
        self.fivetran_seconds = Histogram(
            "hvr_fivetran_request_seconds",
            "Time of one Fivetran API attempt",
            ["operation"],
            buckets=FIVETRAN_BUCKETS,
            registry=r,
        )
        self.fivetran_retries = Counter(
            "hvr_fivetran_retries",
            "Fivetran attempts that were retried, by operation",
            ["operation"],
            registry=r,
        )
        self.rate_limit_waits = Counter(
            "hvr_fivetran_rate_limit_waits", "Waits after Fivetran answered 429 (Retry-After)", registry=r
        )
        self.rate_limit_wait_seconds = Counter(
            "hvr_fivetran_rate_limit_wait_seconds", "Seconds waited after Fivetran answered 429", registry=r
        )
        self.digests = Counter(
            "hvr_digests", "Digest fires, by outcome (posted, skipped-…, failed)", ["outcome"], registry=r
        )
        self.alerts = Counter(
            "hvr_alerts", "Alert events delivered to their channels, by outcome", ["outcome"], registry=r
        )
        self.alert_posts = Counter(
            "hvr_alert_channel_deliveries",
            "An alert's delivery to one watching channel, by outcome",
            ["outcome"],
            registry=r,
        )
        self.webhooks = Counter(
            "hvr_webhook_deliveries",
            "Fivetran webhook deliveries, by outcome (accepted, duplicate, ignored, refused-…)",
            ["outcome"],
            registry=r,
        )
        self.outbox_deliveries = Counter(
            "hvr_outbox_deliveries",
            "Outbox delivery attempts, by outcome (delivered, delivered_late, retry, refused, gave_up, skipped)",
            ["outcome"],
            registry=r,
        )
        self.outbox_depth = Gauge("hvr_outbox_depth", "Messages owed to Slack, not yet delivered", registry=r)
        self.outbox_oldest = Gauge(
            "hvr_outbox_oldest_undelivered_seconds",
            "Age of the oldest message owed to Slack (0 when none is)",
            registry=r,
        )
        self.last_fivetran_success: float | None = None  # time.monotonic() of the last 2xx

    # --- wiring --------------------------------------------------------------------------------------

    def read_live(
        self,
        transports: Mapping[str, Transport],
        in_flight: Callable[[], int],
        pending: Callable[[], int],
    ) -> None:
        """Count Fivetran attempts from now on, and read at each scrape what no one counts: each source's
        rate limit left, requests being handled (`in_flight`) and background work (`pending`)."""
        for transport in transports.values():
            transport.add_listener(self.fivetran_attempt)
        self.registry.register(_LiveCollector(transports, in_flight, pending))

    # --- observations --------------------------------------------------------------------------------

    def turn(self, kind: str, name: str, outcome: str, seconds: float) -> None:
        counter = self.commands if kind == "command" else self.actions
        counter.labels(turn_name(kind, name), outcome).inc()
        self.handler_seconds.labels(kind).observe(seconds)

    def fivetran_attempt(self, event: RequestEvent) -> None:
        status = str(event.status) if event.status is not None else "none"
        self.fivetran_requests.labels(event.operation, status).inc()
        self.fivetran_seconds.labels(event.operation).observe(event.seconds)
        if event.retry_in is not None:
            self.fivetran_retries.labels(event.operation).inc()
            if event.status == 429:
                self.rate_limit_waits.inc()
                self.rate_limit_wait_seconds.inc(event.retry_in)
        if event.status is not None and 200 <= event.status < 300:
            self.last_fivetran_success = time.monotonic()

    def fivetran_recently_reachable(self, within: float = RECENT_SUCCESS_S) -> bool:
        last = self.last_fivetran_success
        return last is not None and time.monotonic() - last <= within

    def digest_fired(self, outcome: str) -> None:
        self.digests.labels(outcome).inc()

    def alert_delivered(self, outcome: str) -> None:
        self.alerts.labels(outcome).inc()

    def alert_channel(self, outcome: str) -> None:
        self.alert_posts.labels(outcome).inc()

    def webhook(self, outcome: str) -> None:
        self.webhooks.labels(outcome).inc()

    def outbox_delivery(self, outcome: str) -> None:
        self.outbox_deliveries.labels(outcome).inc()

    def outbox_backlog(self, depth: int, oldest_age_s: float) -> None:
        self.outbox_depth.set(depth)
        self.outbox_oldest.set(oldest_age_s)


class _LiveCollector(Collector):
    """Values read at scrape time from the bot itself: what it knows without anyone counting."""

    def __init__(
        self, transports: Mapping[str, Transport], in_flight: Callable[[], int], pending: Callable[[], int]
    ) -> None:
        self._transports = dict(transports)
        self._in_flight = in_flight
        self._pending = pending

    def describe(self) -> Iterator[Metric]:
        return iter(())  # values appear at scrape time only; nothing to check for clashes up front

    def collect(self) -> Iterator[Metric]:
        # One account's samples carry no label, as before accounts; several carry `source`.
        labels = ["source"] if len(self._transports) > 1 else []
        remaining = GaugeMetricFamily(
            "hvr_fivetran_rate_limit_remaining",
            "Requests left in Fivetran's budget, as its last X-Rate-Limit-Remaining said (-1: not seen yet)",
            labels=labels,
        )
        waited = CounterMetricFamily(
            "hvr_fivetran_budget_wait_seconds",
            "Seconds the bot paced itself to stay under FIVETRAN_HOURLY_LIMIT",
            labels=labels,
        )
        for name, transport in self._transports.items():
            values = [name] if labels else []
            left = transport.rate_limit_remaining
            remaining.add_metric(values, float(-1 if left is None else left))
            if transport.budget is not None:
                waited.add_metric(values, transport.budget.waited_seconds)
        yield remaining
        if waited.samples:
            yield waited
        inflight = GaugeMetricFamily("hvr_requests_in_flight", "Commands and buttons being handled now")
        inflight.add_metric([], float(self._in_flight()))
        yield inflight
        background = GaugeMetricFamily(
            "hvr_background_tasks", "Work running after its request was answered (followed syncs, reports)"
        )
        background.add_metric([], float(self._pending()))
        yield background
