"""A tiny data set made with the ORM, for the smoke run on any database.

The same shapes as bench.seed (the list, report and streaming clients first,
expiry dates spread from expired to two years out, open and closed tickets, a
month of checks) at a size that takes a second to create.
"""

import datetime as dt
import hashlib
import random

from django.db import transaction
from django.utils import timezone

from bench.seed import (
    Sizes,
    check_database,
    last_month,
    make_clients,
    make_people,
    sample_pem,
    write_marker,
)
from certificates.models import Certificate, CertificateName
from monitoring.models import DomainCheck, MonitoredDomain
from servicedesk.models import Ticket

TINY = Sizes(
    clients=4,
    certificates=240,
    tickets=150,
    checks=400,
    list_client_certificates=60,
    report_client_certificates=40,
    stream_client_certificates=60,
    domains_per_client=2,
)


def _certificate(number: int, client_id: int, pem: str, now) -> Certificate:
    rng = random.Random(number)
    not_after = now + dt.timedelta(days=rng.random() ** 1.3 * 825 - 45)
    name = f"host{number}.scale-{number % 97}.example.com"
    status = "expired" if not_after < now else rng.choice(["active"] * 9 + ["replaced"])
    return Certificate(
        client_id=client_id,
        common_name=name,
        subject=f"CN={name}",
        issuer="CN=Scale RSA CA",
        issuer_common_name="Scale RSA CA",
        serial_number=f"{number:x}",
        not_before=not_after - dt.timedelta(days=397),
        not_after=not_after,
        dns_names=[name, f"www.{name}"],
        key_algorithm="rsa",
        key_size=2048,
        signature_algorithm="sha256WithRSAEncryption",
        fingerprint_sha256=hashlib.sha256(f"f{number}".encode()).hexdigest(),
        public_key_sha256=hashlib.sha256(f"k{number}".encode()).hexdigest(),
        pem=pem,
        status=status,
    )


def _owner(number: int, ids: list[int], sizes: Sizes) -> int:
    n_list, n_report, n_stream = sizes.special()
    if number < n_list:
        return ids[0]
    if number < n_list + n_report:
        return ids[1]
    if number < n_list + n_report + n_stream:
        return ids[2]
    return ids[3 + number % (len(ids) - 3)]


def _tickets(ids: list[int], sizes: Sizes, now) -> list[Ticket]:
    rng = random.Random(7)
    statuses = ["new", "triaged", "in_progress", "awaiting_customer", "closed"]
    tickets = []
    for number in range(sizes.tickets):
        status = rng.choice(statuses)
        created = now - dt.timedelta(days=rng.random() * 365)
        open_ = status not in ("closed", "awaiting_customer")
        tickets.append(
            Ticket(
                client_id=ids[number % len(ids)],
                category="question",
                subject=f"Scale ticket {number}",
                description="Generated for the benchmarks.",
                impact="medium",
                urgency="medium",
                priority=rng.choice(["P1", "P2", "P3", "P3", "P4", "P4"]),
                status=status,
                created_at=created,
                due_at=now + dt.timedelta(days=rng.random() * 10 - 3)
                if open_
                else None,
            )
        )
    return tickets


def _checks(domains: list[MonitoredDomain], sizes: Sizes) -> list[DomainCheck]:
    rng = random.Random(11)
    start = dt.datetime.combine(last_month(), dt.time(), tzinfo=dt.UTC)
    step = dt.timedelta(days=28) / max(sizes.checks // len(domains), 1)
    checks = []
    for number in range(sizes.checks):
        ok = rng.random() >= 0.004
        checks.append(
            DomainCheck(
                domain=domains[number % len(domains)],
                checked_at=start + step * (number // len(domains)),
                succeeded=ok,
                total_ms=rng.lognormvariate(4.8, 0.5) if ok else None,
                http_status=200 if ok else None,
                failure_reason="" if ok else "connection timed out after 10 s",
            )
        )
    return checks


@transaction.atomic
def seed(sizes: Sizes = TINY) -> None:
    check_database()
    now = timezone.now()
    ids = make_clients(sizes.clients)
    make_people(ids[0])
    write_marker(sizes)
    pem = sample_pem()
    certificates = Certificate.objects.bulk_create(
        _certificate(number, _owner(number, ids, sizes), pem, now)
        for number in range(sizes.certificates)
    )
    # created_at is set on insert; move it before last month so reports see it.
    Certificate.objects.filter(client_id__in=ids).update(
        created_at=now - dt.timedelta(days=40)
    )
    CertificateName.objects.bulk_create(
        CertificateName(certificate=c, client_id=c.client_id, name=c.common_name)
        for c in certificates
        if c.client_id in ids[:2]
    )
    Ticket.objects.bulk_create(_tickets(ids, sizes, now))
    domains = MonitoredDomain.objects.bulk_create(
        MonitoredDomain(client_id=client_id, target=f"https://site{n}.{i}.example.com/")
        for i, client_id in enumerate(ids)
        for n in range(sizes.domains_per_client)
    )
    DomainCheck.objects.bulk_create(_checks(domains, sizes))
