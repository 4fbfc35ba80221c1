import io

import pytest

from accounts import demo as accounts_demo
from governance import demo, tasks
from governance.models import ChangeDecision, ChangeRequest, IncidentReport

pytestmark = pytest.mark.django_db


def seed_twice() -> str:
    clients, people = {}, {}
    accounts_demo.seed(clients, people, io.StringIO())
    demo.seed(clients, people, io.StringIO())
    second = io.StringIO()
    demo.seed(clients, people, second)
    return second.getvalue()


def test_demo_seed_idempotent():
    second_output = seed_twice()

    assert ChangeRequest.objects.count() == 2
    assert ChangeDecision.objects.count() == 2
    assert IncidentReport.objects.get().timeline.count() == 3
    assert second_output == ""


def test_poll_task_runs_eagerly(settings):
    settings.GOVERNANCE_IMAP_URL = ""

    assert tasks.poll_mailbox.delay().get() == 0


def test_poll_task_in_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["governance-poll-mailbox"]

    assert entry["task"] == tasks.poll_mailbox.name
