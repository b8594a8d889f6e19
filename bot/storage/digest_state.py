"""What the previous digest of a subscription showed, for "what changed since last time"."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Text, cast, select

from bot.storage.db import Database
from bot.storage.sql import encoded_json, upsert, upsert_many
from bot.storage.tables import digest_state


@dataclass(frozen=True)
class DigestState:
    subscription_id: str
    last_fire_time: datetime
    last_problems: Mapping[str, str] = field(hash=False)  # connection id -> health


class DigestStateRepo:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, subscription_id: str) -> DigestState | None:
        return (await self.get_many([subscription_id])).get(subscription_id)

    async def get_many(self, subscription_ids: Iterable[str]) -> dict[str, DigestState]:
        """The states of several subscriptions in one read. Subscriptions that fire together mostly
        showed the same problems: each distinct stored map is decoded once and the states share it
        (read-only), so 200 digests over 1,000 problems decode 1,000 entries, not 200,000."""
        wanted = list(dict.fromkeys(subscription_ids))
        if not wanted:
            return {}
        # The stored text, not the decoded value (cast in SQL: PostgreSQL's driver would decode JSONB):
        # equal texts are decoded once below.
        raw = cast(digest_state.c.last_problems, Text).label("raw")
        query = select(digest_state.c.subscription_id, digest_state.c.last_fire_time, raw).where(
            digest_state.c.subscription_id.in_(wanted)
        )
        async with self._db.read() as connection:
            rows = (await connection.execute(query)).all()
        decoded: dict[str, Mapping[str, str]] = {}
        found: dict[str, DigestState] = {}
        for row in rows:
            problems = decoded.get(row.raw)
            if problems is None:
                problems = decoded[row.raw] = _problems(row.raw)
            found[row.subscription_id] = DigestState(row.subscription_id, row.last_fire_time, problems)
        return found

    async def put(self, subscription_id: str, fire_time: datetime, problems: Mapping[str, str]) -> None:
        values = {
            "subscription_id": subscription_id,
            "last_fire_time": fire_time,
            "last_problems": problems if isinstance(problems, dict) else dict(problems),
        }
        async with self._db.begin() as connection:
            await connection.execute(upsert(connection, digest_state, values, ["subscription_id"]))

    async def put_many(self, states: Sequence[tuple[str, datetime, Mapping[str, str]]]) -> None:
        """`put` of each (subscription, fire time, problems), in one executemany. Digests of one content
        share one problems mapping: each distinct mapping (by identity) is encoded once."""
        if not states:
            return
        encoded: dict[int, tuple[Mapping[str, str], str]] = {}
        rows = []
        for subscription_id, fire_time, problems in states:
            found = encoded.get(id(problems))
            if found is None:  # held beside its text, so that its id is not reused meanwhile
                found = encoded[id(problems)] = (problems, json.dumps(dict(problems)))
            rows.append(
                {"subscription_id": subscription_id, "last_fire_time": fire_time, "problems": found[1]}
            )
        async with self._db.begin() as connection:
            statement = upsert_many(connection, digest_state, COLUMNS, ["subscription_id"]).values(
                last_problems=encoded_json(connection, "problems")
            )
            await connection.execute(statement, rows)


COLUMNS = ["subscription_id", "last_fire_time", "last_problems"]


def _problems(raw: str) -> Mapping[str, str]:
    return dict(json.loads(raw))
