"""The staffing of a project (CS-02): sold households, required and actual reps, each rep's
load against the ratio of the project's type, under- or over-staffing, balance."""

import math
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.admin import labels
from core.extensions import db
from core.models import Company, Project, User
from core.plugins.state import get_settings
from plugins.customer_service.staffing.services import loads, pool_ids

labels.register(
    {"villa": _l("Villa"), "apartment": _l("Apartment"), "residential": _l("Residential")}
)


def ratio(company: Company, project: Project) -> tuple[int, int]:
    """(min, max) households per rep for the project's type (company setting)."""
    settings = get_settings(company, "customer_service")
    kind = project.type.value
    return settings[f"ratio_{kind}_min"], settings[f"ratio_{kind}_max"]


def required_reps(households: int, per_rep_max: int) -> int:
    """The fewest reps that keep every load within the upper bound: 1,000 residential
    households at 200 each → 5."""
    return math.ceil(households / per_rep_max)


@dataclass
class RepLoad:
    user: User
    households: int
    serves: bool  # in the project's pool; False: still holds households but left it
    below_min: bool
    above_max: bool


@dataclass
class Staffing:
    project: Project
    per_rep_min: int
    per_rep_max: int
    households: int
    unassigned: int
    required: int
    # The most reps the households keep at or above the lower bound (never below required).
    most: int
    actual: int  # reps holding households in the project
    reps: list[RepLoad] = field(default_factory=list)

    @property
    def understaffed(self) -> bool:
        return self.actual < self.required

    @property
    def overstaffed(self) -> bool:
        return self.actual > self.most

    @property
    def balanced(self) -> bool:
        """Loads of the reps serving the project differ by at most one, nobody outside the
        pool holds a household and none is unassigned."""
        serving = [r.households for r in self.reps if r.serves]
        spread = max(serving) - min(serving) if serving else 0
        strays = any(r.households for r in self.reps if not r.serves)
        return spread <= 1 and not strays and not (self.unassigned and serving)

    def as_dict(self) -> dict:
        return {
            "project_id": self.project.id,
            "project": self.project.name,
            "project_type": self.project.type.value,
            "per_rep_min": self.per_rep_min,
            "per_rep_max": self.per_rep_max,
            "households": self.households,
            "unassigned": self.unassigned,
            "required_reps": self.required,
            "most_reps": self.most,
            "actual_reps": self.actual,
            "understaffed": self.understaffed,
            "overstaffed": self.overstaffed,
            "balanced": self.balanced,
            "reps": [
                {
                    "rep_id": r.user.id,
                    "rep": r.user.name or r.user.email,
                    "households": r.households,
                    "serves": r.serves,
                    "below_min": r.below_min,
                    "above_max": r.above_max,
                }
                for r in self.reps
            ],
        }


def staffing(company: Company, project: Project) -> Staffing:
    low, high = ratio(company, project)
    load = loads(project.id)
    unassigned = load.pop(None, 0)
    households = sum(load.values()) + unassigned
    pool = pool_ids(company.id, project.id)
    required = required_reps(households, high)
    report = Staffing(
        project=project,
        per_rep_min=low,
        per_rep_max=high,
        households=households,
        unassigned=unassigned,
        required=required,
        most=max(required, households // low),
        actual=sum(1 for n in load.values() if n),
    )
    ids = sorted(set(pool) | set(load))
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    for rep_id in ids:
        n = load.get(rep_id, 0)
        report.reps.append(
            RepLoad(users[rep_id], n, rep_id in pool, below_min=n < low, above_max=n > high)
        )
    return report
