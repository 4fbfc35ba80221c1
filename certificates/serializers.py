"""API serializers. Input serializers validate through the portal's forms, so the
API accepts and rejects exactly what the portal does, with the same messages."""

from django.utils import timezone
from rest_framework import serializers

from certificates.csr import KeyType
from certificates.forms import (
    CsrGenerateForm,
    CsrUploadForm,
    ImportForm,
    KeyDownloadForm,
    Pkcs12Form,
)
from certificates.models import Certificate, CertificateSigningRequest, Endpoint
from certificates.x509info import to_unicode
from certportal.api import ModelCleanSerializerMixin, TenantScopedRelatedField


def raise_form_errors(form) -> None:
    """Raise the form's errors as a DRF ValidationError keyed by field."""
    errors = {}
    for field, items in form.errors.get_json_data().items():
        key = "non_field_errors" if field == "__all__" else field
        errors[key] = [item["message"] for item in items]
    raise serializers.ValidationError(errors)


class FormBackedSerializer(serializers.Serializer):
    """Validates by filling `form_class` with the request's values and files."""

    form_class = None
    file_fields: tuple[str, ...] = ()

    def validate(self, attrs):
        user = self.context["request"].user
        data = {}
        for name, value in attrs.items():
            if name in self.file_fields:
                continue
            data[name] = getattr(value, "pk", value)
        files = {name: attrs[name] for name in self.file_fields if attrs.get(name)}
        self.form = self.build_form(user, data, files)
        if not self.form.is_valid():
            raise_form_errors(self.form)
        return attrs

    def build_form(self, user, data, files):
        return self.form_class(user, data=data, files=files)


class CertificateSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.name", read_only=True)
    days_to_expiry = serializers.SerializerMethodField()
    dns_names_unicode = serializers.SerializerMethodField()
    has_private_key = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "client",
            "client_name",
            "common_name",
            "subject",
            "issuer",
            "issuer_common_name",
            "serial_number",
            "not_before",
            "not_after",
            "days_to_expiry",
            "dns_names",
            "dns_names_unicode",
            "ip_addresses",
            "key_algorithm",
            "key_size",
            "signature_algorithm",
            "fingerprint_sha256",
            "purchased_through",
            "status",
            "replaces",
            "has_private_key",
            "created_at",
        ]
        read_only_fields = fields

    def get_days_to_expiry(self, obj) -> int:
        return (obj.not_after - timezone.now()).days

    def get_dns_names_unicode(self, obj) -> list[str]:
        return [to_unicode(name) for name in obj.dns_names]

    def get_has_private_key(self, obj) -> bool:
        return obj.private_key_id is not None


class CertificateDetailSerializer(CertificateSerializer):
    class Meta(CertificateSerializer.Meta):
        fields = [*CertificateSerializer.Meta.fields, "pem", "chain_pem"]
        read_only_fields = fields


class ImportSerializer(FormBackedSerializer):
    form_class = ImportForm
    file_fields = ("file", "key_file")

    client = serializers.IntegerField(
        required=False, help_text="Client id; provider staff only."
    )
    file = serializers.FileField()
    password = serializers.CharField(
        required=False, default="", trim_whitespace=False, write_only=True
    )
    key_file = serializers.FileField(required=False)
    key_password = serializers.CharField(
        required=False, default="", trim_whitespace=False, write_only=True
    )
    client_owned = serializers.BooleanField(required=False, default=False)
    bundle = serializers.BooleanField(required=False, default=False)

    def run_import(self):
        result = self.form.run_import(self.context["request"])
        if result is None:
            raise_form_errors(self.form)
        return result


class ImportedItemSerializer(serializers.Serializer):
    certificate = serializers.IntegerField(source="certificate.pk")
    common_name = serializers.CharField(source="certificate.common_name")
    not_after = serializers.DateTimeField(source="certificate.not_after")
    created = serializers.BooleanField()
    warnings = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField(source="line")


class ImportResultSerializer(serializers.Serializer):
    items = ImportedItemSerializer(many=True)


