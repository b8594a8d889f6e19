"""Which kinds of source a bot has configured: Fivetran accounts, HVR hubs or both. What a message says
about where its data comes from when no row says it (an empty view, an outage, a wait): a bot with only
hubs must not blame Fivetran. Plain data, handed to the renderers by whoever built the sources."""

from __future__ import annotations

from dataclasses import dataclass

from bot.keys import DEFAULT_SOURCE


def _and(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class SourceKinds:
    accounts: tuple[str, ...] = (DEFAULT_SOURCE,)
    hubs: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The kinds, as a title says them: `Fivetran`, `HVR`, or `Fivetran and HVR`."""
        if not self.hubs:
            return "Fivetran"
        return "Fivetran and HVR" if self.accounts else "HVR"

    @property
    def speakers(self) -> str:
        """Who answers the bot's reads, as a sentence names them: `Fivetran`, `the HVR hub east`, `the HVR
        hubs east and onprem`, or `Fivetran and the HVR hub east`."""
        if not self.hubs:
            return "Fivetran"
        hubs = f"the HVR hub{'s' if len(self.hubs) > 1 else ''} {_and(self.hubs)}"
        return f"Fivetran and {hubs}" if self.accounts else hubs


FIVETRAN_ONLY = SourceKinds()  # a bot of one Fivetran account: what a renderer assumes unless told
