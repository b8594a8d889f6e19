"""When a connector that keeps failing and recovering stops being news.

The count lives in the database (alert messages posted for the connector in the channel), not in a
process, so every replica and every restart agrees on it. The rule, per connector and channel:

- a failure alert that would be the `threshold`-th within `window` is posted as one "flapping" summary;
- beyond that, failures post nothing while `threshold` or more alerts lie within the window: the summary
  (and the alerts before it) must first age out, i.e. the connector must have had a quiet `window`;
- a failure while an alert is still open is not a new alert at all (the open one is updated in place).

A connector that fails every ten minutes thus costs a channel about one summary an hour, not six alerts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum


class FlapVerdict(Enum):
    ALERT = "alert"
    SUMMARISE = "summarise"
    SUPPRESS = "suppress"


@dataclass(frozen=True)
class FlapPolicy:
    threshold: int = 3
    window: timedelta = timedelta(hours=1)

    def verdict(self, alerts_in_window: int) -> FlapVerdict:
        """What to do with a new failure, given how many alerts were posted here within the window."""
        nth = alerts_in_window + 1
        if nth < self.threshold:
            return FlapVerdict.ALERT
        if nth == self.threshold:
            return FlapVerdict.SUMMARISE
        return FlapVerdict.SUPPRESS
