"""cycles: prior-period evidence, samples, never-export"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_cycles"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prior_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("prior_ref", sa.Text(), nullable=False),
        sa.Column("sample", sa.Text(), nullable=False),
        sa.Column("carried_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
        ),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "evidence_id", name="uq_prior_request_evidence"),
    )
    with op.batch_alter_table("prior_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prior_evidence_evidence_id"), ["evidence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_prior_evidence_request_id"), ["request_id"], unique=False)

    op.create_table(
        "sample_plans",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("required", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "code", name="uq_samples_request_code"),
    )
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_samples_request_id"), ["request_id"], unique=False)

    op.create_table(
        "sample_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("linked_by", sa.Text(), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
        ),
        sa.ForeignKeyConstraint(["sample_id"], ["samples.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sample_id", "evidence_id", "requirement", name="uq_sample_evidence"),
    )
    with op.batch_alter_table("sample_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sample_evidence_evidence_id"), ["evidence_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sample_evidence_sample_id"), ["sample_id"], unique=False)

    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("never_export", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_column("never_export")

    with op.batch_alter_table("sample_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sample_evidence_sample_id"))
        batch_op.drop_index(batch_op.f("ix_sample_evidence_evidence_id"))

    op.drop_table("sample_evidence")
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_samples_request_id"))

    op.drop_table("samples")
    op.drop_table("sample_plans")
    with op.batch_alter_table("prior_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prior_evidence_request_id"))
        batch_op.drop_index(batch_op.f("ix_prior_evidence_evidence_id"))

    op.drop_table("prior_evidence")
