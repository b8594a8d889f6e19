"""Short ids people read in Slack and type back (`digest remove 3fk2q9`)."""

from __future__ import annotations

import secrets

# Crockford's base32 alphabet in lower case: no i, l, o or u, so nothing is misread as 1 or 0.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def short_id(length: int = 6) -> str:
    """About 30 bits at length 6: collisions are rare and the insert retries on the one that happens."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
