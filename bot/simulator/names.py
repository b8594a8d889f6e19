"""Word lists the generated account is made of: ids, destination names, services, tables.

Fivetran ids are two random words joined by an underscore (`decidedly_conventional`,
`projected_sickle`); 250 x 250 pairs leave room for well over 10,000 connections without a clash.
"""

from __future__ import annotations

from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_WORDS: tuple[str, ...] = _words(
    """
    abruptly absently abstract accurate actually adjacent admiring adorned agile amazingly ample ancient
    anxious apparent arguably artful assured austere avid awkward barely basic bashful bitter bleakly
    blithe boldly bouncy brave breezy brightly brisk broadly bumpy busily calmly candid capable careful
    casual certain cheerful chilly civic clearly clever closely cloudy coarse cogent coldly comic
    compact content cordial cosmic covertly crafty crisp cruelly curious daily damp daring dearly
    decidedly deeply deftly dense devoted diligent direct dizzy dotted dreamy driven dusty eager early
    earnest easily eerie elated elder elegant eminent empty endless enough entire equal evenly exact
    excited expert faint fairly faithful famous fancy fatal fearless fierce final firmly flat fleet
    fluent fondly formal fragile frank freely fresh frugal fully funny gallant gently genuine giddy
    glad gleeful glossy golden graceful grand gravely greatly grim grumpy handy happily hardy hasty
    healthy heavy heedless hollow honest hourly humble hungry icy idle ideal immense inner instant
    intent jagged jolly joyful justly keen kindly knowing lavish lawful lazily legal level likely
    limber lively lofty lonely loosely loyal lucky magnetic major mellow merry mighty mildly minor
    modest moral mostly narrow native neatly nimble noble normal notably novel oddly open orderly
    other outer overly pale partial patient pensive placid plain plucky polite precise pretty
    primary prompt proper proudly quaint quick quietly rapid rarely ready regal remote rigid ripe
    robust rosy rough royal rustic sacred safely scenic secure serene sharp shiny silent simply
    sleek slowly smooth snappy snug solid sparse spicy steady stern still stoic strict sturdy subtle
    sudden sunny superb supple swift tacit tender terse thorough tidy timely tiny total tranquil
    trusty unique upbeat urban usual utterly vague valid vast verbal vivid warmly wary wholly wild
    wisely witty woolly worthy yearly young zesty
    """
)

SECOND_WORDS: tuple[str, ...] = _words(
    """
    acorn adage agenda album alloy almond amber anchor anthem apron arcade arch arena armada atlas
    attic aurora avenue axle badge bagel ballad bamboo banjo banner barley barrel basin beacon beaker
    bellow bench beret birch bishop blade blanket blossom bonnet border bottle boulder bramble breeze
    bridge brook bucket bugle bundle burrow butter cabin cactus candle canoe canyon carpet castle
    cellar chalk chapel cherry chimney cider cinema circus citrus clover cobalt comet compass conch
    copper coral cottage cradle crater crayon cricket crystal cupola cymbal dagger daisy delta desert
    dial dinghy domino dragon drum dune eagle easel echo eclipse ember emerald engine falcon feather
    fern ferry fiddle fig flannel flint forest fossil fountain fox frigate galaxy garnet gazebo
    geyser glacier goblet gondola granite grove guitar gull hammock harbor harp harvest hazel helmet
    heron hickory hive hollow horizon hydrant iceberg igloo indigo inlet island ivory jasmine jetty
    jigsaw jungle kayak kettle kernel kiosk kite ladder lagoon lantern lark lattice ledger lemon
    lichen lilac linen lobster locket lotus lumber magnet mallet mango maple marble meadow medal
    meteor mirror mitten monsoon mosaic mural nectar needle nickel nugget oasis obelisk ocean olive
    onyx orbit orchard otter oyster paddle pagoda palette parcel pebble pelican pepper pillar pinecone
    planet plaza pocket polka poplar portal prairie prism puffin quarry quartz quill quiver radish
    raft rainbow raven reef ribbon ridge river rocket saddle saffron sail sapling satchel scarab
    scroll sickle signal silo sketch sleigh slope sonnet sparrow spindle spruce squash stable statue
    summit swallow sycamore tablet tambour teapot temple thicket thimble thistle timber topaz torch
    tower trellis tulip tundra turret umbrella valley velvet vessel violin volcano wagon walnut
    walrus wharf whistle willow window yarrow zenith zephyr
    """
)

WAREHOUSES: tuple[str, ...] = ("Snowflake", "BigQuery", "Redshift", "Databricks", "Synapse", "Postgres")
ENVIRONMENTS: tuple[str, ...] = (
    "Prod", "Analytics", "Finance", "Marketing", "Staging", "Sandbox", "Sales", "Product", "Data Lake",
    "Reporting", "Ops", "EU", "US", "APAC",
)  # fmt: skip

