"""The `/hvr` grammar: text in, a typed command or a `UsageError` out. Never anything else.

Slack sends the text with `should_escape` on, so mentions arrive as `<@U123|ana>` and auto-linked words
as `<http://x.y|x.y>`; both are unwrapped here so that `show salesforce.prod` means what was typed.
"""

from __future__ import annotations

import difflib
import re
import shlex
import unicodedata
from dataclasses import dataclass, field

from bot.commands.digest_commands import DigestCommand, parse_digest
from bot.commands.hub_commands import CompareCmd, parse_compare
from bot.commands.schedule_commands import ScheduleCmd, parse_schedule_command
from bot.commands.usage import UsageError as UsageError  # re-exported: callers catch it from here
from bot.commands.watch_commands import WatchCommand, parse_watch
from bot.services.pipelines.schedule import ScheduleChange
from bot.services.pipelines.selectors import (
    Selector,
    SelectorError,
    is_selector_term,
    parse_selector,
    straight_quotes,
)

MAX_TEXT = 2_000  # Slack caps a slash command's text well below this; anything longer is not a person


@dataclass(frozen=True)
class HelpCmd:
    topic: str | None = None


@dataclass(frozen=True)
class ListCmd:
    selector: Selector = field(default_factory=Selector)
    page: int = 1


@dataclass(frozen=True)
class ShowCmd:
    connector: str


@dataclass(frozen=True)
class GroupsCmd:
    pass


@dataclass(frozen=True)
class GroupCmd:
    group: str


@dataclass(frozen=True)
class SchemasCmd:
    connector: str


@dataclass(frozen=True)
class TablesCmd:
    connector: str
    schema: str | None = None


@dataclass(frozen=True)
class ColumnsCmd:
    connector: str
    schema: str
    table: str


@dataclass(frozen=True)
class SyncCmd:
    connector: str
    force: bool = False


@dataclass(frozen=True)
class PauseCmd:
    connector: str


@dataclass(frozen=True)
class ResumeCmd:
    connector: str


@dataclass(frozen=True)
class TestCmd:
    connector: str


@dataclass(frozen=True)
class TableToggleCmd:
    connector: str
    schema: str
    table: str
    enabled: bool


@dataclass(frozen=True)
class ResyncCmd:
    connector: str
    tables: tuple[tuple[str, str], ...] = ()  # empty: a historical re-sync of everything


@dataclass(frozen=True)
class BulkCmd:
    action: str  # sync | pause | resume | test | schedule
    selector: Selector
    force: bool = False
    schedule: ScheduleChange | None = None  # the change, for `schedule`


@dataclass(frozen=True)
class AccessCmd:
    op: str  # list | grant | revoke
    subject: str | None = None  # U… user or S… user group
    role: str | None = None  # operator | admin


@dataclass(frozen=True)
class AuditCmd:
    connector: str | None = None
    user: str | None = None
    limit: int = 20


@dataclass(frozen=True)
class ReconnectCmd:
    connector: str


Command = (
    HelpCmd
    | ListCmd
    | ShowCmd
    | GroupsCmd
    | GroupCmd
    | SchemasCmd
    | TablesCmd
    | ColumnsCmd
    | SyncCmd
    | PauseCmd
    | ResumeCmd
    | TestCmd
    | TableToggleCmd
    | ResyncCmd
    | BulkCmd
    | AccessCmd
    | AuditCmd
    | ScheduleCmd
    | ReconnectCmd
    | CompareCmd
    | DigestCommand
    | WatchCommand
)

VERBS = (
    "help",
    "list",
    "show",
    "status",
    "groups",
    "group",
    "schemas",
    "tables",
    "columns",
    "sync",
    "pause",
    "resume",
    "test",
    "enable",
    "disable",
    "resync",
    "compare",
    "access",
    "audit",
    "schedule",
    "reconnect",
    "digest",
    "watch",
    "unwatch",
    "unsnooze",
)

