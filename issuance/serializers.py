from rest_framework import serializers

from certificates.models import CertificateSigningRequest
from certportal.api import TenantScopedRelatedField
from issuance.choices import ChallengeResponder, RevocationReason
from issuance.models import Authorization, Challenge, Order, Provider, Quote, QuoteLine


class ChallengeSerializer(serializers.ModelSerializer):
    http_path = serializers.CharField(read_only=True)
    dns_record_name = serializers.CharField(read_only=True)

    class Meta:
        model = Challenge
        fields = [
            "type",
            "status",
            "token",
            "key_authorization",
            "http_path",
            "dns_record_name",
            "dns_txt_value",
            "error_message",
        ]


class AuthorizationSerializer(serializers.ModelSerializer):
    challenges = ChallengeSerializer(many=True, read_only=True)

    class Meta:
        model = Authorization
        fields = ["identifier", "wildcard", "status", "expires", "challenges"]


class OrderSerializer(serializers.ModelSerializer):
    provider = serializers.StringRelatedField()
    authorizations = AuthorizationSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "client",
            "csr",
            "provider",
            "quote",
            "responder",
            "status",
            "error_message",
            "certificate",
            "authorizations",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrderCreateSerializer(serializers.Serializer):
    csr = TenantScopedRelatedField(queryset=CertificateSigningRequest.objects.all())
    provider = serializers.PrimaryKeyRelatedField(
        queryset=Provider.objects.filter(is_active=True)
    )
    responder = serializers.ChoiceField(
        choices=ChallengeResponder.choices, default=ChallengeResponder.PORTAL
    )
    quote = TenantScopedRelatedField(
        queryset=Quote.objects.all(), required=False, allow_null=True
    )


class CertificateUploadSerializer(serializers.Serializer):
    certificate = serializers.CharField(
        help_text="PEM certificate from the CA, followed by its intermediates."
    )


class RevocationSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=RevocationReason.choices, default=RevocationReason.UNSPECIFIED
    )


class QuoteLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteLine
        fields = ["description", "quantity", "unit_price", "amount"]


class QuoteSerializer(serializers.ModelSerializer):
    product = serializers.StringRelatedField()
    lines = QuoteLineSerializer(many=True, read_only=True)
    reissues = serializers.IntegerField(read_only=True)
    revalidations = serializers.IntegerField(read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id",
            "client",
            "product",
            "csr",
            "name_count",
            "start_date",
            "end_date",
            "certificates_issued",
            "reissues",
            "domain_validations",
            "revalidations",
            "installations",
            "currency",
            "total",
            "status",
            "decided_at",
            "lines",
        ]
        read_only_fields = fields
