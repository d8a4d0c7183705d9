"""Facilitators' own recipes, saved from a workshop's set-up (issue 13, "Reuse").

Revision ID: 0006_reuse
Revises: 0005
Create Date: 2026-12-07 09:30:00

"""
from alembic import op
import sqlalchemy as sa

import facilitator.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0006_reuse'
down_revision = "0006_editor"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_recipe',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('facilitator_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_at', facilitator.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['facilitator_id'], ['facilitator.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('facilitator_id', 'name', name='uq_saved_recipe_name'),
    )
    with op.batch_alter_table('saved_recipe', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_recipe_facilitator_id'), ['facilitator_id'], unique=False)


def downgrade():
    with op.batch_alter_table('saved_recipe', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_recipe_facilitator_id'))
    op.drop_table('saved_recipe')
