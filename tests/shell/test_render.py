"""The shell's printer: Block Kit as terminal lines, with identifiers exactly as Fivetran spells them."""

from __future__ import annotations

from bot.blocks.kit import header, section
from bot.shell.render import BlockPrinter


def test_a_header_prints_the_connector_name_verbatim_not_upper_cased() -> None:
    lines, _ = BlockPrinter(colour=False).render([header("mysql_8"), section("x")], "fallback")

    assert lines[0] == "mysql_8"


def test_a_selector_header_keeps_its_case() -> None:
    lines, _ = BlockPrinter(colour=False).render([header("Connectors · status:failing")], "fallback")

    assert lines == ["Connectors · status:failing"]


def test_a_date_token_prints_as_its_fallback_time() -> None:
    token = "<!date^1778328000^{date_short_pretty} {time}|2026-05-09 12:00 UTC>"
    lines, _ = BlockPrinter(colour=False).render([section(f"Last success {token}")], "fallback")

    assert lines == ["Last success 2026-05-09 12:00 UTC"]
