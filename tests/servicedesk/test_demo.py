"""Demo tickets: several states per client, and a second run changes nothing."""

import io

import pytest

from accounts import demo as accounts_demo
from servicedesk import demo
from servicedesk.choices import Status
from servicedesk.models import BusinessCalendar, PhoneCall, Ticket

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    clients, people = {}, {}
    accounts_demo.seed(clients, people, io.StringIO())
    demo.seed(clients, people, io.StringIO())
    counts = (
        Ticket.objects.count(),
        PhoneCall.objects.count(),
        BusinessCalendar.objects.count(),
    )

    output = io.StringIO()
    demo.seed(clients, people, output)

    assert counts == (4 * len(clients), len(clients), len(clients) + 1)
    assert (
        Ticket.objects.count(),
        PhoneCall.objects.count(),
        BusinessCalendar.objects.count(),
    ) == counts
    assert output.getvalue() == ""
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == {Status.NEW, Status.AWAITING_CUSTOMER, Status.RESOLVED}
