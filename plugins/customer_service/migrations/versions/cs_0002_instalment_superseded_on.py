"""instalment superseded on

CS-05/CS-09: an unpaid price instalment replaced when a payment-method change rewrites the
receivables schedule keeps its row (dunning steps, tasks and notices refer to it) and records
the day it was superseded.

Revision ID: cs_0002
Revises: cs_0001
Create Date: 2026-11-25 04:11:41.805645

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cs_0002'
down_revision = 'cs_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cs_instalment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('cs_instalment', schema=None) as batch_op:
        batch_op.drop_column('superseded_on')
