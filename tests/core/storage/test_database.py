def test_the_schema_revision_readers_expect_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from core.storage.database import SCHEMA_REVISION, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_REVISION
