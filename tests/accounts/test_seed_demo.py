"""`manage.py seed_demo`: fictional clients, one person per role, idempotent."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import CLIENTS, PEOPLE
from accounts.management.commands.seed_demo import demo_modules
from accounts.models import Client, User
from accounts.roles import Role

PASSWORD_LINE = re.compile(r"username (\S+)  password (\S+)")


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in {"sessions", "admin", "contenttypes"}
    }


@pytest.fixture
def first_run(db) -> str:
    return seed()


def test_creates_clients(first_run):
    clients = {client.slug: client for client in Client.objects.all()}

    assert set(clients) == {"northwind", "contoso", "fabrikam"}
    assert clients["contoso"].time_zone == "America/New_York"
    assert clients["contoso"].subdivision == "NY"
    assert clients["northwind"].country == "GB"
    assert clients["fabrikam"].time_zone == "Europe/Berlin"


def test_one_person_per_role(first_run):
    roles = set(User.objects.values_list("role", flat=True))

    assert roles == set(Role)
    for slug in ("northwind", "contoso", "fabrikam"):
        people = User.objects.filter(client__slug=slug)
        assert sorted(people.values_list("role", flat=True)) == [
            Role.CLIENT_ADMIN,
            Role.CLIENT_USER,
        ]


def test_managers_assigned(first_run):
    sdm = User.objects.get(role=Role.SERVICE_DELIVERY_MANAGER)
    tam = User.objects.get(role=Role.TECHNICAL_ACCOUNT_MANAGER)

    assert set(sdm.assigned_clients.values_list("slug", flat=True)) == {
        "northwind",
        "contoso",
    }
    assert set(tam.assigned_clients.values_list("slug", flat=True)) == {
        "contoso",
        "fabrikam",
    }


def test_only_reserved_contacts(first_run):
    for email in User.objects.values_list("email", flat=True):
        assert email.endswith("@example.com")
    for fields in CLIENTS:
        for phone in (fields["support_phone"], fields["out_of_hours_phone"]):
            assert phone == "" or phone.startswith(
                ("+4420794600", "+121255501", "+493023125")
            )


def test_passwords_printed_once(first_run):
    printed = dict(PASSWORD_LINE.findall(first_run))

    assert set(printed) == {entry[0] for entry in PEOPLE}
    for username, password in printed.items():
        assert User.objects.get(username=username).check_password(password)

    second_run = seed()

    assert PASSWORD_LINE.findall(second_run) == []
    for username in printed:
        assert f"Person {username} already exists; password unchanged." in second_run


def test_second_run_changes_nothing(first_run):
    before = row_counts()
    hashes = dict(User.objects.values_list("username", "password"))

    seed()

    assert row_counts() == before
    assert dict(User.objects.values_list("username", "password")) == hashes


def test_each_login_lands_on_dashboard(first_run, client):
    printed = dict(PASSWORD_LINE.findall(first_run))

    for username, password in printed.items():
        response = client.post(
            reverse("login"), {"username": username, "password": password}
        )
        assert response.status_code == 302, username
        assert response.url == reverse("dashboard"), username
        dashboard = client.get(response.url)
        assert dashboard.status_code == 200, username
        person = User.objects.get(username=username)
        assert f"Signed in as {person.get_role_display()}" in dashboard.content.decode()
        client.post(reverse("logout"))


def test_client_login_sees_only_own_client(first_run, client):
    printed = dict(PASSWORD_LINE.findall(first_run))
    client.post(
        reverse("login"),
        {"username": "northwind.user", "password": printed["northwind.user"]},
    )

    html = client.get(reverse("dashboard")).content.decode()

    assert "Northwind Retail" in html
    assert "Contoso Health" not in html
    assert "Fabrikam Logistics" not in html


def test_demo_modules_in_app_order(db):
    names = [module.__name__ for module in demo_modules()]

    assert names[0] == "accounts.demo"
    order = [config.name for config in apps.get_app_configs()]
    assert names == sorted(names, key=lambda name: order.index(name[: -len(".demo")]))
