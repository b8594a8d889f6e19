"""Which commands start from the snapshot, so that its fetch can start as such a command arrives.

A command's work waits for its ack to be out (`ack_out`), ~15 ms on an idle bot (Bolt hands an ack over on
a 10 ms poll). A list or a connector found by name then waits on the snapshot, whose fetch starts only then
when it is due: started as the request arrives, its first round trip runs during the ack instead. Only the
verbs that read it: `/hvr help` or `/hvr digest …` must not cost a fetch of the account.
"""

from __future__ import annotations

from bot.commands.grammar import VERBS
from bot.services.pipelines.snapshot import LiveSnapshots

# Every verb but these finds a connector, a group or a list in the snapshot.
NEEDS_NO_SNAPSHOT = frozenset({"help", "access", "audit", "digest"})
READS_SNAPSHOT = frozenset(VERBS) - NEEDS_NO_SNAPSHOT


def warm_for(cache: LiveSnapshots, text: str) -> None:
    """Starts the snapshot's fetch, when one is due, for a command that will wait on it."""
    words = text.split(maxsplit=1)
    if words and words[0].lower() in READS_SNAPSHOT:
        cache.warm()
