"""MDT meetings, shared actions and referrals to partner services.

``referral`` (a referral to a partner's service: reason, consent to share, status and dates),
``mdt_meeting`` with ``mdt_attendee`` (users and partner organisations), ``mdt_item`` (a patient
on the agenda: the rules that put them there, consent, discussion summary, lead professional)
and ``mdt_action`` (owner, due date, outcome). All audited; nothing is deleted.

Revision ID: 0009
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('mdt_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_mdt_meeting_meeting_date'), 'mdt_meeting', ['meeting_date'], unique=False)
    op.create_table('mdt_attendee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['mdt_meeting.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'kind', 'key')
    )
    op.create_index(op.f('ix_mdt_attendee_meeting_id'), 'mdt_attendee', ['meeting_id'], unique=False)
    op.create_table('mdt_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('rules', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('candidate_since', sa.Date(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('consent', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('added_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('lead_professional', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('discussed_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['mdt_meeting.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'patient_id')
    )
    op.create_index(op.f('ix_mdt_item_meeting_id'), 'mdt_item', ['meeting_id'], unique=False)
    op.create_index(op.f('ix_mdt_item_patient_id'), 'mdt_item', ['patient_id'], unique=False)
    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('partner_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('service', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('reason_code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('reason_text', sa.Text(), nullable=False),
    sa.Column('consent', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('referred_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('reply_due', sa.Date(), nullable=False),
    sa.Column('status_changed_on', sa.Date(), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('seen_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('mdt_action_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_referral_patient_id'), 'referral', ['patient_id'], unique=False)
    op.create_index('ix_referral_status_due', 'referral', ['status', 'reply_due'], unique=False)
    op.create_table('mdt_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('owner_kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['mdt_item.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_mdt_action_item_id'), 'mdt_action', ['item_id'], unique=False)
    op.create_index(op.f('ix_mdt_action_patient_id'), 'mdt_action', ['patient_id'], unique=False)
    op.create_index('ix_mdt_action_status_due', 'mdt_action', ['status', 'due_on'], unique=False)


def downgrade() -> None:
    for table in ("mdt_action", "referral", "mdt_item", "mdt_attendee", "mdt_meeting"):
        op.drop_table(table)
