"""The webhook's delivery log: one row per attempt to post a closed workshop's file
(export/webhook.py). A new table; nothing existing changes.

Revision ID: 0006_handoff
Revises: 0005
Create Date: 2026-12-07 09:40:00

"""
from alembic import op
import sqlalchemy as sa

import facilitator.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0006_handoff'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webhook_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.String(length=32), nullable=False),
        sa.Column('reason', sa.String(length=10), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('attempted_at', facilitator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.Column('next_retry_at', facilitator.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_delivery_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_delivery_workshop_id'), ['workshop_id'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_delivery_id'))
    op.drop_table('webhook_delivery')
