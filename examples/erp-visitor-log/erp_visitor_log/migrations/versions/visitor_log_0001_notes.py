"""visitor_log: the notes table

Revision ID: visitor_log_0001
Revises:
Create Date: 2026-11-23

The plugin's own Alembic branch: it starts from nothing (``down_revision = None``), carries the
plugin's name as branch label, and needs the core's tables (``depends_on``) for its foreign keys.
"""

import sqlalchemy as sa
from alembic import op

revision = "visitor_log_0001"
down_revision = None
branch_labels = ("visitor_log",)
depends_on = "core_0001"


def upgrade():
    op.create_table(
        "visitor_log_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_visitor_log_note_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_visitor_log_note_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitor_log_note")),
    )
    op.create_index(
        op.f("ix_visitor_log_note_company_id"), "visitor_log_note", ["company_id"], unique=False
    )
    op.create_index(
        op.f("ix_visitor_log_note_project_id"), "visitor_log_note", ["project_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_visitor_log_note_project_id"), table_name="visitor_log_note")
    op.drop_index(op.f("ix_visitor_log_note_company_id"), table_name="visitor_log_note")
    op.drop_table("visitor_log_note")
