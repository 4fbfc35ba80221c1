from django import forms

from accounts.tenancy import scope
from issuance.choices import ChallengeResponder, QuoteStatus, RevocationReason
from issuance.models import Provider, Quote


class OrderStartForm(forms.Form):
    provider = forms.ModelChoiceField(
        queryset=Provider.objects.filter(is_active=True),
        help_text="The CA that will issue the certificate.",
    )
    responder = forms.ChoiceField(
        choices=ChallengeResponder.choices,
        initial=ChallengeResponder.PORTAL,
        help_text="Who answers the CA's domain validation challenges.",
    )
    quote = forms.ModelChoiceField(
        queryset=Quote.objects.none(),
        required=False,
        help_text="The order waits until the client accepts this quote.",
    )

    def __init__(self, *args, csr, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quote"].queryset = scope(
            Quote.objects.filter(client=csr.client).exclude(
                status=QuoteStatus.DECLINED
            ),
            user,
        )


class CertificateUploadForm(forms.Form):
    certificate = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text="The PEM certificate the CA returned, followed by its "
        "intermediates if the CA sent them.",
    )


class RevocationForm(forms.Form):
    reason = forms.TypedChoiceField(
        choices=RevocationReason.choices,
        coerce=int,
        initial=RevocationReason.UNSPECIFIED,
        help_text="RFC 5280 reason code sent to the CA.",
    )
