"""Commitments: what the room agreed to do about a canvas's most-voted notes or groups
(board/commitments.py).

Revision ID: 0006_commitments
Revises: 0005
Create Date: 2026-12-07 09:20:00

"""
from alembic import op
import sqlalchemy as sa

import facilitator.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0006_commitments'
down_revision = "0006_reuse"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'commitment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('canvas_id', sa.Integer(), nullable=True),
        sa.Column('source_kind', sa.String(length=8), nullable=True),
        sa.Column('source_id', sa.String(length=36), nullable=True),
        sa.Column('source_text', sa.Text(), nullable=False),
        sa.Column('source_votes', sa.Integer(), nullable=True),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('responsible', sa.String(length=120), nullable=False),
        sa.Column('co_responsible', sa.JSON(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('indicator', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_at', facilitator.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', facilitator.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['canvas_id'], ['canvas.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_workshop_id'), ['workshop_id'], unique=False)


def downgrade():
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_workshop_id'))
    op.drop_table('commitment')
