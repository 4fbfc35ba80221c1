"""Every URL of the portal, the API and the admin, tried by client A's people
against client B's objects.

Each module in tests/cross_tenant/ creates objects of one client (`build`) and maps
URL names to the keyword arguments that point at them (`URLS`). A URL pattern
that takes arguments and has no entry here makes the test fail, so a new view
cannot ship without its tenancy being tried.
"""

import importlib
import pkgutil
import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.cross_tenant as case_package

# Patterns with arguments that do not name client data, and why.
NOT_CLIENT_DATA = {
    "catalogue:item_request": "catalogue items are the provider's, shared by all",
    "api:catalogue-item-detail": "catalogue items are the provider's, shared by all",
    "api:catalogue-item-allowance": "counts only the requester's own client",
    "password_reset_confirm": "the token in the URL is the authorisation",
    "admin:app_list": "an app's index lists only what the admin queryset allows",
    "admin:view_on_site": "redirects to the object's portal URL, which is scoped",
    "api-schema": "the schema describes endpoints, not data",
    "acme-challenge": "public by design: ACME CAs fetch HTTP-01 tokens unsigned, "
    "and a token names no client",
}
ADMIN_OBJECT_ACTIONS = ("change", "delete", "history")


def _case_modules():
    for info in pkgutil.iter_modules(case_package.__path__):
        yield importlib.import_module(f"{case_package.__name__}.{info.name}")


def _walk(patterns, prefix=""):
    """Yield (full name, argument names) of every named URL pattern."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = entry.namespace
            child_prefix = f"{prefix}{namespace}:" if namespace else prefix
            for name, arguments in _walk(entry.url_patterns, child_prefix):
                yield name, arguments | set(entry.pattern.regex.groupindex)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", set(entry.pattern.regex.groupindex)


def _all_patterns() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name, arguments in _walk(get_resolver().url_patterns):
        found.setdefault(name, set()).update(arguments)
    return found


def _admin_cases(objects) -> dict[str, dict]:
    cases = {}
    for obj in objects.values():
        model = type(obj)
        if model not in admin.site._registry:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        for action in ADMIN_OBJECT_ACTIONS:
            cases[f"admin:{info[0]}_{info[1]}_{action}"] = {"object_id": obj.pk}
        if model._meta.label == "accounts.User":
            cases["admin:auth_user_password_change"] = {"id": obj.pk}
    return cases


def _global_admin_urls() -> set[str]:
    """Admin URLs of models that hold no client data (no tenant_field)."""
    names = set()
    for model in admin.site._registry:
        if getattr(model, "tenant_field", None):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        names.update(
            f"admin:{info[0]}_{info[1]}_{action}" for action in ADMIN_OBJECT_ACTIONS
        )
    return names


def _portal_cases(objects) -> dict[str, dict]:
    cases = {}
    for module in _case_modules():
        for name, arguments in module.URLS.items():
            cases[name] = arguments(objects)
    return cases


@pytest.fixture
def objects_of_b(client_b, client_user_b, client_admin_b):
    objects = {"client": client_b, "user": client_user_b, "admin_user": client_admin_b}
    for module in _case_modules():
        objects.update(module.build(client_b, client_admin_b))
    return objects


def _with_format(arguments: dict, wanted: set[str]) -> dict:
    arguments = dict(arguments)
    if "format" in wanted:
        arguments["format"] = "json"
    return arguments


def _request(http, url):
    """GET the URL; a view that only takes POST is tried with POST as well."""
    response = http.get(url)
    if response.status_code == 405:
        response = http.post(url, {})
    return response


def test_every_pattern_with_arguments_has_a_case(objects_of_b):
    cases = _portal_cases(objects_of_b) | _admin_cases(objects_of_b)
    exempt = set(NOT_CLIENT_DATA) | _global_admin_urls()
    missing = [
        name
        for name, arguments in _all_patterns().items()
        if (arguments - {"format"}) and name not in cases and name not in exempt
    ]
    assert missing == [], (
        "URL patterns with no cross-tenant case; add them to a module in "
        f"tests/cross_tenant/: {missing}"
    )


def test_every_admin_model_of_client_data_has_an_object(objects_of_b):
    covered = {type(obj) for obj in objects_of_b.values()}
    missing = [
        model._meta.label
        for model in admin.site._registry
        if getattr(model, "tenant_field", None) and model not in covered
    ]
    assert missing == [], (
        f"Admin models of client data with no object in tests/cross_tenant/: {missing}"
    )


@pytest.mark.parametrize("persona", ["client_user_a", "client_admin_a"])
def test_portal_and_api_hide_other_client(request, persona, client, objects_of_b):
    client.force_login(request.getfixturevalue(persona))
    patterns = _all_patterns()
    leaks = []
    for name, arguments in _portal_cases(objects_of_b).items():
        url = reverse(name, kwargs=_with_format(arguments, patterns.get(name, set())))
        response = _request(client, url)
        if response.status_code not in (403, 404):
            leaks.append(f"{name} {url} -> {response.status_code}")
    assert leaks == []


def test_admin_hides_unassigned_client(sdm_a, client, objects_of_b):
    client.force_login(sdm_a)
    admin_index = reverse("admin:index")
    leaks = []
    for name, arguments in _admin_cases(objects_of_b).items():
        url = reverse(name, kwargs=arguments)
        response = client.get(url)
        # The admin answers a missing object with a redirect to its index.
        hidden = response.status_code in (403, 404) or (
            response.status_code == 302 and response.url == admin_index
        )
        if not hidden:
            leaks.append(f"{name} {url} -> {response.status_code}")
    assert leaks == []


def test_lists_never_show_other_client(client_user_a, client, objects_of_b):
    """Pages and API lists without arguments must not mention client B."""
    client.force_login(client_user_a)
    marker = re.compile(re.escape(objects_of_b["client"].name), re.IGNORECASE)
    leaks = []
    for name, arguments in _all_patterns().items():
        if arguments - {"format"} or name.startswith("admin:") or name == "logout":
            continue
        response = client.get(reverse(name))
        if response.status_code == 200 and marker.search(
            response.content.decode(errors="replace")
        ):
            leaks.append(name)
    assert leaks == []
