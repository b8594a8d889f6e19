from tests.db_fixtures import (  # noqa: F401 (fixtures are found by name)
    database_url,
    postgres_server,
    postgres_template,
    postgres_url,
    sqlite_template,
)