USUAL_GROUPS: tuple[str, ...] = (
    "Snowflake Prod", "BigQuery Analytics", "Redshift Finance", "Databricks Data Lake", "Snowflake Marketing",
    "BigQuery Staging", "Synapse Reporting", "Snowflake Sandbox",
)  # fmt: skip

# Suffixes people put on connection names to tell two connections of one source apart.
NAME_SUFFIXES: tuple[str, ...] = (
    "prod", "eu", "us", "main", "staging", "legacy", "emea", "apac", "marketing", "sales", "finance",
    "v2", "backup", "internal", "global", "uk", "de", "na", "ops", "analytics",
)  # fmt: skip

GENERIC_DB_TABLES: tuple[str, ...] = (
    "users", "accounts", "orders", "order_items", "products", "invoices", "payments", "customers",
    "addresses", "events", "sessions", "subscriptions", "refunds", "shipments", "inventory", "audit_log",
    "coupons", "carts", "reviews", "suppliers",
)  # fmt: skip
DB_SCHEMAS: tuple[str, ...] = ("public", "billing", "sales", "inventory", "analytics", "crm", "app", "ops")


@dataclass(frozen=True, slots=True)
class Service:
    """A Fivetran connector type: `service` id, whether it is a database (several source schemas,
    table-level re-sync) and the tables a typical account shows."""

    name: str
    database: bool
    tables: tuple[str, ...] = ()
    # The single source schema key Fivetran reports for some app connectors (salesforce, netsuite).
    schema_key: str | None = None
    weight: int = 1


SERVICES: tuple[Service, ...] = (
    Service("salesforce", False, ("account", "contact", "opportunity", "lead", "user", "campaign", "task",
            "case", "opportunity_line_item", "event"), "salesforce", 5),
    Service("postgres", True, weight=6),
    Service("mysql", True, weight=4),
    Service("sql_server", True, weight=2),
    Service("oracle", True, weight=1),
    Service("google_ads", False, ("campaign_history", "ad_group_history", "ad_history", "keyword_stats",
            "account_stats", "ad_stats"), weight=4),
    Service("facebook_ads", False, ("ad_history", "campaign_history", "basic_ad", "basic_campaign",
            "creative_history"), weight=3),
    Service("stripe", False, ("charge", "customer", "invoice", "subscription", "payout", "balance_transaction",
            "refund", "price"), weight=4),
    Service("hubspot", False, ("contact", "company", "deal", "engagement", "owner", "ticket",
            "deal_pipeline"), weight=4),
    Service("netsuite_suiteanalytics", False, ("transaction", "transactionline", "customer", "vendor",
            "account", "item", "employee"), "netsuite", 2),
    Service("shopify", False, ("order", "order_line", "product", "product_variant", "customer",
            "inventory_level", "fulfillment"), weight=3),
    Service("zendesk", False, ("ticket", "ticket_comment", "user", "organization", "group",
            "satisfaction_rating"), weight=3),
    Service("jira", False, ("issue", "project", "sprint", "user", "comment", "worklog"), weight=2),
    Service("google_analytics_4", False, ("events_report", "traffic_acquisition", "pages_report",
            "user_acquisition"), weight=2),
    Service("marketo", False, ("lead", "activity_email_send", "campaign", "program", "list"), weight=1),
    Service("workday", False, ("worker", "position", "organization", "job_profile"), weight=1),
    Service("google_sheets", False, ("sheet",), weight=2),
    Service("s3", False, ("files",), weight=2),
    Service("intercom", False, ("conversation", "contact", "company", "admin", "tag"), weight=1),
    Service("linkedin_ads", False, ("campaign_history", "creative_history", "ad_analytics_by_campaign"),
            weight=1),
    Service("greenhouse", False, ("application", "candidate", "job", "offer", "scorecard"), weight=1),
    Service("mongodb", True, weight=1),
)  # fmt: skip

# Table names Fivetran itself writes; their `enabled` cannot be patched.
SYSTEM_TABLES: tuple[str, ...] = ("fivetran_audit", "fivetran_formula")

# Tasks a broken connection shows: what a person has to fix.
BROKEN_TASKS: tuple[tuple[str, str], ...] = (
    ("reconnect", "Reconnect: the OAuth token has expired or was revoked"),
    ("invalid_credentials", "Invalid credentials: password authentication failed for user 'fivetran'"),
    ("missing_permissions", "Missing permissions: the user cannot read table 'billing.invoices'"),
    ("host_unreachable", "Cannot connect to host: connection timed out after 60 seconds"),
    ("ssl_certificate", "Certificate changed: approve the new certificate to continue"),
)
FAILURE_REASONS: tuple[str, ...] = (
    "Source API returned 502 Bad Gateway",
    "Query timed out after 600 seconds",
    "Destination warehouse is suspended",
    "Too many concurrent connections on the source database",
)
WARNINGS: tuple[tuple[str, str], ...] = (
    ("resync_table_warning", "Resync Table Warning"),
    ("source_quota_low", "The source API quota is close to its daily limit"),
)
