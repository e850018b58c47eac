"""The archive clerk's screens: find a customer's archive (code, name or unit), its index with
downloads, filing, the customer card, deletion requests, the missing items (CS-18); address
changes and customers' letters with their answers (CS-17), in ``admin_letters``."""

import logging
from io import BytesIO

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select

from core.admin.views import ErpView, forbidden
from core.documents.service import read_content, read_upload
from core.documents.storage import DocumentCorrupted
from core.duties import today
from core.extensions import db
from core.letters.admin import METHODS, SEND
from core.permissions import has_permission
from plugins.customer_service.archive import DELETE, FILE, VIEW, card, index, services
from plugins.customer_service.archive.models import IncomingLetter
from plugins.customer_service.archive.schemas import DeletionInput, FileInput
from plugins.customer_service.models import Contract
from plugins.sales.models import Customer

log = logging.getLogger("erp.documents")
T = "customer_service/archive/"
CATEGORY = _l("Customer service")


def require(permission: str) -> None:
    if not has_permission(permission):
        forbidden(permission)


def form_values() -> dict:
    """The submitted form's text fields, blank ones dropped (the schemas fill defaults)."""
    return {k: v.strip() for k, v in request.form.items() if k != "csrf_token" and v.strip() != ""}


def upload(field: str) -> tuple[str, bytes] | None:
    found = request.files.get(field)
    if found is None or not found.filename:
        return None
    return found.filename, read_upload(found)


def refused(exc: ValidationError) -> None:
    """Nothing of the failed action is kept; the page says which field was wrong."""
    db.session.rollback()
    messages = exc.messages if isinstance(exc.messages, dict) else {"": exc.messages}
    for field, problems in messages.items():
        flash(f"{field}: {'; '.join(map(str, problems))}" if field else str(problems), "error")


def customer_or_404(customer_id: int) -> Customer:
    customer = db.session.scalar(select(Customer).where(Customer.id == customer_id))
    if customer is None:
        abort(404)
    return customer


class ArchiveView(ErpView):
    """Customer archives (客户档案)."""

    permission = VIEW

    @expose("/")
    def index(self):
        query = request.args.get("q", "")
        found = index.archived_customers(query)
        missing = index.missing_items([c.id for c, _units in found])
        counts = {c.id: sum(1 for m in missing if m.customer_id == c.id) for c, _u in found}
        return self.render(T + "search.html", found=found, q=query, counts=counts)

    @expose("/missing")
    def missing(self):
        found = index.archived_customers()
        customers = {c.id: (c, units) for c, units in found}
        rows = index.missing_items(list(customers))
        return self.render(T + "missing.html", rows=rows, customers=customers)

    @expose("/<int:customer_id>")
    def customer(self, customer_id):
        customer = customer_or_404(customer_id)
        contracts = db.session.scalars(
            select(Contract).where(Contract.customer_id == customer.id).order_by(Contract.id)
        ).all()
        incoming = db.session.scalars(
            select(IncomingLetter)
            .where(IncomingLetter.customer_id == customer.id)
            .order_by(IncomingLetter.received_on.desc())
        ).all()
        items = index.archive_items(customer.id)
        return self.render(
            T + "customer.html",
            customer=customer,
            items=items,
            letters=[i.letter for i in items if i.letter is not None],
            missing=index.missing_items([customer.id]),
            contracts=[(c, services.addresses_of(c), services.changes_of(c.id)) for c in contracts],
            incoming=incoming,
            kinds=[(k, index.kind_label(k)) for k in index.FILED_BY_HAND],
            today=today(),
            methods=METHODS,
            may_file=has_permission(FILE),
            may_delete=has_permission(DELETE),
            may_send=has_permission(SEND),  # the core's mailing form records receipts
        )

    def _back(self, customer_id: int):
        return redirect(url_for(".customer", customer_id=customer_id))

    @expose("/<int:customer_id>/download/<int:document_id>")
    def download(self, customer_id, document_id):
        try:
            document = index.archive_document(customer_or_404(customer_id).id, document_id)
        except ValidationError:
            abort(404)
        try:
            data = read_content(document)
        except DocumentCorrupted as exc:
            log.error("%s", exc)
            return str(exc), 500
        return send_file(
            BytesIO(data),
            mimetype=document.content_type,
            as_attachment=True,
            download_name=document.name,
        )

    @expose("/<int:customer_id>/file", methods=("POST",))
    def file(self, customer_id):
        require(FILE)
        customer = customer_or_404(customer_id)
        try:
            kind = FileInput().load(form_values())["kind"]
            found = upload("file")
            if found is None:
                raise ValidationError({"file": [_("Choose a file to file.")]})
            document = index.file_document(customer, kind, *found, g.erp_user)
        except ValidationError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("Filed %(name)s, version %(v)d.", name=document.name, v=document.version))
        return self._back(customer_id)

    @expose("/<int:customer_id>/card", methods=("POST",))
    def card(self, customer_id):
        require(FILE)
        document = card.produce_card(g.erp_company, customer_or_404(customer_id), g.erp_user)
        db.session.commit()
        flash(_("Customer card filed, version %(v)d.", v=document.version))
        return self._back(customer_id)

    @expose("/<int:customer_id>/delete/<int:document_id>", methods=("POST",))
    def delete(self, customer_id, document_id):
        require(DELETE)
        customer_or_404(customer_id)
        try:
            reason = DeletionInput().load(form_values())["reason"]
            index.ask_deletion(customer_id, document_id, g.erp_user, reason)
        except ValidationError as exc:
            refused(exc)
        else:
            flash(_("Deletion sent to the VP for approval; the document stays until then."))
        return self._back(customer_id)


def views():
    from plugins.customer_service.archive.admin_letters import LettersView

    return [
        ArchiveView(
            name=_l("Customer archive"),
            category=CATEGORY,
            endpoint="cs_archive",
            url="/admin/cs_archive/",
        ),
        LettersView(
            name=_l("Customers' letters"),
            category=CATEGORY,
            endpoint="cs_archive_letters",
            url="/admin/cs_archive_letters/",
        ),
    ]
