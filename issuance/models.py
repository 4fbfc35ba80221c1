import base64
import binascii
import re
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.tenancy import TenantQuerySet
from certificates.encryption import decrypt, encrypt
from issuance.choices import (
    CLOSED_ORDER_STATUSES,
    AcmeStatus,
    ChallengeResponder,
    ChallengeType,
    Coverage,
    OrderStatus,
    ProviderKind,
    QuoteStatus,
    ValidationLevel,
)

BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def decode_hmac_key(value: str) -> bytes:
    """Decode an EAB HMAC key given in base64url, the form CAs hand out."""
    try:
        if not BASE64URL.match(value):
            raise ValueError(value)
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValidationError(
            "The EAB HMAC key is not valid base64url. Paste the key exactly as "
            "the CA shows it.",
            code="invalid_hmac_key",
            params={},
        ) from None


class Provider(models.Model):
    """A certificate authority through which the provider buys certificates.

    Provider configuration, not client data: only provider staff edit it in the
    admin. The ACME account key and the EAB HMAC key are Fernet tokens.
    """

    # Binary fields holding Fernet tokens, re-encrypted by key rotation.
    ENCRYPTED_FIELDS = ("encrypted_account_key", "encrypted_eab_hmac_key")

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=ProviderKind.choices)
    directory_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="ACME directory URL (https). Empty for a manual CA.",
    )
    contact_email = models.EmailField(
        blank=True, help_text="Contact address registered with the ACME account."
    )
    ca_bundle_path = models.CharField(
        max_length=500,
        blank=True,
        help_text="Path of a PEM file of CA certificates trusted for the "
        "directory's TLS. Empty uses the system's trust store.",
    )
    challenge_type = models.CharField(
        max_length=10, choices=ChallengeType.choices, default=ChallengeType.HTTP_01
    )
    eab_key_id = models.CharField(
        max_length=200,
        blank=True,
        help_text="External Account Binding key id, if the CA requires one.",
    )
    encrypted_eab_hmac_key = models.BinaryField(null=True, editable=False)
    encrypted_account_key = models.BinaryField(null=True, editable=False)
    account_url = models.URLField(max_length=500, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__

    @property
    def is_acme(self) -> bool:
        return self.kind == ProviderKind.ACME

    def set_eab_hmac_key(self, value: str) -> None:
        if value:
            decode_hmac_key(value)
        self.encrypted_eab_hmac_key = encrypt(value.encode()) if value else None

    def get_eab_hmac_key(self) -> str:
        if not self.encrypted_eab_hmac_key:
            return ""
        return decrypt(bytes(self.encrypted_eab_hmac_key)).decode()

    def set_account_key_pem(self, pem: bytes) -> None:
        self.encrypted_account_key = encrypt(pem)

    def get_account_key_pem(self) -> bytes | None:
        if not self.encrypted_account_key:
            return None
        return decrypt(bytes(self.encrypted_account_key))

    def clean(self) -> None:
        if self.kind == ProviderKind.ACME:
            self._clean_acme()
        elif self.directory_url:
            raise ValidationError(
                {
                    "directory_url": ValidationError(
                        "A manual CA has no ACME directory: leave the directory "
                        "URL empty or choose the ACME kind.",
                        code="directory_for_manual",
                        params={"value": self.directory_url},
                    )
                }
            )

    def _clean_acme(self) -> None:
        if urlsplit(self.directory_url).scheme != "https":
            raise ValidationError(
                {
                    "directory_url": ValidationError(
                        "%(value)r is not an https URL. An ACME directory is "
                        "served over HTTPS: enter its https:// address.",
                        code="directory_not_https",
                        params={"value": self.directory_url},
                    )
                }
            )
        if self.ca_bundle_path and not Path(self.ca_bundle_path).is_file():
            raise ValidationError(
                {
                    "ca_bundle_path": ValidationError(
                        "%(value)r is not a readable file. Enter the path of a "
                        "PEM file on the portal's servers, or leave it empty.",
                        code="ca_bundle_missing",
                        params={"value": self.ca_bundle_path},
                    )
                }
            )
        if bool(self.eab_key_id) != bool(self.encrypted_eab_hmac_key):
            raise ValidationError(
                {
                    "eab_key_id": ValidationError(
                        "External Account Binding needs both the key id and the "
                        "HMAC key: give both or neither.",
                        code="eab_incomplete",
                        params={"value": self.eab_key_id},
                    )
                }
            )


class Product(models.Model):
    """A certificate product in a provider's price list, edited in the admin."""

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="products"
    )
    name = models.CharField(max_length=120)
    validation = models.CharField(max_length=2, choices=ValidationLevel.choices)
    coverage = models.CharField(max_length=10, choices=Coverage.choices)
    names_included = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)]
    )
    price_per_extra_name = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        help_text="Price of each name beyond those included, per term.",
    )
    term_years = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Paid term in years; 1 to 3 years is a subscription of "
        "several certificates under the CA/Browser Forum lifetime caps.",
    )
    price = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="GBP")
    installation_price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=0,
        help_text="Price of one manual installation by the provider's staff.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["provider", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name", "term_years"],
                name="product_unique_per_provider_term",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.term_years} y)"

    def clean(self) -> None:
        self.currency = (self.currency or "").upper()
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValidationError(
                {
                    "currency": ValidationError(
                        "%(value)r is not an ISO 4217 currency code. Use three "
                        "letters such as GBP, EUR or USD.",
                        code="invalid_currency",
                        params={"value": self.currency},
                    )
                }
            )
        if self.term_years and self.term_years > 3:
            raise ValidationError(
                {
                    "term_years": ValidationError(
                        "A term of %(value)s years is longer than the 3 years "
                        "sold. Choose 1, 2 or 3.",
                        code="term_too_long",
                        params={"value": self.term_years},
                    )
                }
            )
        if self.coverage != Coverage.MULTI_DOMAIN and self.names_included != 1:
            raise ValidationError(
                {
                    "names_included": ValidationError(
                        "A %(coverage)s product covers one name, not %(value)s. "
                        "Set 1, or choose multi-domain coverage.",
                        code="names_for_single",
                        params={
                            "coverage": Coverage(self.coverage).label.lower(),
                            "value": self.names_included,
                        },
                    )
                }
            )


