"""REST API of the reports: list, detail, download links, download and generation."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.access import HasRole
from accounts.models import Client
from certportal.api import TenantScopedRelatedField, TenantScopedViewSetMixin
from reporting import services
from reporting.choices import ReportKind
from reporting.models import Report
from reporting.periods import parse_month
from reporting.views import file_response


class ReportSerializer(serializers.ModelSerializer):
    client = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "client",
            "kind",
            "period",
            "state",
            "progress",
            "error",
            "row_count",
            "summary",
            "requested_at",
            "generated_at",
            "downloads",
        ]
        read_only_fields = fields

    def get_downloads(self, report) -> dict[str, dict]:
        request = self.context.get("request")
        links = {}
        for item in report.files.all():
            path = reverse(
                "api:report-download",
                kwargs={"pk": report.pk, "file_format": item.format},
            )
            links[item.format] = {
                "url": request.build_absolute_uri(path) if request else path,
                "sha256": item.sha256,
                "size": item.size,
            }
        return links


class ReportRequestSerializer(serializers.Serializer):
    client = TenantScopedRelatedField(queryset=Client.objects.all())
    period = serializers.CharField(help_text="A month that has ended, as YYYY-MM.")
    kind = serializers.ChoiceField(
        choices=ReportKind.choices, default=ReportKind.SSL_MONTHLY
    )

    def validate_period(self, value: str):
        try:
            return parse_month(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict["period"]) from None


class ReportViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Reports of the clients the caller may see. Client users have no access."""

    queryset = (
        Report.objects.select_related("client")
        .prefetch_related("files")
        .order_by("-period", "client__name", "kind")
    )
    serializer_class = ReportSerializer
    permission_classes = [HasRole.of(*services.REPORT_ROLES)]
    filterset_fields = ["kind", "state", "period", "client__slug"]
    ordering_fields = ["period", "generated_at"]

    @extend_schema(
        request=ReportRequestSerializer,
        responses={202: ReportSerializer},
        description="Queue a report of a client for a month that has ended.",
    )
    def create(self, request):
        incoming = ReportRequestSerializer(
            data=request.data, context={"request": request}
        )
        incoming.is_valid(raise_exception=True)
        report = services.request_report(
            incoming.validated_data["client"],
            incoming.validated_data["period"],
            request.user,
            kind=incoming.validated_data["kind"],
        )
        report = self.get_queryset().get(pk=report.pk)
        return Response(
            self.get_serializer(report).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)
        },
        description="Download one stored file (csv, xlsx or pdf). Downloads are "
        "audited.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"download/(?P<file_format>csv|xlsx|pdf)",
        url_name="download",
    )
    def download(self, request, pk=None, file_format=None):
        report = self.get_object()
        return file_response(report, file_format, request)
