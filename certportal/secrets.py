"""Secrets from the environment, generated into var/secrets/ in development only."""

import os
import secrets as random_tokens
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured


class SecretSource:
    """Reads secrets from the environment; in development, creates missing ones.

    A generated secret is written to a file readable only by its owner, so the
    development server and the tests see the same value on every start.
    """

    def __init__(self, env: environ.Env, directory: Path, *, generate: bool) -> None:
        self.env = env
        self.directory = directory
        self.generate = generate

    def _value(self, name: str, make) -> str:
        value = self.env.str(name, default="")
        if value:
            return value
        if not self.generate:
            raise ImproperlyConfigured(
                f"{name} is not set. Production never generates secrets: "
                f"set {name} in the environment or in .env."
            )
        path = self.directory / name.lower()
        if path.is_file():
            return path.read_text().strip()
        self.directory.mkdir(parents=True, exist_ok=True)
        value = make()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value

    def django_secret_key(self, name: str) -> str:
        return self._value(name, lambda: random_tokens.token_urlsafe(50))

    def fernet_keys(self, name: str) -> list[str]:
        raw = self._value(name, lambda: Fernet.generate_key().decode())
        keys = [key.strip() for key in raw.split(",") if key.strip()]
        for position, key in enumerate(keys, start=1):
            try:
                Fernet(key)
            except ValueError as exc:
                raise ImproperlyConfigured(
                    f"{name}: key {position} is not a valid Fernet key ({exc}). "
                    "Generate one with `python -c 'from cryptography.fernet import "
                    "Fernet; print(Fernet.generate_key().decode())'`."
                ) from None
        return keys

    def required_list(self, name: str) -> list[str]:
        values = self.env.list(name, default=[])
        if not values:
            raise ImproperlyConfigured(
                f"{name} is not set. Production needs it: set {name} in the "
                "environment or in .env, comma-separated."
            )
        return values
