"""tickets, ticket messages and anonymous analytics (feedback counts, handoff stats)

Revision ID: 0002
Revises: 0001
"""

from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoff_stats",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("claim_seconds", sa.Integer(), nullable=True),
        sa.Column("close_seconds", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoff_stats_day", "handoff_stats", ["day"])

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("stats_id", sa.String(length=32), nullable=True),
        sa.CheckConstraint("status IN ('open', 'claimed', 'closed')", name="ck_tickets_status"),
        sa.ForeignKeyConstraint(["stats_id"], ["handoff_stats.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tickets_user_key", "tickets", ["user_key"])
    op.create_index("ix_tickets_status", "tickets", ["status"])
    op.create_index("ix_tickets_closed_at", "tickets", ["closed_at"])
    active = sa.text("status IN ('open', 'claimed')")
    op.create_index("uq_tickets_active_user", "tickets", ["user_key"], unique=True,
                    postgresql_where=active, sqlite_where=active)

    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("direction IN ('user', 'caseworker', 'note')",
                           name="ck_ticket_messages_direction"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ticket_messages_ticket_id", "ticket_messages", ["ticket_id"])

    op.create_table(
        "feedback_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("city", sa.String(length=64), nullable=False),
        sa.Column("up", sa.Integer(), nullable=False),
        sa.Column("down", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "entry_id", "lang", "city"),
    )
    op.create_index("ix_feedback_counts_day", "feedback_counts", ["day"])

    _backfill_feedback()
    with op.batch_alter_table("feedback") as batch_op:
        batch_op.create_unique_constraint("uq_feedback_user_entry", ["user_key", "entry_id"])


def _backfill_feedback() -> None:
    """Count the votes given so far, then keep only each person's latest vote per entry."""
    bind = op.get_bind()
    feedback = sa.table("feedback", sa.column("id", sa.Integer()),
                        sa.column("user_key", sa.String()), sa.column("entry_id", sa.String()),
                        sa.column("lang", sa.String()), sa.column("city", sa.String()),
                        sa.column("vote", sa.Integer()),
                        sa.column("created_at", sa.DateTime(timezone=True)))
    counts: Counter[tuple[object, object, object, object, str]] = Counter()
    latest: dict[tuple[object, object], int] = {}
    for row in bind.execute(sa.select(feedback).order_by(feedback.c.id)):
        day = row.created_at.date() if row.created_at is not None else None
        if day is not None:
            counts[(day, row.entry_id, row.lang, row.city, "up" if row.vote > 0 else "down")] += 1
        previous = latest.get((row.user_key, row.entry_id))
        if previous is not None:
            bind.execute(sa.delete(feedback).where(feedback.c.id == previous))
        latest[(row.user_key, row.entry_id)] = row.id
    totals: dict[tuple[object, ...], dict[str, object]] = {}
    for (day, entry_id, lang, city, kind), n in counts.items():
        total = totals.setdefault((day, entry_id, lang, city),
                                  {"day": day, "entry_id": entry_id, "lang": lang, "city": city,
                                   "up": 0, "down": 0})
        total[kind] = n
    if totals:
        table = sa.table("feedback_counts", *(sa.column(c) for c in
                                              ("day", "entry_id", "lang", "city", "up", "down")))
        op.bulk_insert(table, list(totals.values()))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch_op:
        batch_op.drop_constraint("uq_feedback_user_entry", type_="unique")
    op.drop_index("ix_feedback_counts_day", table_name="feedback_counts")
    op.drop_table("feedback_counts")
    op.drop_index("ix_ticket_messages_ticket_id", table_name="ticket_messages")
    op.drop_table("ticket_messages")
    op.drop_index("uq_tickets_active_user", table_name="tickets")
    op.drop_index("ix_tickets_closed_at", table_name="tickets")
    op.drop_index("ix_tickets_status", table_name="tickets")
    op.drop_index("ix_tickets_user_key", table_name="tickets")
    op.drop_table("tickets")
    op.drop_index("ix_handoff_stats_day", table_name="handoff_stats")
    op.drop_table("handoff_stats")
