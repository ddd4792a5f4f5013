"""The Alembic migrations build exactly the schema the models describe (SQLite and PostgreSQL):
a model change without its migration fails here, not in a deployment."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from gateway.store.migrate import upgrade
from gateway.store.models import Base


def test_given_all_migrations_applied_then_no_difference_from_the_models(
    database_url: str,
) -> None:
    upgrade(database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
