from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.generics import RetrieveAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts import services
from accounts.access import HasRole
from accounts.filters import ApiTokenFilter, ClientFilter, PersonFilter
from accounts.models import ApiToken, Client, User
from accounts.roles import Role
from accounts.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    ClientSerializer,
    MeSerializer,
    PersonSerializer,
)
from certportal.api import TenantScopedViewSetMixin


class MeView(RetrieveAPIView):
    """The signed-in person, with their organisation or assigned clients."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


class ClientViewSet(TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Clients the caller may see: their own, their assigned ones, or all."""

    queryset = Client.objects.all()
    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    search_fields = ["name", "slug", "support_location"]
    ordering_fields = ["name", "slug", "country"]


class PersonViewSet(
    TenantScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The people of the caller's organisation, managed by its client admins.

    DELETE deactivates the person and revokes their tokens; nothing is deleted.
    """

    queryset = User.objects.filter(client__isnull=False).order_by("username")
    serializer_class = PersonSerializer
    permission_classes = [IsAuthenticated, HasRole.of(Role.CLIENT_ADMIN)]
    filterset_class = PersonFilter
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering_fields = ["username", "last_name", "email"]

    def perform_create(self, serializer):
        serializer.instance = services.create_person(
            self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        person = serializer.instance
        data = {
            "email": person.email,
            "role": person.role,
            "first_name": person.first_name,
            "last_name": person.last_name,
            **serializer.validated_data,
        }
        serializer.instance = services.update_person(self.request.user, person, **data)

    def perform_destroy(self, instance):
        services.deactivate_person(self.request.user, instance)


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own API tokens. DELETE revokes a token; the row stays listed.

    Tokens are filtered by owner, which is narrower than the tenancy scope: even a
    client admin never sees a colleague's tokens.
    """

    queryset = ApiToken.objects.none()  # replaced per request; names the model
    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilter
    search_fields = ["name", "prefix"]
    ordering_fields = ["created_at", "expires_at", "name"]

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            token, value = services.issue_token(
                request.user,
                serializer.validated_data.get("name", ""),
                serializer.validated_data.get("lifetime_days"),
            )
        token.value = value
        return Response(
            ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED
        )

    def perform_destroy(self, instance):
        services.revoke_token(instance)
