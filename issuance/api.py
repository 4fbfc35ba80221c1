from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import HasRole
from accounts.roles import CLIENT_ROLES, PROVIDER_ROLES
from certportal.api import TenantScopedViewSetMixin
from issuance import serializers, services
from issuance.models import Authorization, Order, Quote


class OrderViewSet(
    TenantScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Certificate orders; provider staff start them from approved CSRs."""

    queryset = Order.objects.select_related("provider").prefetch_related(
        Prefetch(
            "authorizations",
            queryset=Authorization.objects.prefetch_related("challenges"),
        )
    )
    serializer_class = serializers.OrderSerializer
    filterset_fields = ["status", "client", "provider"]
    ordering_fields = ["created_at", "updated_at"]

    def get_permissions(self):
        if self.action in ("create", "upload", "revoke"):
            return [HasRole.of(*PROVIDER_ROLES)()]
        return super().get_permissions()

    @extend_schema(
        request=serializers.OrderCreateSerializer,
        responses={201: serializers.OrderSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = serializers.OrderCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        order = services.start_order(
            data.validated_data["csr"],
            data.validated_data["provider"],
            actor=request.user,
            quote=data.validated_data.get("quote"),
            responder=data.validated_data["responder"],
        )
        return self._order_response(order.pk, status.HTTP_201_CREATED)

    def _order_response(self, pk, code=status.HTTP_200_OK):
        order = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(order).data, status=code)

    @extend_schema(request=None, responses=serializers.OrderSerializer)
    @action(detail=True, methods=["post"])
    def published(self, request, pk=None):
        """Confirm that the client has published its challenge tokens."""
        order = self.get_object()
        services.confirm_challenges_published(order, request.user)
        return self._order_response(order.pk)

    @extend_schema(
        request=serializers.CertificateUploadSerializer,
        responses=serializers.OrderSerializer,
    )
    @action(detail=True, methods=["post"])
    def upload(self, request, pk=None):
        """Store the certificate a manual CA returned for this order."""
        order = self.get_object()
        data = serializers.CertificateUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.upload_manual_certificate(
            order, data.validated_data["certificate"], actor=request.user
        )
        return self._order_response(order.pk)

    @extend_schema(
        request=serializers.RevocationSerializer,
        responses=serializers.OrderSerializer,
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the order's certificate at the CA with a reason code."""
        order = self.get_object()
        data = serializers.RevocationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if order.certificate is None:
            return Response(
                {
                    "error": {
                        "code": "no_certificate",
                        "message": f"Order {order.pk} has no certificate to revoke.",
                    }
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        services.revoke_certificate(
            order.certificate,
            data.validated_data["reason"],
            actor=request.user,
            request=request,
        )
        return self._order_response(order.pk)


class QuoteViewSet(TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Price quotes; the client accepts or declines each one."""

    queryset = Quote.objects.select_related("product").prefetch_related("lines")
    serializer_class = serializers.QuoteSerializer
    filterset_fields = ["status", "client"]

    def get_permissions(self):
        if self.action in ("accept", "decline"):
            return [HasRole.of(*CLIENT_ROLES)()]
        return super().get_permissions()

    def _decide(self, decide):
        quote = self.get_object()
        decide(quote, self.request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=quote.pk)).data)

    @extend_schema(request=None, responses=serializers.QuoteSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the quote; orders waiting for it go to the CA."""
        return self._decide(services.accept_quote)

    @extend_schema(request=None, responses=serializers.QuoteSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline the quote; orders waiting for it are cancelled."""
        return self._decide(services.decline_quote)
