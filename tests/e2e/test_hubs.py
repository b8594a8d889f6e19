"""An HVR 6 hub end to end (issue 18's acceptance): the Slack double → the bot over HTTP → the simulated
Hub Server on a loopback port, its time a `ManualClock` the test moves. Every request the bot's client
sent is checked against the official definition when each test ends."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.app import build_bot
from bot.config import Settings
from bot.simulator import ManualClock, Simulator, build_app
from bot.simulator.hvr6.app import build_app as build_hub_app
from bot.simulator.hvr6.hub import EVENT_SECONDS, HUB, Hub, SimRequest
from bot.slack_double import SlackDouble
from bot.slack_double.store import Message
from bot.source_config import HvrHub
from tests.e2e.harness import (
    ADMIN,
    BOT_TOKEN,
    CHANNEL,
    E2E,
    FAST_FOLLOW,
    OPERATOR,
    SIM_URL,
    VIEWER,
    Tamper,
    _serve,
    all_text,
    bot_settings,
    button,
    labels,
    serving,
)
from tests.hvr.hvr_spec import validate_request
from tests.simulator.aliases import watched

BASE = f"/api/latest/hubs/{HUB}"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class HubWorld:
    hub: Hub
    clock: ManualClock
    url: str
    double: SlackDouble
    settings: Settings

    def posts(self, tail: str) -> list[SimRequest]:
        return [r for r in self.hub.requests if r.method == "POST" and r.path == f"{BASE}/{tail}"]

    def changes(self) -> list[SimRequest]:
        """Every POST to the hub but logins: what the bot asked it to do."""
        return [r for r in self.hub.requests if r.method == "POST" and r.path.startswith(BASE)]


@contextlib.asynccontextmanager
async def hub_world(password: str = "demo") -> AsyncIterator[HubWorld]:
    clock = ManualClock()
    hub = Hub(clock=clock, channels=8, seed=7, password=password)
    server, task, port = await _serve(build_hub_app(hub))
    try:
        async with contextlib.AsyncExitStack() as stack:
            double = await stack.enter_async_context(SlackDouble(bot_token=BOT_TOKEN))
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="hvr-e2e-hubs-"))
            url = f"http://127.0.0.1:{port}"
            east = HvrHub(name="east", url=url, username="demo", password=SecretStr(password), hub=HUB)
            settings = Settings(
                _env_file=None,
                hvr_hubs={"east": east},
                **bot_settings(double, secrets.token_hex(16), scratch),
            )
            yield HubWorld(hub, clock, url, double, settings)
    finally:
        server.should_exit = True
        await task
    # the bot's client never sends what the Hub Server's definition does not have
    sent = [r for r in hub.requests if not r.path.startswith("/_sim")]
    assert sent, "the bot never asked the hub"
    for request in sent:
        validate_request(request.method, request.path, request.body, request.params)


@contextlib.asynccontextmanager
async def bot_on(world: HubWorld, *, fivetran: Simulator | None = None) -> AsyncIterator[E2E]:
    """A bot process managing the hub (and the simulated Fivetran account `fivetran`, when given); a
    second one on the same world is a restart."""
    assert world.settings.slack_signing_secret is not None
    secret = world.settings.slack_signing_secret.get_secret_value()
    sim = (
        fivetran
        if fivetran is not None
        else watched(Simulator(seed=1, groups=1, connections=1, clock=world.clock))
    )
    tamper = Tamper(build_app(sim))
    async with contextlib.AsyncExitStack() as stack:
        settings, http = world.settings, None
        if fivetran is not None:
            keys = {
                "fivetran_api_key": SecretStr(sim.api_key),
                "fivetran_api_secret": SecretStr(sim.api_secret),
            }
            settings = settings.model_copy(update=keys)
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=tamper))
            )
        base = SIM_URL if fivetran is not None else None
        bot = build_bot(settings, follow_policy=FAST_FOLLOW, fivetran_http=http, fivetran_base_url=base)
        async with serving(
            bot, double=world.double, sim=sim, clock=world.clock, signing_secret=secret, tamper=tamper
        ) as e2e:
            yield e2e
    await sim.aclose()


@pytest.fixture
async def world() -> AsyncIterator[HubWorld]:
    async with hub_world() as made:
        yield made


@pytest.fixture
async def e2e(world: HubWorld) -> AsyncIterator[E2E]:
    async with bot_on(world) as running:
        yield running


def line_of(text: str, channel: str) -> str:
    """A channel's row of the list: its name line and the health line under it."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if f"*{channel}*" in line)
    return " ".join(lines[at : at + 2])


