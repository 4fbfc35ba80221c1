"""REST API of the service desk. Serializers only shape data: every change goes
through servicedesk.services, whose ValidationErrors become 400 responses with
the same messages the portal and the admin show."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from certificates.models import Certificate, CertificateSigningRequest
from certportal.api import TenantScopedRelatedField, TenantScopedViewSetMixin
from servicedesk import services
from servicedesk.choices import Category, Level, Priority, Status, UpdateKind
from servicedesk.models import Attachment, Ticket, TicketUpdate

# Text fields accept anything here; the service checks emptiness and length so
# that the messages match the portal's.
TEXT = {"allow_blank": True, "trim_whitespace": False}


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    awaits_call = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "client",
            "requester",
            "category",
            "subject",
            "description",
            "impact",
            "urgency",
            "priority",
            "priority_override_reason",
            "status",
            "pause_reason",
            "assignee",
            "certificate",
            "csr",
            "version",
            "created_at",
            "first_responded_at",
            "response_due_at",
            "resolution_due_at",
            "resolved_at",
            "closed_at",
            "awaits_call",
        ]
        read_only_fields = fields

    def get_awaits_call(self, ticket) -> bool:
        return ticket.priority == Priority.P1 and not getattr(ticket, "has_call", True)


class TicketCreateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    subject = serializers.CharField(**TEXT)
    description = serializers.CharField(**TEXT)
    impact = serializers.ChoiceField(choices=Level.choices, default=Level.MEDIUM)
    urgency = serializers.ChoiceField(choices=Level.choices, default=Level.MEDIUM)
    certificate = TenantScopedRelatedField(
        queryset=Certificate.objects.all(), required=False, allow_null=True
    )
    csr = TenantScopedRelatedField(
        queryset=CertificateSigningRequest.objects.all(),
        required=False,
        allow_null=True,
    )


class TriageSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        help_text="The version you read; a stale one is rejected."
    )
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    impact = serializers.ChoiceField(choices=Level.choices, required=False)
    urgency = serializers.ChoiceField(choices=Level.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    priority_override_reason = serializers.CharField(required=False, **TEXT)
    status = serializers.ChoiceField(choices=Status.choices, required=False)


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(**TEXT)
    version = serializers.IntegerField(required=False)


class CallSerializer(serializers.Serializer):
    caller_name = serializers.CharField(**TEXT)
    called_at = serializers.DateTimeField()
    notes = serializers.CharField(**TEXT)


class TicketFilter(filters.FilterSet):
    class Meta:
        model = Ticket
        fields = ["status", "priority", "category", "client"]


def _annotated(queryset):
    from django.db.models import Exists, OuterRef

    from servicedesk.models import PhoneCall

    return queryset.select_related("client").annotate(
        has_call=Exists(PhoneCall.objects.filter(ticket=OuterRef("pk")))
    )


class TicketViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Tickets of the clients you may see. Client staff raise them; analysts
    triage, request information and resolve; client staff confirm or reopen."""

    queryset = Ticket.objects.all()
    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    search_fields = ["subject"]
    ordering_fields = ["due_at", "created_at", "priority"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return _annotated(super().get_queryset())

    def _reply(self, ticket):
        ticket = _annotated(Ticket.objects.filter(pk=ticket.pk)).get()
        return Response(TicketSerializer(ticket).data)

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer})
    def create(self, request):
        if not request.user.is_client_staff:
            raise PermissionDenied("Tickets are raised by client staff.")
        serializer = TicketCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        ticket = services.open_ticket(
            request.user.client, request.user, **serializer.validated_data
        )
        response = self._reply(ticket)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=TriageSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        ticket = self.get_object()
        serializer = TriageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        services.triage(
            ticket,
            request.user,
            expected_version=data.pop("version"),
            override_reason=data.pop("priority_override_reason", ""),
            **data,
        )
        return self._reply(ticket)

    @extend_schema(request=TextSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"], url_path="request-information")
    def request_information(self, request, pk=None):
        ticket = self.get_object()
        data = self._text(request)
        services.request_information(
            ticket, request.user, data["text"], expected_version=data.get("version")
        )
        return self._reply(ticket)

    @extend_schema(request=TextSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        ticket = self.get_object()
        data = self._text(request)
        services.resolve(
            ticket, request.user, data["text"], expected_version=data.get("version")
        )
        return self._reply(ticket)

    @extend_schema(request=None, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        ticket = self.get_object()
        services.confirm_closure(ticket, request.user)
        return self._reply(ticket)

    @extend_schema(request=TextSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        ticket = self.get_object()
        services.reopen(ticket, request.user, self._text(request)["text"])
        return self._reply(ticket)

    @extend_schema(request=CallSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def calls(self, request, pk=None):
        ticket = self.get_object()
        serializer = CallSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.record_call(ticket, request.user, **serializer.validated_data)
        return self._reply(ticket)

    def _text(self, request) -> dict:
        serializer = TextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def visible_updates(user):
    updates = TicketUpdate.objects.select_related("author")
    if not getattr(user, "is_provider_staff", False):
        updates = updates.filter(kind=UpdateKind.REPLY)
    return updates


class UpdateSerializer(serializers.ModelSerializer):
    ticket = TenantScopedRelatedField(queryset=Ticket.objects.all())
    body = serializers.CharField(**TEXT)
    author = serializers.CharField(source="author.username", read_only=True)
    internal = serializers.BooleanField(
        write_only=True, default=False, help_text="An internal note (staff only)."
    )

    class Meta:
        model = TicketUpdate
        fields = ["id", "ticket", "kind", "body", "author", "created_at", "internal"]
        read_only_fields = ["kind", "created_at"]


class UpdateViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Replies (and, for provider staff, internal notes) on tickets."""

    queryset = TicketUpdate.objects.all()
    serializer_class = UpdateSerializer
    filterset_fields = ["ticket", "kind"]
    ordering = ["created_at"]

    def get_queryset(self):
        return super().get_queryset() & visible_updates(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        update = services.add_update(
            data["ticket"], request.user, data["body"], internal=data["internal"]
        )
        return Response(
            self.get_serializer(update).data, status=status.HTTP_201_CREATED
        )


class AttachmentSerializer(serializers.ModelSerializer):
    ticket = TenantScopedRelatedField(queryset=Ticket.objects.all())
    attachment = serializers.FileField(
        write_only=True, help_text="The file; type and size limits apply."
    )

    class Meta:
        model = Attachment
        fields = [
            "id",
            "ticket",
            "update",
            "original_name",
            "size",
            "content_type",
            "created_at",
            "attachment",
        ]
        read_only_fields = [
            "update",
            "original_name",
            "size",
            "content_type",
            "created_at",
        ]


class AttachmentViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Files on tickets. Uploading one adds a public reply that carries it."""

    queryset = Attachment.objects.select_related("update")
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["ticket"]
    ordering = ["created_at"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if not getattr(self.request.user, "is_provider_staff", False):
            queryset = queryset.exclude(update__kind=UpdateKind.NOTE)
        return queryset

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["attachment"]
        update = services.add_update(
            data["ticket"],
            request.user,
            f"Attached {upload.name}.",
            attachments=[upload],
        )
        attachment = update.attachments.get()
        return Response(
            self.get_serializer(attachment).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = self.get_object()
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
