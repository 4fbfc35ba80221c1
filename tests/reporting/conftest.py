import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Keep every report file of a test in its own temporary directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (queued tasks) as the wrapped block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
