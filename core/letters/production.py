"""Producing letters (SPEC CS-17, CS-18): numbered, rendered, filed, with a mailing per address.

:func:`produce_letter` makes one letter in one transaction: the kind's data function builds it,
it takes the next reference number, is rendered, stored as a document in the archive of the
customer it concerns, and recorded as a :class:`~core.models.letters.Letter` with one
:class:`~core.models.letters.Mailing` per address. A letter is unique per (kind, subject
record, step): producing it again returns the existing one, so a dunning run, a duty caught up
twice or a retried job never sends a second letter.

Batches (:func:`produce_batch`) go to the ``letters`` queue as **one job per chunk** of
:data:`CHUNK_SIZE` letters, for a non-forking worker (``erp worker --simple --queue letters``)
that registered the font once before its work loop. A chunk makes its missing letters together
(:func:`_produce_many`: the subjects in one query, a block of reference numbers in one UPDATE,
the documents and then the letters with their mailings in one flush each) and commits once;
should one of them fail, the chunk makes them one by one instead, each in its own savepoint,
so the others are kept and a retry redoes only the failed one. Measured by ``python -m bench``
(PostgreSQL, Redis, one worker, 200 one-page letters; the same letter rendered alone: ~105/s):

- a job per letter: ~40 letters/s (ratio ~0.37): each job adds its enqueue, the job record's
  commits and RQ's bookkeeping;
- a job per chunk of 25: ~85-90 letters/s (ratio ~0.8). What remains besides rendering is
  mostly the PDF file written and fsynced.

A forking worker would add ~30 ms per job, loading the font inside a job 110-290 ms.
On PostgreSQL a chunk holds its company's reference counter until it commits (the numbers
stay gapless), so several workers on one company's batch take turns; different companies'
batches run in parallel.
"""

import datetime as dt
import logging
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError

from core import jobs
from core.audit import actor
from core.documents.service import add_document, add_new_documents, owner_record, owner_records
from core.extensions import db
from core.jobs.runner import now
from core.letters.kinds import LetterKind, letter_kinds
from core.letters.references import next_reference, next_references
from core.letters.render import LetterData, render_letter
from core.models import Company, User
from core.models.letters import Letter, Mailing, MailingMethod
from core.tenancy import company_scope

log = logging.getLogger("erp.letters")
CHUNK_SIZE = 25
DOCUMENT_KIND = "letter"  # the archive copy's document kind (CS-18)
NOTICE = "core.notice"
CHINA = dt.timezone(dt.timedelta(hours=8))
_UNKNOWN = object()


@dataclass
class LetterDraft:
    """What a letter kind's data function returns when a bare ``LetterData`` is not enough."""

    letter: LetterData
    # Where it is sent, one mailing each (see :func:`mailing_addresses`); default: the
    # letter's own address.
    addresses: list[str] | None = None
    # (table, id) of the record whose archive keeps the copy, e.g. the customer of a dunned
    # instalment; default: the subject itself.
    archive: tuple[str, int] | None = None
    method: MailingMethod = MailingMethod.express  # CS-17: formal letters go by express


def mailing_addresses(
    contract_address: str, new_address: str | None = None, confirmed: bool = False
) -> list[str]:
    """CS-17: the contract's address; after a written (confirmed) change, the new one; after
    an unconfirmed change, both."""
    if not new_address or new_address.strip() == contract_address.strip():
        return [contract_address]
    return [new_address] if confirmed else [contract_address, new_address]


def find_letter(kind_key: str, owner_type: str, owner_id: int, step: str = "") -> Letter | None:
    """The letter of this (kind, subject, step) in the current company, if produced."""
    return db.session.scalar(
        select(Letter).where(
            Letter.kind == kind_key,
            Letter.owner_type == owner_type,
            Letter.owner_id == owner_id,
            Letter.step == step,
        )
    )


def _kind(company: Company, kind_key: str) -> LetterKind:
    kind = letter_kinds(company).get(kind_key)
    if kind is None:
        raise ValidationError({"kind": [f"no letter kind {kind_key!r} in {company.code}"]})
    return kind


def _draft(built, owner_type: str, owner_id: int) -> LetterDraft:
    draft = built if isinstance(built, LetterDraft) else LetterDraft(built)
    addresses = [a for a in (draft.addresses or [draft.letter.address]) if a and a.strip()]
    if not addresses:
        raise ValidationError({"address": ["the letter has no address to go to"]})
    letter = draft.letter
    if not letter.address:
        letter = replace(letter, address="\n".join(addresses))
    return replace(
        draft, letter=letter, addresses=addresses, archive=draft.archive or (owner_type, owner_id)
    )


