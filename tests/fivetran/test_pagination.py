"""Lists follow next_cursor with limit=1000 and stop on the page without one."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncGenerator

import httpx
import pytest
import respx

from bot.fivetran import DecodeError, FivetranClient
from bot.fivetran.models import ListedConnection
from bot.fivetran.pages import page_parser
from tests.fivetran.conftest import BASE, connection, ok


def _paged(total: int, page: int) -> respx.Route:
    items = [connection(f"c{i}", schema=f"name_{i}") for i in range(total)]

    def answer(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params.get("cursor", "0"))
        chunk = items[start : start + page]
        data: dict[str, object] = {"items": chunk}
        if start + page < total:
            data["next_cursor"] = str(start + page)
        return httpx.Response(200, json=ok(data))

    return respx.get(f"{BASE}/v1/connections").mock(side_effect=answer)


@respx.mock
async def test_iterates_every_page_asking_for_the_largest_limit(client: FivetranClient) -> None:
    route = _paged(total=2500, page=1000)
    found = await client.list_connections()
    assert len(found) == 2500
    assert [c.id for c in found[:2]] == ["c0", "c1"]
    assert route.call_count == 3
    assert all(call.request.url.params["limit"] == "1000" for call in route.calls)
    assert [call.request.url.params.get("cursor") for call in route.calls] == [None, "1000", "2000"]


@respx.mock
async def test_an_empty_last_page_ends_the_list(client: FivetranClient) -> None:
    respx.get(f"{BASE}/v1/groups").mock(
        side_effect=[
            httpx.Response(200, json=ok({"items": [{"id": "g1", "name": "A"}], "next_cursor": "x"})),
            httpx.Response(200, json=ok({"items": []})),
        ]
    )
    assert [g.id for g in await client.list_groups()] == ["g1"]


@respx.mock
async def test_group_connections_use_the_group_path(client: FivetranClient) -> None:
    route = respx.get(f"{BASE}/v1/groups/g1/connections").respond(json=ok({"items": [connection("c1")]}))
    assert [c.id for c in await client.list_connections("g1")] == ["c1"]
    assert route.calls.last.request.headers["accept"] == "application/json"


@respx.mock
async def test_a_repeated_cursor_is_an_error_not_an_endless_loop(client: FivetranClient) -> None:
    respx.get(f"{BASE}/v1/connections").respond(json=ok({"items": [connection()], "next_cursor": "same"}))
    with pytest.raises(DecodeError, match="repeated a page cursor"):
        await client.list_connections()


@respx.mock
async def test_the_next_page_is_requested_while_the_caller_works_and_dropped_if_it_stops(
    client: FivetranClient,
) -> None:
    route = _paged(total=3000, page=1000)
    pages = client.iter_connections()
    read = [await anext(pages) for _ in range(150)]  # part of page 1, as a caller validating it would
    assert read[0].id == "c0"
    assert route.call_count == 2  # page 2 is on its way while page 1 is being read
    assert isinstance(pages, AsyncGenerator)  # what an `async def` with `yield` returns
    await pages.aclose()  # the caller stops: page 3 is never asked for
    assert route.call_count == 2


@respx.mock
async def test_a_page_that_does_not_fit_its_models_is_read_item_by_item_as_before(
    client: FivetranClient,
) -> None:
    broken = connection("c1")
    del broken["service"]
    items = [connection("c0"), "not an object", connection("c2")]
    respx.get(f"{BASE}/v1/connections").respond(json=ok({"items": items}))
    # Read the general way: the item that is not an object is passed over, the others are connections.
    assert [c.id for c in await client.list_connections()] == ["c0", "c2"]

    respx.get(f"{BASE}/v1/connections").respond(json=ok({"items": [connection("c0"), broken]}))
    with pytest.raises(DecodeError, match="expected shape"):
        await client.list_connections()


@respx.mock
async def test_an_escaped_page_decodes_like_a_plain_one(client: FivetranClient) -> None:
    # What the bytes decoder sees is JSON however it is spelt: unicode escapes, odd spacing.
    raw = '{"code": "Success", "data": {"items": [%s], "next_cursor": null}}'
    item = '{"id":"c\\u0031","group_id":"g","service":"s","schema":"caf\\u00e9","status":{"tasks":[]}}'
    respx.get(f"{BASE}/v1/connections").respond(200, content=(raw % item).encode())
    (found,) = await client.list_connections()
    assert (found.id, found.name) == ("c1", "café")


@respx.mock
async def test_a_cursor_guessed_wrong_from_the_bytes_is_dropped_for_the_decoded_one(
    client: FivetranClient,
) -> None:
    # The envelope's cursor comes before the items, and an item carries a decoy `next_cursor`: the guess
    # (the last one in the bytes) is wrong, its request is dropped and the real cursor followed.
    decoy = {**connection("c1"), "config": {"next_cursor": "decoy"}}
    first = (
        b'{"code": "Success", "data": {"next_cursor": "real", "items": ['
        + json.dumps(decoy).encode()
        + b"]}}"
    )

    def answer(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        if cursor is None:
            return httpx.Response(200, content=first)
        if cursor == "real":
            return httpx.Response(200, json=ok({"items": [connection("c2")]}))
        return httpx.Response(200, json=ok({"items": [connection("wrong")]}))

    respx.get(f"{BASE}/v1/connections").mock(side_effect=answer)
    assert [c.id for c in await client.list_connections()] == ["c1", "c2"]


async def test_a_listed_connection_changes_only_as_a_copy() -> None:
    page = json.dumps(ok({"items": [connection("c1"), connection("c2")]})).encode()
    _, _, data = page_parser(ListedConnection)(page)
    one, two = data.items

    # A snapshot's connections are read by every command at once: no change in place.
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.paused = True
    paused = one.model_copy(update={"paused": True})
    deep = one.model_copy(deep=True)

    assert (paused.paused, one.paused, two.paused) == (True, False, False)
    assert paused.status is one.status is two.status  # shared, and frozen itself
    assert deep == one and deep is not one and deep.status is not one.status
    assert isinstance(paused, ListedConnection) and paused.name == one.name


@respx.mock
async def test_connection_pages_hand_over_each_page_as_it_comes(client: FivetranClient) -> None:
    route = _paged(total=2500, page=1000)
    pages = [page async for page in client.connection_pages()]
    assert [len(p) for p in pages] == [1000, 1000, 500]
    assert [c.id for p in pages for c in p] == [c.id for c in await client.list_connections()]
    assert all(isinstance(c, ListedConnection) for p in pages for c in p)
    assert route.call_count == 6
