from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance import changes
from governance.choices import ChangeState, ChangeType, EmergencyReason
from governance.models import Activity, ChangeDecision, ChangeRequest
from tests.certificates_factories import make_certificate
from tests.governance.factories import make_change

pytestmark = pytest.mark.django_db
S = ChangeState


def test_normal_change_full_path(client_user_a, client_admin_a, analyst, sdm_a):
    change = make_change(client_user_a.client, client_user_a)

    changes.transition(change.pk, S.ASSESSMENT, client_user_a)
    changes.transition(change.pk, S.AWAITING_APPROVAL, analyst, "Low risk.")
    changes.transition(change.pk, S.APPROVED, client_admin_a, "Go ahead.")
    changes.transition(change.pk, S.SCHEDULED, analyst)
    changes.transition(change.pk, S.IMPLEMENTED, analyst)
    changes.transition(change.pk, S.REVIEWED, sdm_a, "Chain verified.")

    change.refresh_from_db()
    assert change.state == S.REVIEWED
    decisions = list(change.decisions.values_list("to_state", "actor_name", "note"))
    assert decisions == [
        (S.ASSESSMENT, "ann.user", ""),
        (S.AWAITING_APPROVAL, "lee.analyst", "Low risk."),
        (S.APPROVED, "amy.admin", "Go ahead."),
        (S.SCHEDULED, "lee.analyst", ""),
        (S.IMPLEMENTED, "lee.analyst", ""),
        (S.REVIEWED, "sam.sdm", "Chain verified."),
    ]
    assert all(d.decided_at for d in change.decisions.all())


def test_client_user_cannot_approve(client_user_a, client_admin_a):
    change = make_change(client_user_a.client, state=S.AWAITING_APPROVAL)

    with pytest.raises(PermissionDenied) as caught:
        changes.transition(change.pk, S.APPROVED, client_user_a)

    assert str(caught.value) == (
        "Only the Accountable person for “Approval of scope changes” may approve."
    )
    change.refresh_from_db()
    assert change.state == S.AWAITING_APPROVAL
    assert not ChangeDecision.objects.exists()


def test_provider_cannot_approve(client_admin_a, analyst):
    change = make_change(client_admin_a.client, state=S.AWAITING_APPROVAL)

    with pytest.raises(PermissionDenied):
        changes.transition(change.pk, S.APPROVED, analyst)


def test_approver_follows_raci_row(client_admin_a, sdm_a):
    change = make_change(client_admin_a.client, state=S.AWAITING_APPROVAL)
    Activity.objects.filter(code="approve_scope_change").update(
        provider="RA", customer="C"
    )

    with pytest.raises(PermissionDenied):
        changes.transition(change.pk, S.APPROVED, client_admin_a)
    changes.transition(change.pk, S.APPROVED, sdm_a)

    change.refresh_from_db()
    assert change.state == S.APPROVED


def test_invalid_transition_message(client_admin_a):
    change = make_change(client_admin_a.client)

    with pytest.raises(ValidationError) as caught:
        changes.transition(change.pk, S.APPROVED, client_admin_a)

    assert caught.value.messages == [
        "A normal change cannot move from Draft to Approved. "
        "Allowed next states: Assessment."
    ]


def test_finished_change_has_no_moves(client_admin_a, analyst):
    change = make_change(client_admin_a.client, state=S.REVIEWED)

    with pytest.raises(ValidationError) as caught:
        changes.transition(change.pk, S.DRAFT, analyst)

    assert caught.value.messages == [
        "A normal change cannot move from Reviewed to Draft. "
        "Allowed next states: none, the change is finished."
    ]


def test_unknown_target_message(client_admin_a):
    change = make_change(client_admin_a.client)

    with pytest.raises(ValidationError) as caught:
        changes.transition(change.pk, "done", client_admin_a)

    assert caught.value.messages == [
        "A normal change cannot move from Draft to 'done'. "
        "Allowed next states: Assessment."
    ]


def test_reject_needs_note(client_admin_a):
    change = make_change(client_admin_a.client, state=S.AWAITING_APPROVAL)

    with pytest.raises(ValidationError) as caught:
        changes.transition(change.pk, S.REJECTED, client_admin_a, "  ")

    assert caught.value.message_dict["note"] == [
        "Give the reason for the decision “Reject”."
    ]


def test_reject_then_revise(client_admin_a):
    change = make_change(client_admin_a.client, state=S.AWAITING_APPROVAL)

    changes.transition(change.pk, S.REJECTED, client_admin_a, "Not in December.")
    changes.transition(change.pk, S.DRAFT, client_admin_a)

    change.refresh_from_db()
    assert change.state == S.DRAFT
    assert change.decisions.first().note == "Not in December."


