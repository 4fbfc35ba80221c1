"""Each role's dashboard shows the panels registered for it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Client
from tests.conftest import make_client


def dashboard_html(client, person) -> str:
    client.force_login(person)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_client_user_sees_organisation(client, client_user_a, client_b):
    html = dashboard_html(client, client_user_a)

    assert "Your organisation" in html
    assert "Alpha Retail Ltd" in html
    assert "+442079460000" in html
    assert "Bravo Secret Holdings" not in html
    assert "Manage people" not in html


def test_client_admin_sees_people(client, client_admin_a, client_user_a):
    html = dashboard_html(client, client_admin_a)

    assert "Your organisation" in html
    assert "2 active people" in html
    assert "Manage people" in html


def test_sdm_sees_assigned_clients(client, sdm_a, client_b):
    html = dashboard_html(client, sdm_a)

    assert "Your clients" in html
    assert "Alpha Retail Ltd" in html
    assert "Bravo Secret Holdings" not in html


def test_tam_sees_assigned_clients(client, tam_a, client_b):
    html = dashboard_html(client, tam_a)

    assert "Your clients" in html
    assert "Alpha Retail Ltd" in html
    assert "Bravo Secret Holdings" not in html


@pytest.mark.parametrize("persona", ["analyst", "administrator"])
def test_all_client_roles_see_count(request, client, persona, client_a, client_b):
    html = dashboard_html(client, request.getfixturevalue(persona))

    assert "2 clients use the service." in html


def test_menu_by_role(client, client_user_a):
    html = dashboard_html(client, client_user_a)

    assert 'href="/accounts/tokens/"' in html
    assert 'href="/accounts/people/"' not in html
    assert "Admin console" not in html


def test_dashboard_landmarks(client, client_user_a):
    html = dashboard_html(client, client_user_a)

    assert '<nav aria-label="Main">' in html
    assert '<main id="main"' in html
    assert 'class="skip-link" href="#main"' in html


@pytest.mark.parametrize("persona", ["sdm_a", "analyst"])
def test_dashboard_query_count_constant(request, client, persona, client_a):
    person = request.getfixturevalue(persona)
    client.force_login(person)

    def add_clients(count: int) -> None:
        start = Client.objects.count()
        for number in range(start, start + count):
            created = make_client(f"extra-{number}")
            if hasattr(person, "assigned_clients"):
                person.assigned_clients.add(created)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(queries)

    add_clients(10)
    with_ten = count_queries()
    add_clients(90)

    assert count_queries() == with_ten
