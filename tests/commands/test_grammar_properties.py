"""Whatever a person (or a bot, or a cat on the keyboard) types, `parse` answers a command or a UsageError."""

from __future__ import annotations

import dataclasses
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.grammar import MAX_TEXT, VERBS, Command, UsageError, parse
from bot.services.pipelines.selectors import Selector

COMMAND_TYPES = get_args(Command)

# Words that reach the interesting branches, mixed with arbitrary text.
WORDS = [
    *VERBS,
    "--force",
    "group:",
    "group:warehouse",
    "status:",
    "status:failing",
    "status:sad",
    "service:stripe",
    "public.orders",
    ".",
    "a.",
    '"',
    "'",
    "\\",
    "<",
    ">",
    "|",
    "<@U123|ana>",
    "<http://salesforce.prod|salesforce.prod>",
    "<http://x",
    "<!channel>",
    "ｓｙｎｃ",
    "\ufdfa",
    "\x00",
    "\u202e",
    "\ud800",
]

any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60)
phrases = st.lists(st.one_of(st.sampled_from(WORDS), any_text), max_size=8).map(" ".join)
long_text = st.tuples(
    st.sampled_from(["", "list ", "show ", "sync ", '"', "<"]),
    st.integers(min_value=MAX_TEXT - 10, max_value=MAX_TEXT + 10),
    st.sampled_from(["a", " ", '"', "<>", "\ufdfa"]),
).map(lambda t: (t[0] + t[2] * t[1])[: max(t[1], 1)])
texts = st.one_of(any_text, phrases, long_text)

PROPERTY = settings(
    max_examples=150, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def parse_or_usage_error(text: str) -> Command | None:
    try:
        return parse(text)
    except UsageError as error:
        assert isinstance(error.message, str) and error.message
        assert error.topic is None or isinstance(error.topic, str)
        return None


@PROPERTY
@given(texts)
def test_parse_answers_a_command_or_a_usage_error_and_nothing_else(text: str) -> None:
    command = parse_or_usage_error(text)
    assert command is None or isinstance(command, COMMAND_TYPES)


def read_everything(value: Any) -> None:
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            read_everything(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            read_everything(item)
    if isinstance(value, Selector):
        assert isinstance(value.describe(), str)
        assert isinstance(value.as_text(), str)
        assert isinstance(value.is_empty, bool)


@PROPERTY
@given(texts)
def test_every_field_of_a_parsed_command_can_be_read(text: str) -> None:
    command = parse_or_usage_error(text)
    if command is not None:
        read_everything(command)
        repr(command)
        hash(command)


@pytest.mark.parametrize("text", ["show \ud800", "\ud800", '"\ud800', "list <\ud800|x>"])
def test_lone_surrogates_from_decoded_json_do_not_crash(text: str) -> None:
    parse_or_usage_error(text)
