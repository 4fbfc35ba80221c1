"""Write report files beside the live ones, then swap them in one transaction.

Readers only ever see a complete set: a run's files are written under new,
random names first, the rows pointing at them change in one transaction, and
the replaced files are deleted after that transaction commits. Two runs of the
same report serialise on the report row's lock, and the later one wins.
"""

import hashlib
import logging
import secrets
import tempfile
from dataclasses import dataclass

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from reporting.choices import ReportState
from reporting.models import Report, ReportFile

logger = logging.getLogger(__name__)

HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    format: str
    name: str
    sha256: str
    size: int


def temporary_file():
    """Return a binary temporary file for one rendering, removed when closed."""
    return tempfile.TemporaryFile()


def store(report: Report, file_format: str, handle) -> StoredFile:
    """Hash the finished temporary file and copy it into the default storage."""
    handle.flush()
    handle.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(HASH_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    token = secrets.token_hex(8)
    name = (
        f"reports/{report.client_id}/{report.period:%Y-%m}/"
        f"{report.kind}-{token}.{file_format}"
    )
    saved = default_storage.save(name, File(handle, name=name))
    return StoredFile(file_format, saved, digest.hexdigest(), size)


def discard(files: list[StoredFile]) -> None:
    for stored in files:
        default_storage.delete(stored.name)


def swap_in(report_id: int, files: list[StoredFile], row_count: int, summary: dict):
    """Point the report at `files`, mark it done and drop the files it replaced."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        replaced = list(report.files.values_list("file", flat=True))
        report.files.all().delete()
        ReportFile.objects.bulk_create(
            [
                ReportFile(
                    report=report,
                    format=stored.format,
                    file=stored.name,
                    sha256=stored.sha256,
                    size=stored.size,
                )
                for stored in files
            ]
        )
        report.state = ReportState.DONE
        report.progress = 100
        report.error = ""
        report.row_count = row_count
        report.summary = summary
        report.generated_at = timezone.now()
        report.save(
            update_fields=[
                "state",
                "progress",
                "error",
                "row_count",
                "summary",
                "generated_at",
            ]
        )
        transaction.on_commit(lambda: _delete_names(replaced))
    return report


def _delete_names(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            # A leftover file only wastes space, because no row refers to it.
            logger.warning("report file not deleted name=%s", name, exc_info=True)
