"""The `/hvr` grammar of DESIGN.md section 1: text in, a typed command or a `UsageError` out."""

from __future__ import annotations

import pytest

from bot.commands import grammar
from bot.commands.grammar import (
    MAX_TEXT,
    VERBS,
    BulkCmd,
    ColumnsCmd,
    GroupCmd,
    GroupsCmd,
    HelpCmd,
    ListCmd,
    PauseCmd,
    ResumeCmd,
    ResyncCmd,
    SchemasCmd,
    ShowCmd,
    SyncCmd,
    TablesCmd,
    TableToggleCmd,
    UsageError,
    normalise,
    parse,
)
from bot.commands.hub_commands import CompareCmd
from bot.services.pipelines.health import Health
from bot.services.pipelines.selectors import Selector


def usage_error(text: str) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse(text)
    return caught.value


# --- every verb and its arguments ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_text_is_help(text: str) -> None:
    assert parse(text) == HelpCmd()


def test_help_takes_an_optional_topic_in_lower_case() -> None:
    assert parse("help") == HelpCmd(None)
    assert parse("help SYNC") == HelpCmd("sync")


def test_list_without_arguments_selects_everything() -> None:
    command = parse("list")
    assert command == ListCmd(Selector())
    assert command.selector.is_empty


def test_list_takes_selectors_and_free_text() -> None:
    assert parse("list group:warehouse status:failing service:Stripe sales") == ListCmd(
        Selector(groups=("warehouse",), statuses=(Health.FAILING,), services=("stripe",), text=("sales",))
    )


def test_list_with_an_unknown_health_names_the_known_ones() -> None:
    error = usage_error("list status:sad")
    assert "`status:sad` is not a health" in error.message
    assert all(h.value in error.message for h in Health)
    assert error.topic == "list"


@pytest.mark.parametrize("verb", ["show", "status"])
def test_show_and_its_alias_status_take_one_connector(verb: str) -> None:
    assert parse(f"{verb} salesforce_prod") == ShowCmd("salesforce_prod")


def test_show_keeps_the_connector_as_typed_but_not_the_verb_case() -> None:
    assert parse("SHOW SalesForce_Prod") == ShowCmd("SalesForce_Prod")


def test_show_without_a_connector_says_how_to_write_it() -> None:
    error = usage_error("show")
    assert error.message == "`show` needs <connector>: `/hvr show <connector>`."
    assert error.topic == "show"


def test_show_with_two_connectors_names_the_extra_words() -> None:
    error = usage_error("show a b c")
    assert "takes one <connector>" in error.message
    assert "`b c`" in error.message


def test_a_quoted_name_with_spaces_is_one_argument() -> None:
    assert parse('show "my sales db"') == ShowCmd("my sales db")
    assert parse("show 'my sales db'") == ShowCmd("my sales db")


def test_groups_takes_nothing_and_group_takes_one_name() -> None:
    assert parse("groups") == GroupsCmd()
    assert parse("group warehouse") == GroupCmd("warehouse")
    assert "<group name or id>" in usage_error("group").message


def test_schemas_takes_one_connector() -> None:
    assert parse("schemas sf") == SchemasCmd("sf")
    assert usage_error("schemas").topic == "schemas"


def test_tables_takes_a_connector_and_optionally_a_schema() -> None:
    assert parse("tables sf") == TablesCmd("sf", None)
    assert parse("tables sf public") == TablesCmd("sf", "public")


@pytest.mark.parametrize("text", ["tables", "tables sf public extra"])
def test_tables_with_no_or_too_many_arguments_is_refused(text: str) -> None:
    error = usage_error(text)
    assert "`tables` needs a connector" in error.message
    assert error.topic == "tables"


def test_columns_takes_a_connector_and_one_table() -> None:
    assert parse("columns sf public.orders") == ColumnsCmd("sf", "public", "orders")
    assert parse('columns "my sf" "public.order items"') == ColumnsCmd("my sf", "public", "order items")