def _produce(company, kind, owner_type, owner_id, step, context, user, existing=_UNKNOWN):
    """(the letter, whether this call made it); flushes inside a savepoint. ``existing`` is
    the letter (or None) when the caller looked it up already: a chunk looks up all of its
    letters in one query."""
    if existing is _UNKNOWN:
        existing = find_letter(kind.key, owner_type, owner_id, step)
    if existing is not None:
        return existing, False
    subject = owner_record(owner_type, owner_id)  # scoped: another company's id is not found
    draft = _draft(kind.build(subject, company=company, step=step, **context), owner_type, owner_id)
    try:
        with db.session.begin_nested():
            reference = next_reference(company, draft.letter.date.year)
            letter = replace(draft.letter, reference=reference)
            document = add_document(
                *draft.archive,
                DOCUMENT_KIND,
                f"{letter.title} {reference}.pdf",  # unique: the reference is
                render_letter(letter),
                user=user,
                owner=subject if draft.archive == (owner_type, owner_id) else None,
                new_chain=True,
            )
            record = _record(
                company,
                kind,
                (owner_type, owner_id),
                step,
                reference,
                letter,
                draft,
                document,
                user,
            )
            db.session.add(record)
    except IntegrityError:
        # Produced meanwhile by a concurrent worker: the unique key kept it to one.
        existing = find_letter(kind.key, owner_type, owner_id, step)
        if existing is None:
            raise
        return existing, False
    return record, True


def produce_letter(
    company: Company,
    kind_key: str,
    owner_type: str,
    owner_id: int,
    step: str = "",
    context: dict | None = None,
    user: User | None = None,
) -> Letter:
    """Produce the letter of ``kind_key`` about the record (``owner_type``, ``owner_id``) at
    ``step`` (e.g. a dunning step; "" for a one-off letter), or return it if it exists.

    The kind's ``build(subject, company=, step=, **context)`` returns a ``LetterData`` or a
    :class:`LetterDraft`. Flushes; the caller commits (number, PDF, letter and mailings
    together, or none of them).
    """
    with company_scope(company.id):
        kind = _kind(company, kind_key)
        return _produce(company, kind, owner_type, owner_id, step, context or {}, user)[0]


def _subject(item) -> dict:
    """A batch subject: ``(owner_type, owner_id[, context])`` or a dict of those keys."""
    if isinstance(item, dict):
        owner_type, owner_id, context = item["owner_type"], item["owner_id"], item.get("context")
    else:
        owner_type, owner_id, *rest = item
        context = rest[0] if rest else None
    return {"owner_type": owner_type, "owner_id": int(owner_id), "context": context or {}}


