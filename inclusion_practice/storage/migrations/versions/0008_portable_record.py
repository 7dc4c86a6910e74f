"""The portable health record: consent with the chosen sections, every print, and the terms and
statuses of coded entries.

``portable_consent`` holds the patient's consent (or its withdrawal) as a coded, dated fact with
the sections chosen; ``portable_print`` every card, summary or FHIR file handed over, with the
content as printed (so a reprint shows what was checked). Both refuse UPDATE and DELETE (and
TRUNCATE on PostgreSQL) and are audited. ``clinical_event`` gains the term (``display``), the
value's unit and the clinical status the source recorded, so a card can say "Asthma" and leave resolved problems
off; old rows keep NULL.

Revision ID: 0008
Revises: 0006 (the lead re-points this to 0007, the audit-chain migration, when both merge)
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("portable_consent", "portable_print")


def upgrade() -> None:
    with op.batch_alter_table("clinical_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("display", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )
        batch_op.add_column(
            sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True)
        )
        batch_op.add_column(
            sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
    op.create_table(
        "portable_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("sections", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portable_consent_patient", "portable_consent",
                    ["patient_id", "recorded_at"])
    op.create_table(
        "portable_print",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("printed_at", sa.DateTime(), nullable=False),
        sa.Column("printed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("output", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("layout", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reprint_of_id", sa.Integer(), nullable=True),
        sa.Column("qr_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("qr_bytes", sa.Integer(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["consent_id"], ["portable_consent.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["reprint_of_id"], ["portable_print.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portable_print_patient", "portable_print", ["patient_id", "printed_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION portable_record_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'portable-record consents and prints are append-only (% refused)',
                    TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION portable_record_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION portable_record_append_only()"
            )
    else:
        for table in TABLES:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'portable-record rows are append-only'); END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION portable_record_append_only()")
    op.drop_table("portable_print")
    op.drop_table("portable_consent")
    with op.batch_alter_table("clinical_event", schema=None) as batch_op:
        batch_op.drop_column("status")
        batch_op.drop_column("unit")
        batch_op.drop_column("display")
