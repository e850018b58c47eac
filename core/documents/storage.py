"""Where document content lives: a backend with ``put(bytes) -> key`` and ``get(key)``.

The default keeps files under the instance folder, addressed by their SHA-256
(``documents/ab/cdef…``): the same content is stored once, and a key names its content.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app


class DocumentCorrupted(Exception):
    """Stored content is missing or no longer matches its recorded SHA-256."""


class Storage:
    """The backend interface; content is immutable once put."""

    def put(self, data: bytes) -> str:
        raise NotImplementedError

    def get(self, key: str) -> bytes:
        raise NotImplementedError


class LocalStorage(Storage):
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a SHA-256 storage key: {key!r}")
        return self.root / key[:2] / key[2:]

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self.path(key)
        if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == key:
            return key  # stored already (a damaged copy is replaced below)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Temp file in the same folder, then an atomic rename: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise DocumentCorrupted(f"stored content {key} is missing") from None


def storage() -> Storage:
    """The app's backend: ``DOCUMENT_STORAGE`` (a :class:`Storage`) if configured, else local
    files under ``<instance>/documents``."""
    ext = current_app.extensions
    if "erp_document_storage" not in ext:
        configured = current_app.config.get("DOCUMENT_STORAGE")
        root = Path(current_app.instance_path) / "documents"
        ext["erp_document_storage"] = configured or LocalStorage(root)
    return ext["erp_document_storage"]
