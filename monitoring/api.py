"""REST API: verification results, monitored domains and the caller's notices."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.models import Client
from certportal.api import (
    ModelCleanSerializerMixin,
    TenantScopedRelatedField,
    TenantScopedViewSetMixin,
)
from monitoring.models import MonitoredDomain, Notice, VerificationResult
from monitoring.permissions import can_manage


class VerificationResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = VerificationResult
        fields = [
            "id",
            "endpoint",
            "expected_certificate",
            "checked_at",
            "outcome",
            "address",
            "served_fingerprint_sha256",
            "served_common_name",
            "fingerprint_matches",
            "chain_complete",
            "name_matches",
            "protocol",
            "days_left",
            "error",
        ]
        read_only_fields = fields


class VerificationResultViewSet(
    TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = VerificationResult.objects.all()
    serializer_class = VerificationResultSerializer
    filterset_fields = ["endpoint", "outcome"]
    ordering_fields = ["checked_at"]


class MonitoredDomainSerializer(ModelCleanSerializerMixin, serializers.ModelSerializer):
    client = TenantScopedRelatedField(queryset=Client.objects.all(), required=False)

    class Meta:
        model = MonitoredDomain
        fields = [
            "id",
            "client",
            "target",
            "interval_seconds",
            "timeout_seconds",
            "is_active",
            "consecutive_failures",
            "last_checked_at",
            "created_at",
        ]
        read_only_fields = ["consecutive_failures", "last_checked_at", "created_at"]
        # The (client, target) check runs in validate(), after the client of a
        # client's own staff is filled in; DRF's validator would demand it first.
        validators: list = []

    def validate(self, attrs):
        user = self.context["request"].user
        if user.client_id:
            attrs["client"] = user.client
        elif "client" not in attrs and self.instance is None:
            raise serializers.ValidationError(
                {"client": ["Choose the client whose domain this is."]}
            )
        attrs = super().validate(attrs)
        client = attrs.get("client") or self.instance.client
        target = attrs.get("target", getattr(self.instance, "target", None))
        duplicate = MonitoredDomain.objects.filter(client=client, target=target)
        if self.instance is not None:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise serializers.ValidationError(
                {"target": ["This client already monitors this target."]}
            )
        return attrs


class MonitoredDomainViewSet(TenantScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = MonitoredDomain.objects.select_related("client")
    serializer_class = MonitoredDomainSerializer
    filterset_fields = ["client", "is_active"]
    search_fields = ["target"]

    def check_permissions(self, request):
        super().check_permissions(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and not can_manage(
            request.user
        ):
            raise PermissionDenied("Your role cannot change monitored domains.")


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "link",
            "certificate",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields


class NoticeViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own notices; other people's are never listed."""

    queryset = Notice.objects.all()
    serializer_class = NoticeSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):
        return super().get_queryset().filter(recipient=self.request.user)

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notice = self.get_object()
        if notice.read_at is None:
            notice.read_at = timezone.now()
            notice.save(update_fields=["read_at"])
        return Response(self.get_serializer(notice).data)
