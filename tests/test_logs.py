"""The log handler writes a repeated warning line at most once in a few seconds, then says how many it
left out; other lines pass untouched."""

from __future__ import annotations

import io
import logging

from bot.logs import RepeatLimitedHandler


def _logger(clock: list[float]) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = RepeatLimitedHandler(out, interval=5.0, clock=lambda: clock[0])
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.repeat-limited")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, out


def test_a_warning_repeated_within_the_interval_is_written_once_then_counted() -> None:
    clock = [100.0]
    logger, out = _logger(clock)

    for _ in range(500):
        logger.warning("Invalid HTTP request received.")
    clock[0] = 106.0
    logger.warning("Invalid HTTP request received.")

    assert out.getvalue().splitlines() == [
        "WARNING Invalid HTTP request received.",
        "WARNING Invalid HTTP request received. (499 more like this in the last 6s not logged)",
    ]


def test_different_warnings_and_info_lines_are_not_held_back() -> None:
    clock = [0.0]
    logger, out = _logger(clock)

    logger.warning("database unreachable: %s", "OSError")
    logger.warning("database unreachable: %s", "TimeoutError")
    logger.info("Socket Mode connected")
    logger.info("Socket Mode connected")

    assert len(out.getvalue().splitlines()) == 4