async def seen(e2e: E2E, needle: str, since: Any) -> Message:
    """The first message after `since` whose text anywhere (blocks included) has `needle`."""
    return await e2e.wait_for_message(lambda m: needle in all_text(m), since=since)


async def status_message(e2e: E2E, needle: str, since: Any) -> Message:
    return await e2e.wait_for_message(lambda m: needle in m.text and not m.ephemeral, since=since)


async def test_list_and_show_give_each_channel_its_health(e2e: E2E) -> None:
    sent = await e2e.command("list")
    listed = all_text(await seen(e2e, "connectors", since=sent))
    expected = {
        "orders": "healthy",
        "billing": "failing",
        "crm": "failing",
        "inventory": "incomplete",
        "hr": "paused",
        "ledger": "delayed",
        "events": "syncing",
    }
    for channel, health in expected.items():
        assert health in line_of(listed, channel).lower(), (channel, line_of(listed, channel))

    sent = await e2e.command("show east:billing")
    shown = await e2e.wait_for_text("billing:", since=sent)
    # the view names the failing job and its last error from the job's log
    assert shown.text.startswith("east:billing: Failing (billing-integ-dwh: F_JD0A2E: ORA-01017")


async def test_pause_sends_one_suspend_of_exactly_the_channels_capture_and_integrate_jobs(
    e2e: E2E, world: HubWorld
) -> None:
    sent = await e2e.command("pause east:orders")
    question = await e2e.wait_for_message(lambda m: "Pause" in labels(m), since=sent)
    click = await e2e.click(question, "Pause")
    await e2e.wait_for_text("paused", since=click)
    await e2e.settle()

    (suspend,) = world.posts("jobs_suspend")
    assert sorted(suspend.body["jobs"]) == ["orders-cap-orders_src", "orders-integ-dwh"]
    assert [r.path for r in world.changes()] == [f"{BASE}/jobs_suspend"]
    assert world.hub.jobs["orders-integ-dwh"]["state"] == "SUSPEND"
    assert world.hub.jobs["billing-integ-dwh"]["state"] == "FAILED"  # no other channel's job


async def test_sync_of_a_failing_channel_starts_its_jobs_retrying_failed_ones_and_follows_them(
    e2e: E2E, world: HubWorld
) -> None:
    sent = await e2e.command("sync east:billing")

    status = await status_message(e2e, "running after", since=sent)
    (start,) = world.posts("jobs_start")
    assert start.body["trigger_failed"] is True
    assert sorted(start.body["jobs"]) == ["billing-cap-billing_src", "billing-integ-dwh"]
    assert status.text.startswith(":white_check_mark: Sync of *billing*: its 2 jobs running after")
    assert status.channel == CHANNEL and status.updates >= 1


