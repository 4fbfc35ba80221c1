"""The REST API's shared behaviour, tried on the accounts endpoints: token
authentication, the one error format, pagination, filtering, scoping, the schema."""

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, Client, User
from accounts.roles import Role
from tests.conftest import make_client


@pytest.fixture
def api():
    return APIClient()


def bearer(api: APIClient, value: str) -> APIClient:
    api.credentials(HTTP_AUTHORIZATION=f"Token {value}")
    return api


# Token authentication


def test_token_authenticates(api, client_user_a):
    _, value = ApiToken.issue(client_user_a, "ci", timedelta(days=1))

    response = bearer(api, value).get(reverse("api:me"))

    assert response.status_code == 200
    assert response.json()["username"] == "ann.user"
    assert response.json()["client"]["slug"] == "alpha"
    assert response.json()["role"] == Role.CLIENT_USER


def test_token_records_last_use(api, client_user_a):
    token, value = ApiToken.issue(client_user_a, "ci", timedelta(days=1))

    bearer(api, value).get(reverse("api:me"))

    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token", "Invalid Authorization header: use 'Token <prefix>.<secret>'."),
        ("Token a b", "Invalid Authorization header: use 'Token <prefix>.<secret>'."),
        ("Token nodot", "Invalid token format: expected '<prefix>.<secret>'."),
        ("Token abcd1234.wrong-secret", "Invalid token."),
    ],
)
def test_malformed_token_401(api, client_user_a, header, message):
    api.credentials(HTTP_AUTHORIZATION=header)

    response = api.get(reverse("api:me"))

    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "authentication_failed", "message": message}
    }
    assert response["WWW-Authenticate"] == "Token"


def test_wrong_secret_401(api, client_user_a):
    token, _ = ApiToken.issue(client_user_a, "ci", timedelta(days=1))

    response = bearer(api, f"{token.prefix}.not-the-secret").get(reverse("api:me"))

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid token."


def test_revoked_token_401(api, client_user_a):
    token, value = ApiToken.issue(client_user_a, "ci", timedelta(days=1))
    token.revoked_at = timezone.now()
    token.save()

    response = bearer(api, value).get(reverse("api:me"))

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "authentication_failed",
            "message": "Token revoked: create a new one.",
        }
    }


