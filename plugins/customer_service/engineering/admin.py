"""Engineering change screens (CS-19): the list, a new request, and one change with its route,
its price (cost department), the buyer's signature, its progress (engineering)."""

from flask import flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields

from core import approvals
from core.admin.views import ErpView
from core.extensions import db
from core.permissions import has_permission
from plugins.customer_service.engineering import COST, PROGRESS, REQUEST, VIEW, services
from plugins.customer_service.engineering.api import (
    ChangeInput,
    CostInput,
    ProgressInput,
    change_query,
)
from plugins.customer_service.engineering.models import ChangeStatus, EngineeringChange
from plugins.customer_service.payments.admin import (
    CATEGORY,
    act,
    flash_errors,
    form_values,
    open_contracts,
    require,
    row_or_404,
)

T = "customer_service/engineering/"


class SignedOnInput(Schema):
    signed_on = fields.Date(required=True)


class EngineeringChangesView(ErpView):
    permission = VIEW

    @expose("/")
    def index(self):
        args = request.args.to_dict()
        return self.render(
            T + "list.html",
            changes=db.session.scalars(change_query(args).limit(300)).all(),
            args=args,
            statuses=list(ChangeStatus),
            may_request=has_permission(REQUEST),
        )

    @expose("/new", methods=("GET", "POST"))
    def new(self):
        require(REQUEST)
        if request.method == "POST":
            try:
                change = services.request_change(
                    g.erp_company, g.erp_user, ChangeInput().load(form_values())
                )
            except ValidationError as exc:
                db.session.rollback()
                flash_errors(exc)
            else:
                flash(_("Change #%(id)d sent for approval.", id=change.id), "success")
                return redirect(url_for(".change", change_id=change.id))
        return self.render(
            T + "form.html",
            contracts=open_contracts(),
            form=request.form,
            selected=request.values.get("contract_id", type=int),
        )

    @expose("/<int:change_id>")
    def change(self, change_id):
        change = row_or_404(EngineeringChange, change_id)
        return self.render(
            T + "change.html",
            change=change,
            requests=approvals.history(services.OWNER, change.id),
            may_request=has_permission(REQUEST),
            may_cost=has_permission(COST),
            may_progress=has_permission(PROGRESS),
        )

    def _back(self, change_id):
        return url_for(".change", change_id=change_id)

    @expose("/<int:change_id>/cost", methods=("POST",))
    def cost(self, change_id):
        change = row_or_404(EngineeringChange, change_id)

        def price():
            values = CostInput().load(form_values())
            services.set_cost(change, g.erp_user, values["cost"], values["note"])

        return act(price, self._back(change_id))

    @expose("/<int:change_id>/signature", methods=("POST",))
    def signature(self, change_id):
        change = row_or_404(EngineeringChange, change_id)
        upload = request.files.get("file")

        def sign():
            if upload is None or not upload.filename:
                raise ValidationError({"file": [_("Attach the form the buyer signed.")]})
            signed_on = SignedOnInput().load(form_values())["signed_on"]
            services.record_signature(change, g.erp_user, signed_on, upload.filename, upload.read())

        return act(sign, self._back(change_id))

    @expose("/<int:change_id>/progress", methods=("POST",))
    def progress(self, change_id):
        change = row_or_404(EngineeringChange, change_id)

        def report():
            values = ProgressInput().load(form_values())
            services.set_progress(change, g.erp_user, values["status"], values["on"])

        return act(report, self._back(change_id))

    @expose("/<int:change_id>/cancel", methods=("POST",))
    def cancel(self, change_id):
        change = row_or_404(EngineeringChange, change_id)
        reason = request.form.get("reason", "")
        return act(
            lambda: services.cancel_change(change, g.erp_user, reason), self._back(change_id)
        )


def views():
    return [
        EngineeringChangesView(
            name=_l("Engineering changes"), category=CATEGORY, endpoint="cs_engineering_changes"
        )
    ]
