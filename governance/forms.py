from django import forms

from accounts.models import Client
from accounts.tenancy import scope
from certificates.models import Certificate, Endpoint
from governance.models import ChangeRequest
from servicedesk.models import Ticket

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"})


class ChangeRequestForm(forms.ModelForm):
    """Raise or edit a draft change; every choice is scoped to the person."""

    class Meta:
        model = ChangeRequest
        fields = [
            "client",
            "title",
            "change_type",
            "emergency_reason",
            "reason",
            "risk_level",
            "risk",
            "implementation_plan",
            "rollback_plan",
            "window_start",
            "window_end",
            "customer_approval_evidence",
            "certificates",
            "endpoints",
            "tickets",
        ]
        widgets = {"window_start": DATETIME_INPUT, "window_end": DATETIME_INPUT}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        fields = self.fields
        fields["client"].queryset = scope(Client.objects.all(), user)
        fields["certificates"].queryset = scope(Certificate.objects.all(), user)
        fields["endpoints"].queryset = scope(Endpoint.objects.all(), user)
        fields["tickets"].queryset = scope(Ticket.objects.all(), user)
        for name in ("window_start", "window_end"):
            fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if user.is_client_staff:
            # Client staff raise changes for their own organisation only.
            del fields["client"]
            self.instance.client = user.client
