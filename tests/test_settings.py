"""Settings from the environment: production refuses to start without its secrets,
and a complete production configuration passes `manage.py check --deploy`.

Each case starts a fresh Python process with a clean environment, because settings
are read once per process.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent
SETUP = "import django; django.setup()"


def production_env(tmp_path, **overrides) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "certportal.settings",
        "DJANGO_ENV": "production",
        "DJANGO_ENV_FILE": "",
        "SECRET_KEY": "k" * 10 + Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "portal.example.com",
        "PRIVATE_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "MPLCONFIGDIR": str(tmp_path),
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def last_line(result: subprocess.CompletedProcess) -> str:
    return result.stderr.strip().splitlines()[-1]


def test_production_starts_when_complete(tmp_path):
    result = run(production_env(tmp_path), "-c", SETUP)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        (
            "SECRET_KEY",
            "SECRET_KEY is not set. Production never generates secrets: "
            "set SECRET_KEY in the environment or in .env.",
        ),
        (
            "PRIVATE_KEY_ENCRYPTION_KEYS",
            "PRIVATE_KEY_ENCRYPTION_KEYS is not set. Production never generates "
            "secrets: set PRIVATE_KEY_ENCRYPTION_KEYS in the environment or in .env.",
        ),
        (
            "ALLOWED_HOSTS",
            "ALLOWED_HOSTS is not set. Production needs it: set ALLOWED_HOSTS in "
            "the environment or in .env, comma-separated.",
        ),
    ],
)
def test_production_requires_variable(tmp_path, variable, message):
    result = run(production_env(tmp_path, **{variable: None}), "-c", SETUP)

    assert result.returncode != 0
    assert last_line(result) == (
        f"django.core.exceptions.ImproperlyConfigured: {message}"
    )


def test_production_empty_variable_rejected(tmp_path):
    result = run(production_env(tmp_path, SECRET_KEY=""), "-c", SETUP)

    assert result.returncode != 0
    assert "SECRET_KEY is not set." in last_line(result)


def test_invalid_django_env(tmp_path):
    result = run(production_env(tmp_path, DJANGO_ENV="staging"), "-c", SETUP)

    assert result.returncode != 0
    assert last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: DJANGO_ENV='staging' is "
        "invalid: use 'development' or 'production'."
    )


def test_invalid_fernet_key(tmp_path):
    keys = f"{Fernet.generate_key().decode()},not-a-key"

    result = run(
        production_env(tmp_path, PRIVATE_KEY_ENCRYPTION_KEYS=keys), "-c", SETUP
    )

    assert result.returncode != 0
    assert last_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: PRIVATE_KEY_ENCRYPTION_KEYS: "
        "key 2 is not a valid Fernet key (Fernet key must be 32 url-safe "
        "base64-encoded bytes.). Generate one with `python -c 'from "
        "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
    )


def test_production_secure_defaults(tmp_path):
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
    )

    result = run(production_env(tmp_path), "-c", probe)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "31536000"]


def test_check_deploy_security_clean(tmp_path):
    result = run(
        production_env(tmp_path), "manage.py", "check", "--deploy", "--tag", "security"
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stderr


def test_check_deploy_clean(tmp_path):
    result = run(
        production_env(tmp_path),
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_env_file_supplies_variable(tmp_path):
    env_file = tmp_path / "production.env"
    env_file.write_text(f"SECRET_KEY={'f' * 10}{Fernet.generate_key().decode()}\n")

    result = run(
        production_env(tmp_path, SECRET_KEY=None, DJANGO_ENV_FILE=str(env_file)),
        "-c",
        SETUP,
    )

    assert result.returncode == 0, result.stderr
