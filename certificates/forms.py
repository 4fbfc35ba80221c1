"""Forms of the certificates app. The API serializers validate through these too,
so the portal, the admin console and the API accept and reject the same input."""

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Client
from accounts.tenancy import scope
from certificates import csr as csr_service
from certificates import exports, importing
from certificates.choices import CertificateStatus, PurchasedThrough
from certificates.models import Certificate, Endpoint

SORT_CHOICES = [
    ("not_after", "Expiry, soonest first"),
    ("-not_after", "Expiry, latest first"),
    ("common_name", "Common name, A to Z"),
    ("-common_name", "Common name, Z to A"),
    ("issuer_common_name", "Issuer, A to Z"),
    ("-created_at", "Newest in the portal first"),
]
MAX_EXPIRY_WINDOW_DAYS = 3650


class ClientChoiceMixin:
    """Adds a `client` choice for provider staff; client staff use their own."""

    def _setup_client(self, user) -> None:
        self.user = user
        if user.is_client_staff:
            del self.fields["client"]
        else:
            self.fields["client"].queryset = scope(Client.objects.all(), user)

    def chosen_client(self) -> Client:
        if self.user.is_client_staff:
            return self.user.client
        return self.cleaned_data["client"]


class ImportForm(ClientChoiceMixin, forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none())
    file = forms.FileField(
        label="Certificate file",
        help_text="PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.pfx, .p12).",
    )
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput,
        help_text="For a password-protected PKCS#12 file or encrypted key.",
    )
    key_file = forms.FileField(
        label="Private key file",
        required=False,
        help_text="Optional: the key in PEM or DER (PKCS#1, PKCS#8, EC, Ed25519).",
    )
    key_password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput,
        help_text="For an encrypted private key file, if its password differs.",
    )
    client_owned = forms.BooleanField(
        required=False,
        label="Client-owned",
        help_text="Bought and renewed by the client's own process, not the provider.",
    )
    bundle = forms.BooleanField(
        required=False,
        label="Bundle of several certificates",
        help_text="Store every certificate in the file, not one with its chain.",
    )

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._setup_client(user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        importing.check_size(upload.name, upload.size)
        return upload

    def clean_key_file(self):
        upload = self.cleaned_data.get("key_file")
        if upload:
            importing.check_size(upload.name, upload.size)
        return upload

    def run_import(self, request=None) -> importing.ImportResult | None:
        """Import the valid form's files; on bad content add the error and
        return None, having stored nothing."""
        data = self.cleaned_data
        key_file = data.get("key_file")
        try:
            return importing.import_upload(
                self.chosen_client(),
                name=data["file"].name,
                data=data["file"].read(),
                password=data["password"].encode() or None,
                key_name=key_file.name if key_file else "",
                key_data=key_file.read() if key_file else None,
                key_password=data["key_password"].encode() or None,
                bundle=data["bundle"],
                purchased_through=(
                    PurchasedThrough.CLIENT
                    if data["client_owned"]
                    else PurchasedThrough.PROVIDER
                ),
                actor=self.user,
                request=request,
            )
        except ValidationError as error:
            self.add_error("file", error)
            return None


class CsrGenerateForm(ClientChoiceMixin, forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none())
    system = forms.CharField(
        max_length=200, help_text="The system the certificate is for, e.g. web shop."
    )
    common_name = forms.CharField(
        max_length=253, help_text="The main DNS name, e.g. www.example.com."
    )
    names = forms.CharField(
        required=False,
        label="Other names",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="More DNS names, one a line or separated by commas.",
    )
    key_type = forms.CharField(
        initial=csr_service.KeyType.EC_P256,
        validators=[csr_service.validate_key_type],
        widget=forms.Select(choices=csr_service.KeyType.choices),
    )
    organization = forms.CharField(max_length=64, required=False)
    locality = forms.CharField(max_length=128, required=False, label="Locality (L)")
    state_or_province = forms.CharField(
        max_length=128, required=False, label="State or province (ST)"
    )
    country = forms.CharField(
        max_length=2,
        required=False,
        help_text="Two-letter ISO 3166 code, e.g. GB.",
        error_messages={
            "max_length": "Use a two-letter ISO 3166 country code such as GB."
        },
    )

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._setup_client(user)

    def clean_common_name(self):
        value = self.cleaned_data["common_name"]
        name = csr_service.normalise_name(value)
        if len(name) > csr_service.MAX_COMMON_NAME_LENGTH:
            raise ValidationError(
                "Common name %(value)r is longer than %(limit)s characters. Put a "
                "shorter name here and the long one under other names.",
                code="common_name_too_long",
                params={"value": value, "limit": csr_service.MAX_COMMON_NAME_LENGTH},
            )
        return name

    def clean_country(self):
        return csr_service.validate_country(self.cleaned_data["country"])

    def clean(self):
        data = super().clean()
        if "common_name" in data:
            try:
                data["dns_names"] = csr_service.normalise_names(
                    data["common_name"], csr_service.split_names(data.get("names"))
                )
            except ValidationError as error:
                self.add_error("names", error)
        return data

    def save(self, request=None):
        data = self.cleaned_data
        return csr_service.generate_csr(
            self.chosen_client(),
            system=data["system"],
            names=data["dns_names"],
            key_type=data["key_type"],
            organization=data["organization"],
            locality=data["locality"],
            state_or_province=data["state_or_province"],
            country=data["country"],
            actor=self.user,
            request=request,
        )


class CsrUploadForm(ClientChoiceMixin, forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none())
    system = forms.CharField(max_length=200)
    csr_file = forms.FileField(label="CSR file", required=False)
    csr_text = forms.CharField(
        label="Or paste the CSR",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    expected_names = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: the names the CSR should contain, to check it.",
    )

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._setup_client(user)
        self.warnings: list[str] = []

    def clean(self):
        data = super().clean()
        upload = data.get("csr_file")
        if upload:
            importing.check_size(upload.name, upload.size)
            raw = upload.read()
        else:
            raw = (data.get("csr_text") or "").encode()
        if not raw.strip():
            raise ValidationError(
                "No CSR was given. Choose a CSR file or paste the CSR.",
                code="csr_missing",
            )
        expected = None
        names = csr_service.split_names(data.get("expected_names") or "")
        if names:
            expected = csr_service.normalise_names(names[0], names)
        parsed = csr_service.load_csr(raw)
        data["names"], self.warnings = csr_service.inspect_csr(parsed, expected)
        data["parsed"] = parsed
        return data

    def save(self, request=None):
        return csr_service.store_uploaded_csr(
            self.chosen_client(),
            system=self.cleaned_data["system"],
            parsed=self.cleaned_data["parsed"],
            names=self.cleaned_data["names"],
            actor=self.user,
            request=request,
        )


class Pkcs12Form(forms.Form):
    password = forms.CharField(
        label="File password",
        strip=False,
        widget=forms.PasswordInput,
        validators=[exports.validate_export_password],
        help_text="At least 8 characters; needed to open the file.",
    )
    password_again = forms.CharField(
        label="File password again", strip=False, widget=forms.PasswordInput
    )
    encryption = forms.ChoiceField(
        choices=[
            ("aes256", "AES-256 (current systems)"),
            ("legacy", "3DES and SHA-1 (Windows Server 2016 and older)"),
        ],
        initial="aes256",
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("password")
            and data.get("password_again") is not None
            and data["password"] != data["password_again"]
        ):
            self.add_error(
                "password_again",
                ValidationError(
                    "The two passwords differ. Type the same password twice.",
                    code="password_mismatch",
                ),
            )
        return data


class KeyDownloadForm(forms.Form):
    password = forms.CharField(
        label="Your account password",
        strip=False,
        widget=forms.PasswordInput,
        help_text="Enter your own sign-in password to download the key.",
    )

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        exports.check_account_password(self.user, password)
        return password


class EndpointForm(ClientChoiceMixin, forms.ModelForm):
    class Meta:
        model = Endpoint
        fields = [
            "client",
            "hostname",
            "port",
            "sni_name",
            "server_type",
            "description",
            "certificate",
        ]

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The client of an existing endpoint is fixed.
            self.fields.pop("client", None)
            self.user = user
        else:
            self._setup_client(user)
        self.fields["certificate"].queryset = scope(
            Certificate.objects.all(), user
        ).only("pk", "common_name", "subject", "not_after")
        self.fields["port"].min_value = 1
        if user.is_client_staff and not self.instance.pk:
            self.instance.client = user.client

    def _post_clean(self):
        if "client" in self.fields and self.cleaned_data.get("client"):
            self.instance.client = self.cleaned_data["client"]
        super()._post_clean()


class CertificateFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Name contains")
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *CertificateStatus.choices]
    )
    expiring_within = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_EXPIRY_WINDOW_DAYS,
        label="Expiring within (days)",
    )
    issuer = forms.CharField(required=False, label="Issuer contains")
    client = forms.ModelChoiceField(
        required=False, queryset=Client.objects.none(), empty_label="All clients"
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if user.is_client_staff:
            del self.fields["client"]
        else:
            self.fields["client"].queryset = scope(Client.objects.all(), user)
