"""The special-offer requests screen (特惠申请, SAL-20): ask for one, follow each approval."""

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core import approvals
from core.admin.views import forbidden
from core.extensions import db
from core.permissions import has_permission
from plugins.sales.display import SalesView
from plugins.sales.models import Unit, UnitState
from plugins.sales.orders import CREATE, VIEW, discounts
from plugins.sales.orders.api import SpecialOfferInput
from plugins.sales.orders.models import SpecialOffer

T = "sales/orders/"


class SpecialOffersView(SalesView):
    """Special-offer requests (特惠申请, SAL-20): ask, and follow each one's approval."""

    permission = VIEW

    @expose("/", methods=("GET", "POST"))
    def index(self):
        errors, status = {}, 200
        if request.method == "POST":
            if not has_permission(CREATE):
                forbidden(CREATE)
            try:
                values = SpecialOfferInput().load(
                    {k: v for k, v in request.form.items() if k != "csrf_token"}
                )
                unit = db.session.get(Unit, values["unit_id"])
                if unit is None:
                    abort(404)
                discounts.request_special_offer(
                    g.erp_company, g.erp_user, unit, values["discount_pct"], values["reason"]
                )
                flash(_("Special-offer request sent for approval."))
                return redirect(url_for(".index"))
            except ValidationError as exc:
                db.session.rollback()
                errors, status = exc.messages, 422
        rows = db.session.execute(
            select(SpecialOffer, approvals.ApprovalRequest)
            .outerjoin(
                approvals.ApprovalRequest,
                approvals.ApprovalRequest.id == SpecialOffer.approval_request_id,
            )
            .order_by(SpecialOffer.id.desc())
        ).all()
        units = db.session.scalars(
            select(Unit).where(Unit.state == UnitState.available).order_by(Unit.id)
        ).all()
        page = self.render(
            T + "special_offers.html",
            offers=rows,
            units=units,
            form=request.form,
            errors=errors,
            may_create=has_permission(CREATE),
        )
        return page, status