def test_expired_token_401(api, client_user_a):
    token, value = ApiToken.issue(client_user_a, "ci", timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = bearer(api, value).get(reverse("api:me"))

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Token expired: create a new one."


def test_inactive_person_token_401(api, client_user_a):
    _, value = ApiToken.issue(client_user_a, "ci", timedelta(days=1))
    client_user_a.is_active = False
    client_user_a.save()

    response = bearer(api, value).get(reverse("api:me"))

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "User inactive or deleted."


def test_anonymous_401(api, db):
    response = api.get(reverse("api:client-list"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_session_authenticates(api, client_user_a):
    api.force_login(client_user_a)

    assert api.get(reverse("api:me")).status_code == 200


# Tokens endpoint


def test_token_create_returns_value_once(api, client_user_a):
    api.force_login(client_user_a)

    response = api.post(
        reverse("api:token-list"), {"name": "ci", "lifetime_days": 10}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert body["value"].startswith(f"{token.prefix}.")
    assert body["name"] == "ci"
    assert body["is_active"] is True
    detail = api.get(reverse("api:token-detail", args=[token.pk])).json()
    assert "value" not in detail
    assert "digest" not in detail
    new_api = bearer(APIClient(), body["value"])
    assert new_api.get(reverse("api:me")).status_code == 200


def test_token_create_default_lifetime(api, client_user_a):
    api.force_login(client_user_a)

    body = api.post(reverse("api:token-list"), {"name": "ci"}, format="json").json()

    token = ApiToken.objects.get(pk=body["id"])
    lifetime = token.expires_at - token.created_at
    assert timedelta(days=89, hours=23) < lifetime <= timedelta(days=90)


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        (
            {"name": "ci", "lifetime_days": 0},
            {
                "lifetime_days": [
                    "Lifetime of 0 days is out of range: choose between 1 and 90 days."
                ]
            },
        ),
        (
            {"name": "ci", "lifetime_days": 400},
            {
                "lifetime_days": [
                    "Lifetime of 400 days is out of range: choose between 1 and 90 "
                    "days."
                ]
            },
        ),
        (
            {"name": "ci", "lifetime_days": "soon"},
            {"lifetime_days": ["A valid integer is required."]},
        ),
        (
            {"lifetime_days": 5},
            {
                "name": [
                    "Name is missing: say what the token is for, e.g. 'deploy script'."
                ]
            },
        ),
    ],
)
def test_token_create_bad_input(api, client_user_a, data, fields):
    api.force_login(client_user_a)

    response = api.post(reverse("api:token-list"), data, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == fields
    field, messages = next(iter(fields.items()))
    assert error["message"] == f"{field}: {messages[0]}"
    assert ApiToken.objects.count() == 0


def test_token_delete_revokes(api, client_user_a):
    token, value = ApiToken.issue(client_user_a, "ci", timedelta(days=1))
    api.force_login(client_user_a)

    response = api.delete(reverse("api:token-detail", args=[token.pk]))

    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(APIClient(), value).get(reverse("api:me")).status_code == 401


def test_token_list_own_only(api, client_user_a, client_admin_a):
    ApiToken.issue(client_user_a, "mine", timedelta(days=1))
    ApiToken.issue(client_admin_a, "colleague", timedelta(days=1))
    api.force_login(client_user_a)

    body = api.get(reverse("api:token-list")).json()

    assert [token["name"] for token in body["results"]] == ["mine"]


def test_token_filter_active(api, client_user_a):
    ApiToken.issue(client_user_a, "live", timedelta(days=1))
    revoked, _ = ApiToken.issue(client_user_a, "dead", timedelta(days=1))
    revoked.revoked_at = timezone.now()
    revoked.save()
    api.force_login(client_user_a)

    active = api.get(reverse("api:token-list"), {"active": "true"}).json()
    inactive = api.get(reverse("api:token-list"), {"active": "false"}).json()

    assert [token["name"] for token in active["results"]] == ["live"]
    assert [token["name"] for token in inactive["results"]] == ["dead"]


# Clients endpoint: scoping, pagination, filtering, search


def test_clients_scoped_for_client_user(api, client_user_a, client_b):
    api.force_login(client_user_a)

    body = api.get(reverse("api:client-list")).json()

    assert [client["slug"] for client in body["results"]] == ["alpha"]
    missing = api.get(reverse("api:client-detail", args=[client_b.pk]))
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_clients_scoped_for_sdm(api, sdm_a, client_b):
    api.force_login(sdm_a)

    body = api.get(reverse("api:client-list")).json()

    assert [client["slug"] for client in body["results"]] == ["alpha"]


def test_clients_pagination(api, analyst):
    for number in range(12):
        make_client(f"client-{number:02d}")
    api.force_login(analyst)

    first = api.get(reverse("api:client-list"), {"page_size": 5}).json()
    last = api.get(reverse("api:client-list"), {"page_size": 5, "page": 3}).json()

    assert first["count"] == 12
    assert len(first["results"]) == 5
    assert first["next"].endswith("page=2&page_size=5")
    assert first["previous"] is None
    assert len(last["results"]) == 2
    assert last["next"] is None


def test_clients_bad_page_404(api, analyst, client_a):
    api.force_login(analyst)

    response = api.get(reverse("api:client-list"), {"page": 9})

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "Invalid page.",
    }


def test_clients_filter_and_search(api, analyst, client_a):
    make_client(
        "gamma",
        "Gamma Freight",
        country="DE",
        subdivision="BE",
        time_zone="Europe/Berlin",
        support_location="Berlin",
    )
    api.force_login(analyst)

    by_country = api.get(reverse("api:client-list"), {"country": "DE"}).json()
    by_search = api.get(reverse("api:client-list"), {"search": "freight"}).json()
    ordered = api.get(reverse("api:client-list"), {"ordering": "-name"}).json()

    assert [client["slug"] for client in by_country["results"]] == ["gamma"]
    assert [client["slug"] for client in by_search["results"]] == ["gamma"]
    assert [client["slug"] for client in ordered["results"]] == ["gamma", "alpha"]


def test_clients_list_query_count_constant(api, analyst):
    api.force_login(analyst)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(reverse("api:client-list")).status_code == 200
        return len(queries)

    Client.objects.bulk_create(
        Client(
            name=f"Bulk {n}",
            slug=f"bulk-{n}",
            support_location="London",
            time_zone="Europe/London",
            country="GB",
            support_phone="+442079460000",
        )
        for n in range(10)
    )
    with_ten = count_queries()
    Client.objects.bulk_create(
        Client(
            name=f"More {n}",
            slug=f"more-{n}",
            support_location="London",
            time_zone="Europe/London",
            country="GB",
            support_phone="+442079460000",
        )
        for n in range(90)
    )

    assert count_queries() == with_ten


# People endpoint


PERSON = {
    "username": "api.person",
    "first_name": "Ira",
    "last_name": "Pane",
    "email": "api.person@example.com",
    "role": "client_user",
}


def test_people_create_with_password(api, client_admin_a, client_a):
    api.force_login(client_admin_a)

    response = api.post(
        reverse("api:person-list"),
        PERSON | {"password": "amber-lantern-river-quartz"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert "password" not in body
    assert body["username"] == "api.person"
    assert body["is_active"] is True
    person = User.objects.get(username="api.person")
    assert person.client == client_a
    assert person.check_password("amber-lantern-river-quartz")


def test_people_create_sends_link(api, client_admin_a):
    api.force_login(client_admin_a)

    response = api.post(reverse("api:person-list"), PERSON, format="json")

    assert response.status_code == 201
    assert len(mail.outbox) == 1
    assert not User.objects.get(username="api.person").has_usable_password()


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (
            {"role": "administrator"},
            {
                "role": [
                    "'administrator' is not a role a client admin can give: choose "
                    "client_user (Client user) or client_admin (Client admin)."
                ]
            },
        ),
        (
            {"email": ""},
            {
                "email": [
                    "Email is missing: enter the person's email address, which "
                    "password resets are sent to."
                ]
            },
        ),
        ({"email": "nope"}, {"email": ["Enter a valid email address."]}),
        (
            {"password": "short"},
            {
                "password": [
                    "This password is too short. It must contain at least 12 "
                    "characters."
                ]
            },
        ),
        (
            {"username": "amy.admin"},
            {
                "username": [
                    "Username 'amy.admin' is already taken: choose another one."
                ]
            },
        ),
    ],
)
def test_people_create_bad_input(api, client_admin_a, change, fields):
    api.force_login(client_admin_a)

    response = api.post(reverse("api:person-list"), PERSON | change, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == fields
    assert not User.objects.filter(username="api.person").exists()


def test_people_update_role(api, client_admin_a, client_user_a):
    api.force_login(client_admin_a)

    response = api.patch(
        reverse("api:person-detail", args=[client_user_a.pk]),
        {"role": "client_admin", "username": "renamed"},
        format="json",
    )

    assert response.status_code == 200
    client_user_a.refresh_from_db()
    assert client_user_a.role == Role.CLIENT_ADMIN
    assert client_user_a.username == "ann.user"  # read-only after creation


def test_people_update_provider_role_400(api, client_admin_a, client_user_a):
    api.force_login(client_admin_a)

    response = api.patch(
        reverse("api:person-detail", args=[client_user_a.pk]),
        {"role": "l1_analyst"},
        format="json",
    )

    assert response.status_code == 400
    client_user_a.refresh_from_db()
    assert client_user_a.role == Role.CLIENT_USER


def test_people_delete_deactivates(api, client_admin_a, client_user_a):
    api.force_login(client_admin_a)

    response = api.delete(reverse("api:person-detail", args=[client_user_a.pk]))

    assert response.status_code == 204
    client_user_a.refresh_from_db()
    assert client_user_a.is_active is False


def test_people_delete_self_400(api, client_admin_a):
    api.force_login(client_admin_a)

    response = api.delete(reverse("api:person-detail", args=[client_admin_a.pk]))

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "person": ["You cannot deactivate yourself: ask another client admin to do it."]
    }


def test_people_scoped_and_filtered(api, client_admin_a, client_user_a, client_user_b):
    api.force_login(client_admin_a)

    everyone = api.get(reverse("api:person-list")).json()
    admins = api.get(reverse("api:person-list"), {"role": "client_admin"}).json()
    bad_filter = api.get(reverse("api:person-list"), {"role": "wizard"})

    assert [p["username"] for p in everyone["results"]] == ["amy.admin", "ann.user"]
    assert [p["username"] for p in admins["results"]] == ["amy.admin"]
    assert bad_filter.status_code == 400
    assert list(bad_filter.json()["error"]["fields"]) == ["role"]


@pytest.mark.parametrize("persona", ["client_user_a", "analyst", "sdm_a"])
def test_people_other_roles_403(request, api, persona):
    api.force_login(request.getfixturevalue(persona))

    response = api.get(reverse("api:person-list"))

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "Your role cannot use this endpoint.",
        }
    }


