"""Letter screens: the list (filters, PDF download) and the mailing form (CS-17)."""

import logging
from io import BytesIO

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from marshmallow import ValidationError
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from core.admin.views import ErpModelView, forbidden
from core.documents import service as documents
from core.documents.storage import DocumentCorrupted
from core.extensions import db
from core.letters.mailing import record_mailing
from core.models.letters import Letter, Mailing, MailingMethod
from core.permissions import has_permission

log = logging.getLogger("erp.letters")
VIEW, SEND = "core.letters.view", "core.letters.send"
METHODS = {
    MailingMethod.express: _l("Express"),
    MailingMethod.registered: _l("Registered mail"),
    MailingMethod.by_hand: _l("By hand"),
    MailingMethod.by_lawyer: _l("By the lawyer"),
}


class ReturnedFilter(BaseSQLAFilter):
    """Letters with (or without) a mailing that came back."""

    def apply(self, query, value, alias=None):
        returned = Letter.mailings.any(Mailing.returned.is_(True))
        return query.filter(returned if value == "1" else ~returned)

    def operation(self):
        return _l("is")


def _reference_link(view, context, model, name):
    url = url_for(".download", letter_id=model.id)
    return Markup(f'<a href="{url}">{escape(model.reference)}</a>')


def _mailings(view, context, model, name):
    lines = []
    for m in model.mailings:
        state = _("returned") if m.returned else (m.sent_on or _("not sent"))
        text = f"{METHODS[m.method]} {m.tracking_number or ''} · {state} · {m.address}"
        url = url_for(".mailing", mailing_id=m.id)
        lines.append(f'<a href="{url}">{escape(text)}</a>')
    return Markup("<br>".join(lines))


class MailingForm(FlaskForm):
    method = SelectField(
        _l("Method"), choices=[SelectChoice(k.value, v) for k, v in METHODS.items()]
    )
    tracking_number = StringField(_l("Tracking number"), validators=[Optional(), Length(max=100)])
    sent_on = DateField(_l("Sent on"), validators=[Optional()])
    receipt = FileField(_l("Mailing receipt (filed with the archive copy)"))
    returned = BooleanField(_l("Returned"))
    returned_on = DateField(_l("Returned on"), validators=[Optional()])
    returned_letter = FileField(_l("Returned letter (filed whole)"))


FORM_FIELDS = (
    "method",
    "tracking_number",
    "sent_on",
    "receipt",
    "returned",
    "returned_on",
    "returned_letter",
)
# The service names linked documents by id; the form names the upload that made them.
ERROR_FIELDS = {
    "receipt_document_id": "receipt",
    "returned_document_id": "returned_letter",
    "file": "receipt",
}


def _upload(field) -> tuple[str, bytes] | None:
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return upload.filename, documents.read_upload(upload)


class LetterView(ErpModelView):
    """Produced letters of the company; letters are produced by services, never typed here."""

    permission = VIEW
    edit_permission = SEND
    can_create = False
    can_edit = False
    can_delete = False
    can_export = False
    column_list = (
        "reference",
        "title",
        "kind",
        "step",
        "owner_type",
        "owner_id",
        "addressee",
        "date",
        "mailings",
    )
    column_filters = (
        "kind",
        "step",
        "date",
        ReturnedFilter(Letter.id, _l("Returned"), options=(("1", _l("Yes")), ("0", _l("No")))),
    )
    column_searchable_list = ("reference", "addressee")
    column_default_sort = ("id", True)
    column_formatters = {"reference": _reference_link, "mailings": _mailings}
    column_labels = {
        "reference": _l("Reference"),
        "title": _l("Title"),
        "kind": _l("Kind"),
        "step": _l("Letter step"),
        "owner_type": _l("Subject type"),
        "owner_id": _l("Subject id"),
        "addressee": _l("Addressee"),
        "date": _l("Date"),
        "mailings": _l("Mailings"),
    }

    def _letter_or_404(self, letter_id: int) -> Letter:
        letter = db.session.scalar(select(Letter).where(Letter.id == letter_id))
        if letter is None:
            abort(404)
        return letter

    @expose("/download/<int:letter_id>")
    def download(self, letter_id):
        document = documents.get_document(self._letter_or_404(letter_id).document_id)
        if document is None:
            abort(404)
        try:
            data = documents.read_content(document)
        except DocumentCorrupted as exc:
            log.error("%s", exc)
            return str(exc), 500
        return send_file(BytesIO(data), mimetype=document.content_type, download_name=document.name)

    @expose("/mailing/<int:mailing_id>", methods=("GET", "POST"))
    def mailing(self, mailing_id):
        if not has_permission(SEND):
            forbidden(SEND)
        mailing = db.session.scalar(select(Mailing).where(Mailing.id == mailing_id))
        if mailing is None:
            abort(404)
        form = MailingForm(obj=mailing)
        if form.validate_on_submit():
            changes = {
                "method": MailingMethod(form.method.data),
                "tracking_number": form.tracking_number.data or None,
                "sent_on": form.sent_on.data,
                "returned": form.returned.data,
                "returned_on": form.returned_on.data,
            }
            try:
                record_mailing(
                    mailing,
                    changes,
                    receipt=_upload(form.receipt),
                    returned_letter=_upload(form.returned_letter),
                    user=g.erp_user,
                )
            except ValidationError as exc:
                db.session.rollback()
                for field, messages in exc.messages.items():
                    target = getattr(form, ERROR_FIELDS.get(field, field), form.receipt)
                    target.errors = list(messages)
            else:
                db.session.commit()
                flash(_("Mailing of %(reference)s saved.", reference=mailing.letter.reference))
                return redirect(url_for(".index_view"))
        status = 400 if request.method == "POST" else 200
        return self.render(
            "erp/letters/mailing.html",
            form=form,
            letter=mailing.letter,
            mailing=mailing,
            fields=[getattr(form, name) for name in FORM_FIELDS],
        ), status


def letter_views():
    return [LetterView(Letter, name=_l("Letters"), category=_l("Documents"), endpoint="letters")]