def test_submit_needs_window(client_user_a):
    change = make_change(client_user_a.client, window_start=None, window_end=None)

    with pytest.raises(ValidationError) as caught:
        changes.transition(change.pk, S.ASSESSMENT, client_user_a)

    assert caught.value.message_dict["window_start"] == [
        "Set the change window (start and end) before submitting."
    ]


def test_emergency_short_path(client_admin_a, analyst):
    change = make_change(
        client_admin_a.client,
        change_type=ChangeType.EMERGENCY,
        emergency_reason=EmergencyReason.SECURITY_PATCH,
    )

    changes.transition(change.pk, S.AWAITING_APPROVAL, analyst)
    changes.transition(change.pk, S.APPROVED, client_admin_a)
    changes.transition(change.pk, S.IMPLEMENTED, analyst)

    change.refresh_from_db()
    assert change.state == S.IMPLEMENTED


def test_standard_needs_emailed_approval(client_admin_a, analyst):
    change = make_change(client_admin_a.client, change_type=ChangeType.STANDARD)

    with pytest.raises(ValidationError) as caught:
        changes.transition(change.pk, S.APPROVED, analyst)

    assert caught.value.message_dict["customer_approval_evidence"] == [
        "A standard change needs the customer's emailed approval: "
        "record its sender, date and Message-ID."
    ]
    change.customer_approval_evidence = "amy.admin@example.com, <a1@example.com>"
    change.save()
    changes.transition(change.pk, S.APPROVED, analyst)
    change.refresh_from_db()
    assert change.state == S.APPROVED


def test_other_client_cannot_transition(client_admin_b, client_a):
    change = make_change(client_a, state=S.AWAITING_APPROVAL)

    with pytest.raises(ChangeRequest.DoesNotExist):
        changes.transition(change.pk, S.APPROVED, client_admin_b)


def test_window_end_before_start():
    start = timezone.now()
    change = ChangeRequest(window_start=start, window_end=start - timedelta(hours=1))

    with pytest.raises(ValidationError) as caught:
        change.clean()

    assert caught.value.message_dict["window_end"] == [
        f"The window ends at {change.window_end:%Y-%m-%d %H:%M}, which is not after "
        f"its start {start:%Y-%m-%d %H:%M}. Choose an end after the start."
    ]


def test_window_needs_both_ends():
    change = ChangeRequest(window_start=timezone.now())

    with pytest.raises(ValidationError) as caught:
        change.clean()

    assert caught.value.message_dict["window_end"] == [
        "The change window needs both a start and an end: set window end."
    ]


def test_emergency_needs_reason():
    change = ChangeRequest(change_type=ChangeType.EMERGENCY)

    with pytest.raises(ValidationError) as caught:
        change.clean()

    assert caught.value.message_dict["emergency_reason"] == [
        "An emergency change must say why it is urgent: choose an incident to "
        "resolve or an emergency security patch."
    ]


def test_save_rejects_other_client_certificate(client_admin_a, client_b, analyst):
    foreign = make_certificate(client_b, common_name="shop.bravo.test")
    change = make_change(client_admin_a.client)

    with pytest.raises(ValidationError) as caught:
        changes.save_change(change, analyst, certificates=[foreign])

    assert caught.value.message_dict["certificates"] == [
        f"{foreign} belongs to another client. Choose certificates of Alpha Retail Ltd."
    ]
    assert change.certificates.count() == 0


def test_save_rejects_edit_after_draft(client_admin_a):
    change = make_change(client_admin_a.client, state=S.APPROVED)
    change.title = "Changed"

    with pytest.raises(ValidationError) as caught:
        changes.save_change(change, client_admin_a)

    assert caught.value.messages == [
        "Only a draft change can be edited; this one is approved."
    ]


def test_awaiting_approval_emails_accountable(
    client_user_a, client_admin_a, analyst, django_capture_on_commit_callbacks
):
    change = make_change(client_user_a.client, client_user_a, state=S.ASSESSMENT)

    with django_capture_on_commit_callbacks(execute=True):
        changes.transition(change.pk, S.AWAITING_APPROVAL, analyst)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["amy.admin@example.com"]
    assert "Awaiting approval" in mail.outbox[0].subject
    assert "Your approval is requested." in mail.outbox[0].body


