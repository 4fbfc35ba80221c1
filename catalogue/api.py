from decimal import Decimal

from django.core.exceptions import PermissionDenied
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import CLIENT_ROLES
from catalogue import services
from catalogue.models import CatalogueItem, CatalogueRequest
from certportal.api import TenantScopedViewSetMixin


class CatalogueItemSerializer(serializers.ModelSerializer):
    target = serializers.CharField(source="target_label", read_only=True)

    class Meta:
        model = CatalogueItem
        fields = [
            "code",
            "name",
            "description",
            "service",
            "target",
            "target_value",
            "target_unit",
            "included_per_month",
            "price_per_extra",
            "currency",
            "form_fields",
        ]


class AllowanceSerializer(serializers.Serializer):
    included = serializers.IntegerField()
    used = serializers.IntegerField()
    remaining = serializers.IntegerField()
    next_is_chargeable = serializers.BooleanField()
    next_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()


def _client_of(request):
    if request.user.role not in CLIENT_ROLES:
        raise PermissionDenied("Catalogue requests are made by the client's staff.")
    return request.user.client


class CatalogueItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Items the signed-in client person's organisation is entitled to."""

    serializer_class = CatalogueItemSerializer
    lookup_field = "code"
    queryset = CatalogueItem.objects.none()

    def get_queryset(self):
        return services.entitled_items(_client_of(self.request))

    @action(detail=True, methods=["get"], serializer_class=AllowanceSerializer)
    def allowance(self, request, code=None):
        item = self.get_object()
        return Response(
            AllowanceSerializer(services.allowance(request.user.client, item)).data
        )


class CatalogueRequestSerializer(serializers.ModelSerializer):
    item = serializers.SlugRelatedField(
        slug_field="code", queryset=CatalogueItem.objects.all()
    )
    answers = serializers.JSONField(required=False, default=dict)
    expected_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, write_only=True
    )
    ticket = serializers.CharField(source="ticket.reference", read_only=True)

    class Meta:
        model = CatalogueRequest
        fields = [
            "id",
            "item",
            "answers",
            "expected_price",
            "ticket",
            "period",
            "sequence",
            "chargeable",
            "price",
            "currency",
            "submitted_at",
            "due_at",
            "fulfilled_at",
            "fulfilment",
            "renewal_csr",
        ]
        read_only_fields = [
            "period",
            "sequence",
            "chargeable",
            "price",
            "currency",
            "submitted_at",
            "due_at",
            "fulfilled_at",
            "fulfilment",
            "renewal_csr",
        ]

    def create(self, validated_data):
        request = self.context["request"]
        expected = validated_data.get("expected_price")
        return services.submit_request(
            _client_of(request),
            validated_data["item"],
            request.user,
            validated_data.get("answers") or {},
            expected_price=Decimal(expected) if expected is not None else None,
        )


class CatalogueRequestViewSet(
    TenantScopedViewSetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = CatalogueRequestSerializer
    queryset = CatalogueRequest.objects.select_related("item", "ticket").order_by(
        "-submitted_at"
    )
    filterset_fields = ["fulfilment", "chargeable", "period"]
