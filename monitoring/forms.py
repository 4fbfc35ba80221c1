from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Client
from accounts.tenancy import scope
from certificates.models import Certificate
from monitoring.models import MonitoredDomain
from monitoring.verification import parse_discovery_targets


class InstallForm(forms.Form):
    certificate = forms.ModelChoiceField(
        queryset=Certificate.objects.none(),
        help_text="The certificate to install; only ones with a key in the portal.",
    )

    def __init__(self, *args, endpoint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].queryset = Certificate.objects.filter(
            client_id=endpoint.client_id, private_key__isnull=False
        ).order_by("-not_after")
        if endpoint.certificate_id:
            self.fields["certificate"].initial = endpoint.certificate_id


class ClientChoiceMixin:
    """Adds a client choice for provider staff; client staff use their own."""

    def setup_client(self, user) -> None:
        if user.client_id:
            del self.fields["client"]
            self.user_client = user.client
        else:
            self.fields["client"].queryset = scope(Client.objects.all(), user)
            self.user_client = None

    def chosen_client(self):
        return self.user_client or self.cleaned_data["client"]


class MonitoredDomainForm(ClientChoiceMixin, forms.ModelForm):
    class Meta:
        model = MonitoredDomain
        fields = ["client", "target", "interval_seconds", "timeout_seconds"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_client(user)
        if self.user_client is not None:
            self.instance.client = self.user_client

    def validate_unique(self):
        super().validate_unique()
        if self.user_client is None:
            return
        # The client is not a form field for client staff, so Django skips the
        # (client, target) constraint unless it is checked here.
        try:
            self.instance.validate_constraints()
        except ValidationError as exc:
            self._update_errors(exc)


class DiscoveryForm(ClientChoiceMixin, forms.Form):
    client = forms.ModelChoiceField(queryset=Client.objects.none())
    targets = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One host:port per line, e.g. www.example.com:443.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_client(user)

    def clean_targets(self):
        return parse_discovery_targets(self.cleaned_data["targets"])
