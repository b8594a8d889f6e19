"""Each error status becomes its own exception with Fivetran's code and message."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.fivetran import (
    BadRequest,
    Conflict,
    DecodeError,
    FivetranClient,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    StatusError,
    Unauthorized,
    UnsupportedMediaType,
)
from tests.fivetran.conftest import BASE


@pytest.mark.parametrize(
    ("status", "cls", "code"),
    [
        (400, BadRequest, "InvalidInput"),
        (401, Unauthorized, "AuthFailed"),
        (403, Forbidden, "AccessDenied"),
        (404, NotFound, "NotFound_Connection"),
        (409, Conflict, "Conflict"),
        (415, UnsupportedMediaType, "UnsupportedMediaType"),
    ],
)
@respx.mock
async def test_status_maps_to_its_exception(
    client: FivetranClient, status: int, cls: type[StatusError], code: str
) -> None:
    respx.get(f"{BASE}/v1/connections/c1").respond(status, json={"code": code, "message": f"says {status}"})
    with pytest.raises(cls) as caught:
        await client.get_connection("c1")
    assert caught.value.status_code == status
    assert caught.value.code == code
    assert caught.value.message == f"says {status}"
    assert isinstance(caught.value, StatusError)


@respx.mock
async def test_a_body_without_message_gets_plain_words(client: FivetranClient) -> None:
    respx.get(f"{BASE}/v1/connections/c1").respond(401, text="<html>nope</html>")
    with pytest.raises(Unauthorized, match="API key or secret"):
        await client.get_connection("c1")


@respx.mock
async def test_truncated_json_is_a_decode_error(client: FivetranClient) -> None:
    respx.get(f"{BASE}/v1/connections/c1").respond(200, text='{"code": "Success", "data": {"id"')
    with pytest.raises(DecodeError, match="not JSON"):
        await client.get_connection("c1")


@respx.mock
async def test_an_unexpected_envelope_code_is_a_decode_error(client: FivetranClient) -> None:
    respx.get(f"{BASE}/v1/connections/c1").respond(200, json={"code": "Maintenance", "message": "back soon"})
    with pytest.raises(DecodeError, match="Maintenance"):
        await client.get_connection("c1")


@respx.mock
async def test_a_created_envelope_is_a_success(client: FivetranClient) -> None:
    # What Fivetran's create endpoints may answer (DESIGN section 10): HTTP 201 and `code: "Created"`.
    url = "https://bot.example/fivetran/webhook"
    webhook = {
        "id": "recur_readable",
        "type": "account",
        "url": url,
        "events": ["sync_start", "sync_end"],
        "active": True,
        "secret": "******",
        "group_id": None,
        "created_at": "2026-11-24T09:00:00.000Z",
        "created_by": "_airworthy",
        "something_new": {"nested": [1, None]},
    }
    route = respx.post(f"{BASE}/v1/webhooks/account")
    route.respond(201, json={"code": "Created", "message": "Webhook has been created", "data": webhook})
    created = await client.create_account_webhook(url, ["sync_start", "sync_end"], "s3cret")
    assert (created.id, created.group_id) == ("recur_readable", None)
    route.respond(200, json={"code": "created", "data": webhook})  # the case of a code is not its meaning
    assert (await client.create_account_webhook(url, ["sync_end"], "s3cret")).id == "recur_readable"


@respx.mock
async def test_data_of_the_wrong_shape_is_a_decode_error(client: FivetranClient) -> None:
    respx.get(f"{BASE}/v1/connections/c1").respond(200, json={"code": "Success", "data": {"id": 5}})
    with pytest.raises(DecodeError, match="expected shape"):
        await client.get_connection("c1")


@respx.mock
async def test_error_texts_never_contain_the_credentials(client: FivetranClient) -> None:
    respx.get(f"{BASE}/v1/connections/c1").respond(500, text="")
    with pytest.raises(ServerError) as caught:
        await client.get_connection("c1")
    text = str(caught.value) + repr(caught.value) + caught.value.message
    assert "sekrit-value" not in text
    assert "key123" not in text


@respx.mock
async def test_rate_limited_carries_retry_after(client: FivetranClient) -> None:
    respx.get(f"{BASE}/v1/connections/c1").respond(
        429, headers={"Retry-After": "3600"}, json={"code": "TooManyRequests", "message": "slow down"}
    )
    with pytest.raises(RateLimited) as caught:
        await client.get_connection("c1")
    assert caught.value.retry_after == 3600
    assert caught.value.code == "TooManyRequests"


@respx.mock
async def test_connect_errors_become_transport_errors(client: FivetranClient) -> None:
    from bot.fivetran import ConnectError

    respx.get(f"{BASE}/v1/connections/c1").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ConnectError, match="could not connect"):
        await client.get_connection("c1")
