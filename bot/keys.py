"""How the bot names one pipeline across several sources (DESIGN section 8): its key.

A key is the pipeline's id at its source, prefixed with the source's name and a colon (`staging:abc123`),
except for the source named `fivetran` (the single account the un-prefixed variables configure), whose keys
are its bare ids. That exception is what lets a bot that ran with one account keep its stored follows,
watches, alert messages and the buttons of messages already in Slack: they all carry bare ids, and a
migration records them as the `fivetran` source's. Fivetran ids and HVR channel names never hold a colon,
so the split is unambiguous.
"""

from __future__ import annotations

DEFAULT_SOURCE = "fivetran"
SEPARATOR = ":"


def qualify(source: str, remote_id: str) -> str:
    """The key of the pipeline `remote_id` of `source`."""
    return remote_id if source == DEFAULT_SOURCE else f"{source}{SEPARATOR}{remote_id}"


def split(key: str) -> tuple[str, str]:
    """(source, id at that source) of a key; a bare key is the default source's."""
    source, sep, remote_id = key.partition(SEPARATOR)
    return (source, remote_id) if sep else (DEFAULT_SOURCE, key)


def source_of(key: str) -> str:
    return split(key)[0]


def remote_id(key: str) -> str:
    return split(key)[1]
