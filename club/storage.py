"""Uploads are written whole or not at all.

Django's FileSystemStorage writes straight into the final file, so a full disk (or any write
error) leaves a truncated file under the name the database would point to. This storage writes a
hidden temporary file beside it, flushes it to disk, and only then links it under its name; on any
error the temporary file is removed and the caller gets a translated refusal, so the transaction
that was saving the upload rolls back and nothing of it remains.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

from club.errors import ServiceError

STORAGE_FULL = "STORAGE_FULL"
STORAGE_FAILED = "STORAGE_FAILED"


def storage_refusal(exc: OSError) -> ServiceError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return ServiceError(
            STORAGE_FULL,
            _(
                "The server has no room left for files: nothing was saved. Tell the person who "
                "runs the server."
            ),
            status=507,
        )
    return ServiceError(
        STORAGE_FAILED,
        _("The file could not be stored: nothing was saved. Please try again later."),
        status=503,
    )


class SafeFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        full = Path(self.path(name))
        tmp = ""
        try:
            full.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=full.parent, prefix=".partial-")
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                out.flush()
                os.fsync(out.fileno())
            while True:
                try:
                    os.link(tmp, full)  # never replaces a file of the same name
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full = Path(self.path(name))
            if self.file_permissions_mode is not None:
                os.chmod(full, self.file_permissions_mode)
        except OSError as exc:
            raise storage_refusal(exc) from exc
        finally:
            if tmp:
                with suppress(FileNotFoundError):
                    os.unlink(tmp)
        return os.path.relpath(full, self.location).replace(os.sep, "/")
