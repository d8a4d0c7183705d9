"""A workshop may follow a recipe: its copy, the current phase and each table's phase
(board/phases.py). NULL for every existing workshop: no recipe, manual controls.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 07:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipe', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('recipe')