@pytest.mark.parametrize("text", ["columns", "columns sf", "columns sf public.a public.b"])
def test_columns_without_exactly_a_connector_and_a_table_is_refused(text: str) -> None:
    error = usage_error(text)
    assert "`columns` needs a connector and a table" in error.message
    assert error.topic == "columns"


def test_columns_needs_its_table_written_schema_dot_table() -> None:
    assert "is not a table" in usage_error("columns sf orders").message


def test_sync_takes_one_connector() -> None:
    assert parse("sync sf") == SyncCmd("sf", force=False)


@pytest.mark.parametrize("text", ["sync sf --force", "sync --force sf"])
def test_sync_force_may_come_before_or_after_the_connector(text: str) -> None:
    assert parse(text) == SyncCmd("sf", force=True)


def test_pause_resume_and_test_take_one_connector() -> None:
    assert parse("pause sf") == PauseCmd("sf")
    assert parse("resume sf") == ResumeCmd("sf")
    assert parse("test sf") == grammar.TestCmd("sf")


@pytest.mark.parametrize("verb", ["sync", "pause", "resume", "test"])
def test_actions_without_a_connector_are_refused_with_their_usage(verb: str) -> None:
    error = usage_error(verb)
    assert error.message == f"`{verb}` needs <connector>: `/hvr {verb} <connector>`."
    assert error.topic == verb


def test_enable_and_disable_take_a_connector_and_a_table() -> None:
    assert parse("enable sf public.orders") == TableToggleCmd("sf", "public", "orders", True)
    assert parse("disable sf public.orders") == TableToggleCmd("sf", "public", "orders", False)


@pytest.mark.parametrize("text", ["enable sf", "disable", "enable sf public.a public.b"])
def test_enable_needs_exactly_a_connector_and_a_table(text: str) -> None:
    error = usage_error(text)
    assert "needs a connector and a table" in error.message


def test_resync_without_tables_is_a_historical_resync() -> None:
    assert parse("resync sf") == ResyncCmd("sf", ())


def test_resync_with_tables_lists_them_in_order() -> None:
    assert parse("resync sf public.orders crm.accounts") == ResyncCmd(
        "sf", (("public", "orders"), ("crm", "accounts"))
    )


def test_resync_without_a_connector_is_refused() -> None:
    error = usage_error("resync")
    assert "`resync` needs a connector" in error.message
    assert error.topic == "resync"


# --- schema.table ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "ref"),
    [(v, r) for v in ("enable", "disable") for r in ("orders", "public.", ".orders", ".")]
    + [("resync", r) for r in ("public.", ".orders", ".")],
)
def test_a_table_must_be_written_schema_dot_table(verb: str, ref: str) -> None:
    error = usage_error(f"{verb} sf {ref}")
    assert error.message == f"`{ref}` is not a table: write it as <schema>.<table>, e.g. `public.orders`."
    assert error.topic == verb


def test_one_bad_table_among_good_ones_refuses_the_resync() -> None:
    assert "`public.` is not a table" in usage_error("resync sf public.a public.").message


def test_a_bare_table_name_is_an_hvr_channels_table_in_a_resync() -> None:
    # the flow refuses it for a Fivetran connection (it has schemas); a channel's tables have none
    assert parse("resync east:orders customers public.lines") == ResyncCmd(
        "east:orders", (("", "customers"), ("public", "lines"))
    )


def test_compare_takes_a_pipeline_and_optional_tables() -> None:
    assert parse("compare east:orders") == CompareCmd("east:orders", ())
    assert parse("compare east:orders customers dbo.lines") == CompareCmd(
        "east:orders", ("customers", "lines")
    )
    error = usage_error("compare")
    assert "needs an HVR channel" in error.message and error.topic == "compare"


