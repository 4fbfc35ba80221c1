"""Parsing of what a monitored domain points at: a URL or host:port."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from certificates.x509info import to_a_label


@dataclass(frozen=True)
class Target:
    scheme: str  # "https", "http" or "tls" (host:port, handshake only)
    host: str
    port: int
    path: str

    @property
    def text(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.scheme == "tls":
            return f"{host}:{self.port}"
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def uses_tls(self) -> bool:
        return self.scheme in ("https", "tls")


def _invalid(value: str) -> ValidationError:
    return ValidationError(
        "%(value)r is not a URL or host:port. Use https://www.example.com/ "
        "or www.example.com:443.",
        code="invalid_target",
        params={"value": value},
    )


def parse_target(value: str) -> Target:
    """Return the normalised target of `value` or raise ValidationError."""
    value = value.strip()
    if "://" in value:
        parts = urlsplit(value)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise ValidationError(
                "%(value)r uses %(scheme)s://; only http:// and https:// URLs "
                "can be monitored.",
                code="invalid_scheme",
                params={"value": value, "scheme": scheme},
            )
        default_port = 443 if scheme == "https" else 80
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
    else:
        parts = urlsplit(f"//{value}")
        scheme, default_port, path = "tls", None, ""
    try:
        port = parts.port or default_port
    except ValueError:
        raise _invalid(value) from None
    host = parts.hostname or ""
    if not host or port is None or parts.username or parts.password:
        raise _invalid(value)
    if any(ch.isspace() for ch in value):
        raise _invalid(value)
    try:
        host = to_a_label(host)
    except ValueError:
        raise _invalid(value) from None
    return Target(scheme, host, port, path)