def test_decision_notice_sent_once(
    client_user_a, client_admin_a, analyst, django_capture_on_commit_callbacks
):
    from governance.notices import change_notice

    change = make_change(client_user_a.client, client_user_a, state=S.ASSESSMENT)
    with django_capture_on_commit_callbacks(execute=True):
        changes.transition(change.pk, S.AWAITING_APPROVAL, analyst)

    again = change_notice(ChangeDecision.objects.get().pk)

    assert again == 0
    assert len(mail.outbox) == 1


def test_portal_approve_records_decision(client, client_admin_a):
    change = make_change(client_admin_a.client, state=S.AWAITING_APPROVAL)
    client.force_login(client_admin_a)

    page = client.get(reverse("governance:change_detail", args=[change.pk]))
    response = client.post(
        reverse("governance:change_transition", args=[change.pk]),
        {"target": S.APPROVED, "note": "Approved for Sunday."},
        follow=True,
    )

    assert "Approve" in page.text
    assert response.status_code == 200
    assert f"Change CHG-{change.pk} is now approved." in response.text
    decision = ChangeDecision.objects.get()
    assert (decision.actor, decision.note) == (client_admin_a, "Approved for Sunday.")


def test_portal_user_sees_no_approve_button(client, client_user_a):
    change = make_change(client_user_a.client, state=S.AWAITING_APPROVAL)
    client.force_login(client_user_a)

    page = client.get(reverse("governance:change_detail", args=[change.pk]))
    response = client.post(
        reverse("governance:change_transition", args=[change.pk]),
        {"target": S.APPROVED},
        follow=True,
    )

    assert ">Approve<" not in page.text
    assert "may approve" in response.text
    change.refresh_from_db()
    assert change.state == S.AWAITING_APPROVAL


def test_portal_create_change(client, client_user_a):
    certificate = make_certificate(client_user_a.client, common_name="shop.alpha.test")
    client.force_login(client_user_a)

    response = client.post(
        reverse("governance:change_create"),
        {
            "title": "Renew shop",
            "change_type": ChangeType.NORMAL,
            "reason": "Expiry.",
            "risk_level": "low",
            "risk": "Short outage.",
            "implementation_plan": "Install.",
            "rollback_plan": "Restore.",
            "window_start": "2030-01-05T22:00",
            "window_end": "2030-01-05T23:00",
            "certificates": [certificate.pk],
        },
    )

    change = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert change.client == client_user_a.client
    assert change.requested_by == client_user_a
    assert list(change.certificates.all()) == [certificate]


def test_portal_create_shows_window_error(client, client_user_a):
    client.force_login(client_user_a)

    response = client.post(
        reverse("governance:change_create"),
        {
            "title": "Renew shop",
            "change_type": ChangeType.NORMAL,
            "reason": "Expiry.",
            "risk_level": "low",
            "risk": "Short outage.",
            "implementation_plan": "Install.",
            "rollback_plan": "Restore.",
            "window_start": "2030-01-05T22:00",
            "window_end": "2030-01-05T21:00",
        },
    )

    assert response.status_code == 200
    assert "which is not after its start" in response.text
    assert not ChangeRequest.objects.exists()


def test_portal_create_rejects_foreign_certificate(client, client_user_a, client_b):
    foreign = make_certificate(client_b, common_name="shop.bravo.test")
    client.force_login(client_user_a)

    response = client.post(
        reverse("governance:change_create"),
        {
            "title": "Renew",
            "change_type": ChangeType.NORMAL,
            "reason": "r",
            "risk_level": "low",
            "risk": "r",
            "implementation_plan": "i",
            "rollback_plan": "r",
            "certificates": [foreign.pk],
        },
    )

    assert response.status_code == 200
    assert "is not one of the available choices" in response.text
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize("rows", [10, 100])
def test_list_query_count(client, client_user_a, rows, django_assert_max_num_queries):
    for number in range(rows):
        make_change(client_user_a.client, title=f"Change {number}")
    client.force_login(client_user_a)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("governance:change_list"))

    assert response.status_code == 200


