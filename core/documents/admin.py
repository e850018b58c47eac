"""Document screens: the list (filters, download, versions) and the upload form."""

import logging
from io import BytesIO

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup, escape
from marshmallow import ValidationError
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length

from core.admin.views import ErpModelView, ErpView
from core.documents import service
from core.documents.storage import DocumentCorrupted
from core.extensions import db
from core.models.documents import Document

log = logging.getLogger("erp.documents")
VIEW, UPLOAD = "core.documents.view", "core.documents.upload"
CATEGORY = _l("Documents")


def _name_link(view, context, model, name):
    url = url_for(".download", document_id=model.id)
    versions = url_for(".versions", document_id=model.id)
    return Markup(
        f'<a href="{url}">{escape(model.name)}</a> '
        f'<a class="small" href="{versions}">({escape(_("versions"))})</a>'
    )


def _document_or_404(document_id: int) -> Document:
    document = service.get_document(document_id)
    if document is None:
        abort(404)
    return document


class DocumentView(ErpModelView):
    """Live documents of the company; deleted ones are hidden, never shown as editable."""

    permission = VIEW
    can_create = False
    can_edit = False
    can_delete = False
    can_export = False
    column_list = (
        "name",
        "kind",
        "owner_type",
        "owner_id",
        "version",
        "content_type",
        "size",
        "created_at",
        "created_by.email",
    )
    column_filters = ("kind", "owner_type", "owner_id", "content_type", "name")
    column_searchable_list = ("name",)
    column_default_sort = ("created_at", True)
    column_formatters = {"name": _name_link}
    column_labels = {
        "name": _l("File name"),
        "kind": _l("Kind"),
        "owner_type": _l("Owner type"),
        "owner_id": _l("Owner id"),
        "version": _l("Version"),
        "content_type": _l("Type"),
        "size": _l("Size (bytes)"),
        "created_at": _l("Created at (UTC)"),
        "created_by.email": _l("Created by"),
    }

    def get_query(self):
        return super().get_query().filter(Document.deleted_at.is_(None))

    def get_count_query(self):
        return super().get_count_query().filter(Document.deleted_at.is_(None))

    @expose("/download/<int:document_id>")
    def download(self, document_id):
        document = _document_or_404(document_id)
        try:
            data = service.read_content(document)
        except DocumentCorrupted as exc:
            log.error("%s", exc)
            return str(exc), 500
        return send_file(
            BytesIO(data),
            mimetype=document.content_type,
            as_attachment=True,
            download_name=document.name,
        )

    @expose("/versions/<int:document_id>")
    def versions(self, document_id):
        document = _document_or_404(document_id)
        return self.render(
            "erp/documents/versions.html", first=document, chain=service.versions(document)
        )


class UploadForm(FlaskForm):
    owner_type = StringField(_l("Owner type (table)"), validators=[DataRequired(), Length(max=64)])
    owner_id = IntegerField(_l("Owner id"), validators=[DataRequired()])
    kind = StringField(_l("Kind"), validators=[DataRequired(), Length(max=50)])
    file = FileField(_l("File"), validators=[FileRequired()])


class DocumentUploadView(ErpView):
    permission = UPLOAD

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = UploadForm()
        if form.validate_on_submit():
            upload = form.file.data
            try:
                document = service.add_document(
                    form.owner_type.data.strip(),
                    form.owner_id.data,
                    form.kind.data,
                    upload.filename or "",
                    service.read_upload(upload),
                    user=g.erp_user,
                )
            except ValidationError as exc:
                db.session.rollback()
                for field, messages in exc.messages.items():
                    getattr(form, field, form.file).errors = list(messages)
            else:
                db.session.commit()
                flash(_("Stored %(name)s, version %(v)d.", name=document.name, v=document.version))
                return redirect(url_for("documents.versions", document_id=document.id))
        status = 400 if request.method == "POST" else 200
        return self.render("erp/documents/upload.html", form=form), status


def document_views():
    return [
        DocumentView(Document, name=_l("Documents"), category=CATEGORY, endpoint="documents"),
        DocumentUploadView(name=_l("Upload"), category=CATEGORY, endpoint="documents_upload"),
    ]
