"""Accounts without a terminal: administrators, and one-time links (invitations,
password resets, co-facilitator invitations). The oldest existing account becomes
the administrator, as the first account made from now on does.

Revision ID: 0006_accounts
Revises: 0005
Create Date: 2026-12-07 09:30:00

"""
from alembic import op
import sqlalchemy as sa

import facilitator.models  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0006_accounts'
down_revision = "0006_handoff"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('facilitator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_admin', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE facilitator SET is_admin = :yes WHERE id = (SELECT MIN(id) FROM facilitator)")
               .bindparams(sa.bindparam('yes', True, type_=sa.Boolean())))

    op.create_table('account_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('facilitator_id', sa.Integer(), nullable=True),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('created_at', facilitator.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', facilitator.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', facilitator.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['facilitator.id'], name=op.f('fk_account_link_created_by_id_facilitator'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['facilitator_id'], ['facilitator.id'], name=op.f('fk_account_link_facilitator_id_facilitator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_account_link_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_link_token_hash'))
    )


def downgrade():
    op.drop_table('account_link')
    with op.batch_alter_table('facilitator', schema=None) as batch_op:
        batch_op.drop_column('is_admin')
