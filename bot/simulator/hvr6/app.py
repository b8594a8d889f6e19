"""The simulated Hub Server's routes: the definition's paths under `/api/latest`, `/api/v0` and
`/api/v6.1.0.3`, bearer tokens that expire, errors as `F_…E:` text lines, and `/_sim/…` controls."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.simulator.hvr6.hub import HUB, USERNAME, Hub, SimRequest

Handler = Callable[[Hub, Request], Awaitable[Response]]
_HUB = "/api/{version}/hubs/{hub}"


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status)


async def password(hub: Hub, request: Request) -> Response:
    body = await _body(request)
    if body.get("username") != USERNAME or body.get("password") != hub.password:
        return _error(403, "F_JR0100E: Authentication failed")
    return JSONResponse(hub.login())


async def refresh_token(hub: Hub, request: Request) -> Response:
    token = (await _body(request)).get("refresh_token")
    if token not in hub.refresh_tokens:
        return _error(403, "F_JR0102E: Refresh token is invalid or expired")
    hub.refresh_tokens.discard(token)
    return JSONResponse(hub.login())


async def status(hub: Hub, request: Request) -> Response:
    over = [j for j, v in hub.jobs.items() if (v.get("latency") or 0) > 600]
    return JSONResponse({"hub_state": "LIVE", "jobs_over_latency_sla": over, "license": "VALID"})


async def channels(hub: Hub, request: Request) -> Response:
    wanted = request.query_params.getlist("channel")
    return JSONResponse({k: v for k, v in hub.defs.items() if not wanted or k in wanted})


async def channel(hub: Hub, request: Request) -> Response:
    name = request.path_params["channel"]
    if name not in hub.defs:
        return _error(404, f"F_JR0300E: Channel {name} does not exist")
    return JSONResponse(hub.defs[name])


async def log_file(hub: Hub, request: Request) -> Response:
    """A job's log (`<job>.out`): a few routine lines, and the job's error last when it failed."""
    job = request.path_params["file"].removesuffix(".out")
    if job not in hub.jobs:
        return _error(404, f"F_JR0500E: Log file {request.path_params['file']} does not exist")
    return PlainTextResponse("\n".join(hub.log_lines(job)) + "\n")


async def locs(hub: Hub, request: Request) -> Response:
    return JSONResponse(hub.locations())


async def jobs(hub: Hub, request: Request) -> Response:
    hub.tick()  # a refresh or compare that ended meanwhile no longer runs as a job
    wanted = request.query_params.getlist("channel")
    latency = request.query_params.get("fetch") == "latency"
    out = {}
    for name, job in hub.jobs.items():
        if wanted and name.split("-")[0] not in wanted:
            continue
        out[name] = {k: v for k, v in job.items() if latency or k != "latency"}
    return JSONResponse(out)


async def events(hub: Hub, request: Request) -> Response:
    hub.tick()
    wanted = request.query_params.getlist("ev_id")
    channels = request.query_params.getlist("channel")
    found = [
        (k, e)
        for k, e in hub.events.items()
        if (not wanted or k in wanted) and (not channels or e.channel in channels)
    ]
    found.sort(key=lambda item: item[0], reverse=True)  # newest first, as the hub answers
    limit = request.query_params.get("max_events")
    if limit and limit.isdigit():
        found = found[: int(limit)]
    return JSONResponse({k: hub.event_json(e) for k, e in found})


def _jobs_op(kind: str) -> Handler:
    async def handler(hub: Hub, request: Request) -> Response:
        names = (await _body(request)).get("jobs")
        if not isinstance(names, list) or not names:
            return _error(400, "F_JR0200E: jobs is required")
        missing = [n for n in names if n not in hub.jobs]
        if missing:
            return _error(404, f"F_JR0201E: Job {missing[0]} does not exist")
        answer: dict[str, Any] = {}
        for name in names:
            job = hub.jobs[name]
            if kind == "suspend":
                job["state"] = "SUSPEND"
            elif kind == "unsuspend" and job["state"] in ("SUSPEND", "SUSPENDED"):
                job["state"] = "PENDING"
            elif kind == "start":
                if job["state"] in ("SUSPEND", "SUSPENDED"):
                    answer[name] = {"not_started": "Job in state 'SUSPEND'"}
                    continue
                if job["state"] in ("FAILED", "RETRY") and not (await _body(request)).get("trigger_failed"):
                    answer[name] = {"not_started": f"Job in state '{job['state']}'"}
                    continue
                hub.start(name)
                answer[name] = {"trigger_ctrl_id": f"ctrl_{len(hub.stats)}"}
        return JSONResponse(answer) if kind == "start" else Response(status_code=204)

    return handler


def _event_op(kind: str, short: str) -> Handler:
    async def handler(hub: Hub, request: Request) -> Response:
        channel = request.path_params["channel"]
        if channel not in hub.defs:
            return _error(404, f"F_JR0300E: Channel {channel} does not exist")
        refused = hub.refusals.pop(channel, None)
        if refused is not None:
            return _error(*refused)
        body = await _body(request)
        tables = body.get("tables") or sorted(hub.defs[channel]["tables"])
        event = hub.post_event(kind, channel, list(tables), short)
        return JSONResponse({"posted_ev_id": event.ev_id, "job": event.job}, status_code=201)

    return handler


async def loc_test(hub: Hub, request: Request) -> Response:
    if request.path_params["loc"] not in hub.locations():
        return _error(404, "F_JR0400E: Location does not exist")
    refused = hub.unreachable.get(request.path_params["loc"])
    if refused is not None:
        return _error(400, refused)
    return JSONResponse({"discovered_props": {"Version": "19c"}})


async def sim_stats(hub: Hub, request: Request) -> Response:
    return JSONResponse(dict(hub.stats))


async def sim_requests(hub: Hub, request: Request) -> Response:
    """Every request received (the latest 10,000), oldest first, the `/_sim` ones included."""
    return JSONResponse([r.__dict__ for r in hub.requests])


async def sim_control(hub: Hub, request: Request) -> Response:
    body = await _body(request)
    action = request.path_params["action"]
    job = str(body.get("job", ""))
    if action == "expire_tokens":
        hub.expire_tokens()
    elif action in ("fail_event", "cancel_event"):
        state = "FAILED" if action == "fail_event" else "CANCELED"
        said = str(body.get("response", f"F_JX0A01E: simulated {state.lower()} event"))
        if not hub.end_event(str(body.get("ev_id", "")), state, said):
            return _error(400, f"no active event {body.get('ev_id')}")
    elif action == "refuse_event" and body.get("channel") in hub.defs:
        status = int(body.get("status", 400))
        if status not in (400, 403):  # what the definition has a refresh or compare answer
            return _error(400, f"refuse_event answers 400 or 403, not {status}")
        hub.refusals[str(body["channel"])] = (status, str(body.get("error", "F_JR0302E: refused")))
    elif action == "unreachable_location" and body.get("loc") in hub.locations():
        hub.unreachable[str(body["loc"])] = str(body.get("error", "F_JG0A01E: simulated connection failure"))
    elif action == "reachable_location" and body.get("loc") in hub.locations():
        hub.unreachable.pop(str(body["loc"]), None)
    elif action in ("fail", "keep_failing") and job in hub.jobs:
        error = str(body.get("error", "F_JD0A2E: simulated failure"))
        hub.fail(job, error) if action == "fail" else hub.keep_failing(job, error)
    elif action == "recover" and job in hub.jobs:
        hub.recover(job)
    else:
        return _error(400, f"unknown control {action} or job {job}")
    return Response(status_code=204)


_ROUTES: list[tuple[str, str, Handler, bool]] = [
    ("/auth/v1/password", "POST", password, False),
    ("/auth/v1/refresh", "POST", refresh_token, False),
    (f"{_HUB}/query/status", "GET", status, True),
    (f"{_HUB}/definition/channels", "GET", channels, True),
    (f"{_HUB}/definition/channels/{{channel}}", "GET", channel, True),
    (f"{_HUB}/definition/locs", "GET", locs, True),
    (f"{_HUB}/logs/{{file}}", "GET", log_file, True),
    (f"{_HUB}/jobs", "GET", jobs, True),
    (f"{_HUB}/events", "GET", events, True),
    (f"{_HUB}/jobs_suspend", "POST", _jobs_op("suspend"), True),
    (f"{_HUB}/jobs_unsuspend", "POST", _jobs_op("unsuspend"), True),
    (f"{_HUB}/jobs_start", "POST", _jobs_op("start"), True),
    (f"{_HUB}/channels/{{channel}}/refresh", "POST", _event_op("Refresh", "refr"), True),
    (f"{_HUB}/channels/{{channel}}/compare", "POST", _event_op("Compare", "cmp"), True),
    (f"{_HUB}/locs/{{loc}}/test", "POST", loc_test, True),
    ("/_sim/stats", "GET", sim_stats, False),
    ("/_sim/requests", "GET", sim_requests, False),
    ("/_sim/{action}", "POST", sim_control, False),
]


def _wrap(hub: Hub, path: str, handler: Handler, authed: bool) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        hub.stats[path] += 1
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        hub.requests.append(SimRequest(request.method, request.url.path, params, body))
        if authed:
            header = request.headers.get("authorization", "")
            if not header.startswith("Bearer ") or not hub.valid(header[7:]):
                return _error(401, "F_JR0101E: Access token is missing or expired")
            if request.path_params.get("hub") != HUB:
                return _error(404, f"F_JR0001E: Hub {request.path_params.get('hub')} does not exist")
        return await handler(hub, request)

    return endpoint


def build_app(hub: Hub) -> Starlette:
    return Starlette(routes=[Route(p, _wrap(hub, p, h, a), methods=[m]) for p, m, h, a in _ROUTES])
