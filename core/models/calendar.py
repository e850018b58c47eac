"""Published holiday schedules loaded by an admin (SPEC CAL-01).

National data, so not tenant-scoped: one State Council schedule holds for every company. A
loaded year replaces the ``holidays`` library for that year (see ``core.calendar.service``).
"""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db


class CalendarYear(db.Model):
    """One year's official schedule (放假安排), as published each November."""

    __tablename__ = "calendar_year"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    source: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    loaded_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    loaded_by: Mapped[str] = mapped_column(String(200), default="")

    days: Mapped[list["CalendarDay"]] = relationship(
        back_populates="calendar_year",
        cascade="all, delete-orphan",
        order_by="CalendarDay.day",
    )

    def __str__(self):
        return str(self.year)


class CalendarDay(db.Model):
    """A day that differs from the plain week: a holiday off, or an adjusted working day on."""

    __tablename__ = "calendar_day"
    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_year.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date, unique=True)
    is_working: Mapped[bool]
    name: Mapped[str] = mapped_column(String(100), default="")

    calendar_year: Mapped[CalendarYear] = relationship(back_populates="days")

    def __str__(self):
        return f"{self.day.isoformat()} {self.name}".strip()
