"""`hvr-bot check` for HVR 6 hubs: log in to each and read its status and license (section 8)."""

from __future__ import annotations

from bot.config import Settings
from bot.hvr import errors
from bot.hvr.client import HvrClient
from bot.source_config import HvrHub

GOOD_LICENSES = frozenset({"VALID"})
# (ok, text): check.py makes each a Finding (importing it here would be a cycle)
Finding = tuple[bool, str]


async def hub_finding(hub: HvrHub) -> Finding:
    client = HvrClient(hub.url, hub.username, hub.password.get_secret_value(), hub.hub, hub.api_version)
    try:
        status = await client.status()
    except errors.Unauthorized:
        return (
            False,
            f"{hub.name}: the hub did not accept {hub.variable('username')}/"
            f"{hub.variable('password')}: check the hub user and its password",
        )
    except errors.Forbidden:
        return (False, f"{hub.name}: the hub user may not read the hub {hub.hub}: grant it ReadExec on it")
    except errors.NotFound:
        return (False, f"{hub.name}: no hub named {hub.hub} on {hub.url}: set {hub.variable('hub')}")
    except errors.TransportError:
        return (False, f"{hub.name}: could not reach the Hub Server at {hub.url} ({hub.variable('url')})")
    except errors.HvrError as error:
        return (False, f"{hub.name}: the hub answered with an error ({type(error).__name__})")
    finally:
        await client.aclose()
    license_ok = status.license.upper() in GOOD_LICENSES
    text = f"{hub.name}: logged in to hub {hub.hub} ({status.hub_state or 'state unknown'}), license {status.license or 'unknown'}"
    return (license_ok, text if license_ok else f"{text}: renew or fix the hub's license")


async def hub_findings(settings: Settings) -> list[Finding]:
    return [await hub_finding(hub) for hub in settings.hubs()]
