from tests.db_fixtures import (  # noqa: F401 (fixtures are found by name)
    database,
    database_url,
    empty_database_url,
    empty_postgres_url,
    postgres_server,
    postgres_template,
    postgres_url,
    sqlite_template,
)
