import hashlib
import re
import secrets
import zoneinfo
from functools import cache

import holidays
from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.roles import (
    ASSIGNABLE_ROLES,
    CLIENT_ROLES,
    GROUP_NAMES,
    PROVIDER_ROLES,
    Role,
)
from accounts.tenancy import TenantQuerySet

PHONE_PATTERN = re.compile(r"^\+[1-9]\d{6,14}$")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(
            "%(value)r is not an IANA time zone. Use a name such as Europe/London.",
            code="invalid_time_zone",
            params={"value": value},
        )


def normalise_phone(value: str) -> str:
    """Strip the spaces, dots, dashes and brackets people type inside numbers."""
    return re.sub(r"[\s.\-()]", "", value or "")


def validate_phone(value: str) -> None:
    if not PHONE_PATTERN.match(normalise_phone(value)):
        raise ValidationError(
            "%(value)r is not a telephone number in international form. "
            "Start with + and the country code, for example +44 20 7946 0000.",
            code="invalid_phone",
            params={"value": value},
        )


class Client(models.Model):
    """A client company that buys the certificate service from the provider."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    support_location = models.CharField(
        max_length=120, help_text="City of the client's support desk, e.g. London."
    )
    time_zone = models.CharField(
        max_length=64,
        validators=[validate_time_zone],
        help_text="IANA time zone of the support location; SLA clocks run in it.",
    )
    country = models.CharField(
        max_length=2,
        help_text="ISO 3166 two-letter country code; sets the public holidays.",
    )
    subdivision = models.CharField(
        max_length=10,
        blank=True,
        help_text="State or region code for regional holidays, e.g. ENG or CA.",
    )
    support_phone = models.CharField(
        max_length=20,
        validators=[validate_phone],
        help_text="Telephone number for P1 follow-up in the client's region.",
    )
    out_of_hours_phone = models.CharField(
        max_length=20, blank=True, validators=[validate_phone]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "pk"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def clean(self) -> None:
        self.country = (self.country or "").upper()
        self.subdivision = (self.subdivision or "").upper()
        self.support_phone = normalise_phone(self.support_phone)
        self.out_of_hours_phone = normalise_phone(self.out_of_hours_phone)
        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValidationError(
                {
                    "country": ValidationError(
                        "%(value)r is not a country code with a holiday calendar. "
                        "Use an ISO 3166 code such as GB, US or DE.",
                        code="invalid_country",
                        params={"value": self.country},
                    )
                }
            )
        if self.subdivision and self.subdivision not in supported[self.country]:
            raise ValidationError(
                {
                    "subdivision": ValidationError(
                        "%(value)r is not a subdivision of %(country)s. "
                        "Leave it empty or use one of: %(choices)s.",
                        code="invalid_subdivision",
                        params={
                            "value": self.subdivision,
                            "country": self.country,
                            "choices": ", ".join(supported[self.country][:20]),
                        },
                    )
                }
            )


class PortalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMINISTRATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in: client staff (with a client) or provider staff."""

    role = models.CharField(
        max_length=32, choices=Role.choices, default=Role.CLIENT_USER
    )
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        help_text="The organisation of a client user or client admin.",
    )
    phone = models.CharField(max_length=20, blank=True, validators=[validate_phone])
    assigned_clients = models.ManyToManyField(
        Client,
        blank=True,
        related_name="service_team",
        help_text="Clients served by a service delivery or technical account manager.",
    )

    objects = PortalUserManager()
    tenant_field = "client"

    class Meta:
        ordering = ["username"]

    @property
    def is_client_staff(self) -> bool:
        return self.role in CLIENT_ROLES

    @property
    def is_provider_staff(self) -> bool:
        return self.role in PROVIDER_ROLES

    def clean(self) -> None:
        super().clean()
        self.phone = normalise_phone(self.phone)
        if self.role in CLIENT_ROLES and self.client_id is None:
            raise ValidationError(
                {
                    "client": ValidationError(
                        "A %(role)s belongs to a client: choose the client.",
                        code="client_required",
                        params={"role": Role(self.role).label},
                    )
                }
            )
        if self.role in PROVIDER_ROLES and self.client_id is not None:
            raise ValidationError(
                {
                    "client": ValidationError(
                        "A %(role)s works for the provider, not a client: "
                        "leave the client empty.",
                        code="client_forbidden",
                        params={"role": Role(self.role).label},
                    )
                }
            )

    def save(self, *args, **kwargs) -> None:
        # The role decides admin access, so it is derived here rather than edited.
        self.is_staff = self.role in PROVIDER_ROLES
        self.is_superuser = self.role == Role.ADMINISTRATOR
        super().save(*args, **kwargs)
        self._sync_groups()

    def _sync_groups(self) -> None:
        wanted = GROUP_NAMES.get(self.role)
        current = set(self.groups.values_list("name", flat=True))
        if current == ({wanted} if wanted else set()):
            return
        self.groups.set(Group.objects.filter(name=wanted) if wanted else [])
        if self.role not in ASSIGNABLE_ROLES:
            self.assigned_clients.clear()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret part is stored."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is used for.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()
    tenant_field = "user__client"

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        # The secret is 32 random bytes, so a plain hash is enough: there is no
        # dictionary of likely values to defend against, unlike a password.
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str, lifetime) -> tuple["ApiToken", str]:
        """Create a token and return it with its full value, shown to the user once."""
        prefix = secrets.token_hex(cls.PREFIX_LENGTH // 2)
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            digest=cls.hash_secret(secret),
            expires_at=timezone.now() + lifetime,
        )
        return token, f"{prefix}.{secret}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
