from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Client
from accounts.tenancy import scope
from reporting.choices import ReportKind
from reporting.periods import parse_month


class MonthInput(forms.TextInput):
    input_type = "month"


class ReportRequestForm(forms.Form):
    """Ask for the SSL certificate report of one client and one past month."""

    client = forms.ModelChoiceField(queryset=Client.objects.none())
    kind = forms.ChoiceField(
        label="Report",
        choices=ReportKind.choices,
        initial=ReportKind.SSL_MONTHLY,
        help_text="The service review exists for clients with the SDM option.",
    )
    period = forms.CharField(
        label="Month",
        widget=MonthInput(attrs={"placeholder": "YYYY-MM"}),
        help_text="A month that has ended, as YYYY-MM.",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        clients = scope(Client.objects.order_by("name"), user)
        self.fields["client"].queryset = clients
        if user.client_id:
            self.fields["client"].initial = user.client_id

    def clean_period(self):
        try:
            return parse_month(self.cleaned_data["period"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["period"]) from None
