"""A facilitator's own canvas templates, made in the canvas editor (views/canvas_editor.py).

Revision ID: 0006_editor
Revises: 0005
Create Date: 2026-12-07 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_editor'
down_revision = "0006_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'own_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=60), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('copied_from', sa.String(length=60), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['facilitator.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('owner_id', 'slug', name='uq_own_template_slug'),
    )
    with op.batch_alter_table('own_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_own_template_owner_id'), ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('own_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_own_template_owner_id'))
    op.drop_table('own_template')