async def test_a_per_table_refresh_confirmed_is_followed_to_done_in_place(e2e: E2E, world: HubWorld) -> None:
    table = sorted(world.hub.defs["orders"]["tables"])[0]
    sent = await e2e.command(f"resync east:orders {table}")
    question = await e2e.wait_for_message(lambda m: "Re-sync" in labels(m), since=sent)
    assert not world.posts("channels/orders/refresh")  # nothing before the confirmation

    click = await e2e.click(question, "Re-sync")
    status = await status_message(e2e, "Refresh of *orders*", since=click)
    await e2e.double.wait_for(lambda: "Refreshing" in status.text)
    (refresh,) = world.posts("channels/orders/refresh")
    assert refresh.body["tables"] == [table]
    assert (refresh.body["source_loc"], refresh.body["target_loc"]) == ("orders_src", "dwh")

    world.clock.advance(EVENT_SECONDS + 1)

    await e2e.double.wait_for(lambda: "done" in status.text)
    assert status.text.startswith(":white_check_mark: Refresh of *orders* done in ")
    assert labels(status) == ["Show"]
    posted = [m for m in e2e.since(click) if not m.ephemeral and "Refresh" in m.text]
    assert [m.ts for m in posted] == [status.ts]  # one message, edited in place
    events = [r for r in world.hub.requests if r.path == f"{BASE}/events"]
    assert events and all(r.params["ev_id"] == [refresh_ev_id(world)] for r in events)


def refresh_ev_id(world: HubWorld) -> str:
    (event,) = [e for e in world.hub.events.values() if e.type == "Refresh" and e.channel == "orders"]
    return event.ev_id


async def test_compare_is_followed_and_shows_its_result_per_table(e2e: E2E, world: HubWorld) -> None:
    sent = await e2e.command("compare east:orders")
    status = await status_message(e2e, "Compare of *orders*", since=sent)
    await e2e.double.wait_for(lambda: "Comparing" in status.text)
    assert len(world.posts("channels/orders/compare")) == 1

    world.clock.advance(EVENT_SECONDS + 1)

    await e2e.double.wait_for(lambda: "done" in status.text)
    assert status.text.startswith(":white_check_mark: Compare of *orders* done in ")
    assert status.text.endswith(": 1 of 3 tables differs.")
    tables = sorted(world.hub.defs["orders"]["tables"])
    result = all_text(status)
    assert f":warning: `{tables[0]}` different" in result
    assert all(f":white_check_mark: `{t}` identical" in result for t in tables[1:])


async def test_a_compare_the_hub_fails_says_why_and_tells_the_requester_in_the_thread(
    e2e: E2E, world: HubWorld
) -> None:
    sent = await e2e.command("compare east:orders customers")
    status = await status_message(e2e, "Compare of *orders*", since=sent)
    await e2e.double.wait_for(lambda: "Comparing" in status.text)
    (ev_id,) = [e.ev_id for e in world.hub.events.values() if e.type == "Compare"]
    async with httpx.AsyncClient(base_url=world.url) as http:
        failed = await http.post(
            "/_sim/fail_event", json={"ev_id": ev_id, "response": "F_JX0A01E: <dwh> refused the login"}
        )
        assert failed.status_code == 204

    await e2e.double.wait_for(lambda: "failed" in status.text)
    assert status.text.startswith(":x: Compare of *orders* failed after ")
    assert status.text.endswith(": F_JX0A01E: &lt;dwh&gt; refused the login")
    told = await e2e.wait_for_message(lambda m: m.thread_ts == status.ts, since=sent)
    assert told.text.startswith(
        f":warning: <@{OPERATOR}> the compare of *orders* you asked for did not succeed"
    )


async def test_a_forced_token_expiry_is_survived_without_a_visible_error(e2e: E2E, world: HubWorld) -> None:
    sent = await e2e.command("list")
    await seen(e2e, "connectors", since=sent)
    logins = world.hub.stats["/auth/v1/password"] + world.hub.stats["/auth/v1/refresh"]
    async with httpx.AsyncClient(base_url=world.url) as http:
        assert (await http.post("/_sim/expire_tokens", json={})).status_code == 204

    sent = await e2e.command("show east:orders")
    shown = await e2e.wait_for_text("orders:", since=sent)
    await e2e.settle()
    assert shown.text == "east:orders: Healthy"
    assert world.hub.stats["/auth/v1/password"] + world.hub.stats["/auth/v1/refresh"] == logins + 1
    said = " ".join(m.text for m in e2e.since(sent)).lower()
    assert "401" not in said and "could not" not in said and "token" not in said


