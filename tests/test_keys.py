"""Pipeline keys: the default source keeps bare ids (so stored rows and old buttons stay valid), every
other source prefixes its name, and a key always splits back into what it was made of."""

from __future__ import annotations

import pytest

from bot.keys import DEFAULT_SOURCE, qualify, remote_id, source_of, split


def test_the_default_source_keeps_bare_ids() -> None:
    assert qualify(DEFAULT_SOURCE, "decent_dropsy") == "decent_dropsy"
    assert split("decent_dropsy") == ("fivetran", "decent_dropsy")


def test_other_sources_prefix_their_name() -> None:
    assert qualify("staging", "decent_dropsy") == "staging:decent_dropsy"
    assert source_of("staging:decent_dropsy") == "staging"
    assert remote_id("staging:decent_dropsy") == "decent_dropsy"


@pytest.mark.parametrize("source", ["fivetran", "prod", "east-2", "staging"])
@pytest.mark.parametrize("rid", ["abc", "orders_v2", "x"])
def test_a_key_splits_back_into_its_parts(source: str, rid: str) -> None:
    assert split(qualify(source, rid)) == (source, rid)
