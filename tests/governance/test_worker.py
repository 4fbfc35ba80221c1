"""Governance tasks through Redis to a real Celery worker (PostgreSQL only)."""

import pytest

from governance.choices import ChangeState
from governance.models import ChangeDecision
from governance.tasks import send_change_notice
from tests.governance.factories import make_change

RESULT_TIMEOUT = 60  # seconds; only ends a hung test


@pytest.mark.services
@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_sends_change_notice_once(celery_worker, client_admin_a):
    change = make_change(client_admin_a.client, state=ChangeState.AWAITING_APPROVAL)
    decision = ChangeDecision.objects.create(
        change_request=change,
        from_state=ChangeState.ASSESSMENT,
        to_state=ChangeState.AWAITING_APPROVAL,
        actor_name="lee.analyst",
    )

    first = send_change_notice.delay(decision.pk).get(timeout=RESULT_TIMEOUT)
    second = send_change_notice.delay(decision.pk).get(timeout=RESULT_TIMEOUT)

    decision.refresh_from_db()
    assert first == 1
    assert second == 0
    assert decision.notified_at is not None
