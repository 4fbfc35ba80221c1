"""A client admin manages the people of its own organisation in the portal."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.roles import Role
from tests.accounts.network import closed_port
from tests.conftest import PASSWORD, make_person

GOOD = {
    "username": "new.person",
    "first_name": "Nia",
    "last_name": "Stone",
    "email": "new.person@example.com",
    "role": Role.CLIENT_USER,
    "password": "",
}


@pytest.fixture
def admin_client(client, client_admin_a):
    client.force_login(client_admin_a)
    return client


def add_people(client, count: int) -> None:
    start = User.objects.count()
    User.objects.bulk_create(
        User(
            username=f"bulk.{start + number}",
            role=Role.CLIENT_USER,
            client=client,
            password="!",  # unusable: these people never sign in
        )
        for number in range(count)
    )


def errors_of(response) -> dict:
    return {
        name: list(errors) for name, errors in response.context["form"].errors.items()
    }


def test_list_shows_own_people(admin_client, client_user_a, client_user_b):
    response = admin_client.get(reverse("accounts:people_list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "ann.user" in html
    assert "bob.user" not in html


def test_list_search(admin_client, client_user_a, client_a):
    make_person("zed.other", Role.CLIENT_USER, client_a)

    response = admin_client.get(reverse("accounts:people_list"), {"q": "zed"})

    html = response.content.decode()
    assert "zed.other" in html
    assert "ann.user" not in html


@pytest.mark.parametrize("persona", ["client_user_a", "analyst", "sdm_a"])
def test_list_other_roles_denied(request, client, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("accounts:people_list")).status_code == 403
    assert client.get(reverse("accounts:person_create")).status_code == 403


def test_list_query_count_constant(admin_client, client_a):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(reverse("accounts:people_list")).status_code == 200
        return len(queries)

    add_people(client_a, 10)
    with_ten = count_queries()
    add_people(client_a, 90)

    assert count_queries() == with_ten


def test_create_with_password(admin_client, client_a):
    data = GOOD | {"password": "amber-lantern-river-quartz"}

    response = admin_client.post(reverse("accounts:person_create"), data)

    assert response.status_code == 302
    person = User.objects.get(username="new.person")
    assert person.client == client_a
    assert person.role == Role.CLIENT_USER
    assert person.email == "new.person@example.com"
    assert person.get_full_name() == "Nia Stone"
    assert person.check_password("amber-lantern-river-quartz")
    assert mail.outbox == []


def test_create_sends_password_link(admin_client, client, client_a):
    response = admin_client.post(reverse("accounts:person_create"), GOOD)

    assert response.status_code == 302
    person = User.objects.get(username="new.person")
    assert not person.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.com"]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_password_link_sets_password(admin_client, client_a):
    admin_client.post(reverse("accounts:person_create"), GOOD)
    body = mail.outbox[0].body
    path = body[body.index("/accounts/reset/") :].split()[0]
    admin_client.post(reverse("logout"))

    form_page = admin_client.get(path, follow=True)
    admin_client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )

    assert User.objects.get(username="new.person").check_password(PASSWORD)


def test_create_client_admin(admin_client):
    admin_client.post(
        reverse("accounts:person_create"), GOOD | {"role": Role.CLIENT_ADMIN}
    )

    assert User.objects.get(username="new.person").role == Role.CLIENT_ADMIN


@pytest.mark.parametrize(
    "role", [Role.ADMINISTRATOR, Role.L1_ANALYST, Role.SERVICE_DELIVERY_MANAGER]
)
def test_create_rejects_provider_role(admin_client, role):
    response = admin_client.post(
        reverse("accounts:person_create"), GOOD | {"role": role}
    )

    assert response.status_code == 200
    assert errors_of(response) == {
        "role": [
            f"'{role}' is not a role a client admin can give: choose client_user "
            "(Client user) or client_admin (Client admin)."
        ]
    }
    assert not User.objects.filter(username="new.person").exists()


def test_create_rejects_taken_username(admin_client, client_user_b):
    response = admin_client.post(
        reverse("accounts:person_create"), GOOD | {"username": "BOB.user"}
    )

    assert errors_of(response) == {
        "username": ["Username 'BOB.user' is already taken: choose another one."]
    }


def test_create_rejects_bad_username(admin_client):
    response = admin_client.post(
        reverse("accounts:person_create"), GOOD | {"username": "no spaces!"}
    )

    assert errors_of(response) == {
        "username": [
            "Enter a valid username. This value may contain only letters, "
            "numbers, and @/./+/-/_ characters."
        ]
    }


def test_create_rejects_weak_password(admin_client):
    response = admin_client.post(
        reverse("accounts:person_create"), GOOD | {"password": "short"}
    )

    assert errors_of(response) == {
        "password": [
            "This password is too short. It must contain at least 12 characters."
        ]
    }
    assert not User.objects.filter(username="new.person").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "", "This field is required."),
        ("email", "not-an-address", "Enter a valid email address."),
        ("username", "", "This field is required."),
        ("role", "", "This field is required."),
    ],
)
def test_create_rejects_bad_fields(admin_client, field, value, message):
    response = admin_client.post(
        reverse("accounts:person_create"), GOOD | {field: value}
    )

    assert response.status_code == 200
    assert errors_of(response) == {field: [message]}
    assert User.objects.count() == 1  # the admin only


def test_create_rolls_back_when_email_fails(admin_client, settings):
    # A loopback port with nothing listening, so the SMTP connection is refused.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_TIMEOUT = 2

    response = admin_client.post(reverse("accounts:person_create"), GOOD)

    assert response.status_code == 200
    assert errors_of(response) == {
        "email": [
            "The email to new.person@example.com could not be sent, so the person "
            "was not saved. Try again later, or set an initial password instead."
        ]
    }
    assert not User.objects.filter(username="new.person").exists()


def test_create_form_labels(admin_client):
    html = admin_client.get(reverse("accounts:person_create")).content.decode()

    for name in ("username", "first_name", "last_name", "email", "role", "password"):
        assert f'<label for="id_{name}">' in html


def test_update_changes_fields(admin_client, client_user_a):
    response = admin_client.post(
        reverse("accounts:person_update", args=[client_user_a.pk]),
        {
            "first_name": "Ann",
            "last_name": "Lee",
            "email": "ann.lee@example.com",
            "role": Role.CLIENT_ADMIN,
        },
    )

    assert response.status_code == 302
    client_user_a.refresh_from_db()
    assert client_user_a.get_full_name() == "Ann Lee"
    assert client_user_a.email == "ann.lee@example.com"
    assert client_user_a.role == Role.CLIENT_ADMIN


def test_update_rejects_provider_role(admin_client, client_user_a):
    response = admin_client.post(
        reverse("accounts:person_update", args=[client_user_a.pk]),
        {"email": "ann@example.com", "role": Role.ADMINISTRATOR},
    )

    assert response.status_code == 200
    assert list(errors_of(response)) == ["role"]
    client_user_a.refresh_from_db()
    assert client_user_a.role == Role.CLIENT_USER
    assert client_user_a.email == "ann.user@example.com"


def test_update_own_role_rejected(admin_client, client_admin_a):
    response = admin_client.post(
        reverse("accounts:person_update", args=[client_admin_a.pk]),
        {"email": "amy@example.com", "role": Role.CLIENT_USER},
    )

    assert errors_of(response) == {
        "role": [
            "You cannot change your own role: ask another client admin to do it, "
            "so the organisation always keeps a client admin."
        ]
    }
    client_admin_a.refresh_from_db()
    assert client_admin_a.role == Role.CLIENT_ADMIN


def test_update_other_client_404(admin_client, client_user_b):
    url = reverse("accounts:person_update", args=[client_user_b.pk])

    assert admin_client.get(url).status_code == 404
    assert (
        admin_client.post(
            url, {"email": "x@example.com", "role": "client_user"}
        ).status_code
        == 404
    )


def test_update_provider_person_404(admin_client, analyst):
    url = reverse("accounts:person_update", args=[analyst.pk])

    assert admin_client.get(url).status_code == 404


def test_deactivate_person(admin_client, client_user_a):
    ApiToken.issue(client_user_a, "script", timedelta(days=5))
    url = reverse("accounts:person_deactivate", args=[client_user_a.pk])

    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url)

    assert response.status_code == 302
    client_user_a.refresh_from_db()
    assert client_user_a.is_active is False
    assert not client_user_a.api_tokens.active().exists()


def test_deactivated_person_cannot_sign_in(admin_client, client, client_user_a):
    admin_client.post(reverse("accounts:person_deactivate", args=[client_user_a.pk]))
    admin_client.post(reverse("logout"))

    response = client.post(
        reverse("login"), {"username": "ann.user", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_deactivate_self_rejected(admin_client, client_admin_a):
    response = admin_client.post(
        reverse("accounts:person_deactivate", args=[client_admin_a.pk])
    )

    assert response.status_code == 400
    assert (
        "You cannot deactivate yourself: ask another client admin to do it."
        in response.content.decode()
    )
    client_admin_a.refresh_from_db()
    assert client_admin_a.is_active is True


def test_deactivate_other_client_404(admin_client, client_user_b):
    url = reverse("accounts:person_deactivate", args=[client_user_b.pk])

    assert admin_client.post(url).status_code == 404
    client_user_b.refresh_from_db()
    assert client_user_b.is_active is True
