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


def test_given_a_0003_database_when_upgraded_then_keys_move_to_their_table_and_statuses_rename(
    database_url: str,
) -> None:
    from sqlalchemy import text

    from gateway.partner_store import PartnerKeys, hash_api_key
    from gateway.store.db import Database
    from gateway.store.migrate import current

    upgrade(database_url, "0003")
    engine = create_engine(database_url)
    rows = [
        ("old-live", "production", "ZZ", "A", hash_api_key("gk_old_live_key"), "gk_old_li"),
        ("old-test", "test", "ZZ", "B", None, None),
    ]
    with engine.begin() as connection:
        for row in rows:
            connection.execute(
                text(
                    "INSERT INTO partners (id, name, status, isa_qualifier, isa_id, api_key_hash,"
                    " api_key_prefix, updated_at) VALUES (:id, :id, :status, :q, :i, :h, :p,"
                    " CURRENT_TIMESTAMP)"
                ),
                dict(zip(("id", "status", "q", "i", "h", "p"), row, strict=True)),
            )
    engine.dispose()

    upgrade(database_url)

    db = Database(database_url)
    try:
        with db.sessions() as session:
            statuses = dict(session.execute(text("SELECT id, status FROM partners")).all())
        owner = PartnerKeys(db, ttl_s=0).partner_for("gk_old_live_key")
        assert statuses == {"old-live": "live", "old-test": "testing"}
        assert owner is not None and (owner.partner_id, owner.status) == ("old-live", "live")
        assert [k.prefix for k in PartnerKeys(db, ttl_s=0).keys("old-live")] == ["gk_old_li"]
        assert current(database_url) == "0017"
    finally:
        db.dispose()