def test_api_create_and_approve(client, client_user_a, client_admin_a, analyst):
    client.force_login(client_user_a)
    response = client.post(
        reverse("api:change-request-list"),
        {
            "title": "Renew shop",
            "reason": "Expiry.",
            "risk": "Short outage.",
            "implementation_plan": "Install.",
            "rollback_plan": "Restore.",
            "window_start": "2030-01-05T22:00:00Z",
            "window_end": "2030-01-05T23:00:00Z",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    change_id = response.json()["id"]
    url = reverse("api:change-request-transition", args=[change_id])

    client.post(url, {"target": S.ASSESSMENT}, content_type="application/json")
    client.force_login(analyst)
    client.post(url, {"target": S.AWAITING_APPROVAL}, content_type="application/json")
    client.force_login(client_user_a)
    refused = client.post(url, {"target": S.APPROVED}, content_type="application/json")
    client.force_login(client_admin_a)
    approved = client.post(url, {"target": S.APPROVED}, content_type="application/json")

    assert refused.status_code == 403
    assert approved.status_code == 200
    assert approved.json()["state"] == S.APPROVED
    assert [d["to_state"] for d in approved.json()["decisions"]] == [
        S.ASSESSMENT,
        S.AWAITING_APPROVAL,
        S.APPROVED,
    ]


def test_api_invalid_window(client, client_user_a):
    client.force_login(client_user_a)

    response = client.post(
        reverse("api:change-request-list"),
        {
            "title": "Renew shop",
            "reason": "Expiry.",
            "risk": "Short outage.",
            "implementation_plan": "Install.",
            "rollback_plan": "Restore.",
            "window_start": "2030-01-05T22:00:00Z",
            "window_end": "2030-01-05T21:00:00Z",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["window_end"] == [
        "The window ends at 2030-01-05 21:00, which is not after its start "
        "2030-01-05 22:00. Choose an end after the start."
    ]
    assert not ChangeRequest.objects.exists()


def test_api_invalid_transition(client, client_user_a):
    change = make_change(client_user_a.client)
    client.force_login(client_user_a)

    response = client.post(
        reverse("api:change-request-transition", args=[change.pk]),
        {"target": S.REVIEWED},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "non_field_errors: A normal change cannot move from Draft to Reviewed. "
        "Allowed next states: Assessment."
    )


def test_emergency_incident_needs_ticket(client_user_a, analyst):
    from servicedesk.choices import Level
    from tests.governance.factories import make_ticket

    change = make_change(
        client_user_a.client,
        change_type=ChangeType.EMERGENCY,
        emergency_reason=EmergencyReason.INCIDENT,
    )
    minor = make_ticket(client_user_a.client, client_user_a)
    change.tickets.add(minor)

    with pytest.raises(ValidationError) as caught:
        changes.transition(change.pk, S.AWAITING_APPROVAL, analyst)

    assert caught.value.message_dict["tickets"] == [
        "An emergency change for an incident must link the P1 or P2 ticket it resolves."
    ]
    change.tickets.add(
        make_ticket(client_user_a.client, client_user_a, Level.HIGH, Level.MEDIUM)
    )
    changes.transition(change.pk, S.AWAITING_APPROVAL, analyst)
    change.refresh_from_db()
    assert change.state == S.AWAITING_APPROVAL


def test_dashboard_panel_lists_pending(client, client_admin_a):
    change = make_change(client_admin_a.client, state=S.AWAITING_APPROVAL)
    client.force_login(client_admin_a)

    response = client.get(reverse("dashboard"))

    assert "Changes awaiting approval" in response.text
    assert f"CHG-{change.pk}: {change.title}" in response.text


def test_dashboard_panel_user_cannot_approve(client, client_user_a):
    make_change(client_user_a.client, state=S.AWAITING_APPROVAL)
    client.force_login(client_user_a)

    response = client.get(reverse("dashboard"))

    assert "Your client admin approves changes." in response.text


def change_form_data(change, **overrides) -> dict:
    data = {
        "title": change.title,
        "change_type": change.change_type,
        "reason": change.reason,
        "risk_level": change.risk_level,
        "risk": change.risk,
        "implementation_plan": change.implementation_plan,
        "rollback_plan": change.rollback_plan,
        "window_start": f"{change.window_start:%Y-%m-%dT%H:%M}",
        "window_end": f"{change.window_end:%Y-%m-%dT%H:%M}",
    }
    data.update(overrides)
    return data


def test_portal_edit_draft(client, client_user_a):
    change = make_change(client_user_a.client, client_user_a)
    client.force_login(client_user_a)

    response = client.post(
        reverse("governance:change_edit", args=[change.pk]),
        change_form_data(change, title="Renew shop and api"),
    )

    change.refresh_from_db()
    assert response.status_code == 302
    assert change.title == "Renew shop and api"


def test_portal_edit_after_draft_refused(client, client_user_a):
    change = make_change(client_user_a.client, client_user_a, state=S.APPROVED)
    client.force_login(client_user_a)

    response = client.post(
        reverse("governance:change_edit", args=[change.pk]),
        change_form_data(change, title="Sneaky"),
    )

    change.refresh_from_db()
    assert response.status_code == 200
    assert "Only a draft change can be edited; this one is approved." in response.text
    assert change.title != "Sneaky"
