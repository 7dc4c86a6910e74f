"""Refusals keep an optional age, age band and ethnic category for equality monitoring.

Commissioners may ask for refusals by reason, age and ethnicity; the regulations only require
a record of refusals and their reasons, so the new columns are optional and old rows keep
NULL (records are never rewritten).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("refusal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("age_years", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("age_band", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
        )
        batch_op.add_column(
            sa.Column("ethnic_category", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("refusal", schema=None) as batch_op:
        batch_op.drop_column("ethnic_category")
        batch_op.drop_column("age_band")
        batch_op.drop_column("age_years")
