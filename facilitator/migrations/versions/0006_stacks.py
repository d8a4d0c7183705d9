"""Stacks: a dot may go to a stack of notes (a cluster) instead of a note.
vote.note_id becomes nullable, vote.cluster_id is added, and a check keeps exactly
one of the two set (board/voting.py, board/stacks.py).

Revision ID: 0006_stacks
Revises: 0005
Create Date: 2026-12-07 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_stacks'
down_revision = "0006_commitments"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cluster_id', sa.Integer(), nullable=True))
        batch_op.alter_column('note_id', existing_type=sa.String(length=36), nullable=True)
        batch_op.create_index(batch_op.f('ix_vote_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_vote_cluster_id_cluster'), 'cluster', ['cluster_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_check_constraint('one_target', '(note_id IS NULL) <> (cluster_id IS NULL)')


def downgrade():
    # A dot on a stack has no place in the older schema.
    op.execute("DELETE FROM vote WHERE cluster_id IS NOT NULL")
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_vote_one_target'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_vote_cluster_id_cluster'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_vote_cluster_id'))
        batch_op.alter_column('note_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_column('cluster_id')
