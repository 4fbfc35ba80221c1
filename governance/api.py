"""REST API of the governance app: the RACI matrix, change requests and
incident reports. Every view is a thin caller of governance's domain functions."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Client
from accounts.tenancy import get_for_user_or_404
from certificates.models import Certificate, Endpoint
from certportal.api import (
    ModelCleanSerializerMixin,
    TenantScopedRelatedField,
    TenantScopedViewSetMixin,
)
from governance import changes, incidents, raci
from governance.choices import ChangeState
from governance.models import ChangeDecision, ChangeRequest, IncidentReport
from governance.views import visible_reports
from servicedesk.models import Ticket


class AssignmentSerializer(serializers.Serializer):
    service = serializers.CharField(source="activity.service.name")
    code = serializers.CharField(source="activity.code")
    activity = serializers.CharField(source="activity.name")
    provider = serializers.CharField()
    customer = serializers.CharField()
    overridden = serializers.BooleanField()


class RaciViewSet(viewsets.ViewSet):
    """The RACI matrix; client staff get their client's overrides applied, and
    provider staff may pass ?client=<slug>."""

    serializer_class = AssignmentSerializer

    @extend_schema(responses=AssignmentSerializer(many=True))
    def list(self, request):
        user = request.user
        client = user.client if user.is_client_staff else None
        slug = request.query_params.get("client")
        if slug and not user.is_client_staff:
            client = get_for_user_or_404(Client, user, slug=slug)
        rows = raci.matrix_for(client)
        return Response(AssignmentSerializer(rows, many=True).data)


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeDecision
        fields = ["from_state", "to_state", "actor_name", "note", "decided_at"]


class ChangeRequestSerializer(ModelCleanSerializerMixin, serializers.ModelSerializer):
    client = TenantScopedRelatedField(queryset=Client.objects.all(), required=False)
    certificates = TenantScopedRelatedField(
        queryset=Certificate.objects.all(), many=True, required=False
    )
    endpoints = TenantScopedRelatedField(
        queryset=Endpoint.objects.all(), many=True, required=False
    )
    tickets = TenantScopedRelatedField(
        queryset=Ticket.objects.all(), many=True, required=False
    )
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "client",
            "title",
            "change_type",
            "state",
            "reason",
            "risk_level",
            "risk",
            "implementation_plan",
            "rollback_plan",
            "window_start",
            "window_end",
            "emergency_reason",
            "customer_approval_evidence",
            "certificates",
            "endpoints",
            "tickets",
            "decisions",
            "created_at",
        ]
        read_only_fields = ["state", "created_at"]

    def validate(self, attrs):
        user = self.context["request"].user
        if self.instance is None:
            if user.is_client_staff:
                attrs["client"] = user.client
            elif "client" not in attrs:
                raise serializers.ValidationError(
                    {"client": ["Choose the client the change is for."]}
                )
        return super().validate(attrs)

    def _save(self, instance, validated_data):
        links = {
            name: validated_data.pop(name, None)
            for name in ("certificates", "endpoints", "tickets")
        }
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            return changes.save_change(instance, self.context["request"].user, **links)
        except PermissionDenied as exc:
            raise serializers.ValidationError(
                {"non_field_errors": [str(exc)]}
            ) from None

    def create(self, validated_data):
        return self._save(ChangeRequest(), validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("client", None)
        return self._save(instance, validated_data)


class TransitionSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=ChangeState.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeRequestViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = (
        ChangeRequest.objects.select_related("client")
        .prefetch_related("certificates", "endpoints", "tickets", "decisions")
        .order_by("-created_at", "-pk")
    )
    serializer_class = ChangeRequestSerializer
    filterset_fields = ["state", "change_type", "client"]
    search_fields = ["title"]

    @extend_schema(request=TransitionSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the change to another state (submit, approve, reject, …)."""
        change = self.get_object()
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes.transition(
            change.pk,
            data.validated_data["target"],
            request.user,
            data.validated_data["note"],
        )
        change = self.get_queryset().get(pk=change.pk)
        return Response(self.get_serializer(change).data, status=status.HTTP_200_OK)


class IncidentReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    ticket = serializers.IntegerField(source="ticket_id", allow_null=True)
    title = serializers.CharField()
    state = serializers.CharField()
    impact = serializers.CharField()
    root_cause = serializers.CharField()
    mitigation = serializers.CharField()
    review_meeting_at = serializers.DateTimeField(allow_null=True)
    review_meeting_notes = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    timeline = serializers.SerializerMethodField()

    def get_timeline(self, report) -> list[dict]:
        return [
            {"occurred_at": entry.occurred_at, "description": entry.description}
            for entry in report.timeline.all()
        ]


class IncidentReportViewSet(viewsets.ReadOnlyModelViewSet):
    """P1 incident reports; client staff see published ones only."""

    serializer_class = IncidentReportSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return IncidentReport.objects.none()
        return (
            visible_reports(self.request.user)
            .prefetch_related("timeline")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        report = self.get_object()
        response = HttpResponse(
            incidents.render_pdf(report), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="incident-report-{report.pk}.pdf"'
        )
        return response
