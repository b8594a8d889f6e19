"""Column config: every column from the source (`GET …/columns`), `PATCH …/columns/{column}` with
`enabled` and `hashed`, and the schema config showing the columns a person changed."""

from __future__ import annotations

from typing import Any

from bot.simulator import Simulator
from tests.simulator.conftest import Api, first_with


async def _a_table(api: Api, cid: str) -> tuple[str, str, str]:
    """A switchable table of the connection and the base path of its columns."""
    config = (await api.get(f"/v1/connections/{cid}/schemas")).json()["data"]
    schema, tables = next(iter(config["schemas"].items()))
    table = next(t for t, v in tables["tables"].items() if v["enabled_patch_settings"]["allowed"])
    return schema, table, f"/v1/connections/{cid}/schemas/{schema}/tables/{table}/columns"


async def _columns(api: Api, base: str) -> dict[str, Any]:
    response = await api.get(base)
    assert response.status_code == 200, response.text
    columns: dict[str, Any] = response.json()["data"]["columns"]
    return columns


async def test_every_column_comes_with_its_primary_key_and_what_can_change(api: Api, healthy_id: str) -> None:
    _, _, base = await _a_table(api, healthy_id)
    columns = await _columns(api, base)
    keys = [name for name, c in columns.items() if c["is_primary_key"]]
    assert len(keys) == 1 and len(columns) >= 5
    assert columns[keys[0]]["enabled_patch_settings"]["allowed"] is False
    assert all(c["enabled"] and not c["hashed"] for c in columns.values())
    assert await _columns(api, base) == columns  # the same source, the same columns


async def test_hashing_and_disabling_stick_and_the_schema_config_shows_them(
    api: Api, healthy_id: str
) -> None:
    schema, table, base = await _a_table(api, healthy_id)
    before = (await api.get(f"/v1/connections/{healthy_id}/schemas")).json()["data"]
    assert before["schemas"][schema]["tables"][table]["columns"] == {}  # only changed columns are shown
    name, other = [n for n, c in (await _columns(api, base)).items() if not c["is_primary_key"]][:2]
    hashed = await api.patch(f"{base}/{name}", {"enabled": True, "hashed": True})
    assert (hashed.status_code, hashed.json()["message"]) == (200, "Column configuration has been modified")
    shown = hashed.json()["data"]["schemas"][schema]["tables"][table]["columns"]
    assert set(shown) == {name} and shown[name]["hashed"] is True and shown[name]["enabled"] is True
    await api.patch(f"{base}/{other}", {"enabled": False})
    columns = await _columns(api, base)
    assert (columns[name]["hashed"], columns[other]["enabled"], columns[other]["hashed"]) == (
        True,
        False,
        False,
    )
    config = (await api.get(f"/v1/connections/{healthy_id}/schemas")).json()["data"]
    assert set(config["schemas"][schema]["tables"][table]["columns"]) == {name, other}


async def test_a_primary_key_cannot_be_disabled_nor_its_key_flag_changed(api: Api, healthy_id: str) -> None:
    _, _, base = await _a_table(api, healthy_id)
    key = next(n for n, c in (await _columns(api, base)).items() if c["is_primary_key"])
    refused = await api.patch(f"{base}/{key}", {"enabled": False})
    assert (refused.status_code, refused.json()["code"]) == (400, "InvalidInput")
    assert "Primary key columns are always synced" in refused.json()["message"]
    assert (await api.patch(f"{base}/{key}", {"enabled": True, "hashed": True})).status_code == 200
    other = next(n for n, c in (await _columns(api, base)).items() if not c["is_primary_key"])
    assert (await api.patch(f"{base}/{other}", {"enabled": True, "is_primary_key": True})).status_code == 400
    missing = await api.call("PATCH", f"{base}/{other}", {"hashed": True}, check_request=False)
    assert missing.status_code == 400  # `enabled` is required


async def test_unknown_or_miscased_names_are_404_naming_what_is_missing(api: Api, healthy_id: str) -> None:
    schema, table, base = await _a_table(api, healthy_id)
    root = f"/v1/connections/{healthy_id}/schemas"
    cases = {
        f"{root}/nope/tables/{table}/columns": "NotFound_Schema",
        f"{root}/{schema.upper()}/tables/{table}/columns": "NotFound_Schema",
        f"{root}/{schema}/tables/nope/columns": "NotFound_Table",
        "/v1/connections/nope/schemas/s/tables/t/columns": "NotFound_Connection",
    }
    for path, code in cases.items():
        response = await api.get(path)
        assert (response.status_code, response.json()["code"]) == (404, code), path
    response = await api.patch(f"{base}/no_such_column", {"enabled": False})
    assert (response.status_code, response.json()["code"]) == (404, "NotFound_Column")


async def test_only_a_connected_source_lists_its_columns(api: Api, sim: Simulator) -> None:
    broken = first_with(sim, "broken")
    _, _, base = await _a_table(api, broken)
    response = await api.get(base)
    assert response.status_code == 400 and "broken" in response.json()["message"]
