import pytest
from django.urls import reverse

from governance.choices import ChangeState
from governance.models import Activity, ChangeRequest
from tests.certificates_factories import make_certificate
from tests.governance.factories import make_change, make_report

pytestmark = pytest.mark.django_db

MODELS = [
    "service",
    "activity",
    "activityoverride",
    "changerequest",
    "incidentreport",
    "inboundemail",
]


@pytest.mark.parametrize("model", MODELS)
def test_changelist_loads(client, administrator, model):
    client.force_login(administrator)

    response = client.get(reverse(f"admin:governance_{model}_changelist"))

    assert response.status_code == 200


def test_sdm_sees_assigned_changes_only(client, sdm_a, client_a, client_b):
    make_change(client_a, title="Alpha change")
    make_change(client_b, title="Bravo change")
    client.force_login(sdm_a)

    response = client.get(reverse("admin:governance_changerequest_changelist"))

    assert "Alpha change" in response.text
    assert "Bravo change" not in response.text


def test_activity_edit_rejects_two_accountable(client, administrator):
    activity = Activity.objects.get(code="confirm_closure")
    client.force_login(administrator)

    response = client.post(
        reverse("admin:governance_activity_change", args=[activity.pk]),
        {
            "service": activity.service_id,
            "name": activity.name,
            "order": activity.order,
            "provider": "A",
            "customer": "RA",
        },
    )

    assert response.status_code == 200
    assert "Exactly one party may hold A" in response.text
    activity.refresh_from_db()
    assert activity.provider == "I"


def test_activity_edit_changes_behaviour(client, administrator, client_user_a):
    from governance import raci

    activity = Activity.objects.get(code="confirm_closure")
    client.force_login(administrator)

    client.post(
        reverse("admin:governance_activity_change", args=[activity.pk]),
        {
            "service": activity.service_id,
            "name": activity.name,
            "order": activity.order,
            "provider": "RA",
            "customer": "i",
        },
    )

    activity.refresh_from_db()
    assert (activity.provider, activity.customer) == ("RA", "I")
    assert not raci.may_act(client_user_a, "confirm_closure", client_user_a.client)


def test_change_admin_rejects_foreign_certificate(
    client, administrator, client_a, client_b
):
    change = make_change(client_a)
    foreign = make_certificate(client_b, common_name="shop.bravo.test")
    client.force_login(administrator)

    response = client.post(
        reverse("admin:governance_changerequest_change", args=[change.pk]),
        {
            "client": client_a.pk,
            "title": change.title,
            "change_type": change.change_type,
            "reason": change.reason,
            "risk_level": change.risk_level,
            "risk": change.risk,
            "implementation_plan": change.implementation_plan,
            "rollback_plan": change.rollback_plan,
            "certificates": [foreign.pk],
            "decisions-TOTAL_FORMS": "0",
            "decisions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "belongs to another client" in response.text
    assert change.certificates.count() == 0


def test_change_admin_read_only_after_draft(client, administrator, client_a):
    change = make_change(client_a, state=ChangeState.APPROVED)
    client.force_login(administrator)

    response = client.get(
        reverse("admin:governance_changerequest_change", args=[change.pk])
    )

    assert response.status_code == 200
    assert 'name="title"' not in response.text
    assert ChangeRequest.objects.get().state == ChangeState.APPROVED


def test_report_admin_add_page(client, administrator, client_a):
    make_report(client_a)
    client.force_login(administrator)

    response = client.get(reverse("admin:governance_incidentreport_add"))

    assert response.status_code == 200
