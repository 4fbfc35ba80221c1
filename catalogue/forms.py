from django import forms

from catalogue.choices import FieldType
from catalogue.forms_spec import certificate_choices


def _certificate_label(certificate) -> str:
    name = certificate.common_name or certificate.subject
    return f"{name} (expires {certificate.not_after:%Y-%m-%d})"


def request_form_class(item, client) -> type[forms.Form]:
    """Build a form class with the item's fields.

    The form only collects values. The catalogue service validates them, so the
    portal and the API reject the same things.
    """
    choices = [(c.pk, _certificate_label(c)) for c in certificate_choices(client)]
    fields = {
        "expected_price": forms.DecimalField(widget=forms.HiddenInput, required=False)
    }
    for spec in item.form_fields:
        label = spec.get("label", spec["name"])
        required = spec.get("required", True)
        if spec["type"] == FieldType.CERTIFICATE:
            field = forms.TypedChoiceField(
                label=label,
                choices=[("", "Choose a certificate"), *choices],
                required=required,
                coerce=str,
            )
        elif spec["type"] == FieldType.CERTIFICATES:
            field = forms.MultipleChoiceField(
                label=label,
                choices=choices,
                required=required,
                widget=forms.CheckboxSelectMultiple,
            )
        elif spec["type"] == FieldType.DATE:
            field = forms.CharField(
                label=label,
                required=required,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
        else:
            field = forms.CharField(
                label=label, required=required, widget=forms.Textarea(attrs={"rows": 3})
            )
        fields[spec["name"]] = field
    return type("CatalogueRequestForm", (forms.Form,), fields)