@pytest.mark.parametrize(
    "command",
    [
        "pause east:orders",
        "resume east:hr",
        "sync east:billing",
        "test east:orders",
        "resync east:orders",
        "resync east:orders customers",
        "compare east:orders",
    ],
)
async def test_a_viewer_is_refused_every_change(e2e: E2E, world: HubWorld, command: str) -> None:
    sent = await e2e.command(command, user=VIEWER)
    refusal = await e2e.wait_for_text("needs the", since=sent)
    await e2e.settle()
    assert refusal.ephemeral and refusal.user == VIEWER and ":lock:" in refusal.text
    assert world.changes() == []


async def test_a_followed_refresh_survives_a_restart_of_the_bot(world: HubWorld) -> None:
    async with bot_on(world) as first:
        sent = await first.command("resync east:orders", user=ADMIN)
        question = await first.wait_for_message(lambda m: "Re-sync" in labels(m), since=sent)
        click = await first.click(question, "Re-sync", user=ADMIN)
        status = await status_message(first, "Refresh of *orders*", since=click)
        await first.double.wait_for(lambda: "Refreshing" in status.text)
    # the first process is gone (its lease released); the event runs on in the hub meanwhile
    world.clock.advance(EVENT_SECONDS + 1)

    async with bot_on(world) as second:
        await second.double.wait_for(lambda: "done" in status.text, timeout=10.0)
        assert status.text.startswith(":white_check_mark: Refresh of *orders* done in ")
        assert len(world.posts("channels/orders/refresh")) == 1  # followed again, never posted again
        assert [m.ts for m in world.double.messages(CHANNEL) if not m.ephemeral and "Refresh" in m.text] == [
            status.ts
        ]


async def test_compare_and_bare_table_names_are_refused_in_words_for_a_fivetran_connection() -> None:
    from tests.e2e.harness import running_bot

    async with running_bot() as e2e:
        _, name = e2e.connection_named("healthy")
        sent = await e2e.command(f"compare {name}", user=OPERATOR)
        told = await e2e.wait_for_text("only for HVR channels", since=sent)
        await e2e.settle()
        assert told.ephemeral
        # a bare table name is a channel's; a Fivetran connection's tables have schemas
        sent = await e2e.command(f"resync {name} orders", user=ADMIN)
        refused = await e2e.wait_for_text("is not a table of", since=sent)
        assert refused.ephemeral and "write it as &lt;schema&gt;.&lt;table&gt;" in refused.text
        await e2e.settle()
        assert not [op for op in e2e.sim.requests_by_operation if op.startswith("POST")]


