"""When to try a Fivetran request again, and how long to wait first.

The rule that matters most: a POST is never sent again once Fivetran may have acted on it. A 5xx or a read
timeout after a POST could mean the sync was triggered; sending it again could start a second one. What
is always safe to repeat is a request the server never received (connection refused, connect timeout)
or one it refused outright (429).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PATCH", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    # A Retry-After longer than this is not waited out: the caller is told instead, so a person in Slack
    # hears "rate limited, try again in 40 minutes" rather than watching a spinner for 40 minutes.
    max_retry_after: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for attempt 1, 2, …: spreads replicas that failed together."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(0, ceiling)


def may_resend_after_answer(method: str) -> bool:
    """A 5xx answered: repeat only what cannot have side effects twice."""
    return method.upper() in IDEMPOTENT_METHODS


def parse_retry_after(value: str | None) -> float | None:
    """Fivetran sends whole seconds; an HTTP date or garbage counts as absent."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds)