_SLACK_WRAPPED = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _unwrap(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith(("@", "#", "!")):
        return match.group(0)  # mentions stay as they are: `access grant <@U1> admin` needs the id
    return label if label else re.sub(r"^(https?://|mailto:)", "", target)


def normalise(text: str) -> str:
    text = straight_quotes(unicodedata.normalize("NFKC", text))
    text = _CONTROL.sub(" ", text)
    return _SLACK_WRAPPED.sub(_unwrap, text).strip()


def tokenize(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        raise UsageError("A quote is not closed. Put names with spaces in matching quotes.") from None


def _one(args: list[str], verb: str, what: str = "<connector>") -> str:
    if not args:
        raise UsageError(f"`{verb}` needs {what}: `/hvr {verb} {what}`.", verb)
    if len(args) > 1 and any("/" in a for a in args):
        # `show Snowflake Prod/salesforce`: a group name with spaces, typed without quotes
        return " ".join(args)
    if len(args) > 1:
        extra = " ".join(args[1:])
        key, colon, value = args[0].partition(":")  # `pause group:BigQuery Staging`: quotes forgotten
        named = f"{value} {extra}"
        hint = f' If `{named}` is one name, quote it: `/hvr {verb} {key}:"{named}"`.' if colon else ""
        raise UsageError(f"`{verb}` takes one {what}; I don't know what to do with `{extra}`.{hint}", verb)
    return args[0]


def _table_ref(token: str, verb: str) -> tuple[str, str]:
    schema, dot, table = token.partition(".")
    if not dot or not schema or not table:
        raise UsageError(
            f"`{token}` is not a table: write it as <schema>.<table>, e.g. `public.orders`.", verb
        )
    return schema, table


def _selector(args: list[str], verb: str, *, allow_text: bool) -> Selector:
    try:
        return parse_selector(args, allow_text=allow_text)
    except SelectorError as error:
        raise UsageError(str(error), verb) from None


def parse(text: str, *, default_tz: str = "UTC") -> Command:
    """`default_tz` is the zone of a digest schedule that names none (HVR_TIMEZONE)."""
    if len(text) > MAX_TEXT:
        raise UsageError(
            f"That command is {len(text):,} characters long; commands are short. Try `/hvr help`."
        )
    normalised = normalise(text)
    if len(normalised) > MAX_TEXT:  # NFKC can make a short text many times longer
        raise UsageError("That command is too long; commands are short. Try `/hvr help`.")
    tokens = tokenize(normalised)
    if not tokens:
        return HelpCmd()
    verb, args = tokens[0].lower(), tokens[1:]
    force = "--force" in args
    args = [a for a in args if a != "--force"]
    if force and verb != "sync":
        raise UsageError(f"`--force` only goes with `sync`, not `{verb}`.", verb)
    if verb == "help":
        return HelpCmd(args[0].lower() if args else None)
    if verb == "list":
        return ListCmd(_selector(args, verb, allow_text=True))
    if verb in ("show", "status"):
        return ShowCmd(_one(args, verb))
    if verb == "groups":
        return GroupsCmd()
    if verb == "group":
        return GroupCmd(_one(args, verb, "<group name or id>"))
    if verb == "schemas":
        return SchemasCmd(_one(args, verb))
    if verb == "tables":
        if not args or len(args) > 2:
            raise UsageError(
                "`tables` needs a connector and, optionally, a schema: `/hvr tables <connector> [<schema>]`.",
                verb,
            )
        return TablesCmd(args[0], args[1] if len(args) == 2 else None)
    if verb == "columns":
        if len(args) != 2:
            raise UsageError(
                "`columns` needs a connector and a table: `/hvr columns <connector> <schema>.<table>`.", verb
            )
        return ColumnsCmd(args[0], *_table_ref(args[1], verb))
    if verb in ("sync", "pause", "resume", "test"):
        if args and all(is_selector_term(a) for a in args):
            return BulkCmd(verb, _selector(args, verb, allow_text=False), force)
        connector = _one(args, verb)
        if verb == "sync":
            return SyncCmd(connector, force)
        if verb == "test":
            return TestCmd(connector)
        return PauseCmd(connector) if verb == "pause" else ResumeCmd(connector)
    if verb in ("enable", "disable"):
        if len(args) != 2:
            raise UsageError(
                f"`{verb}` needs a connector and a table: `/hvr {verb} <connector> <schema>.<table>`.", verb
            )
        schema, table = _table_ref(args[1], verb)
        return TableToggleCmd(args[0], schema, table, verb == "enable")
    if verb == "resync":
        if not args:
            raise UsageError(
                "`resync` needs a connector: `/hvr resync <connector> [<schema>.<table> …]`.", verb
            )
        # a bare name is an HVR channel's table; the flow refuses it for a Fivetran connection
        return ResyncCmd(args[0], tuple(_table_ref(a, verb) if "." in a else ("", a) for a in args[1:]))
    if verb == "compare":
        return parse_compare(args)
    if verb == "schedule":
        terms = 0
        while terms < len(args) and is_selector_term(args[terms]):
            terms += 1
        if terms:  # `schedule group:finance every 6h`: the bulk form
            selector = _selector(args[:terms], verb, allow_text=False)
            change = parse_schedule_command(["_", *args[terms:]], default_tz=default_tz).change
            if change is None:
                raise UsageError(
                    "A schedule for many connectors needs the change: `/hvr schedule group:finance every 6h`.",
                    verb,
                )
            return BulkCmd("schedule", selector, schedule=change)
        return parse_schedule_command(args, default_tz=default_tz)
    if verb == "reconnect":
        return ReconnectCmd(_one(args, verb))
    if verb == "digest":
        return parse_digest(args, default_tz=default_tz)
    if verb in ("watch", "unwatch", "unsnooze"):
        return parse_watch(verb, args)
    if verb == "access":
        return _access(args)
    if verb == "audit":
        return _audit(args)
    raise UsageError(_unknown(verb))


_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_GROUP = re.compile(r"^<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>$")
_RAW_ID = re.compile(r"^[USW][A-Z0-9]{2,}$")
ROLES = ("operator", "admin")


def subject_id(token: str) -> str | None:
    """A user or user group from a mention (`<@U123|ana>`, `<!subteam^S123|@data>`) or a raw ID."""
    for pattern in (_MENTION, _GROUP):
        match = pattern.match(token)
        if match:
            return match.group(1)
    return token if _RAW_ID.match(token) else None


def _access(args: list[str]) -> AccessCmd:
    op = args[0].lower() if args else "list"
    if op == "list" and len(args) <= 1:
        return AccessCmd("list")
    usage = "`/hvr access grant @someone operator|admin`, `/hvr access revoke @someone`, `/hvr access list`."
    if op not in ("grant", "revoke") or len(args) < 2:
        raise UsageError(f"Use {usage}", "access")
    subject = subject_id(args[1])
    if subject is None:
        raise UsageError(f"`{args[1][:60]}` is not a person or user group: mention them (@name).", "access")
    if op == "revoke":
        if len(args) > 2:
            raise UsageError("`access revoke` takes only who: `/hvr access revoke @someone`.", "access")
        return AccessCmd("revoke", subject)
    if len(args) != 3 or args[2].lower() not in ROLES:
        raise UsageError("Grant `operator` or `admin`: `/hvr access grant @someone operator`.", "access")
    return AccessCmd("grant", subject, args[2].lower())


def _audit(args: list[str]) -> AuditCmd:
    connector: str | None = None
    user: str | None = None
    limit = 20
    for token in args:
        if token.lower().startswith("limit:"):
            value = token.split(":", 1)[1]
            if not value.isdigit() or not 1 <= int(value) <= 200:
                raise UsageError("`limit:` takes a number from 1 to 200, e.g. `limit:50`.", "audit")
            limit = int(value)
        elif (found := subject_id(token)) is not None and token.startswith("<"):
            user = found
        elif connector is None:
            connector = token
        else:
            raise UsageError("`audit` takes one connector or one @person, and `limit:<n>`.", "audit")
    return AuditCmd(connector, user, limit)


def _unknown(verb: str) -> str:
    shown = verb if len(verb) <= 40 else verb[:40] + "…"
    close = difflib.get_close_matches(verb, VERBS, n=1, cutoff=0.6)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    return f"I don't know the command `{shown}`.{hint} Try `/hvr help`."
