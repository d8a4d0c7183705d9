"""Facilitator controls: locks, silent writing, anonymity, timers, focus, projector,
voting, clusters, ready and raised hands, workshop events in the log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 02:44:56.202505

"""
from alembic import op
import sqlalchemy as sa

import facilitator.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cluster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('canvas_id', sa.Integer(), nullable=False),
    sa.Column('block', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('created_at', facilitator.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['canvas_id'], ['canvas.id'], name=op.f('fk_cluster_canvas_id_canvas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster'))
    )
    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_canvas_id'), ['canvas_id'], unique=False)

    op.create_table('voting_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('canvas_id', sa.Integer(), nullable=False),
    sa.Column('blocks', sa.JSON(), nullable=True),
    sa.Column('budget', sa.Integer(), nullable=False),
    sa.Column('max_per_note', sa.Integer(), nullable=False),
    sa.Column('allow_own', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_at', facilitator.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', facilitator.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['canvas_id'], ['canvas.id'], name=op.f('fk_voting_round_canvas_id_canvas'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voting_round'))
    )
    with op.batch_alter_table('voting_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voting_round_canvas_id'), ['canvas_id'], unique=False)

    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.String(length=36), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', facilitator.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['note.id'], name=op.f('fk_vote_note_id_note'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_vote_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['voting_round.id'], name=op.f('fk_vote_round_id_voting_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote'))
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_note_id'), ['note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('canvas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('locked_blocks', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('hidden', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('anonymous', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('timer', sa.JSON(), nullable=True))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('workshop_id', sa.Integer(), nullable=True))
        batch_op.alter_column('canvas_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_event_workshop_id'), ['workshop_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_event_workshop_id_workshop'), 'workshop', ['workshop_id'], ['id'], ondelete='CASCADE')

    # Events recorded before this revision all belong to a canvas.
    op.execute("UPDATE event SET workshop_id = (SELECT workshop_id FROM canvas WHERE canvas.id = event.canvas_id)")

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('cluster_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_note_cluster_id_cluster'), 'cluster', ['cluster_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', facilitator.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ready', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('hand_raised', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('timer', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('focus', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('projector', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('anonymous_shows_institution', sa.Boolean(), nullable=False, server_default=sa.true()))



def downgrade():
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('anonymous_shows_institution')
        batch_op.drop_column('projector')
        batch_op.drop_column('focus')
        batch_op.drop_column('timer')
        batch_op.drop_column('version')

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('hand_raised')
        batch_op.drop_column('ready')
        batch_op.drop_column('last_seen_at')

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_note_cluster_id_cluster'), type_='foreignkey')
        batch_op.drop_column('cluster_id')
        batch_op.drop_column('hidden')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_workshop_id_workshop'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_event_workshop_id'))
        batch_op.alter_column('canvas_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('workshop_id')

    with op.batch_alter_table('canvas', schema=None) as batch_op:
        batch_op.drop_column('timer')
        batch_op.drop_column('anonymous')
        batch_op.drop_column('hidden')
        batch_op.drop_column('locked_blocks')
        batch_op.drop_column('locked')

    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_round_id'))
        batch_op.drop_index(batch_op.f('ix_vote_participant_id'))
        batch_op.drop_index(batch_op.f('ix_vote_note_id'))

    op.drop_table('vote')
    with op.batch_alter_table('voting_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voting_round_canvas_id'))

    op.drop_table('voting_round')
    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_canvas_id'))

    op.drop_table('cluster')
