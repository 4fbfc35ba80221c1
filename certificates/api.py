"""REST API of the certificate inventory: thin callers of the same forms and
services as the portal."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from certificates import exports
from certificates.filters import CertificateFilterSet
from certificates.models import Certificate, CertificateSigningRequest, Endpoint
from certificates.serializers import (
    CertificateDetailSerializer,
    CertificateSerializer,
    CsrGenerateSerializer,
    CsrSerializer,
    CsrUploadSerializer,
    EndpointSerializer,
    ImportResultSerializer,
    ImportSerializer,
    KeyDownloadSerializer,
    Pkcs12RequestSerializer,
)
from certificates.views import can_write
from certportal.api import TenantScopedViewSetMixin

PEM_RESPONSE = OpenApiResponse(OpenApiTypes.STR, description="PEM text.")
BINARY_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="A PKCS#12 file.")


def _require_write(request, codename: str) -> None:
    if not can_write(request.user, codename):
        raise PermissionDenied


def _download(content, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class CertificateViewSet(TenantScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Certificate.objects.select_related("client")
    filterset_class = CertificateFilterSet
    ordering_fields = ["not_after", "common_name", "issuer_common_name", "created_at"]
    ordering = ["not_after", "pk"]
    search_fields = ["common_name", "names__name"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CertificateDetailSerializer
        return CertificateSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            queryset = queryset.defer("pem", "chain_pem")
        return queryset

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={201: ImportResultSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request):
        """Import a certificate file (and optionally its key) into the inventory."""
        _require_write(request, "add_certificate")
        serializer = ImportSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        result = serializer.run_import()
        return Response(
            ImportResultSerializer(result).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={200: PEM_RESPONSE})
    @action(detail=True, methods=["get"])
    def pem(self, request, pk=None, format=None):
        """Download the certificate alone as PEM."""
        certificate = self.get_object()
        pem = exports.leaf_pem(certificate, request=request)
        return _download(
            pem, f"{exports.file_stem(certificate)}.pem", "application/x-pem-file"
        )

    @extend_schema(responses={200: PEM_RESPONSE})
    @action(detail=True, methods=["get"])
    def chain(self, request, pk=None, format=None):
        """Download the certificate followed by its chain as PEM."""
        certificate = self.get_object()
        pem = exports.full_chain_pem(certificate, request=request)
        return _download(
            pem,
            f"{exports.file_stem(certificate)}-fullchain.pem",
            "application/x-pem-file",
        )

    @extend_schema(request=Pkcs12RequestSerializer, responses={200: BINARY_RESPONSE})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    def pkcs12(self, request, pk=None, format=None):
        """Download key, certificate and chain as a password-protected PKCS#12."""
        certificate = self.get_object()
        _require_write(request, "change_certificate")
        serializer = Pkcs12RequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = exports.pkcs12_bundle(
            certificate,
            serializer.validated_data["password"],
            encryption=serializer.validated_data["encryption"],
            request=request,
        )
        return _download(
            data, f"{exports.file_stem(certificate)}.p12", "application/x-pkcs12"
        )

    @extend_schema(request=KeyDownloadSerializer, responses={200: PEM_RESPONSE})
    @action(
        detail=True,
        methods=["post"],
        url_path="private-key",
        url_name="private-key",
        parser_classes=[JSONParser, FormParser],
    )
    def private_key(self, request, pk=None, format=None):
        """Download the unencrypted private key after re-entering the account
        password. Every download is audited."""
        certificate = self.get_object()
        _require_write(request, "change_certificate")
        serializer = KeyDownloadSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        pem = exports.private_key_pem(
            certificate,
            request.user,
            serializer.validated_data["password"],
            request=request,
        )
        return _download(
            pem, f"{exports.file_stem(certificate)}.key", "application/x-pem-file"
        )


class CsrViewSet(
    TenantScopedViewSetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """CSRs: list and read them, generate a key and CSR (POST), or upload one."""

    queryset = CertificateSigningRequest.objects.select_related("client")
    serializer_class = CsrSerializer
    filterset_fields = ["state", "source", "client"]
    ordering_fields = ["created_at", "common_name"]
    search_fields = ["common_name", "system"]

    @extend_schema(request=CsrGenerateSerializer, responses={201: CsrSerializer})
    def create(self, request, *args, **kwargs):
        """Generate a private key (kept encrypted by the portal) and a CSR."""
        _require_write(request, "add_certificatesigningrequest")
        serializer = CsrGenerateSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        csr = serializer.form.save(request)
        return Response(CsrSerializer(csr).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "multipart/form-data": CsrUploadSerializer,
            "application/json": CsrUploadSerializer,
        },
        responses={201: CsrSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def upload(self, request):
        """Upload a CSR made on the client's own system."""
        _require_write(request, "add_certificatesigningrequest")
        serializer = CsrUploadSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        csr = serializer.form.save(request)
        data = CsrSerializer(csr).data
        data["warnings"] = serializer.form.warnings
        return Response(data, status=status.HTTP_201_CREATED)


class EndpointViewSet(TenantScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Endpoint.objects.select_related("client")
    serializer_class = EndpointSerializer
    filterset_fields = ["server_type", "client", "certificate"]
    search_fields = ["hostname", "sni_name", "description"]
    ordering_fields = ["hostname", "port", "created_at"]

    def _check(self, codename: str) -> None:
        _require_write(self.request, codename)

    def perform_create(self, serializer):
        self._check("add_endpoint")
        serializer.save()

    def perform_update(self, serializer):
        self._check("change_endpoint")
        serializer.save()

    def perform_destroy(self, instance):
        self._check("delete_endpoint")
        instance.delete()