def produce_batch(
    company: Company,
    kind_key: str,
    subjects: list,
    step: str = "",
    user: User | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> list:
    """Enqueue the letters of ``subjects`` on the ``letters`` queue, a job per chunk (see the
    module's notes), dispatched when the caller commits (:func:`core.jobs.enqueue`); each
    subject's ``context`` must be JSON-safe. Returns the job records."""
    with company_scope(company.id):
        _kind(company, kind_key)  # refuse an unknown kind now, not in every job
    items = [_subject(s) for s in subjects]
    return [
        jobs.enqueue(
            produce_chunk,
            company=company,
            subject=f"{kind_key} {step} ({len(items[i : i + chunk_size])} letters)",
            queue="letters",
            user=user,
            kind_key=kind_key,
            step=step,
            subjects=items[i : i + chunk_size],
        )
        for i in range(0, len(items), chunk_size)
    ]


class LetterBatchError(Exception):
    """Some letters of a chunk failed; the others are committed and a retry redoes only these."""


def _existing(kind_key: str, step: str, subjects: list) -> dict:
    """The letters of a chunk produced already, by (owner_type, owner_id): one query."""
    owners = {(item["owner_type"], item["owner_id"]) for item in subjects}
    query = select(Letter).where(
        Letter.kind == kind_key,
        Letter.step == step,
        tuple_(Letter.owner_type, Letter.owner_id).in_(sorted(owners)),
    )
    return {(x.owner_type, x.owner_id): x for x in db.session.scalars(query)}


def _record(company, kind, owner, step, reference, letter, draft, document, user) -> Letter:
    return Letter(
        company_id=company.id,
        kind=kind.key,
        owner_type=owner[0],
        owner_id=owner[1],
        step=step,
        reference=reference,
        title=letter.title,
        addressee=letter.addressee,
        addresses=draft.addresses,
        date=letter.date,
        document_id=document.id,
        created_by_id=user.id if user else None,
        created_at=now(),
        mailings=[
            Mailing(company_id=company.id, address=a, method=draft.method) for a in draft.addresses
        ],
    )


def _produce_many(company, kind, step, items, user) -> list[Letter]:
    """The letters of ``items`` (none produced yet) with a handful of statements in all: the
    subjects in one query, a block of references in one UPDATE per year, the documents and
    then the letters with their mailings in one flush each. Raises on any failure; the
    caller rolls back to its savepoint and makes the letters one by one instead."""
    by_type: dict[str, list[int]] = {}
    for item in items:
        by_type.setdefault(item["owner_type"], []).append(item["owner_id"])
    found = {(t, i): row for t, ids in by_type.items() for i, row in owner_records(t, ids).items()}
    owners = [(item["owner_type"], item["owner_id"]) for item in items]
    drafts = [
        _draft(kind.build(found[o], company=company, step=step, **item["context"]), *o)
        for o, item in zip(owners, items, strict=True)
    ]
    archives: dict[str, set[int]] = {}
    for draft in drafts:
        archives.setdefault(draft.archive[0], set()).add(draft.archive[1])
    for owner_type, ids in archives.items():
        if len(owner_records(owner_type, ids)) != len(ids):  # scoped: another company's
            raise ValidationError({"archive": ["an archive record is not found"]})
    references: dict[int, list[str]] = {}
    for year in sorted({d.letter.date.year for d in drafts}):
        count = sum(d.letter.date.year == year for d in drafts)
        references[year] = next_references(company, year, count)
    letters = [replace(d.letter, reference=references[d.letter.date.year].pop(0)) for d in drafts]
    documents = add_new_documents(
        [
            (*d.archive, DOCUMENT_KIND, f"{x.title} {x.reference}.pdf", render_letter(x))
            for d, x in zip(drafts, letters, strict=True)
        ],
        user,
    )
    records = [
        _record(company, kind, o, step, x.reference, x, d, doc, user)
        for o, d, x, doc in zip(owners, drafts, letters, documents, strict=True)
    ]
    db.session.add_all(records)
    db.session.flush()
    return records


def produce_chunk(job, kind_key: str, step: str, subjects: list) -> dict:
    """The batch job: idempotent per (kind, subject, step). The chunk's missing letters are
    made together (:func:`_produce_many`) and commit once (the job's runner commits with its
    ``done`` mark). Should any of them fail, the chunk makes them one by one instead, each in
    its own savepoint, so a failing letter is rolled back alone; a chunk redone after a crash
    makes only the letters it lacks."""
    company = db.session.get(Company, job.company_id)
    user = db.session.get(User, job.user_id) if job.user_id else None
    kind = _kind(company, kind_key)
    existing = _existing(kind_key, step, subjects)
    todo = [s for s in subjects if (s["owner_type"], s["owner_id"]) not in existing]
    kept = [letter.id for letter in existing.values()]
    if not todo:
        return {"produced": [], "existing": kept}
    with actor(job.user_id):
        try:
            with db.session.begin_nested():
                made = [letter.id for letter in _produce_many(company, kind, step, todo, user)]
        except Exception:
            log.info("chunk of %s letters: made one by one after a failure", len(todo))
            made = _produce_each(company, kind, step, todo, user)
    return {"produced": made, "existing": kept}


def _produce_each(company, kind, step, subjects, user) -> list[int]:
    made, failed = [], []
    for item in subjects:
        owner = item["owner_type"], item["owner_id"]
        try:
            letter, created = _produce(company, kind, *owner, step, item["context"], user, None)
            db.session.flush()
        except Exception as exc:
            failed.append(f"{owner[0]} {owner[1]}: {exc}")
            continue
        if created:
            made.append(letter.id)
    if failed:
        db.session.commit()  # keep the letters made; the retry redoes only the failed ones
        raise LetterBatchError(f"{len(failed)} of {len(subjects)} letters failed: {failed}")
    return made


# --- The core's own kind: a formal notice ("any formal letter in the company's name") --------


def build_notice(
    subject,
    *,
    company: Company,
    step: str = "",
    title: str = "通知函",
    addressee: str,
    addresses: list[str],
    body: list[str],
    date: str | None = None,
    archive: list | None = None,
    **_ignored,
) -> LetterDraft:
    """A notice whose text staff (or a caller) supply: ``addresses`` as returned by
    :func:`mailing_addresses`, ``body`` paragraphs, ``date`` ISO (default today in China)."""
    letter = LetterData(
        company_name=company.name,
        title=title,
        addressee=addressee,
        address="",
        body=list(body),
        date=dt.date.fromisoformat(date) if date else dt.datetime.now(CHINA).date(),
    )
    return LetterDraft(letter, list(addresses), tuple(archive) if archive else None)


def core_letter_kinds() -> list[LetterKind]:
    return [LetterKind(NOTICE, _l("Formal notice"), build_notice)]