async def test_the_shell_lists_shows_and_pauses_a_hubs_channels(world: HubWorld, tmp_path: Path) -> None:
    """`hvr-bot shell` configured with only the hub (HVR_HUBS), as a person runs it with a pipe."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIVETRAN_", "HVR_", "DATABASE_"))
    }
    env |= {
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/shell.db",
        "HVR_HUBS": "east",
        "HVR_HUB_EAST_URL": world.url,
        "HVR_HUB_EAST_USERNAME": "demo",
        "HVR_HUB_EAST_PASSWORD": "demo",
        "HVR_HUB_EAST_HUB": HUB,
        "HVR_OPERATORS": "U0SHELL01",
    }
    shell = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "shell",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,  # no .env from the checkout
        env=env,
    )
    lines = "/hvr list\n/hvr show billing\n/hvr pause billing\n"
    out, err = await asyncio.wait_for(shell.communicate(lines.encode()), timeout=60)
    text = out.decode()
    assert shell.returncode == 0, err.decode()
    assert "8 connectors · 1 incomplete · 2 failing · 1 paused · 1 delayed · 1 syncing · 2 healthy" in text
    assert "HVR hub east at " + world.url in text  # the banner says what it manages
    assert "Health :x: Failing" in text  # the show view of billing
    assert ":white_check_mark: @Ada Admin paused billing: Paused" in text  # people by name
    assert "Traceback" not in text + err.decode()
    (suspend,) = world.posts("jobs_suspend")
    assert sorted(suspend.body["jobs"]) == ["billing-cap-billing_src", "billing-integ-dwh"]


def jobs_of(world: HubWorld, channel: str) -> list[str]:
    return sorted(
        job for job in world.hub.jobs if job in (f"{channel}-cap-{channel}_src", f"{channel}-integ-dwh")
    )


@pytest.mark.parametrize(
    ("action", "tail", "targets"),
    [
        ("pause", "jobs_suspend", ["billing", "crm", "events", "ledger", "orders", "shipping"]),
        ("resume", "jobs_unsuspend", ["hr"]),
        ("sync", "jobs_start", ["billing", "crm", "ledger", "orders", "shipping"]),
    ],
)
async def test_bulk_on_a_hubs_channels_previews_then_sends_one_request_per_channel_with_its_jobs(
    e2e: E2E, world: HubWorld, action: str, tail: str, targets: list[str]
) -> None:
    sent = await e2e.command(f"{action} source:east", user=ADMIN)
    verb = action.capitalize()
    preview = await e2e.wait_for_message(
        lambda m: f"{verb} {len(targets)} connector" in all_text(m), since=sent
    )
    text = all_text(preview)
    assert all(f"`{name}`" in text for name in targets), text
    assert "Fivetran" not in text  # the preview speaks of the hub's channels
    assert "not activated: it has no jobs yet: `inventory`" in text  # skipped, never an empty request
    assert world.changes() == [], "a preview changes nothing"

    confirmed = await e2e.click(preview, f"{verb} {len(targets)}", user=ADMIN)
    report = await e2e.wait_for_message(lambda m: "finished" in m.text, since=confirmed, timeout=10)
    assert f"{len(targets)} done" in report.text, report.text
    await e2e.settle()

    sent_jobs = sorted(sorted(r.body["jobs"]) for r in world.posts(tail))
    assert sent_jobs == sorted(jobs_of(world, name) for name in targets)


async def test_a_bulk_test_of_a_hubs_channels_tests_each_location_and_says_which_failed_and_why(
    e2e: E2E, world: HubWorld
) -> None:
    error = "F_JG0A01E: ORA-12541: TNS:no listener"
    world.hub.unreachable["crm_src"] = error
    channels = sorted(world.hub.defs)
    n = len(channels)
    sent = await e2e.command("test source:east", user=ADMIN)
    preview = await e2e.wait_for_message(lambda m: f"Test {n} connectors?" in all_text(m), since=sent)
    text = all_text(preview)
    assert all(f"`{name}`" in text for name in channels), text
    # not even the channel that is not activated is skipped: its locations exist, and are tested
    assert "Skipped" not in text and "Fivetran" not in text
    assert world.changes() == [], "a preview tests nothing"

    confirmed = await e2e.click(preview, f"Test {n}", user=ADMIN)
    report = await e2e.wait_for_message(lambda m: "finished" in m.text, since=confirmed, timeout=10)
    assert (
        f"Test of {n} connectors by <@{ADMIN}> finished: {n} tested, {n - 1} passed, 1 failed." in report.text
    )
    assert f"`crm`: 1 of 2 setup tests failed. Connection to location crm_src: {error}" in all_text(report)
    await e2e.settle()

    # one test of each channel's every location: the shared target once per channel
    tested = Counter(r.path.removeprefix(f"{BASE}/locs/").removesuffix("/test") for r in world.changes())
    assert tested == Counter({"dwh": n, **{f"{name}_src": 1 for name in channels}})


async def test_a_sync_whose_job_fails_again_ends_failed_naming_the_job_with_sync_again(
    e2e: E2E, world: HubWorld
) -> None:
    async with httpx.AsyncClient(base_url=world.url) as http:
        kept = await http.post(
            "/_sim/keep_failing", json={"job": "billing-integ-dwh", "error": "F_JD0A2E: ORA-01017: denied"}
        )
        assert kept.status_code == 204

    sent = await e2e.command("sync east:billing")
    status = await status_message(e2e, "Sync of *billing*", since=sent)
    await e2e.double.wait_for(lambda: status.text.startswith(":x:"))
    assert status.text.startswith(":x: Sync of *billing* failed after ")
    assert status.text.endswith(": billing-integ-dwh is FAILED")
    assert labels(status) == ["Show", "Sync again"]
    assert len(world.posts("jobs_start")) == 1

    # the button starts the same channel's jobs again (pressed within the 10 s dedupe window it would
    # be refused as a double click: a real hub takes longer than that to fail a job again)
    assert button(status, "Sync again")["value"] == "east:billing"
    told = await e2e.wait_for_message(lambda m: m.thread_ts == status.ts, since=sent)
    assert told.text.startswith(
        f":warning: <@{OPERATOR}> the sync of *billing* you asked for did not succeed"
    )


async def test_tables_of_a_channel_with_a_schema_says_channels_have_none(e2e: E2E, world: HubWorld) -> None:
    sent = await e2e.command("tables east:orders dbo")
    told = await e2e.wait_for_text("have no schema", since=sent)
    assert told.ephemeral
    assert "`dbo` names nothing: `/hvr tables east:orders` lists them all." in told.text
    sent = await e2e.command("tables east:orders")
    listed = all_text(await seen(e2e, sorted(world.hub.defs["orders"]["tables"])[0], since=sent))
    assert all(t in listed for t in world.hub.defs["orders"]["tables"])


async def refuse_next_event(world: HubWorld, channel: str, status: int, error: str) -> None:
    async with httpx.AsyncClient(base_url=world.url) as http:
        body = {"channel": channel, "status": status, "error": error}
        assert (await http.post("/_sim/refuse_event", json=body)).status_code == 204


async def test_a_refresh_or_compare_the_hub_refuses_is_told_as_the_hubs_refusal(
    e2e: E2E, world: HubWorld
) -> None:
    await refuse_next_event(world, "orders", 400, "F_JR0302E: <dwh> is being altered")
    sent = await e2e.command("compare east:orders")
    told = await e2e.wait_for_text("did not accept", since=sent)
    assert told.text.startswith(
        ":warning: Could not compare *orders*: The HVR hub east did not accept the request. "
        "(HVR hub east: &lt;dwh&gt; is being altered)"
    )
    assert "Fivetran" not in all_text(told)

    await refuse_next_event(world, "orders", 403, "F_JR0102E: no permission")
    table = sorted(world.hub.defs["orders"]["tables"])[0]
    sent = await e2e.command(f"resync east:orders {table}")
    question = await e2e.wait_for_message(lambda m: "Re-sync" in labels(m), since=sent)
    click = await e2e.click(question, "Re-sync")
    refused = await e2e.wait_for_text("not allowed", since=click)
    assert "not allowed to do this on the HVR hub east" in refused.text
    assert "(HVR hub east: no permission)" in refused.text and "Fivetran" not in all_text(refused)
    await e2e.settle()
    assert not [e for e in world.hub.events.values() if e.channel == "orders"]  # nothing was posted


@pytest.fixture
async def both(world: HubWorld) -> AsyncIterator[E2E]:
    """A bot with a simulated Fivetran account (source `fivetran`) beside the hub (source `east`)."""
    fivetran = watched(Simulator(seed=7, groups=2, connections=20, clock=world.clock))
    async with bot_on(world, fivetran=fivetran) as running:
        yield running


def row_of(message: Message, name: str) -> str:
    """The text of the section that lists `name` (a digest's or the Home tab's problem row)."""
    return next(t for t in section_texts(message.blocks) if f"*{name}*" in t)


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b.get("type") == "section" and "text" in b]


async def test_a_digest_shows_channels_as_connections_with_the_source_in_front(both: E2E) -> None:
    e2e = both
    sent = await e2e.command("digest add every 5m")
    await e2e.wait_for_text("added", since=sent)
    [(_, next_fire)] = await e2e.bot.digests.list(CHANNEL)
    assert next_fire is not None
    await e2e.bot.scheduler.sync_jobs()
    before = len(e2e.double.messages(CHANNEL))
    await e2e.bot.scheduler.fire_due(now=next_fire + timedelta(seconds=1))
    digest = await e2e.double.wait_for(
        lambda: next((m for m in e2e.double.messages(CHANNEL)[before:] if not m.ephemeral), None)
    )
    assert digest.blocks[0]["text"]["text"] == "Fivetran and HVR digest"
    _, failing = e2e.connection_named("failing")
    # the same emoji and words as a connection's row, the source's name in front of the hub
    assert row_of(digest, failing).startswith(f":x: *{failing}* · mysql · fivetran:")
    assert row_of(digest, "billing") == (
        ":x: *billing* · hvr6 · east:hvrhub\n"
        "Failing · Fix the job's error (`/hvr show`), then Sync: it starts the jobs again, retrying the failed one"
    )
    assert row_of(digest, "hr").startswith(":double_vertical_bar: *hr* · hvr6 · east:hvrhub\nPaused · ")
    assert row_of(digest, "inventory").startswith(":construction: *inventory* · hvr6 · east:hvrhub\n")
    assert "Fivetran" not in row_of(digest, "inventory")  # a channel is activated in the hub
    assert "*east* · 8 connectors · 1 incomplete · 2 failing · 1 paused" in all_text(digest)


async def test_the_home_tab_shows_channels_as_connections_with_the_source_in_front(both: E2E) -> None:
    e2e = both
    opened = {"type": "app_home_opened", "user": OPERATOR, "channel": "D0HOME001", "tab": "home"}
    assert (await e2e.event(opened)).status_code == 200
    view = await e2e.double.wait_for(lambda: e2e.double.home(OPERATOR))
    blocks = view.view["blocks"]
    texts = section_texts(blocks)
    assert blocks[0]["text"]["text"] == "Fivetran and HVR at a glance"
    _, failing = e2e.connection_named("failing")
    fivetran = next(t for t in texts if f"*{failing}*" in t)
    assert fivetran.startswith(f":x: *{failing}* · mysql · fivetran:") and "last success" in fivetran
    billing = next(t for t in texts if "*billing*" in t)
    assert billing == (
        ":x: *billing* · hvr6 · east:hvrhub\n"
        "Failing · Fix the job's error (`/hvr show`), then Sync: it starts the jobs again, retrying the failed one"
    )
    assert "last success" not in billing  # a channel has no last sync to tell
    context = " ".join(e["text"] for b in blocks if b["type"] == "context" for e in b["elements"])
    assert "*east* · 8 connectors · 1 incomplete · 2 failing · 1 paused" in context


async def test_a_bot_with_only_a_hub_names_the_hub_not_fivetran_when_the_hub_cannot_be_read(
    world: HubWorld,
) -> None:
    """The digest that could not be fetched and the Home tab with nothing to show, on a bot with no
    Fivetran account: the hub is the source that failed."""
    east = world.settings.hvr_hubs["east"].model_copy(update={"password": SecretStr("not-the-password")})
    world.settings = world.settings.model_copy(update={"hvr_hubs": {"east": east}})
    async with bot_on(world) as e2e:
        sent = await e2e.command("digest now")
        digest = await e2e.wait_for_text("could not be fetched", since=sent)
        assert digest.text.startswith("HVR digest: the data could not be fetched from the HVR hub east at ")
        assert "Fivetran" not in all_text(digest)

        opened = {"type": "app_home_opened", "user": OPERATOR, "channel": "D0HOME001", "tab": "home"}
        assert (await e2e.event(opened)).status_code == 200
        view = await e2e.double.wait_for(lambda: e2e.double.home(OPERATOR))
        blocks = view.view["blocks"]
        assert blocks[0]["text"]["text"] == "HVR at a glance"
        assert "Fivetran" not in str(blocks)
