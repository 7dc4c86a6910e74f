"""A keyed audit chain sealed after commit, and no TRUNCATE of the append-only tables.

``audit_event`` gains ``key_id`` and ``nonce``: each new row carries its own HMAC (in
``hash``) under a key kept outside the database. ``audit_link`` is the chain, written by the
sequencer after commit; ``audit_pending`` queues committed rows for it (a trigger adds every
new audit row), so writers no longer queue behind one lock. Rows already in the database are
queued too: the first seal links the old unkeyed chain into the keyed one.

On PostgreSQL, TRUNCATE is refused on every append-only table (``audit_event``,
``audit_link``, ``audit_pending``, ``sign_in_attempt``, ``database_marker``; the access log
refused it already). Columns are added with plain ALTER TABLE so SQLite keeps its triggers.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NO_TRUNCATE = ("audit_event", "audit_link", "audit_pending", "sign_in_attempt", "database_marker")


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.add_column("audit_event", sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=16),
                                           nullable=True))
    op.add_column("audit_event", sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=32),
                                           nullable=True))
    op.create_table(
        "audit_link",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("audit_event_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("link_mac", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("audit_event_id"),
    )
    op.create_table(
        "audit_pending",
        sa.Column("audit_event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("audit_event_id"),
    )
    op.execute("INSERT INTO audit_pending (audit_event_id) SELECT id FROM audit_event")
    if pg:
        op.execute(
            """
            CREATE FUNCTION audit_event_queue() RETURNS trigger AS $$
            BEGIN
                INSERT INTO audit_pending (audit_event_id) VALUES (NEW.id);
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_event_queue AFTER INSERT ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_queue()"
        )
        op.execute(
            """
            CREATE FUNCTION audit_chain_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% rows are append-only (% refused)', TG_TABLE_NAME, TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_link_append_only BEFORE UPDATE OR DELETE ON audit_link "
            "FOR EACH ROW EXECUTE FUNCTION audit_chain_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending "
            "FOR EACH ROW EXECUTE FUNCTION audit_chain_append_only()"
        )
        for table in _NO_TRUNCATE:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only()"
            )
    else:
        op.execute(
            "CREATE TRIGGER audit_event_queue AFTER INSERT ON audit_event "
            "BEGIN INSERT INTO audit_pending (audit_event_id) VALUES (NEW.id); END"
        )
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_link_no_{verb.lower()} BEFORE {verb} ON audit_link "
                "BEGIN SELECT RAISE(ABORT, 'audit_link rows are append-only'); END"
            )
        op.execute(
            "CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending "
            "BEGIN SELECT RAISE(ABORT, 'audit_pending rows cannot be changed'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _NO_TRUNCATE:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER audit_pending_no_update ON audit_pending")
        op.execute("DROP TRIGGER audit_link_append_only ON audit_link")
        op.execute("DROP TRIGGER audit_event_queue ON audit_event")
        op.execute("DROP FUNCTION audit_chain_append_only()")
        op.execute("DROP FUNCTION audit_event_queue()")
    else:
        op.execute("DROP TRIGGER audit_pending_no_update")
        op.execute("DROP TRIGGER audit_link_no_update")
        op.execute("DROP TRIGGER audit_link_no_delete")
        op.execute("DROP TRIGGER audit_event_queue")
    op.drop_table("audit_pending")
    op.drop_table("audit_link")
    op.drop_column("audit_event", "nonce")
    op.drop_column("audit_event", "key_id")
