"""The certificate list filters, shared by the portal list, the API and the admin."""

from datetime import timedelta

import django_filters
from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Client
from accounts.tenancy import scope
from certificates.choices import CertificateStatus
from certificates.models import Certificate, CertificateName
from certificates.x509info import to_a_label


def search_names(queryset: QuerySet, text: str) -> QuerySet:
    """Certificates with a DNS name or common name containing `text`.

    The text is converted to A-label form first, so "bücher" finds the stored
    "xn--bcher-kva.example".
    """
    text = (text or "").strip()
    if not text:
        return queryset
    needle = to_a_label(text)
    names = CertificateName.objects.filter(
        certificate=OuterRef("pk"), name__contains=needle
    )
    return queryset.filter(Q(Exists(names)) | Q(common_name__icontains=text))


def expiring_within(queryset: QuerySet, days: int | None) -> QuerySet:
    """Certificates still valid that expire within `days` days from now."""
    if days is None:
        return queryset
    now = timezone.now()
    return queryset.filter(not_after__gt=now, not_after__lte=now + timedelta(days=days))


def apply_filters(queryset: QuerySet, data: dict) -> QuerySet:
    """Apply the cleaned values of CertificateFilterForm to `queryset`."""
    queryset = search_names(queryset, data.get("q"))
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    queryset = expiring_within(queryset, data.get("expiring_within"))
    if data.get("issuer"):
        queryset = queryset.filter(issuer__icontains=data["issuer"])
    if data.get("client"):
        queryset = queryset.filter(client=data["client"])
    if data.get("sort"):
        queryset = queryset.order_by(data["sort"], "pk")
    return queryset


class CertificateFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Name contains")
    status = django_filters.ChoiceFilter(choices=CertificateStatus.choices)
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring", label="Expiring within (days)", min_value=0
    )
    issuer = django_filters.CharFilter(field_name="issuer", lookup_expr="icontains")
    client = django_filters.ModelChoiceFilter(queryset=Client.objects.all())
    purchased_through = django_filters.CharFilter()

    class Meta:
        model = Certificate
        fields = ["q", "status", "expiring_within", "issuer", "client"]

    def __init__(self, *args, request=None, **kwargs) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = request.user if request is not None else None
        self.filters["client"].queryset = scope(Client.objects.all(), user)

    def filter_q(self, queryset, name, value):
        return search_names(queryset, value)

    def filter_expiring(self, queryset, name, value):
        return expiring_within(queryset, int(value))


class ExpiringWithinListFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiring_within"

    def lookups(self, request, model_admin):
        return [
            ("7", "Within 7 days"),
            ("30", "Within 30 days"),
            ("90", "Within 90 days"),
        ]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return expiring_within(queryset, int(self.value()))
        return queryset


class ScopedClientListFilter(admin.SimpleListFilter):
    """A client filter listing only the clients the person may see."""

    title = "client"
    parameter_name = "client"

    def lookups(self, request, model_admin):
        clients = scope(Client.objects.all(), request.user).only("pk", "name")
        return [(str(client.pk), client.name) for client in clients]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(client_id=int(self.value()))
        return queryset