# Schema and docs


def test_schema_generates_without_warnings(db):
    out = StringIO()

    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        stdout=out,
    )

    assert '"openapi": "3.0.3"' in out.getvalue()


def test_schema_endpoint(api, client_user_a):
    api.force_login(client_user_a)

    response = api.get(reverse("api-schema"), HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert "/api/v1/tokens/" in response.json()["paths"]


def test_docs_use_local_assets(client, client_user_a):
    client.force_login(client_user_a)

    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for url in assets:
        assert url.startswith("/"), f"{url} is not served by the portal"
        assert not url.startswith("//"), f"{url} points off-site"
    assert "<script>" not in html  # inline scripts would break the policy
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'self'" in policy


def test_docs_script_has_no_offsite_urls(client, client_user_a):
    client.force_login(client_user_a)

    script = client.get(reverse("api-docs") + "?script").content.decode()

    assert "validator.swagger.io" not in script
    assert '"validatorUrl": null' in script
    assert not re.search(r"https?://", script)


# The docs page in a real browser, under the portal's Content-Security-Policy


@pytest.fixture
def portal_server(db):
    """Serve the portal (with static files) on a free port of 127.0.0.1."""
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = make_server(
        "127.0.0.1",
        0,
        StaticFilesHandler(get_wsgi_application()),
        handler_class=QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.services
@pytest.mark.browser
def test_docs_render_under_csp(portal_server, require_service):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("Playwright", "the playwright package is not installed")
    executable = "/usr/bin/chromium"
    if not Path(executable).exists():
        require_service("Chromium", f"{executable} does not exist")

    offsite, violations = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        page = browser.new_page()
        page.on(
            "request",
            lambda request: (
                request.url.startswith(portal_server)
                or request.url.startswith("data:")
                or offsite.append(request.url)
            ),
        )
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and violations.append(message.text)
            ),
        )
        page.goto(portal_server + reverse("api-docs"))
        title = page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
        title_text = title.inner_text()
        operations = page.locator(".opblock").count()
        browser.close()

    assert "CertPortal API" in title_text
    assert operations > 0
    assert offsite == []
    assert violations == []