class Quote(models.Model):
    """A priced offer to a client. Its lines copy the prices of the day, so a
    later change to the price list leaves the quote as the client saw it."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="quotes"
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="quotes"
    )
    csr = models.ForeignKey(
        "certificates.CertificateSigningRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quotes",
    )
    name_count = models.PositiveIntegerField(default=1)
    installations_per_certificate = models.PositiveIntegerField(
        default=0,
        help_text="Manual installations by the provider's staff for each "
        "certificate issued; 0 when the client installs it.",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    certificates_issued = models.PositiveIntegerField(default=1)
    domain_validations = models.PositiveIntegerField(default=1)
    installations = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(
        max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.SENT
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Quote {self.pk} for {self.client}: {self.total} {self.currency}"

    @property
    def reissues(self) -> int:
        return max(self.certificates_issued - 1, 0)

    @property
    def revalidations(self) -> int:
        return max(self.domain_validations - 1, 0)


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    objects = TenantQuerySet.as_manager()
    tenant_field = "quote__client"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description


class Order(models.Model):
    """A request to a CA for one certificate from one approved CSR."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="orders"
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="orders"
    )
    csr = models.ForeignKey(
        "certificates.CertificateSigningRequest",
        on_delete=models.PROTECT,
        related_name="orders",
    )
    quote = models.ForeignKey(
        Quote, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    replaces = models.ForeignKey(
        "certificates.Certificate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewal_orders",
    )
    responder = models.CharField(
        max_length=10,
        choices=ChallengeResponder.choices,
        default=ChallengeResponder.PORTAL,
    )
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    order_url = models.URLField(max_length=500, blank=True)
    finalize_url = models.URLField(max_length=500, blank=True)
    error_message = models.TextField(
        blank=True, help_text="The CA's explanation of a failure, shown to analysts."
    )
    certificate = models.OneToOneField(
        "certificates.Certificate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issuance_order",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open order per CSR: a double click, a rerun or a second worker
            # cannot start another order at the CA for the same request.
            models.UniqueConstraint(
                fields=["csr"],
                condition=~Q(status__in=CLOSED_ORDER_STATUSES),
                name="order_one_open_per_csr",
            ),
            models.UniqueConstraint(
                fields=["order_url"],
                condition=~Q(order_url=""),
                name="order_url_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} for {self.csr.common_name}"


class Authorization(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="authorizations"
    )
    identifier = models.CharField(max_length=253)
    wildcard = models.BooleanField(default=False)
    url = models.URLField(max_length=500)
    status = models.CharField(
        max_length=20, choices=AcmeStatus.choices, default=AcmeStatus.PENDING
    )
    expires = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "order__client"

    class Meta:
        ordering = ["identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "url"], name="authorization_unique_per_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.identifier} ({self.status})"


class Challenge(models.Model):
    authorization = models.ForeignKey(
        Authorization, on_delete=models.CASCADE, related_name="challenges"
    )
    type = models.CharField(max_length=20, choices=ChallengeType.choices)
    url = models.URLField(max_length=500)
    token = models.CharField(max_length=200, db_index=True)
    # The HTTP-01 file body. It is public by design: the CA fetches it over
    # plain HTTP, and it contains the token and the account key's thumbprint.
    key_authorization = models.CharField(max_length=400)
    dns_txt_value = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=20, choices=AcmeStatus.choices, default=AcmeStatus.PENDING
    )
    error_message = models.TextField(blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "authorization__order__client"

    class Meta:
        ordering = ["type"]
        constraints = [
            models.UniqueConstraint(
                fields=["authorization", "type"], name="challenge_unique_per_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} for {self.authorization.identifier}"

    @property
    def http_path(self) -> str:
        return f"/.well-known/acme-challenge/{self.token}"

    @property
    def dns_record_name(self) -> str:
        return f"_acme-challenge.{self.authorization.identifier}"
