import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance import hooks, raci
from governance.models import Activity, ActivityOverride
from tests.conftest import make_person
from tests.governance.factories import make_ticket

pytestmark = pytest.mark.django_db

CONTRACT_LETTERS = {
    "generate_csr": ("RA", "I"),
    "generate_authorization_request": ("RA", "I"),
    "install_certificate": ("RA", "I"),
    "pricing_quote": ("RA", "I"),
    "expiration_notification": ("I", "RA"),
    "domain_ownership_confirmation": ("I", "RA"),
    "auto_renewal": ("I", "RA"),
    "raise_request": ("R", "RA"),
    "p1_telephone_follow_up": ("RA", "CI"),
    "categorise_and_prioritise": ("RA", "CI"),
    "approve_scope_change": ("C", "RA"),
}


@pytest.mark.parametrize("code", sorted(CONTRACT_LETTERS))
def test_migration_loads_contract_letters(code):
    activity = Activity.objects.get(code=code)

    assert (activity.provider, activity.customer) == CONTRACT_LETTERS[code]


def test_migration_covers_four_services():
    services = {a.service.code for a in Activity.objects.select_related("service")}

    assert services == {
        "ssl_certificate_service",
        "service_desk",
        "service_delivery_management",
        "technical_account_management",
    }


def test_every_row_has_one_accountable():
    for activity in Activity.objects.all():
        holders = [p for p in (activity.provider, activity.customer) if "A" in p]
        assert len(holders) == 1, activity.code


def test_letters_reject_unknown_letter():
    activity = Activity.objects.get(code="confirm_closure")
    activity.customer = "RAX"

    with pytest.raises(ValidationError) as caught:
        activity.full_clean()

    assert caught.value.message_dict["customer"] == [
        "'RAX' contains X, which is not a RACI letter. "
        "Use only R, A, C and I, for example RA."
    ]


def test_letters_reject_two_accountable():
    activity = Activity.objects.get(code="confirm_closure")
    activity.provider = "A"

    with pytest.raises(ValidationError) as caught:
        activity.full_clean()

    assert caught.value.message_dict["customer"] == [
        "Both the provider and the customer are Accountable. "
        "Exactly one party may hold A: remove it from one of them."
    ]


def test_letters_reject_no_accountable():
    activity = Activity.objects.get(code="confirm_closure")
    activity.customer = "R"

    with pytest.raises(ValidationError) as caught:
        activity.full_clean()

    assert caught.value.message_dict["customer"] == [
        "Neither party is Accountable. Give A to the provider or the customer."
    ]


def test_letters_normalised_on_clean():
    activity = Activity.objects.get(code="confirm_closure")
    activity.customer = "a, r"

    activity.full_clean()

    assert activity.customer == "RA"


def test_accountable_customer_is_client_admins(client_admin_a, client_user_a, sdm_a):
    people = raci.accountable_people("approve_scope_change", client_admin_a.client)

    assert list(people) == [client_admin_a]


def test_informed_customer_is_everyone(client_admin_a, client_user_a, client_user_b):
    people = set(raci.informed_people("incident_reports", client_admin_a.client))

    assert people == {client_admin_a, client_user_a}


def test_provider_side_is_assigned_managers(client_a, sdm_a, tam_a, administrator):
    people = set(raci.accountable_people("incident_reports", client_a))

    assert people == {sdm_a, tam_a}


def test_provider_side_falls_back_to_admins(client_a, administrator, analyst):
    people = set(raci.accountable_people("incident_reports", client_a))

    assert people == {administrator}


def test_provider_responsible_includes_analysts(client_a, sdm_a, analyst):
    people = set(raci.responsible_people("incident_reports", client_a))

    assert people == {sdm_a, analyst}


def test_inactive_people_left_out(client_admin_a):
    client_admin_a.is_active = False
    client_admin_a.save()

    people = raci.accountable_people("approve_scope_change", client_admin_a.client)

    assert list(people) == []


def test_may_act_follows_party(client_user_a, analyst):
    client = client_user_a.client

    assert raci.may_act(client_user_a, "confirm_closure", client)
    assert not raci.may_act(analyst, "confirm_closure", client)
    assert raci.may_act(analyst, "ticket_updates", client)


def test_may_act_needs_visible_client(client_a, client_b):
    manager = make_person("sid.sdm", "service_delivery_manager")
    manager.assigned_clients.add(client_b)

    assert not raci.may_act(manager, "incident_reports", client_a)


def test_unknown_code_raises(client_a):
    with pytest.raises(raci.UnknownActivity):
        raci.assignment("no_such_activity", client_a)


def test_override_applies_to_one_client(client_a, client_b):
    activity = Activity.objects.get(code="confirm_closure")
    ActivityOverride.objects.create(
        client=client_a, activity=activity, provider="RA", customer="I"
    )

    assert raci.assignment("confirm_closure", client_a).provider == "RA"
    assert raci.assignment("confirm_closure", client_b).provider == "I"


def test_closure_rule_follows_row(client_user_a, analyst):
    ticket = make_ticket(client_user_a.client, client_user_a)

    hooks.check_may_confirm_closure(client_user_a, ticket)
    with pytest.raises(PermissionDenied):
        hooks.check_may_confirm_closure(analyst, ticket)

    Activity.objects.filter(code="confirm_closure").update(provider="RA", customer="I")

    hooks.check_may_confirm_closure(analyst, ticket)
    with pytest.raises(PermissionDenied) as caught:
        hooks.check_may_confirm_closure(client_user_a, ticket)
    assert str(caught.value) == (
        "Only the party responsible for confirming closure may confirm that "
        "this ticket is fixed."
    )


def test_raci_page_shows_override(client, client_user_a):
    ActivityOverride.objects.create(
        client=client_user_a.client,
        activity=Activity.objects.get(code="review_meetings"),
        provider="RA",
        customer="I",
    )
    client.force_login(client_user_a)

    response = client.get(reverse("governance:raci"))

    assert response.status_code == 200
    assert "Approval of scope changes" in response.text
    assert "agreed for this client" in response.text


def test_raci_page_client_choice_scoped(client, sdm_a, client_b):
    client.force_login(sdm_a)

    response = client.get(reverse("governance:raci"), {"client": client_b.slug})

    assert response.status_code == 404


def test_raci_page_query_count(client, client_user_a, django_assert_max_num_queries):
    client.force_login(client_user_a)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("governance:raci"))

    assert response.status_code == 200


def test_raci_api_lists_rows(client, client_user_a):
    client.force_login(client_user_a)

    response = client.get(reverse("api:raci-list"))

    assert response.status_code == 200
    codes = {row["code"]: row for row in response.json()}
    assert codes["confirm_closure"]["customer"] == "RA"


def test_raci_page_provider_picks_client(client, sdm_a, client_a):
    ActivityOverride.objects.create(
        client=client_a,
        activity=Activity.objects.get(code="review_meetings"),
        provider="RA",
        customer="I",
    )
    client.force_login(sdm_a)

    standard = client.get(reverse("governance:raci"))
    chosen = client.get(reverse("governance:raci"), {"client": client_a.slug})

    assert "agreed for this client" not in standard.text
    assert "agreed for this client" in chosen.text
    assert f"for {client_a.name}" in chosen.text
