"""SLA clocks of real tickets: due times, pauses, recomputation, alerts, closing."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail

from servicedesk import alerts, services, sla
from servicedesk.calendars import calendar_for_client
from servicedesk.choices import Category, Level, Priority, Status, TargetKind
from servicedesk.models import (
    BusinessCalendar,
    ClosedDay,
    SlaAlert,
    SlaResult,
    SlaTarget,
    TicketNotice,
    WorkingWindow,
)
from tests.servicedesk.conftest import LONDON

pytestmark = pytest.mark.django_db


def at(*parts):
    return datetime(*parts, tzinfo=LONDON)


def raise_ticket(client, person, when, impact=Level.HIGH, urgency=Level.MEDIUM):
    return services.open_ticket(
        client,
        person,
        Category.INCIDENT,
        "Shop certificate warning",
        "Browsers warn on the shop.",
        impact,
        urgency,
        now=when,
    )


def test_open_ticket_priority_matrix(client_a, client_user_a):
    cases = [
        (Level.HIGH, Level.HIGH, Priority.P1),
        (Level.HIGH, Level.MEDIUM, Priority.P2),
        (Level.MEDIUM, Level.HIGH, Priority.P2),
        (Level.HIGH, Level.LOW, Priority.P3),
        (Level.MEDIUM, Level.MEDIUM, Priority.P3),
        (Level.LOW, Level.HIGH, Priority.P3),
        (Level.MEDIUM, Level.LOW, Priority.P4),
        (Level.LOW, Level.MEDIUM, Priority.P4),
        (Level.LOW, Level.LOW, Priority.P4),
    ]
    for impact, urgency, expected in cases:
        ticket = raise_ticket(
            client_a, client_user_a, at(2027, 5, 3, 10), impact, urgency
        )
        assert ticket.priority == expected, (impact, urgency)


def test_p2_friday_night_before_holiday(client_a, client_user_a):
    # Monday 31 May 2027 is the spring bank holiday in England.
    ticket = raise_ticket(client_a, client_user_a, at(2027, 5, 28, 23, 0))
    assert ticket.response_due_at == at(2027, 6, 1, 11, 0)
    assert ticket.resolution_due_at == at(2027, 6, 3, 17, 0)
    assert ticket.due_at == ticket.response_due_at


def test_p1_runs_on_the_clock(client_a, client_user_a):
    ticket = raise_ticket(
        client_a, client_user_a, at(2027, 5, 29, 3, 0), Level.HIGH, Level.HIGH
    )
    assert ticket.response_due_at == at(2027, 5, 29, 3, 30)
    assert ticket.resolution_due_at == at(2027, 5, 29, 7, 0)


def test_pause_and_resume_moves_due(client_a, client_user_a, analyst):
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    services.request_information(
        ticket, analyst, "Which host?", now=at(2027, 6, 1, 10, 30)
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_CUSTOMER
    assert ticket.pause_reason == "Which host?"
    assert ticket.resolution_due_at is None
    assert ticket.due_at is None

    services.add_update(
        ticket, client_user_a, "shop.example.com", now=at(2027, 6, 2, 12)
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    # 1.5 h ran before the pause; 22.5 h remain from Wednesday 12:00.
    assert ticket.resolution_due_at == at(2027, 6, 7, 10, 30)


def test_priority_change_after_pause(client_a, client_user_a, analyst):
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    services.request_information(ticket, analyst, "Which host?", now=at(2027, 6, 1, 10))
    services.add_update(ticket, client_user_a, "The shop.", now=at(2027, 6, 2, 9))
    ticket.refresh_from_db()
    ticket = services.triage(
        ticket,
        analyst,
        expected_version=ticket.version,
        impact=Level.MEDIUM,
        urgency=Level.MEDIUM,
        now=at(2027, 6, 2, 10),
    )
    assert ticket.priority == Priority.P3
    # P3 resolution is 40 business hours; 1 h ran before the pause and 1 h
    # after, so 38 h remain from 10:00 on Wednesday 2 June.
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == at(2027, 6, 8, 16, 0)


def test_timeline_shows_pause_reason(client_a, client_user_a, analyst):
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    services.request_information(ticket, analyst, "Which host?", now=at(2027, 6, 1, 10))
    services.add_update(ticket, client_user_a, "The shop.", now=at(2027, 6, 1, 11))
    entries = sla.timeline(ticket, now=at(2027, 6, 1, 12))
    states = [(entry.state, entry.reason, entry.counted_minutes) for entry in entries]
    assert states == [
        ("running", "", 60),
        ("paused", "Which host?", 0),
        ("running", "The client replied.", 60),
    ]


def test_calendar_change_recomputes(client_a, client_user_a):
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 16, 0))
    assert ticket.response_due_at == at(2027, 6, 2, 10, 0)
    calendar = calendar_for_client(client_a)
    ClosedDay.objects.create(calendar=calendar, date=date(2027, 6, 2), reason="Move")
    services.calendar_changed(calendar)
    ticket.refresh_from_db()
    assert ticket.response_due_at == at(2027, 6, 3, 10, 0)


def test_client_target_overrides_default(client_a, client_user_a):
    SlaTarget.objects.create(
        client=client_a,
        priority=Priority.P2,
        kind=TargetKind.FIRST_RESPONSE,
        minutes=30,
        measure="clock",
    )
    ticket = raise_ticket(client_a, client_user_a, at(2027, 5, 29, 3, 0))
    assert ticket.response_due_at == at(2027, 5, 29, 3, 30)


def test_lunch_break_calendar(client_a, client_user_a):
    calendar = calendar_for_client(client_a)
    calendar.windows.all().delete()
    for day in range(5):
        WorkingWindow.objects.create(
            calendar=calendar, weekday=day, start=time(9), end=time(12)
        )
        WorkingWindow.objects.create(
            calendar=calendar, weekday=day, start=time(13), end=time(17)
        )
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 11, 0))
    assert ticket.response_due_at == at(2027, 6, 1, 14, 0)


def test_first_response_result_stored(client_a, client_user_a, analyst):
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    services.add_update(ticket, analyst, "Looking at it.", now=at(2027, 6, 1, 9, 45))
    result = SlaResult.objects.get(ticket=ticket, target=TargetKind.FIRST_RESPONSE)
    assert result.met is True
    assert result.elapsed_minutes == 45
    assert result.due_at == at(2027, 6, 1, 11, 0)


def test_call_counts_as_first_response(client_a, client_user_a, analyst, clock):
    clock.set(2027, 6, 1, 9, 20)
    ticket = raise_ticket(
        client_a, client_user_a, at(2027, 6, 1, 9, 0), Level.HIGH, Level.HIGH
    )
    assert ticket.awaits_call
    services.record_call(
        ticket,
        analyst,
        caller_name="Ann User",
        called_at=at(2027, 6, 1, 9, 10),
        notes="Shop down; restarting the proxy.",
    )
    ticket.refresh_from_db()
    assert not ticket.awaits_call
    assert ticket.first_responded_at == at(2027, 6, 1, 9, 10)
    result = SlaResult.objects.get(ticket=ticket, target=TargetKind.FIRST_RESPONSE)
    assert result.met is True


def test_alerts_recorded_once(client_a, client_user_a):
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    alerts.check(at(2027, 6, 1, 10, 35))
    alerts.check(at(2027, 6, 1, 10, 40))
    rows = SlaAlert.objects.filter(ticket=ticket, target=TargetKind.FIRST_RESPONSE)
    assert sorted(rows.values_list("threshold", flat=True)) == [50, 75]
    fifty = rows.get(threshold=50)
    assert fifty.crossed_at == at(2027, 6, 1, 10, 0)


def test_breach_recorded_when_it_happens(client_a, client_user_a):
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    alerts.check(at(2027, 6, 1, 11, 1))
    breach = SlaAlert.objects.get(ticket=ticket, threshold=100)
    assert breach.crossed_at == at(2027, 6, 1, 11, 0)
    assert breach.recorded_at == at(2027, 6, 1, 11, 1)


def test_warnings_wait_for_analyst_hours(client_a, client_user_a, analyst):
    provider = BusinessCalendar.objects.create(
        name="Analysts", time_zone="Europe/London", is_provider_calendar=True
    )
    WorkingWindow.objects.create(
        calendar=provider, weekday=1, start=time(12), end=time(17)
    )
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))

    alerts.check(at(2027, 6, 1, 10, 50))
    assert mail.outbox == []
    assert SlaAlert.objects.filter(ticket=ticket, notified_at__isnull=True).count() == 3

    alerts.check(at(2027, 6, 1, 12, 0))
    # One message for the highest threshold of the target, plus the breach.
    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 1
    assert subjects[0].startswith("[SLA breach]")
    assert SlaAlert.objects.filter(notified_at__isnull=True).count() == 0

    alerts.check(at(2027, 6, 1, 12, 5))
    assert len(mail.outbox) == 1


def test_breach_sent_outside_analyst_hours(client_a, client_user_a, analyst):
    BusinessCalendar.objects.create(
        name="Analysts", time_zone="Europe/London", is_provider_calendar=True
    )
    raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    alerts.check(at(2027, 6, 1, 11, 5))
    assert [m.subject.split("]")[0] for m in mail.outbox] == ["[SLA breach"]


def test_paused_ticket_records_nothing(client_a, client_user_a, analyst):
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    services.request_information(
        ticket, analyst, "Which host?", now=at(2027, 6, 1, 9, 5)
    )
    alerts.check(at(2027, 6, 8, 9, 0))
    assert not SlaAlert.objects.filter(
        ticket=ticket, target=TargetKind.RESOLUTION
    ).exists()


def test_auto_close_notice_then_close(client_a, client_user_a, analyst, settings):
    settings.SERVICEDESK_AUTO_CLOSE_BUSINESS_DAYS = 2
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    services.resolve(ticket, analyst, "Proxy restarted.", now=at(2027, 6, 1, 10))
    mail.outbox.clear()

    assert services.close_if_unanswered(ticket.pk, at(2027, 6, 1, 18)) == "nothing"
    assert services.close_if_unanswered(ticket.pk, at(2027, 6, 2, 17)) == "noticed"
    assert services.close_if_unanswered(ticket.pk, at(2027, 6, 2, 18)) == "nothing"
    assert len(mail.outbox) == 1
    assert "closes" in mail.outbox[0].subject

    assert services.close_if_unanswered(ticket.pk, at(2027, 6, 3, 17)) == "closed"
    assert services.close_if_unanswered(ticket.pk, at(2027, 6, 3, 18)) == "nothing"
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert TicketNotice.objects.filter(ticket=ticket).count() == 2
    assert len(mail.outbox) == 2


def test_resolution_result_stored(client_a, client_user_a, analyst):
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    services.resolve(ticket, analyst, "Fixed.", now=at(2027, 6, 1, 13, 0))
    result = SlaResult.objects.get(ticket=ticket, target=TargetKind.RESOLUTION)
    assert result.round == 1
    assert result.elapsed_minutes == 240
    assert result.met is True


def test_reopen_runs_clock_again(client_a, client_user_a, analyst):
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    services.resolve(ticket, analyst, "Fixed.", now=at(2027, 6, 1, 13, 0))
    services.reopen(ticket, client_user_a, "Still broken.", now=at(2027, 6, 2, 9, 0))
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED
    # 4 h used before the resolution; 20 h remain from Wednesday 09:00.
    assert ticket.resolution_due_at == at(2027, 6, 4, 13, 0)


def test_tasks_run_in_process(client_a, client_user_a):
    from servicedesk.tasks import check_sla, close_resolved_tickets

    raise_ticket(client_a, client_user_a, datetime.now(UTC) - timedelta(days=30))
    assert check_sla.delay().get()["recorded"] >= 1
    assert close_resolved_tickets.delay().get() == {
        "closed": 0,
        "noticed": 0,
        "nothing": 0,
    }


def test_override_kept_until_matrix_input_changes(client_a, client_user_a, analyst):
    ticket = raise_ticket(client_a, client_user_a, at(2027, 6, 1, 9, 0))
    ticket = services.triage(
        ticket,
        analyst,
        expected_version=ticket.version,
        priority=Priority.P1,
        override_reason="Payment page.",
        now=at(2027, 6, 1, 9, 5),
    )
    ticket = services.triage(
        ticket,
        analyst,
        expected_version=ticket.version,
        category=Category.INSTALLATION,
        now=at(2027, 6, 1, 9, 10),
    )
    assert ticket.priority == Priority.P1
    assert ticket.priority_override_reason == "Payment page."

    ticket = services.triage(
        ticket,
        analyst,
        expected_version=ticket.version,
        impact=Level.LOW,
        now=at(2027, 6, 1, 9, 15),
    )
    assert ticket.priority == Priority.P4
    assert ticket.priority_override_reason == ""
    # P1 runs on the clock, P4 in business minutes: the due time follows.
    ticket.refresh_from_db()
    assert ticket.response_due_at == at(2027, 6, 2, 17, 0)
