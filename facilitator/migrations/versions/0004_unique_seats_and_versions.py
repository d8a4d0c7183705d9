"""What the database itself guarantees: one number per workshop event (the
workshop's ``version``, kept in event.seq with no canvas) and one seat per
facilitator and workshop.

Seats were made by a read-then-insert, so two tabs opening at once could each
make one. Before the unique index, every seat but the first of a facilitator in
a workshop is turned into what an imported facilitator is (no account, the
same name, ``imported_role = 'facilitator'``): its notes and events keep their
author, and its token no longer opens anything. Workshop versions were always
taken under the workshop row's lock, so they have no duplicates to clean.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

NO_CANVAS = sa.text("canvas_id IS NULL")


def upgrade():
    op.execute(
        "UPDATE participant SET facilitator_id = NULL, imported_role = 'facilitator' "
        "WHERE facilitator_id IS NOT NULL AND id NOT IN ("
        "SELECT MIN(id) FROM participant WHERE facilitator_id IS NOT NULL GROUP BY workshop_id, facilitator_id)")
    op.create_index('uq_participant_seat', 'participant', ['workshop_id', 'facilitator_id'], unique=True)
    op.create_index('uq_event_workshop_version', 'event', ['workshop_id', 'seq'], unique=True,
                    sqlite_where=NO_CANVAS, postgresql_where=NO_CANVAS)


def downgrade():
    op.drop_index('uq_event_workshop_version', table_name='event')
    op.drop_index('uq_participant_seat', table_name='participant')
