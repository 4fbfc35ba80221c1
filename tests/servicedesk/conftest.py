"""Fixtures of the service desk tests: a settable clock and a private media root."""

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

LONDON = ZoneInfo("Europe/London")


class Clock:
    """The time django.utils.timezone.now() returns while the fixture is active."""

    def __init__(self, start: datetime):
        self.now = start

    def set(self, *parts, zone=LONDON) -> datetime:
        self.now = datetime(*parts, tzinfo=zone)
        return self.now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    # Only the clock is replaced: SLA due times depend on "now", and waiting
    # for a real Friday night is not an option.
    fake = Clock(datetime(2027, 5, 28, 23, 0, tzinfo=LONDON))
    with mock.patch("django.utils.timezone.now", fake):
        yield fake


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Hashing the personas' passwords with the real hasher costs seconds per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def text_file(name="notes.txt", content=b"line one\nline two\n"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def png_file(name="screen.png"):
    return SimpleUploadedFile(
        name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"
    )
