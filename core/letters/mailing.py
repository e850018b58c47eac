"""Mailings of a letter (SPEC CS-17): method, tracking number, sent date, the mailing receipt
filed with the archive copy, and a returned letter filed whole.

Receipts and returned letters are documents in the same archive as the letter's copy (the
customer's, CS-18). The admin uploads them here; an API client uploads them through
``/api/v1/documents`` and links them by id. Functions flush; the caller commits.
"""

from marshmallow import Schema, ValidationError, fields, validate

from core.documents.service import add_document, get_document
from core.models import User
from core.models.documents import Document
from core.models.letters import Mailing, MailingMethod

RECEIPT_KIND = "mailing_receipt"
RETURNED_KIND = "returned_letter"


class MailingChangeSchema(Schema):
    """The fields staff change on a mailing (all optional: a partial update)."""

    method = fields.Enum(MailingMethod, by_value=True)
    tracking_number = fields.String(allow_none=True, validate=validate.Length(max=100))
    sent_on = fields.Date(allow_none=True)
    receipt_document_id = fields.Integer(allow_none=True)
    returned = fields.Boolean()
    returned_on = fields.Date(allow_none=True)
    returned_document_id = fields.Integer(allow_none=True)


def _archived_with_letter(mailing: Mailing, document_id: int, field: str) -> Document:
    """A live document of the letter's archive (the current company's, by the scope)."""
    copy = get_document(mailing.letter.document_id)
    document = get_document(document_id)
    if (
        document is None
        or copy is None
        or (document.owner_type, document.owner_id)
        != (
            copy.owner_type,
            copy.owner_id,
        )
    ):
        raise ValidationError({field: [f"no document {document_id} in this letter's archive"]})
    return document


def update_mailing(mailing: Mailing, changes: dict) -> Mailing:
    """Apply ``changes`` (loaded by :class:`MailingChangeSchema`) after checking them whole:
    linked documents belong to the letter's archive; a letter is not sent before its date; a
    letter marked returned was sent and has the returned letter filed (CS-17)."""
    for field in ("receipt_document_id", "returned_document_id"):
        if changes.get(field) is not None:
            _archived_with_letter(mailing, changes[field], field)
    after = {key: changes.get(key, getattr(mailing, key)) for key in MailingChangeSchema().fields}
    errors = {}
    if after["sent_on"] and after["sent_on"] < mailing.letter.date:
        errors["sent_on"] = [f"before the letter's date {mailing.letter.date}"]
    if after["returned"]:
        if not after["sent_on"]:
            errors.setdefault("sent_on", []).append("a returned letter was sent: give the date")
        if not after["returned_document_id"]:
            errors["returned_document_id"] = ["a returned letter is filed whole: file it first"]
        if after["returned_on"] and after["sent_on"] and after["returned_on"] < after["sent_on"]:
            errors["returned_on"] = ["before the letter was sent"]
    if errors:
        raise ValidationError(errors)
    for key, value in changes.items():
        setattr(mailing, key, value)
    return mailing


def _file(mailing: Mailing, kind: str, label: str, filename: str, data: bytes, user) -> Document:
    copy = get_document(mailing.letter.document_id)
    if copy is None:
        raise ValidationError({"file": ["the letter's archive copy is gone"]})
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    number = mailing.letter.mailings.index(mailing) + 1
    name = f"{mailing.letter.reference} {label} {number}{suffix}"
    return add_document(copy.owner_type, copy.owner_id, kind, name, data, user=user)


def record_mailing(
    mailing: Mailing,
    changes: dict,
    receipt: tuple[str, bytes] | None = None,
    returned_letter: tuple[str, bytes] | None = None,
    user: User | None = None,
) -> Mailing:
    """One validated update of a mailing from a form: ``changes`` plus uploaded files as
    (file name, bytes). The receipt is filed with the archive copy (CS-17); a returned letter
    is filed whole (a scan of envelope and content) and marks the mailing returned."""
    changes = dict(changes)
    if receipt is not None:
        changes["receipt_document_id"] = _file(
            mailing, RECEIPT_KIND, "mailing receipt", *receipt, user
        ).id
    if returned_letter is not None:
        document = _file(mailing, RETURNED_KIND, "returned letter", *returned_letter, user)
        changes["returned_document_id"] = document.id
        changes["returned"] = True
    return update_mailing(mailing, changes)
