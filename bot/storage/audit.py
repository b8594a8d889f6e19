"""The audit trail: who asked for what, and what came of it.

An entry is written before an action runs (`started`) and finalised once afterwards. A final entry is
never changed again: the finalising UPDATE only matches `status = 'started'`, so a late or repeated
finish (a retry, a second replica) cannot rewrite history.

`connectors` holds pipeline keys (`bot.keys`). The entry also stores their sources (`pipeline_sources`;
a bulk run may span several), so that the log of one source is a filter on one column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, exists, func, insert, literal, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ColumnElement

from bot.clock import Now, utcnow
from bot.keys import source_of
from bot.storage.db import Database
from bot.storage.tables import audit_entries

AuditSource = Literal["command", "button", "modal", "webhook", "system"]
FinalStatus = Literal["succeeded", "failed", "refused"]
AuditStatus = Literal["started", "succeeded", "failed", "refused"]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    request_id: str
    at: datetime
    user_id: str | None
    channel_id: str | None
    source: AuditSource
    action: str
    connectors: tuple[str, ...]  # pipeline keys
    parameters: Mapping[str, Any] = field(hash=False)
    status: AuditStatus
    fivetran_code: str | None
    message: str | None
    finished_at: datetime | None


def _row(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        request_id=row.request_id,
        at=row.at,
        user_id=row.user_id,
        channel_id=row.channel_id,
        source=row.source,
        action=row.action,
        connectors=tuple(row.connectors or ()),
        parameters=dict(row.parameters or {}),
        status=row.status,
        fivetran_code=row.fivetran_code,
        message=row.message,
        finished_at=row.finished_at,
    )


def _contains(connection: AsyncConnection, column: ColumnElement[Any], value: str) -> ColumnElement[bool]:
    """`column` (a JSON list of strings) contains `value`."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB  # loaded by then: the engine's dialect

        return column.op("@>")(literal([value], type_=JSONB))
    elements = func.json_each(column).table_valued("value")
    return exists(select(literal_column("1")).select_from(elements).where(elements.c.value == value))


class AuditRepo:
    def __init__(self, database: Database, *, clock: Now = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def start(
        self,
        *,
        request_id: str,
        user_id: str | None,
        channel_id: str | None,
        source: AuditSource,
        action: str,
        connectors: Sequence[str] = (),
        parameters: Mapping[str, Any] | None = None,
    ) -> int:
        """Records an action about to run; returns the entry id to pass to `finish`."""
        return await self._insert(
            request_id=request_id,
            user_id=user_id,
            channel_id=channel_id,
            source=source,
            action=action,
            connectors=connectors,
            parameters=parameters,
            status="started",
        )

    async def record(
        self,
        *,
        request_id: str,
        user_id: str | None,
        channel_id: str | None,
        source: AuditSource,
        action: str,
        status: FinalStatus,
        connectors: Sequence[str] = (),
        parameters: Mapping[str, Any] | None = None,
        fivetran_code: str | None = None,
        message: str | None = None,
    ) -> int:
        """Records an entry that is final at once, such as a refusal that never reached Fivetran."""
        return await self._insert(
            request_id=request_id,
            user_id=user_id,
            channel_id=channel_id,
            source=source,
            action=action,
            connectors=connectors,
            parameters=parameters,
            status=status,
            fivetran_code=fivetran_code,
            message=message,
            finished_at=self._clock(),
        )

    async def _insert(
        self, *, connectors: Sequence[str], parameters: Mapping[str, Any] | None, **values: Any
    ) -> int:
        async with self._db.begin() as connection:
            entry_id = await connection.scalar(
                insert(audit_entries)
                .values(
                    at=self._clock(),
                    connectors=list(connectors),
                    pipeline_sources=sorted({source_of(key) for key in connectors}),
                    parameters=dict(parameters or {}),
                    **values,
                )
                .returning(audit_entries.c.id)
            )
        return int(entry_id)

    async def finish(
        self,
        entry_id: int,
        status: FinalStatus,
        fivetran_code: str | None = None,
        message: str | None = None,
    ) -> bool:
        """Finalises a started entry; False (and nothing changed) if it is final already or unknown."""
        async with self._db.begin() as connection:
            applied = await connection.execute(
                update(audit_entries)
                .where(audit_entries.c.id == entry_id, audit_entries.c.status == "started")
                .values(
                    status=status, fivetran_code=fivetran_code, message=message, finished_at=self._clock()
                )
                .returning(audit_entries.c.id)
            )
            return applied.first() is not None

    async def open_entries(self, action: str) -> list[AuditEntry]:
        """Entries of `action` still `started`: a handful at most (runs cut short by a restart)."""
        async with self._db.begin() as connection:
            rows = (
                await connection.execute(
                    select(audit_entries).where(
                        audit_entries.c.action == action, audit_entries.c.status == "started"
                    )
                )
            ).all()
        return [_row(row) for row in rows]

    async def get(self, entry_id: int) -> AuditEntry | None:
        async with self._db.begin() as connection:
            row = (
                await connection.execute(select(audit_entries).where(audit_entries.c.id == entry_id))
            ).one_or_none()
        return None if row is None else _row(row)

    async def query(
        self,
        *,
        connector: str | None = None,
        user: str | None = None,
        pipeline_source: str | None = None,
        limit: int = 20,
    ) -> list[AuditEntry]:
        """The newest entries first, optionally those naming the pipeline `connector` (a key), made by
        `user`, or naming a pipeline of `pipeline_source`."""
        async with self._db.begin() as connection:
            statement = select(audit_entries)
            if connector is not None:
                statement = statement.where(_contains(connection, audit_entries.c.connectors, connector))
            if pipeline_source is not None:
                statement = statement.where(
                    _contains(connection, audit_entries.c.pipeline_sources, pipeline_source)
                )
            if user is not None:
                statement = statement.where(audit_entries.c.user_id == user)
            statement = statement.order_by(audit_entries.c.id.desc()).limit(max(1, limit))
            rows = (await connection.execute(statement)).all()
        return [_row(row) for row in rows]
