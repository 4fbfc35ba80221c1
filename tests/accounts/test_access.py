"""Role checks for views and the API, and the error pages they lead to."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse
from rest_framework.test import APIRequestFactory

from accounts.access import HasRole, role_required
from accounts.roles import Role


@role_required(Role.CLIENT_ADMIN, Role.ADMINISTRATOR)
def sample_view(request):
    return HttpResponse("ok")


def test_role_required_allows_role(client_admin_a):
    request = RequestFactory().get("/")
    request.user = client_admin_a

    assert sample_view(request).status_code == 200


def test_role_required_denies_role(client_user_a):
    request = RequestFactory().get("/")
    request.user = client_user_a

    with pytest.raises(PermissionDenied):
        sample_view(request)


def test_role_required_redirects_anonymous(db):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()

    response = sample_view(request)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_has_role_permission(client_admin_a, client_user_a):
    permission = HasRole.of(Role.CLIENT_ADMIN)()
    request = APIRequestFactory().get("/")

    request.user = client_admin_a
    assert permission.has_permission(request, None) is True
    request.user = client_user_a
    assert permission.has_permission(request, None) is False


def test_has_role_classes_independent():
    admins = HasRole.of(Role.CLIENT_ADMIN)
    analysts = HasRole.of(Role.L1_ANALYST)

    assert admins.roles == {Role.CLIENT_ADMIN}
    assert analysts.roles == {Role.L1_ANALYST}
    assert HasRole.roles == frozenset()


@override_settings(DEBUG=False)
def test_403_page(client, client_user_a):
    client.force_login(client_user_a)

    response = client.get(reverse("accounts:people_list"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "Access denied" in html
    assert "Traceback" not in html


@override_settings(DEBUG=False, ROOT_URLCONF="tests.accounts.urls_errors")
def test_500_page_hides_details(client, client_user_a):
    client.raise_request_exception = False
    client.force_login(client_user_a)

    response = client.get("/test-failure/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html
