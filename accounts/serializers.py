from rest_framework import serializers

from accounts.models import ApiToken, Client, User


class ClientBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "slug"]


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "slug",
            "support_location",
            "time_zone",
            "country",
            "subdivision",
            "support_phone",
            "out_of_hours_phone",
        ]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    client = ClientBriefSerializer(read_only=True)
    assigned_clients = ClientBriefSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "client",
            "assigned_clients",
        ]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    """A person of the caller's organisation. Writes go through accounts.services,
    so the API applies the portal form's rules and messages."""

    # Plain strings: the service rejects provider roles with its own message.
    role = serializers.CharField(help_text="client_user or client_admin.")
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        style={"input_type": "password"},
        help_text="Initial password. Leave out to email the person a link for "
        "choosing one. Accepted on creation only.",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "is_active",
            "password",
        ]
        read_only_fields = ["id", "is_active"]
        extra_kwargs = {
            # Uniqueness and the role rule are checked by the service, which
            # also runs the model's full_clean().
            "username": {"validators": []},
            "email": {"required": True, "allow_blank": True},
        }

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["username"].read_only = True
            fields.pop("password")
        return fields


class ApiTokenSerializer(serializers.ModelSerializer):
    # No max_length here: accounts.services.issue_token checks it, with the same
    # message as the portal page.
    name = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(read_only=True)
    lifetime_days = serializers.IntegerField(
        write_only=True,
        required=False,
        help_text="Days until the token expires, from 1 to the portal's default "
        "lifetime (API_TOKEN_LIFETIME_DAYS, at most 365). Defaults to that maximum.",
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "is_active",
            "lifetime_days",
        ]
        read_only_fields = [
            "id",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    value = serializers.CharField(
        read_only=True,
        help_text="The full token, returned only in this response. Send it as "
        "'Authorization: Token <value>'.",
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "value"]
