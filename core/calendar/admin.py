"""Admin screens of the calendar: what each year rests on, loaded schedules, loading one."""

from datetime import date

from flask import flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from core.admin.views import ErpModelView, ErpView
from core.calendar import service
from core.models.calendar import CalendarDay, CalendarYear

PERMISSION = "core.calendar.manage"
CATEGORY = _l("Calendar")

COVERAGE_LABELS = {
    service.OFFICIAL_LOADED: _l("Official schedule loaded here"),
    service.LIBRARY: _l("Official schedule from the holidays library"),
    service.RULE_ONLY: _l("Statutory rules only: adjusted working days unknown"),
}

# Kept here rather than in core/templates so the calendar package stays self-contained.


class LoadForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[NumberRange(1950, 2100)])
    source = StringField(_l("Source (notice, URL)"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional()])
    schedule = TextAreaField(_l("Schedule (pasted)"), render_kw={"rows": 12})
    upload = FileField(_l("or a file (UTF-8 text/CSV)"))


class CalendarLoadView(ErpView):
    permission = PERMISSION

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = LoadForm()
        error = None
        if form.validate_on_submit():
            error = self._load(form)
            if error is None:
                return redirect(url_for(".index"))
        status = 400 if request.method == "POST" else 200
        this_year = date.today().year
        schedules = [service.year_schedule(y) for y in range(this_year - 1, this_year + 3)]
        html = self.render(
            "erp/calendar/load.html",
            form=form,
            error=error,
            schedules=schedules,
            labels=COVERAGE_LABELS,
        )
        return html, status

    @staticmethod
    def _load(form: LoadForm) -> str | None:
        """Load the posted schedule; the error message when it is refused."""
        upload = form.upload.data
        text = upload.read().decode("utf-8-sig") if upload else form.schedule.data or ""
        try:
            holidays, workdays = service.parse_schedule(text)
            service.load_year(
                form.year.data,
                holidays,
                workdays,
                source=form.source.data or "",
                notes=form.notes.data or "",
                loaded_by=g.erp_user.email,
            )
        except (service.CalendarDataError, UnicodeDecodeError) as exc:
            return str(exc)
        flash(
            _(
                "Loaded %(year)d: %(h)d holidays, %(w)d adjusted working days.",
                year=form.year.data,
                h=len(holidays),
                w=len(workdays),
            ),
            "success",
        )
        return None


class CalendarYearView(ErpModelView):
    """Loaded years; deleting one returns that year to the library."""

    permission = PERMISSION
    can_create = False
    can_edit = False
    can_view_details = True
    column_list = ("year", "source", "loaded_at", "loaded_by")
    column_details_list = ("year", "source", "notes", "loaded_at", "loaded_by", "days")
    column_default_sort = ("year", True)
    column_labels = {
        "year": _l("Year"),
        "source": _l("Source"),
        "notes": _l("Notes"),
        "loaded_at": _l("Loaded at (UTC)"),
        "loaded_by": _l("Loaded by"),
        "days": _l("Days"),
    }


class CalendarDayView(ErpModelView):
    """The loaded days, read-only: change them by loading the year again."""

    permission = PERMISSION
    can_create = False
    can_edit = False
    can_delete = False
    column_list = ("day", "is_working", "name", "calendar_year")
    column_filters = ("is_working", "calendar_year.year")
    column_default_sort = "day"
    column_labels = {
        "day": _l("Date"),
        "is_working": _l("Working day"),
        "name": _l("Name"),
        "calendar_year": _l("Year"),
        "calendar_year.year": _l("Year"),
    }


def calendar_views():
    return [
        CalendarLoadView(name=_l("Working days"), category=CATEGORY, endpoint="calendar"),
        CalendarYearView(
            CalendarYear, name=_l("Loaded years"), category=CATEGORY, endpoint="calendar_years"
        ),
        CalendarDayView(
            CalendarDay, name=_l("Loaded days"), category=CATEGORY, endpoint="calendar_days"
        ),
    ]
