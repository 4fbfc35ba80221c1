"""Portal forms. They check types and presence; the rules live in accounts.services,
which the views call with the cleaned data, so the API applies the same rules."""

from django import forms

from accounts.roles import Role
from accounts.services import ROLE_NOT_GIVABLE, max_token_lifetime_days

CLIENT_ROLE_CHOICES = [
    (Role.CLIENT_USER.value, Role.CLIENT_USER.label),
    (Role.CLIENT_ADMIN.value, Role.CLIENT_ADMIN.label),
]


class PersonForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        max_length=254, help_text="Password reset links are sent to this address."
    )
    role = forms.ChoiceField(
        choices=CLIENT_ROLE_CHOICES,
        error_messages={"invalid_choice": ROLE_NOT_GIVABLE},
        help_text="A client admin also manages the people of the organisation.",
    )


class PersonCreateForm(PersonForm):
    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only; used to sign in.",
    )
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label="Initial password",
        help_text="Leave empty to email the person a link for choosing a password.",
    )
    field_order = ["username", "first_name", "last_name", "email", "role", "password"]


class TokenCreateForm(forms.Form):
    # Bounds are checked by accounts.services.issue_token, so the page and the API
    # give the same message; the widget attributes only help the browser.
    name = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 100}),
        help_text="What the token is for, e.g. 'deploy script'.",
    )
    lifetime_days = forms.IntegerField(label="Lifetime in days")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        longest = max_token_lifetime_days()
        field = self.fields["lifetime_days"]
        field.initial = longest
        field.widget.attrs.update({"min": 1, "max": longest})
        field.help_text = f"From 1 to {longest} days."
