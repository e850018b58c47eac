"""Letters and addresses on screen (CS-17): the customers' letters waiting for an answer, and
the forms of a customer's archive page that record address changes, confirm them in writing,
file a customer's letter and answer it. Each form returns to the archive page."""

from flask import abort, flash, g, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from core.admin.views import ErpView
from core.duties import today
from core.extensions import db
from plugins.customer_service.archive import FILE, VIEW, services
from plugins.customer_service.archive.admin import (
    customer_or_404,
    form_values,
    refused,
    require,
    upload,
)
from plugins.customer_service.archive.models import AddressChange, IncomingLetter
from plugins.customer_service.archive.schemas import (
    AddressChangeInput,
    AnswerInput,
    ConfirmInput,
    IncomingLetterInput,
)
from plugins.customer_service.models import Contract

T = "customer_service/archive/"


def _row(model, ident: int):
    row = db.session.scalar(select(model).where(model.id == ident))
    if row is None:
        abort(404)
    return row


def _archive(customer_id: int):
    return redirect(url_for("cs_archive.customer", customer_id=customer_id))


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class LettersView(ErpView):
    permission = VIEW

    @expose("/")
    def index(self):
        return self.render(
            T + "unanswered.html", letters=services.unanswered_letters(), today=today()
        )

    @expose("/address/<int:customer_id>", methods=("POST",))
    def address(self, customer_id):
        require(FILE)
        customer_or_404(customer_id)
        try:
            values = AddressChangeInput().load(form_values())
            contract = _row(Contract, values.pop("contract_id"))
            if contract.customer_id != customer_id:
                abort(404)
            change = services.record_address_change(
                g.erp_company, g.erp_user, contract, **values, file=upload("written")
            )
        except ValidationError as exc:
            refused(exc)
        else:
            db.session.commit()
            if change.confirmed:
                flash(
                    _(
                        "Address change confirmed; the lawyer's letter is %(ref)s.",
                        ref=change.lawyer_letter.reference,
                    )
                )
            else:
                flash(_("Change recorded: letters go to both addresses until confirmed."))
        return _archive(customer_id)

    @expose("/address/confirm/<int:change_id>", methods=("POST",))
    def confirm(self, change_id):
        require(FILE)
        change = _row(AddressChange, change_id)
        try:
            values = ConfirmInput().load(form_values())
            services.confirm_address_change(
                g.erp_company,
                g.erp_user,
                change,
                values["confirmed_on"],
                upload("written"),
                values["document_id"],
            )
        except ValidationError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(
                _(
                    "Address change confirmed; the lawyer's letter is %(ref)s.",
                    ref=change.lawyer_letter.reference,
                )
            )
        return _archive(change.customer_id)

    @expose("/incoming/<int:customer_id>", methods=("POST",))
    def incoming(self, customer_id):
        require(FILE)
        customer = customer_or_404(customer_id)
        try:
            values = IncomingLetterInput().load({**form_values(), "customer_id": customer_id})
            values.pop("customer_id")
            letter = services.record_incoming_letter(
                g.erp_company, g.erp_user, customer, **values, file=upload("file")
            )
        except ValidationError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("Letter filed; the written answer is due on %(due)s.", due=letter.due_on))
        return _archive(customer_id)

    @expose("/answer/<int:letter_id>", methods=("POST",))
    def answer(self, letter_id):
        require(FILE)
        incoming = _row(IncomingLetter, letter_id)
        values = form_values()
        try:
            loaded = AnswerInput().load(
                {"title": values.get("title", ""), "body": _paragraphs(values.get("body", ""))}
            )
            services.answer_letter(
                g.erp_company, g.erp_user, incoming, loaded["body"], loaded["title"]
            )
        except ValidationError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("Answer %(ref)s produced and filed.", ref=incoming.answer_letter.reference))
        return _archive(incoming.customer_id)
