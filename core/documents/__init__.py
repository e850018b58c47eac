"""Documents: every stored or produced file, versioned, hash-checked, deleted only on approval.

The customer archive (CS-18) is a view over :func:`documents_of` / :func:`archive_index`.
"""

from core.documents.service import (
    add_document,
    archive_index,
    delete_approved,
    documents_of,
    get_document,
    read_content,
    request_deletion,
    versions,
)
from core.documents.storage import DocumentCorrupted, LocalStorage, Storage, storage

__all__ = [
    "DocumentCorrupted",
    "LocalStorage",
    "Storage",
    "add_document",
    "archive_index",
    "delete_approved",
    "documents_of",
    "get_document",
    "read_content",
    "request_deletion",
    "storage",
    "versions",
]
