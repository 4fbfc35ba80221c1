"""Every environment variable and periodic job in settings.py is documented.

The README's settings table and .env.example are the operator's only list of what
can be configured, so a variable added to settings.py without them fails here.
"""

import ast
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SETTINGS_FILE = BASE_DIR / "certportal" / "settings.py"
# Objects in settings.py whose methods read one environment variable each.
READERS = {"env", "secrets"}


def environment_variables() -> set[str]:
    """Return the names settings.py passes to `env.*(...)` and `secrets.*(...)`."""
    names = set()
    for node in ast.walk(ast.parse(SETTINGS_FILE.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        reader = node.func.value
        if not (isinstance(reader, ast.Name) and reader.id in READERS):
            continue
        if node.args and isinstance(node.args[0], ast.Constant):
            names.add(node.args[0].value)
    return names


def test_settings_reader_finds_variables():
    names = environment_variables()

    assert "DATABASE_URL" in names
    assert "SECRET_KEY" in names
    assert "PRIVATE_KEY_ENCRYPTION_KEYS" in names


def test_env_example_lists_every_variable():
    text = (BASE_DIR / ".env.example").read_text()
    # A variable may be set or commented out with its default: "NAME=" or "# NAME=".
    listed = {
        line.lstrip("# ").split("=", 1)[0] for line in text.splitlines() if "=" in line
    }

    assert sorted(environment_variables() - listed) == []


def test_readme_lists_every_variable():
    text = (BASE_DIR / "README.md").read_text()
    missing = [name for name in environment_variables() if f"`{name}`" not in text]

    assert sorted(missing) == []


def test_readme_lists_every_job():
    text = (BASE_DIR / "README.md").read_text()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    missing = [task for task in tasks if f"`{task}`" not in text]

    assert sorted(missing) == []
