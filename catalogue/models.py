from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from accounts.tenancy import TenantQuerySet
from catalogue.choices import (
    Criterion,
    FieldType,
    Fulfiller,
    Fulfilment,
    Service,
    TargetUnit,
)


class CatalogueItem(models.Model):
    """Something a client can request, with its fulfilment target and allowance."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    service = models.CharField(max_length=40, choices=Service.choices)
    target_value = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="Fulfilment target, in the unit."
    )
    target_unit = models.CharField(max_length=20, choices=TargetUnit.choices)
    included_per_month = models.PositiveIntegerField(
        default=0, help_text="Requests per calendar month included in the service."
    )
    price_per_extra = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Charge for each request beyond the included quantity.",
    )
    currency = models.CharField(max_length=3, default="GBP")
    criteria = models.JSONField(
        default=list,
        blank=True,
        help_text="Qualifying rules, as codes: " + ", ".join(Criterion.values),
    )
    form_fields = models.JSONField(
        default=list,
        blank=True,
        help_text='Fields the request form asks for: [{"name", "label", "type", '
        '"required"}], type one of ' + ", ".join(FieldType.values) + ".",
    )
    fulfiller = models.CharField(
        max_length=20, choices=Fulfiller.choices, default=Fulfiller.TICKET_ONLY
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def target_label(self) -> str:
        return f"{self.target_value} {TargetUnit(self.target_unit).label}"

    def clean(self) -> None:
        unknown = [code for code in self.criteria if code not in Criterion.values]
        if unknown:
            raise ValidationError(
                {
                    "criteria": ValidationError(
                        "Unknown qualifying rule %(value)s. Use one of: %(choices)s.",
                        code="invalid_criterion",
                        params={
                            "value": ", ".join(unknown),
                            "choices": ", ".join(Criterion.values),
                        },
                    )
                }
            )
        self._clean_form_fields()

    def _clean_form_fields(self) -> None:
        if not isinstance(self.form_fields, list):
            raise ValidationError(
                {"form_fields": "Form fields must be a list of field descriptions."}
            )
        for position, spec in enumerate(self.form_fields, start=1):
            if (
                not isinstance(spec, dict)
                or not spec.get("name")
                or spec.get("type") not in FieldType.values
            ):
                raise ValidationError(
                    {
                        "form_fields": ValidationError(
                            "Form field %(position)s (%(value)s) needs a name and a "
                            "type, one of: %(choices)s.",
                            code="invalid_form_field",
                            params={
                                "position": position,
                                "value": spec,
                                "choices": ", ".join(FieldType.values),
                            },
                        )
                    }
                )


class Subscription(models.Model):
    """A client's subscription to a service; catalogue items need one."""

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.CASCADE, related_name="subscriptions"
    )
    service = models.CharField(max_length=40, choices=Service.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["client", "service"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "service"], name="subscription_unique_per_client"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.get_service_display()}"

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError(
                {
                    "ends_on": ValidationError(
                        "The end date %(value)s is before the start date. "
                        "Choose a later end date or leave it empty.",
                        code="ends_before_start",
                        params={"value": self.ends_on},
                    )
                }
            )


class CatalogueRequest(models.Model):
    """One submitted request: counted against the month, fulfilled through a ticket.

    `sequence` numbers the client's requests of an item within `period` (the first
    day of the month in the client's time zone). The uniqueness constraint on
    (client, item, period, sequence) is what stops two people who submit at the
    same moment from both taking the last included request.
    """

    client = models.ForeignKey(
        "accounts.Client", on_delete=models.PROTECT, related_name="catalogue_requests"
    )
    item = models.ForeignKey(
        CatalogueItem, on_delete=models.PROTECT, related_name="requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="catalogue_requests",
    )
    ticket = models.OneToOneField(
        "servicedesk.Ticket",
        on_delete=models.PROTECT,
        related_name="catalogue_request",
    )
    period = models.DateField(help_text="First day of the month, client's time zone.")
    sequence = models.PositiveIntegerField()
    chargeable = models.BooleanField(default=False)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.CharField(max_length=3)
    answers = models.JSONField(default=dict, blank=True)
    certificates = models.ManyToManyField(
        "certificates.Certificate", blank=True, related_name="catalogue_requests"
    )
    renewal_csr = models.OneToOneField(
        "certificates.CertificateSigningRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewal_request",
    )
    submitted_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    fulfilment = models.CharField(
        max_length=10, choices=Fulfilment.choices, default=Fulfilment.PENDING
    )

    objects = TenantQuerySet.as_manager()
    tenant_field = "client"

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "item", "period", "sequence"],
                name="catalogue_request_sequence_unique",
            )
        ]
        indexes = [
            models.Index(fields=["client", "period"], name="catreq_client_period")
        ]

    def __str__(self) -> str:
        return f"{self.item} #{self.sequence} ({self.period:%Y-%m}) for {self.client}"
