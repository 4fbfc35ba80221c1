"""Personal API tokens in the portal: list, create (value shown once), revoke."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken


@pytest.fixture
def signed_in(client, client_user_a):
    client.force_login(client_user_a)
    return client


def test_create_shows_value_once(signed_in, client_user_a):
    response = signed_in.post(
        reverse("accounts:token_create"), {"name": "deploy script", "lifetime_days": 30}
    )

    assert response.status_code == 200
    token = ApiToken.objects.get(user=client_user_a)
    value = response.context["value"]
    assert value.startswith(f"{token.prefix}.")
    assert value in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert token.digest == ApiToken.hash_secret(value.split(".", 1)[1])
    assert value.split(".", 1)[1] not in token.digest
    listing = signed_in.get(reverse("accounts:token_list")).content.decode()
    assert "deploy script" in listing
    assert value not in listing


def test_create_expiry_from_days(signed_in, client_user_a):
    before = timezone.now()

    signed_in.post(reverse("accounts:token_create"), {"name": "ci", "lifetime_days": 7})

    token = ApiToken.objects.get(user=client_user_a)
    assert before + timedelta(days=7) <= token.expires_at
    assert token.expires_at <= timezone.now() + timedelta(days=7)


def test_create_form_default_days(signed_in, settings):
    settings.API_TOKEN_DEFAULT_LIFETIME = timedelta(days=60)

    response = signed_in.get(reverse("accounts:token_create"))

    html = response.content.decode()
    assert 'value="60"' in html
    assert '<label for="id_lifetime_days">' in html
    assert '<label for="id_name">' in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"name": "", "lifetime_days": 5},
            "name",
            "Name is missing: say what the token is for, e.g. 'deploy script'.",
        ),
        (
            {"name": "x" * 101, "lifetime_days": 5},
            "name",
            "Name is 101 characters long: use at most 100.",
        ),
        (
            {"name": "ci", "lifetime_days": 0},
            "lifetime_days",
            "Lifetime of 0 days is out of range: choose between 1 and 90 days.",
        ),
        (
            {"name": "ci", "lifetime_days": 91},
            "lifetime_days",
            "Lifetime of 91 days is out of range: choose between 1 and 90 days.",
        ),
        (
            {"name": "ci", "lifetime_days": -3},
            "lifetime_days",
            "Lifetime of -3 days is out of range: choose between 1 and 90 days.",
        ),
        (
            {"name": "ci", "lifetime_days": "ten"},
            "lifetime_days",
            "Enter a whole number.",
        ),
        (
            {"name": "ci", "lifetime_days": ""},
            "lifetime_days",
            "This field is required.",
        ),
    ],
)
def test_create_rejects_bad_input(signed_in, data, field, message):
    response = signed_in.post(reverse("accounts:token_create"), data)

    assert response.status_code == 200
    assert dict(response.context["form"].errors) == {field: [message]}
    assert ApiToken.objects.count() == 0


def test_lifetime_capped_at_365(signed_in, settings):
    settings.API_TOKEN_DEFAULT_LIFETIME = timedelta(days=1000)

    response = signed_in.post(
        reverse("accounts:token_create"), {"name": "ci", "lifetime_days": 366}
    )

    assert dict(response.context["form"].errors) == {
        "lifetime_days": [
            "Lifetime of 366 days is out of range: choose between 1 and 365 days."
        ]
    }


def test_revoke_token(signed_in, client_user_a):
    token, _ = ApiToken.issue(client_user_a, "ci", timedelta(days=5))
    url = reverse("accounts:token_revoke", args=[token.pk])

    assert signed_in.get(url).status_code == 200
    response = signed_in.post(url)

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked" in signed_in.get(reverse("accounts:token_list")).content.decode()


def test_revoke_twice_keeps_first_time(signed_in, client_user_a):
    token, _ = ApiToken.issue(client_user_a, "ci", timedelta(days=5))
    url = reverse("accounts:token_revoke", args=[token.pk])
    signed_in.post(url)
    token.refresh_from_db()
    first = token.revoked_at

    signed_in.post(url)

    token.refresh_from_db()
    assert token.revoked_at == first


def test_colleague_token_hidden(signed_in, client_admin_a):
    token, _ = ApiToken.issue(client_admin_a, "admin script", timedelta(days=5))

    listing = signed_in.get(reverse("accounts:token_list")).content.decode()
    revoke = signed_in.post(reverse("accounts:token_revoke", args=[token.pk]))

    assert "admin script" not in listing
    assert revoke.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_provider_staff_manage_tokens(client, sdm_a):
    client.force_login(sdm_a)

    client.post(reverse("accounts:token_create"), {"name": "sdm", "lifetime_days": 3})
    token = ApiToken.objects.get(user=sdm_a)
    client.post(reverse("accounts:token_revoke", args=[token.pk]))

    token.refresh_from_db()
    assert token.revoked_at is not None
