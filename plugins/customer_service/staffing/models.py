"""The reps serving each project (CS-02), satisfaction surveys and segment tags (CS-21)."""

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, SmallInteger, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models.columns import enum_column
from core.tenancy import TenantMixin


class RepPool(TenantMixin, db.Model):
    """A rep who serves a project. A project without rows is served by every active cs_rep
    member of the company; once a manager names its reps (or one leaves) the rows rule."""

    __tablename__ = "cs_rep_pool"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)

    project = relationship("Project")
    user = relationship("User")

    def __str__(self):
        return f"{self.project} {self.user.name or self.user.email if self.user else ''}"


class Segment(enum.StrEnum):
    """CS-21: life stage × ability to pay."""

    first_home = "first_home"  # first-home buyer
    young_family = "young_family"
    school_children = "school_children"  # family with school children
    affluent_family = "affluent_family"
    empty_nesters = "empty_nesters"
    active_seniors = "active_seniors"


class SegmentTag(TenantMixin, db.Model):
    """The segment a customer is tagged with (one per customer; retagging replaces it)."""

    __tablename__ = "cs_segment_tag"
    __table_args__ = (UniqueConstraint("customer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"))
    segment: Mapped[Segment] = mapped_column(enum_column(Segment), index=True)
    tagged_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    tagged_at: Mapped[datetime] = mapped_column(DateTime)

    customer = relationship("Customer")
    tagged_by = relationship("User")


class Survey(TenantMixin, db.Model):
    """A satisfaction survey of a customer (CS-21): score 1 (poor) to 5 (excellent)."""

    __tablename__ = "cs_survey"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("sales_customer.id"), index=True)
    # The project the customer bought in, kept so the average per project needs no join.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    surveyed_on: Mapped[date] = mapped_column(Date, index=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    comments: Mapped[str] = mapped_column(Text, default="")
    surveyed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    customer = relationship("Customer")
    project = relationship("Project")
    surveyed_by = relationship("User")