# --- --force only with sync ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "pause sf --force",
        "resume sf --force",
        "test sf --force",
        "show sf --force",
        "list --force",
        "help --force",
        "resync sf --force",
        "enable sf public.a --force",
        "pause group:warehouse --force",
    ],
)
def test_force_goes_only_with_sync(text: str) -> None:
    verb = text.split()[0]
    error = usage_error(text)
    assert error.message == f"`--force` only goes with `sync`, not `{verb}`."
    assert error.topic == verb


# --- selectors turn sync/pause/resume/test into bulk ----------------------------------------------------


@pytest.mark.parametrize("verb", ["sync", "pause", "resume", "test"])
def test_a_selector_turns_an_action_into_a_bulk_action(verb: str) -> None:
    assert parse(f"{verb} group:warehouse status:failing") == BulkCmd(
        verb, Selector(groups=("warehouse",), statuses=(Health.FAILING,))
    )


def test_bulk_sync_keeps_force() -> None:
    assert parse("sync service:stripe --force") == BulkCmd("sync", Selector(services=("stripe",)), True)


def test_a_selector_key_is_case_insensitive() -> None:
    assert parse("pause GROUP:Lake") == BulkCmd("pause", Selector(groups=("Lake",)))


def test_a_selector_mixed_with_a_name_is_not_a_bulk_action() -> None:
    error = usage_error("sync group:warehouse salesforce_prod")
    assert "`sync` takes one <connector>" in error.message


def test_a_selectors_name_with_spaces_typed_without_quotes_is_shown_quoted() -> None:
    error = usage_error("pause group:BigQuery Staging")
    assert error.message == (
        "`pause` takes one <connector>; I don't know what to do with `Staging`. If `BigQuery Staging` is one "
        'name, quote it: `/hvr pause group:"BigQuery Staging"`.'
    )
    assert parse('pause group:"BigQuery Staging"') == BulkCmd("pause", Selector(groups=("BigQuery Staging",)))
    assert "quote it" not in usage_error("show a b").message  # no selector: nothing to quote


def test_a_bulk_action_with_an_unknown_health_is_refused() -> None:
    error = usage_error("resume status:sad")
    assert "`status:sad` is not a health" in error.message
    assert error.topic == "resume"


def test_an_empty_selector_value_is_refused_with_an_example() -> None:
    error = usage_error("sync group:")
    assert error.message == "`group:` needs a value, e.g. `group:warehouse`"


def test_a_bulk_test_over_a_source_or_everything_healthy() -> None:
    assert parse("test source:east") == BulkCmd("test", Selector(sources=("east",)))
    assert parse("test status:healthy") == BulkCmd("test", Selector(statuses=(Health.HEALTHY,)))


def test_a_bulk_test_refuses_force_and_a_selector_mixed_with_a_name() -> None:
    assert usage_error("test group:warehouse --force").message == (
        "`--force` only goes with `sync`, not `test`."
    )
    error = usage_error("test group:warehouse salesforce_prod")
    assert "`test` takes one <connector>" in error.message and error.topic == "test"


@pytest.mark.parametrize("verb", ["show", "schemas"])
def test_a_selector_does_not_make_other_verbs_bulk(verb: str) -> None:
    command = parse(f"{verb} group:warehouse")
    assert not isinstance(command, BulkCmd)
    assert command.connector == "group:warehouse"  # type: ignore[union-attr]


# --- unknown verbs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "meant"), [("synk", "sync"), ("lsit", "list"), ("shwo", "show")])
def test_an_unknown_verb_close_to_a_known_one_says_did_you_mean(typed: str, meant: str) -> None:
    error = usage_error(f"{typed} sf")
    assert error.message == f"I don't know the command `{typed}`. Did you mean `{meant}`? Try `/hvr help`."
    assert error.topic is None


def test_an_unknown_verb_far_from_all_says_only_try_help() -> None:
    assert usage_error("frobnicate").message == "I don't know the command `frobnicate`. Try `/hvr help`."


def test_an_unknown_long_verb_is_shown_cut_at_forty_characters() -> None:
    error = usage_error("q" * 100)
    assert f"`{'q' * 40}…`" in error.message
    assert "q" * 41 not in error.message


