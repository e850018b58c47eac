"""Admin screens: "My approvals" (the inbox), a record's approval history, the flow editor."""

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Length, NumberRange, Optional

from core.admin.views import ErpView
from core.approvals import flows, service
from core.approvals.conditions import OPS
from core.models.approvals import ApprovalRequest

VIEW = "core.approvals.view"
MANAGE = "core.approvals.manage"
CATEGORY = _l("Approvals")


class ApprovalInboxView(ErpView):
    """The requests the user may decide now, and the decision forms (POST, CSRF-protected)."""

    permission = VIEW

    @expose("/")
    def index(self):
        requests = service.pending_for(g.erp_user, g.erp_company)
        return self.render(
            "erp/approvals/inbox.html", requests=requests, today=service.business_today()
        )

    def _request_or_404(self, request_id: int) -> ApprovalRequest:
        found = service.get_request(g.erp_company, request_id)
        if found is None:
            abort(404)
        return found

    @expose("/<int:request_id>/decide", methods=("POST",))
    def decide(self, request_id):
        req = self._request_or_404(request_id)
        action = request.form.get("action")
        comment = request.form.get("comment", "")
        step = request.form.get("step", type=int)
        try:
            if action == "approve":
                service.approve(req, g.erp_user, comment, step=step)
                flash(_("Request #%(id)d approved.", id=request_id), "success")
            elif action == "reject":
                service.reject(req, g.erp_user, comment, step=step)
                flash(_("Request #%(id)d rejected.", id=request_id), "success")
            else:
                abort(400)
        except service.ApprovalRefused as exc:
            flash(str(exc), "error")
        except ValidationError as exc:
            flash(" ".join(m for ms in exc.messages.values() for m in ms), "error")
        return redirect(request.form.get("next") or url_for(".index"))

    @expose("/<int:request_id>/withdraw", methods=("POST",))
    def withdraw(self, request_id):
        req = self._request_or_404(request_id)
        try:
            service.withdraw(req, g.erp_user)
            flash(_("Request #%(id)d withdrawn.", id=request_id), "success")
        except service.ApprovalRefused as exc:
            flash(str(exc), "error")
        return redirect(request.form.get("next") or url_for(".index"))

    @expose("/history")
    def history(self):
        owner_type = request.args.get("owner_type", "")
        owner_id = request.args.get("owner_id", type=int)
        if not owner_type or owner_id is None:
            abort(400)
        return self.render(
            "erp/approvals/history.html",
            owner_type=owner_type,
            owner_id=owner_id,
            requests=service.history(owner_type, owner_id),
            withdraw_url=lambda r: url_for(".withdraw", request_id=r.id),
        )


class StepForm(Form):
    """One step row of the editor; a row without a name is dropped."""

    name = StringField(_l("Step"), validators=[Optional(), Length(max=200)])
    roles = StringField(_l("Roles (any one decides)"), validators=[Optional()])
    permission = StringField(_l("or permission"), validators=[Optional()])
    quorum = IntegerField(_l("Approvals needed"), default=1, validators=[NumberRange(1, 20)])
    due_days = IntegerField(_l("Due in working days"), default=2, validators=[NumberRange(0, 365)])
    cond_field = StringField(_l("If field"), validators=[Optional()])
    cond_op = SelectField(
        _l("is"), default="", choices=[SelectChoice("", "—")] + [SelectChoice(op) for op in OPS]
    )
    cond_value = StringField(_l("value"), validators=[Optional()])

    def definition(self) -> dict:
        condition = None
        if self.cond_field.data or self.cond_op.data:
            condition = {
                "field": self.cond_field.data or "",
                "op": self.cond_op.data,
                "value": self.cond_value.data or "",
            }
        return {
            "name": self.name.data.strip(),
            "roles": [r.strip() for r in (self.roles.data or "").split(",") if r.strip()],
            "permission": (self.permission.data or "").strip(),
            "quorum": self.quorum.data,
            "due_days": self.due_days.data,
            "condition": condition,
        }


class FlowForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    steps = FieldList(FormField(StepForm), min_entries=1)


def _step_data(step: dict) -> dict:
    condition = step.get("condition") or {}
    value = condition.get("value", "")
    return {
        **step,
        "roles": ", ".join(step["roles"]),
        "cond_field": condition.get("field", ""),
        "cond_op": condition.get("op", ""),
        "cond_value": ", ".join(value) if isinstance(value, list) else value,
    }


class ApprovalFlowView(ErpView):
    """The company's flows; saving one adds a version (requests in flight keep theirs)."""

    permission = MANAGE

    @expose("/")
    def index(self):
        return self.render("erp/approvals/flows.html", flows=flows.current_flows(g.erp_company))

    @expose("/edit", methods=("GET", "POST"))
    def edit(self):
        doc_type = (request.values.get("doc_type") or "").strip()
        if not doc_type:
            abort(400)
        flow = flows.current_flow(g.erp_company, doc_type)
        if request.method == "POST":
            form = FlowForm()
        else:
            steps = [_step_data(s.as_dict()) for s in flow.steps] if flow else []
            form = FlowForm(data={"name": flow.name if flow else "", "steps": steps})
            form.steps.append_entry()  # a blank row to add a step
        errors = {}
        if form.validate_on_submit():
            definition = {
                "doc_type": doc_type,
                "name": form.name.data or "",
                "steps": [e.form.definition() for e in form.steps if e.form.name.data.strip()],
            }
            try:
                saved = flows.save_flow(g.erp_company, definition, g.erp_user)
            except ValidationError as exc:
                errors = exc.messages
            else:
                flash(
                    _("Saved %(doc)s as version %(v)d.", doc=doc_type, v=saved.version), "success"
                )
                return redirect(url_for(".index"))
        html = self.render(
            "erp/approvals/flow_edit.html", form=form, flow=flow, doc_type=doc_type, errors=errors
        )
        return html, 400 if request.method == "POST" else 200


def approval_views():
    return [
        ApprovalInboxView(name=_l("My approvals"), category=CATEGORY, endpoint="approvals"),
        ApprovalFlowView(name=_l("Approval flows"), category=CATEGORY, endpoint="approval_flows"),
    ]
