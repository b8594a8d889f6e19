"""hvr-bot: a Slack chatops bot for Fivetran and HVR 6 hubs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hvr-bot")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
