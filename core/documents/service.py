"""Documents: add (validated, versioned), read (hash-checked), list per owner, soft delete.

Every file the system keeps or produces goes through :func:`add_document`; views, the API and
letter jobs call these functions. They flush, the caller's entry point commits.
"""

import hashlib
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import func, select

from core import approvals
from core.audit import actor, current_actor_id
from core.documents.storage import DocumentCorrupted, storage
from core.extensions import db
from core.models import Company, User
from core.models.documents import Document
from core.tenancy import current_company_id

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_TYPES = ("pdf", "png", "jpeg", "tiff", "docx", "xlsx", "txt")
OOXML = "application/vnd.openxmlformats-officedocument"
OWNER_TYPE = Document.__tablename__
# The approval flow's document type (default flow: VP approval, see core.builtin).
DELETION = "core.document_deletion"


def _zip_with(member: str):
    def check(data: bytes) -> bool:
        try:
            return member in zipfile.ZipFile(BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return False

    return check


def _utf8_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


@dataclass(frozen=True)
class FileType:
    label: str
    suffixes: tuple[str, ...]
    content_type: str
    matches: object  # bytes -> bool: the content really is of this type


FILE_TYPES = {
    "pdf": FileType("PDF", (".pdf",), "application/pdf", lambda d: d.startswith(b"%PDF-")),
    "png": FileType("PNG", (".png",), "image/png", lambda d: d.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpeg": FileType("JPEG", (".jpg", ".jpeg"), "image/jpeg", lambda d: d[:3] == b"\xff\xd8\xff"),
    "tiff": FileType(
        "TIFF", (".tif", ".tiff"), "image/tiff", lambda d: d[:4] in (b"II*\x00", b"MM\x00*")
    ),
    "docx": FileType(
        "Word", (".docx",), f"{OOXML}.wordprocessingml.document", _zip_with("word/document.xml")
    ),
    "xlsx": FileType(
        "Excel", (".xlsx",), f"{OOXML}.spreadsheetml.sheet", _zip_with("xl/workbook.xml")
    ),
    "txt": FileType("text", (".txt",), "text/plain; charset=utf-8", _utf8_text),
}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def clean_name(name: str) -> str:
    """The file's own name: no folders, no control characters (Chinese names are kept)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable()).strip()[:255]


def max_bytes() -> int:
    return current_app.config.get("DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def read_upload(stream) -> bytes:
    """An uploaded file's bytes, reading no more than one byte past the size limit."""
    return stream.read(max_bytes() + 1)


def check_file(name: str, data: bytes) -> str:
    """The content type of an upload, or a ValidationError naming the ``file`` field: size
    limit ``DOCUMENT_MAX_BYTES``, allowed types ``DOCUMENT_TYPES``, content matching the name."""
    limit = max_bytes()
    allowed = current_app.config.get("DOCUMENT_TYPES", DEFAULT_TYPES)
    if not data:
        raise ValidationError({"file": ["the file is empty"]})
    if len(data) > limit:
        raise ValidationError({"file": [f"the file is larger than {limit} bytes"]})
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = next((t for k, t in FILE_TYPES.items() if k in allowed and suffix in t.suffixes), None)
    if kind is None:
        names = ", ".join(s for k in allowed for s in FILE_TYPES[k].suffixes)
        raise ValidationError({"file": [f"file type {suffix or '(none)'} not allowed: {names}"]})
    if not kind.matches(data):
        raise ValidationError({"file": [f"the content is not a {kind.label} file ({name})"]})
    return kind.content_type


def _model_of(table: str):
    for mapper in db.Model.registry.mappers:
        if mapper.local_table.name == table:
            return mapper.class_
    return None


def owner_record(owner_type: str, owner_id: int):
    """The record a document belongs to, seen through the current company's scope."""
    model = _model_of(owner_type)
    if model is None:
        raise ValidationError({"owner_type": [f"unknown record type {owner_type!r}"]})
    pk = model.__mapper__.primary_key[0]
    row = db.session.scalar(select(model).where(pk == owner_id))
    if row is None:
        raise ValidationError({"owner_id": [f"no {owner_type} {owner_id}"]})
    return row


def owner_records(owner_type: str, owner_ids) -> dict:
    """The records of ``owner_ids`` found in the current company's scope, by id: one query."""
    model = _model_of(owner_type)
    if model is None:
        raise ValidationError({"owner_type": [f"unknown record type {owner_type!r}"]})
    pk = model.__mapper__.primary_key[0]
    rows = db.session.scalars(select(model).where(pk.in_(set(owner_ids))))
    return {getattr(row, pk.key): row for row in rows}


def _chain(owner_type: str, owner_id: int, kind: str, name: str):
    return (
        Document.owner_type == owner_type,
        Document.owner_id == owner_id,
        Document.kind == kind,
        Document.name == name,
    )


def _clean(kind: str, name: str) -> tuple[str, str]:
    name = clean_name(name)
    kind = (kind or "").strip()
    if not kind or len(kind) > 50:
        raise ValidationError({"kind": ["a kind of 1 to 50 characters is required"]})
    if not name:
        raise ValidationError({"file": ["the file needs a name"]})
    return kind, name


def _stored(owner_type, owner_id, kind, name, data, user, company_id, version=1) -> Document:
    """A new document row for ``data`` (checked and stored; not yet added to the session)."""
    content_type = check_file(name, data)
    return Document(
        company_id=company_id,
        owner_type=owner_type,
        owner_id=owner_id,
        kind=kind,
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=storage().put(data),
        version=version,
        created_by_id=user.id if user is not None else current_actor_id(),
        created_at=_now(),
    )


def add_document(
    owner_type: str,
    owner_id: int,
    kind: str,
    name: str,
    data: bytes,
    user: User | None = None,
    *,
    owner=None,
    new_chain: bool = False,
) -> Document:
    """Store ``data`` as the next version of (owner, kind, name); the same content as the
    latest version is no change and returns that version.

    A producer that loaded the owner record already passes it as ``owner``; one whose names
    are unique (a letter named after its reference number) passes ``new_chain=True`` and
    skips the version lookups."""
    if owner is None:
        owner = owner_record(owner_type, owner_id)
    kind, name = _clean(kind, name)
    last = 0
    if not new_chain:
        chain = _chain(owner_type, owner_id, kind, name)
        latest = latest_version(owner_type, owner_id, kind, name)
        if latest is not None and latest.sha256 == hashlib.sha256(data).hexdigest():
            return latest
        # Deleted versions keep their numbers: a chain's numbers are never reused.
        last = db.session.scalar(select(func.max(Document.version)).where(*chain)) or 0
    company_id = getattr(owner, "company_id", None) or current_company_id()
    document = _stored(owner_type, owner_id, kind, name, data, user, company_id, last + 1)
    db.session.add(document)
    db.session.flush()
    return document


def add_new_documents(items: list[tuple], user: User | None = None) -> list[Document]:
    """Store many documents, each the first of its chain (names unique, e.g. after a letter's
    reference number), with one flush: ``items`` are (owner_type, owner_id, kind, name,
    data) in the current company."""
    company_id = current_company_id()
    documents = [
        _stored(owner_type, owner_id, *_clean(kind, name), data, user, company_id)
        for owner_type, owner_id, kind, name, data in items
    ]
    db.session.add_all(documents)
    db.session.flush()
    return documents


def read_content(document: Document) -> bytes:
    """The document's bytes, checked against its SHA-256: never silently wrong bytes."""
    data = storage().get(document.storage_key)
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise DocumentCorrupted(
            f"document {document.id} ({document.name} v{document.version}): stored content "
            f"does not match its SHA-256 {document.sha256}"
        )
    return data


def get_document(document_id: int) -> Document | None:
    """A live document of the current company (a select, so the tenancy scope applies)."""
    return db.session.scalar(
        select(Document).where(Document.id == document_id, Document.deleted_at.is_(None))
    )


def latest_version(owner_type: str, owner_id: int, kind: str, name: str) -> Document | None:
    return db.session.scalar(
        select(Document)
        .where(*_chain(owner_type, owner_id, kind, name), Document.deleted_at.is_(None))
        .order_by(Document.version.desc())
        .limit(1)
    )


def versions(document: Document) -> list[Document]:
    """The live versions of ``document``'s chain, newest first."""
    chain = _chain(document.owner_type, document.owner_id, document.kind, document.name)
    query = select(Document).where(*chain, Document.deleted_at.is_(None))
    return list(db.session.scalars(query.order_by(Document.version.desc())))


def documents_of(owner_type: str, owner_id: int) -> list[Document]:
    """Every live version attached to one record, by kind, name and version."""
    query = select(Document).where(
        Document.owner_type == owner_type,
        Document.owner_id == owner_id,
        Document.deleted_at.is_(None),
    )
    order = (Document.kind, Document.name, Document.version)
    return list(db.session.scalars(query.order_by(*order)))


@dataclass(frozen=True)
class IndexEntry:
    """A line of an owner's archive index (档案目录): one chain at its latest version."""

    kind: str
    name: str
    version: int
    created_at: datetime
    document: Document


def archive_index(owner_type: str, owner_id: int) -> list[IndexEntry]:
    latest: dict[tuple[str, str], Document] = {}
    for doc in documents_of(owner_type, owner_id):
        latest[doc.kind, doc.name] = doc  # ordered by version: the last one wins
    return [IndexEntry(d.kind, d.name, d.version, d.created_at, d) for d in latest.values()]


def request_deletion(document: Document, user: User, reason: str):
    """Ask for a document's deletion through the approval engine (CS-18: nothing in the
    archive is destroyed without VP approval); :func:`approval_decided` deletes it once
    approved. Returns the approval request; the engine commits."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["a reason is required to delete a document"]})
    if document.deleted_at is not None:
        raise ValidationError({"document": [f"document {document.id} is already deleted"]})
    company = db.session.get(Company, document.company_id)
    # Without a flow the engine would approve at once: refuse instead (fail closed).
    if approvals.current_flow(company, DELETION) is None:
        raise ValidationError({"document": [f"{company.code} has no {DELETION} approval flow"]})
    document.deletion_requested_at = _now()
    document.deletion_requested_by_id = user.id
    document.deletion_reason = reason
    data = {"name": document.name, "version": document.version, "reason": reason}
    return approvals.submit(company, DELETION, OWNER_TYPE, document.id, data, user)


def approval_decided(request) -> None:
    """The engine's outcome for a deletion request: delete when approved, else clear the
    pending mark."""
    if request.doc_type != DELETION or request.owner_type != OWNER_TYPE:
        return
    document = get_document(request.owner_id)
    if document is None:
        return
    if request.status == approvals.RequestStatus.approved:
        last = request.decisions[-1].user if request.decisions else None
        delete_approved(document, last)
    else:
        document.deletion_requested_at = document.deletion_requested_by_id = None
        document.deletion_reason = None
        db.session.flush()


def delete_approved(document: Document, approver: User | None) -> None:
    """Soft-delete an approved deletion: hidden from lists, content and row kept."""
    if document.deleted_at is not None:
        return
    user_id = approver.id if approver is not None else current_actor_id()
    document.deleted_at = _now()
    document.deleted_by_id = user_id
    with actor(user_id):  # the audit log names the approver, not whoever triggered the flush
        db.session.flush()
