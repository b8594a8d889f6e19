"""`sync|pause|resume|test <selector>`: preview, confirm, run with one progress message, report."""

from __future__ import annotations

import logging

from bot.blocks.governance import (
    BulkLine,
    bulk_run_name,
    render_bulk_preview,
    render_bulk_progress,
    render_bulk_report,
)
from bot.blocks.message import Message
from bot.blocks.prompts import render_cancelled, render_error
from bot.blocks.text import count
from bot.commands.grammar import BulkCmd
from bot.fivetran.models import Connection
from bot.services.governance.bulk import BulkService, plan_bulk
from bot.services.governance.bulk_recovery import bulk_lines, run_summary
from bot.services.pipelines.actions import ActionResult
from bot.services.pipelines.hub_health import is_hub_channel
from bot.services.pipelines.schedule import ScheduleError, plan_schedule
from bot.services.runtime.posting import MessageRef
from bot.slack.flow import Flow
from bot.slack.turn import Turn
from bot.storage.bulk import BulkRun

log = logging.getLogger(__name__)

# The fewest setup tests Fivetran lets start in a window (a trial account's 50 an hour): a bulk test of
# more Fivetran connectors is paced by the budget, and its preview says it may take a while.
PACED_TESTS_ABOVE = 50


def _fivetran_count(targets: list[Connection]) -> int:
    return sum(1 for c in targets if not is_hub_channel(c))  # a hub's tests are not Fivetran's to limit


class Bulk(Flow):
    def _names(self) -> dict[str, str]:
        snapshot = self.deps.cache.peek()
        return {} if snapshot is None else snapshot.names()

    async def preview(self, turn: Turn, cmd: BulkCmd) -> None:
        parameters: dict[str, object] = {
            "action": cmd.action,
            "selector": cmd.selector.as_text(),
            "force": cmd.force,
        }
        patch = None
        if cmd.schedule is not None:
            parameters["schedule"] = cmd.schedule.as_text()
            try:
                patch = plan_schedule(cmd.schedule, self.deps.now().date())
            except ScheduleError as error:
                await turn.out.reply(render_error(str(error)))
                return
        await self.authorize(turn, "bulk", [], parameters)
        service = self.deps.bulk
        snapshot = await self.deps.cache.get()
        plan = plan_bulk(snapshot, cmd.action, cmd.selector, force=cmd.force, schedule=patch)
        run_id = ""
        if plan.targets:
            run_id = (await service.prepare(turn.actor.user_id, turn.actor.channel_id, plan)).id
        message = render_bulk_preview(
            cmd.action,
            cmd.selector.describe(),
            [BulkLine(snapshot.label(c), "pending") for c in plan.targets],
            [BulkLine(snapshot.label(c), "skipped", reason) for c, reason in plan.skipped],
            run_id=run_id,
            per_source=snapshot.by_source(plan.targets),
            unreachable=sorted(snapshot.unreachable),
            schedule=patch,
            paced=cmd.action == "test" and _fivetran_count(plan.targets) > PACED_TESTS_ABOVE,
        )
        await turn.out.reply(message)

    async def confirm(self, turn: Turn, run_id: str) -> None:
        await self.authorize(turn, "bulk", [], {"run": run_id})
        service = self.deps.bulk
        run = await service.repo.get(run_id)
        if run is None or run.status != "pending":
            await turn.out.reply(render_error("That bulk operation already ran or was cancelled."))
            return
        action = run.action.split(":")[0]
        names = self._names()
        ref = await turn.out.post(
            render_bulk_progress(action, bulk_lines(run, names), run_id=run.id, by=turn.actor.user_id)
        )
        if ref is not None:
            await service.repo.set_message_ts(run.id, ref.ts)
        await turn.out.reply(
            Message(text=f"{bulk_run_name(action)} of {count(len(run.items), 'connector')}: running."),
            replace=True,
        )
        self.deps.background.spawn(self._execute(turn, service, run, ref), name=f"bulk:{run.id}")

    async def _execute(self, turn: Turn, service: BulkService, run: BulkRun, ref: MessageRef | None) -> None:
        action = run.action.split(":")[0]
        names = self._names()

        async def show(message: Message) -> None:
            if ref is not None:
                await turn.out.update(ref, message)
            else:
                await turn.out.reply(message, in_channel=False)

        async def progress(current: BulkRun) -> None:
            await show(
                render_bulk_progress(action, bulk_lines(current, names), run_id=run.id, by=turn.actor.user_id)
            )

        final: BulkRun | None = None

        async def execute() -> ActionResult:
            nonlocal final
            final = await service.run(run.id, progress)
            if final is None:
                return ActionResult(False, "bulk", run.id, "It had already been confirmed or cancelled.")
            ok = not any(item.status in ("failed", "untested") for item in final.items)
            return ActionResult(ok, "bulk", run.id, run_summary(final))

        await self.change(
            turn, "bulk", [i.connection_id for i in run.items], {"action": run.action, "run": run.id}, execute
        )
        if final is not None:
            await show(render_bulk_report(action, bulk_lines(final, names), by=turn.actor.user_id))

    async def cancel(self, turn: Turn, run_id: str) -> None:
        await self.authorize(turn, "bulk", [], {"run": run_id, "cancel": True})
        run = await self.deps.bulk.cancel(run_id)
        if run is None:
            await turn.out.reply(render_error("That bulk operation is unknown."))
        elif run.status == "cancelled" and all(i.status in ("pending", "cancelled") for i in run.items):
            await turn.out.reply(render_cancelled(f"the bulk {run.action.split(':')[0]}"), replace=True)
        else:
            await turn.out.reply(
                Message(text="Cancelling: connectors not yet started will be left as they are.")
            )
