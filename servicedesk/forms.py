"""Portal forms. They only collect input: servicedesk.services validates it, so
the portal, the admin and the API reject the same things with the same words."""

from django import forms

from accounts.tenancy import scope
from certificates.models import Certificate, CertificateSigningRequest
from servicedesk.choices import Category, Level


class TicketForm(forms.Form):
    category = forms.ChoiceField(choices=Category.choices)
    subject = forms.CharField(required=False, strip=False)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        strip=False,
        help_text="What happened, what you expected, and since when.",
    )
    impact = forms.ChoiceField(
        choices=Level.choices,
        initial=Level.MEDIUM,
        help_text="How much of your business is affected.",
    )
    urgency = forms.ChoiceField(
        choices=Level.choices,
        initial=Level.MEDIUM,
        help_text="How soon it must be fixed. High impact and high urgency is P1.",
    )
    certificate = forms.ModelChoiceField(
        queryset=Certificate.objects.none(), required=False
    )
    csr = forms.ModelChoiceField(
        queryset=CertificateSigningRequest.objects.none(),
        required=False,
        label="CSR",
    )
    attachment = forms.FileField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the person's own client's certificates and CSRs are choices.
        self.fields["certificate"].queryset = scope(
            Certificate.objects.order_by("common_name"), user
        )
        self.fields["csr"].queryset = scope(
            CertificateSigningRequest.objects.order_by("common_name"), user
        )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Reply",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    attachment = forms.FileField(required=False)
    internal = forms.BooleanField(
        required=False,
        label="Internal note (never shown to the client)",
    )

    def __init__(self, *args, show_internal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_internal:
            del self.fields["internal"]


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="What is still wrong?",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