def test_every_listed_verb_is_understood() -> None:
    for verb in VERBS:
        try:
            parse(f"{verb} sf public.orders")
        except UsageError as error:
            assert "I don't know the command" not in error.message, verb


# --- quotes, Slack escaping, unicode, control characters, length -------------------------------------


@pytest.mark.parametrize("text", ['show "sales', "show 'sales", 'show sales"'])
def test_an_unbalanced_quote_is_a_usage_error(text: str) -> None:
    assert usage_error(text).message == "A quote is not closed. Put names with spaces in matching quotes."


def test_a_slack_auto_link_with_a_label_means_the_label() -> None:
    assert parse("show <http://salesforce.prod|salesforce.prod>") == ShowCmd("salesforce.prod")


@pytest.mark.parametrize(
    ("wrapped", "meant"),
    [("<http://salesforce.prod>", "salesforce.prod"), ("<https://a.b>", "a.b"), ("<mailto:a@b.c>", "a@b.c")],
)
def test_a_slack_link_without_a_label_means_the_target_without_its_scheme(wrapped: str, meant: str) -> None:
    assert parse(f"show {wrapped}") == ShowCmd(meant)


def test_an_auto_linked_table_is_a_table() -> None:
    assert parse("enable sf <http://public.orders|public.orders>") == TableToggleCmd(
        "sf", "public", "orders", True
    )


@pytest.mark.parametrize(
    "mention", ["<@U123|ana>", "<@U123>", "<#C42|general>", "<!channel>", "<!subteam^S9>"]
)
def test_mentions_are_kept_as_sent(mention: str) -> None:
    assert normalise(f"access grant {mention} admin") == f"access grant {mention} admin"
    assert parse(f"show {mention}") == ShowCmd(mention)


def test_fullwidth_text_is_nfkc_normalised() -> None:
    assert parse("ＳＹＮＣ ｓａｌｅｓ") == SyncCmd("sales")


def test_a_ligature_and_a_non_breaking_space_are_normalised() -> None:
    assert parse("show\u00a0of\ufb01ce") == ShowCmd("office")


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\r", "\x0b"])
def test_control_characters_separate_words(control: str) -> None:
    assert parse(f"show{control}sales") == ShowCmd("sales")


def test_tabs_and_newlines_are_whitespace() -> None:
    assert parse("\tsync\nsales\n") == SyncCmd("sales")


def test_text_over_the_limit_is_refused_with_its_length() -> None:
    error = usage_error("show " + "a" * MAX_TEXT)
    assert error.message.startswith(f"That command is {MAX_TEXT + 5:,} characters long")


def test_text_at_the_limit_is_still_read() -> None:
    text = "list " + "a" * (MAX_TEXT - 5)
    assert len(text) == MAX_TEXT
    assert parse(text) == ListCmd(Selector(text=("a" * (MAX_TEXT - 5),)))


# --- Selector rendering ---------------------------------------------------------------------------------


def test_a_selector_describes_itself_and_reads_back_from_its_text() -> None:
    command = parse("list group:lake status:broken service:stripe orders")
    assert isinstance(command, ListCmd)
    assert command.selector.describe() == 'group:lake status:broken service:stripe "orders"'
    assert parse(f"list {command.selector.as_text()}") == command


def test_an_empty_selector_describes_all_connectors() -> None:
    assert Selector().describe() == "all connectors"
    assert Selector().as_text() == ""


@pytest.mark.parametrize(
    "opening, closing", [("\u201c", "\u201d"), ("\u201e", "\u201c"), ("\u2018", "\u2019")]
)
def test_curly_quotes_as_phones_and_macs_type_them_read_as_straight_ones(opening: str, closing: str) -> None:
    typed = f"list group:{opening}Redshift Finance{closing} source:staging"
    assert parse(typed) == ListCmd(Selector(groups=("Redshift Finance",), sources=("staging",)))
    assert parse(f"show {opening}My Connector{closing}") == parse('show "My Connector"')
