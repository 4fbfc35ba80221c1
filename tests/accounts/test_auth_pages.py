"""Sign in, sign out, password change and reset, lockout, error pages."""

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from accounts.roles import Role
from tests.conftest import PASSWORD, make_person

NEW_PASSWORD = "amber-lantern-river-quartz"


@pytest.fixture
def person(client_a):
    return make_person("ann.user", Role.CLIENT_USER, client_a)


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_page_has_labels(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert '<main id="main"' in html


def test_login_lands_on_dashboard(client, person):
    response = sign_in(client, "ann.user", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_login_wrong_password_message(client, person):
    response = sign_in(client, "ann.user", "wrong-password-here")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_logout_ends_session(client, person):
    client.force_login(person)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_dashboard_needs_login(client, db):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_lockout_after_five_failures(client, person):
    for attempt in range(1, 5):
        before = sign_in(client, "ann.user", "wrong-password-here")
        assert before.status_code == 200, f"attempt {attempt} locked early"
    # Axes records a failure before it responds, so the fifth failure (the
    # limit) already gets the lockout page, and so does every later attempt.
    fifth = sign_in(client, "ann.user", "wrong-password-here")
    assert fifth.status_code == 429

    response = sign_in(client, "ann.user", "wrong-password-here")

    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in locked" in html
    assert "Too many failed sign-ins" in html


def test_lockout_rejects_right_password(client, person):
    for _ in range(5):
        sign_in(client, "ann.user", "wrong-password-here")

    response = sign_in(client, "ann.user", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username(client, person, client_a):
    make_person("other.user", Role.CLIENT_USER, client_a)
    for _ in range(6):
        sign_in(client, "ann.user", "wrong-password-here")

    response = sign_in(client, "other.user", PASSWORD)

    assert response.status_code == 302


def test_password_change_works(client, person):
    client.force_login(person)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("short1", "This password is too short. It must contain at least 12"),
        ("password1234", "This password is too common."),
        ("738291046572", "This password is entirely numeric."),
        ("ann.user.example", "The password is too similar to the"),
    ],
)
def test_password_change_validators(client, person, new_password, message):
    client.force_login(person)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_password_change_wrong_old(client, person):
    client.force_login(person)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "not-the-password",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()


def test_password_change_form_accessible(client, person):
    client.force_login(person)

    html = client.get(reverse("password_change")).content.decode()

    for name in ("old_password", "new_password1", "new_password2"):
        assert f'<label for="id_{name}">' in html


def test_password_reset_round_trip(client, person):
    response = client.post(reverse("password_reset"), {"email": person.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [person.email]
    assert message.subject == "Reset your CertPortal password"
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_password_reset_unknown_email(client, person):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_bad_email(client, db):
    response = client.post(reverse("password_reset"), {"email": "not-an-address"})

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()


def test_password_reset_bad_link(client, person):
    url = reverse(
        "password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"}
    )

    response = client.get(url)

    assert response.status_code == 200
    assert "Reset link invalid" in response.content.decode()


@override_settings(DEBUG=False)
def test_404_page_plain(client, person):
    client.force_login(person)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