class CsrSerializer(serializers.ModelSerializer):
    portal_holds_key = serializers.SerializerMethodField()

    class Meta:
        model = CertificateSigningRequest
        fields = [
            "id",
            "client",
            "system",
            "common_name",
            "organization",
            "locality",
            "state_or_province",
            "country",
            "dns_names",
            "key_algorithm",
            "key_size",
            "pem",
            "source",
            "state",
            "portal_holds_key",
            "created_at",
        ]
        read_only_fields = fields

    def get_portal_holds_key(self, obj) -> bool:
        return obj.private_key_id is not None


class CsrGenerateSerializer(FormBackedSerializer):
    form_class = CsrGenerateForm

    client = serializers.IntegerField(
        required=False, help_text="Client id; provider staff only."
    )
    system = serializers.CharField()
    common_name = serializers.CharField()
    names = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )
    # A CharField, not a ChoiceField, so that the form's message for a weak or
    # unknown key type reaches the caller instead of DRF's generic one.
    key_type = serializers.CharField(
        required=False,
        default=KeyType.EC_P256,
        help_text="One of: " + ", ".join(KeyType.values) + ".",
    )
    organization = serializers.CharField(required=False, default="", allow_blank=True)
    locality = serializers.CharField(required=False, default="", allow_blank=True)
    state_or_province = serializers.CharField(
        required=False, default="", allow_blank=True
    )
    country = serializers.CharField(required=False, default="", allow_blank=True)

    def build_form(self, user, data, files):
        data = {**data, "names": "\n".join(data.get("names") or [])}
        return self.form_class(user, data=data)


class CsrUploadSerializer(FormBackedSerializer):
    form_class = CsrUploadForm
    file_fields = ("csr_file",)

    client = serializers.IntegerField(
        required=False, help_text="Client id; provider staff only."
    )
    system = serializers.CharField()
    csr_file = serializers.FileField(required=False)
    csr_text = serializers.CharField(required=False, default="")
    expected_names = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )

    def build_form(self, user, data, files):
        data = {**data, "expected_names": "\n".join(data.get("expected_names") or [])}
        return self.form_class(user, data=data, files=files)


class Pkcs12RequestSerializer(serializers.Serializer):
    password = serializers.CharField(trim_whitespace=False, write_only=True)
    password_again = serializers.CharField(trim_whitespace=False, write_only=True)
    encryption = serializers.ChoiceField(
        choices=["aes256", "legacy"], required=False, default="aes256"
    )

    def validate(self, attrs):
        self.form = Pkcs12Form(data=attrs)
        if not self.form.is_valid():
            raise_form_errors(self.form)
        return attrs


class KeyDownloadSerializer(serializers.Serializer):
    password = serializers.CharField(
        trim_whitespace=False,
        write_only=True,
        help_text="The account password of the person downloading the key.",
    )

    def validate(self, attrs):
        form = KeyDownloadForm(self.context["request"].user, data=attrs)
        if not form.is_valid():
            raise_form_errors(form)
        return attrs


class EndpointSerializer(ModelCleanSerializerMixin, serializers.ModelSerializer):
    # The client comes from the scoped field or the person; excluding it also
    # leaves the uniqueness message to Endpoint.clean, as in the portal form.
    clean_exclude = ("client",)
    client = TenantScopedRelatedField(
        queryset=Endpoint._meta.get_field("client").related_model.objects.all(),
        required=False,
        help_text="Client id; provider staff only. Client staff use their own.",
    )
    certificate = TenantScopedRelatedField(
        queryset=Certificate.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "client",
            "hostname",
            "port",
            "sni_name",
            "server_type",
            "description",
            "certificate",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        # Endpoint.clean checks uniqueness, with the client filled in below;
        # DRF's own validator would demand the client from client staff.
        validators = []

    def validate(self, attrs):
        user = self.context["request"].user
        if self.instance is not None:
            attrs.pop("client", None)
        elif user.is_client_staff:
            attrs["client"] = user.client
        elif "client" not in attrs:
            raise serializers.ValidationError(
                {"client": ["Choose the client the endpoint belongs to."]}
            )
        return super().validate(attrs)
