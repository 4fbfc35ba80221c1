"""Fill PostgreSQL with generated clients, certificates, tickets and domain checks.

Rows are generated inside PostgreSQL (INSERT ... SELECT over generate_series) in
chunks, so a million certificates cost a few statements rather than a million
Python objects. Every generated client has a slug starting with SLUG_PREFIX and
is listed in the MARKER_TABLE; the generator refuses a database holding any other
client, so it can never mix its rows into real data.
"""

import datetime as dt
import sys
import time
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Client, User
from accounts.roles import Role

SLUG_PREFIX = "scale-"
MARKER_TABLE = "bench_scale_marker"
LIST_CLIENT = f"{SLUG_PREFIX}000"
REPORT_CLIENT = f"{SLUG_PREFIX}001"
STREAM_CLIENT = f"{SLUG_PREFIX}002"
CLIENT_USER = "scale-client-user"
ANALYST = "scale-analyst"
# The organisation-validated policy, so the report's type column has work to do.
OV_POLICY = "2.23.140.1.2.2"


class RefusedDatabase(Exception):
    """Raised when the database contains clients the generator did not make."""


@dataclass(frozen=True)
class Sizes:
    clients: int
    certificates: int
    tickets: int
    checks: int
    list_client_certificates: int = 20_000
    report_client_certificates: int = 10_000
    stream_client_certificates: int = 100_000
    domains_per_client: int = 10

    def special(self) -> tuple[int, int, int]:
        """Rows of the list, report and streaming clients, shrunk to fit."""
        share = max(self.certificates // 4, 1)
        return (
            min(self.list_client_certificates, share),
            min(self.report_client_certificates, share),
            min(self.stream_client_certificates, share),
        )


class Progress:
    """Plain progress lines on stderr, one per chunk."""

    def __init__(self, label: str, total: int, out=sys.stderr) -> None:
        self.label, self.total, self.out = label, total, out
        self.started = time.perf_counter()

    def update(self, done: int) -> None:
        elapsed = time.perf_counter() - self.started
        rate = done / elapsed if elapsed else 0.0
        percent = 100 * done / self.total if self.total else 100.0
        bar = "#" * int(percent // 5)
        self.out.write(
            f"{self.label:<13} [{bar:<20}] {percent:5.1f}% "
            f"{done:>10,}/{self.total:,} {rate:,.0f} rows/s\n"
        )
        self.out.flush()


def check_database() -> None:
    """Raise RefusedDatabase unless every client here was generated."""
    foreign = Client.objects.exclude(slug__startswith=SLUG_PREFIX)
    names = list(foreign.values_list("slug", flat=True)[:5])
    if names:
        raise RefusedDatabase(
            f"This database contains clients the scale generator did not make "
            f"({', '.join(names)}). Run seed_scale only against an empty database "
            f"of its own, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
            f"certportal_bench."
        )
    if Client.objects.exists() and not _marker_exists():
        raise RefusedDatabase(
            f"This database contains clients named {SLUG_PREFIX}* but no "
            f"{MARKER_TABLE} table, so they were not made by seed_scale. "
            "Use an empty database of its own."
        )


def _marker_exists() -> bool:
    return MARKER_TABLE in connection.introspection.table_names()


def write_marker(sizes: Sizes) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} ("
            "id serial PRIMARY KEY, seeded_at timestamptz NOT NULL, sizes text)"
        )
        cursor.execute(
            "INSERT INTO bench_scale_marker (seeded_at, sizes) VALUES (%s, %s)",
            [timezone.now(), repr(sizes)],
        )


def clear() -> None:
    """Delete every generated row (only ever called after check_database)."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE monitoring_domaincheck, servicedesk_ticket CASCADE")
        cursor.execute("TRUNCATE certificates_certificate CASCADE")
        cursor.execute("TRUNCATE monitoring_monitoreddomain CASCADE")
    User.objects.filter(username__in=[CLIENT_USER, ANALYST]).delete()


def sample_pem() -> str:
    """Build one real certificate, so report rows parse a PEM as they do in use."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "scale.example.com")])
    now = dt.datetime.now(dt.UTC)
    policy = x509.PolicyInformation(x509.ObjectIdentifier(OV_POLICY), None)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.CertificatePolicies([policy]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def make_clients(count: int) -> list[int]:
    ids = []
    for number in range(count):
        client, _ = Client.objects.get_or_create(
            slug=f"{SLUG_PREFIX}{number:03d}",
            defaults={
                "name": f"Scale client {number:03d}",
                "support_location": "London",
                "time_zone": "Europe/London",
                "country": "GB",
                "support_phone": "+442079460000",
            },
        )
        ids.append(client.pk)
    return ids


def make_people(list_client_id: int) -> None:
    if not User.objects.filter(username=CLIENT_USER).exists():
        User.objects.create_user(
            CLIENT_USER,
            f"{CLIENT_USER}@example.com",
            role=Role.CLIENT_USER,
            client_id=list_client_id,
        )
    if not User.objects.filter(username=ANALYST).exists():
        User.objects.create_user(
            ANALYST, f"{ANALYST}@example.com", role=Role.L1_ANALYST
        )


# The client of row g: the list client first, then the report client and the
# streaming client, then the rest in turn. Expiry: about 5 % expired, the rest
# spread over 27 months with more of them soon (random()^1.3). Status follows
# expiry. Every row was added before last month ended, so it is in last month's
# report.
CERTIFICATE_SQL = """
INSERT INTO certificates_certificate (
    client_id, common_name, subject, issuer, issuer_common_name, serial_number,
    not_before, not_after, dns_names, ip_addresses, key_algorithm, key_size,
    signature_algorithm, fingerprint_sha256, public_key_sha256, pem, chain_pem,
    purchased_through, status, created_at)
SELECT client_id, cn, 'CN=' || cn, issuer, split_part(issuer, '=', 2),
    md5(g::text), not_after - interval '397 days', not_after,
    jsonb_build_array(cn, 'www.' || cn), '[]'::jsonb, algo,
    CASE algo WHEN 'rsa' THEN 2048 ELSE 256 END,
    CASE algo WHEN 'rsa' THEN 'sha256WithRSAEncryption' ELSE 'ecdsa-with-SHA256' END,
    encode(sha256(('f' || g)::bytea), 'hex'),
    encode(sha256(('k' || g)::bytea), 'hex'),
    CASE WHEN client_id IN (%(list)s, %(report)s, %(stream)s) THEN %(pem)s
         ELSE 'scale' END, '',
    CASE WHEN r < 0.85 THEN 'provider' ELSE 'client' END,
    CASE WHEN not_after < now() THEN
            CASE WHEN r < 0.9 THEN 'expired' ELSE 'replaced' END
         WHEN r < 0.02 THEN 'revoked'
         WHEN r < 0.08 THEN 'replaced'
         ELSE 'active' END,
    LEAST(not_after - interval '400 days', now() - interval '40 days')
FROM (
    SELECT g, r,
        CASE WHEN g < %(n_list)s THEN %(list)s
             WHEN g < %(n_list)s + %(n_report)s THEN %(report)s
             WHEN g < %(n_list)s + %(n_report)s + %(n_stream)s THEN %(stream)s
             ELSE (%(others)s::bigint[])[1 + g %% %(n_others)s] END AS client_id,
        'host' || g || '.scale-' || (g %% 97) || '.example.com' AS cn,
        (ARRAY['CN=Scale RSA CA', 'CN=Scale ECC CA', 'CN=R11', 'CN=E6'])
            [1 + (g %% 4)] AS issuer,
        CASE WHEN g %% 3 = 0 THEN 'ec' ELSE 'rsa' END AS algo,
        now() + (power(random(), 1.3) * 825 - 45) * interval '1 day' AS not_after
    FROM (SELECT g, random() AS r FROM generate_series(%(lo)s, %(hi)s - 1) AS g) s
) rows
"""

NAME_SQL = """
INSERT INTO certificates_certificatename (certificate_id, client_id, name)
SELECT id, client_id, common_name FROM certificates_certificate
WHERE client_id IN (%(list)s, %(report)s)
"""

# Priorities P1 2 %, P2 10 %, P3 38 %, P4 50 %; a fifth of the tickets still
# open. Open tickets have a due time around now; stopped ones have none.
TICKET_SQL = """
INSERT INTO servicedesk_ticket (
    client_id, category, subject, description, impact, urgency, priority,
    priority_override_reason, status, pause_reason, source, version, created_at,
    updated_at, first_responded_at, resolved_at, response_due_at,
    resolution_due_at, due_at, resolution_round)
SELECT (%(clients)s::bigint[])[1 + g %% %(n_clients)s],
    (ARRAY['certificate_request', 'renewal', 'installation', 'incident',
           'question', 'change_request', 'other'])[1 + g %% 7],
    'Scale ticket ' || g, 'Generated for the benchmarks.',
    'medium', 'medium', priority, '', status, '', 'portal', 1, created,
    created, created + interval '20 minutes',
    CASE WHEN status IN ('resolved', 'closed') THEN created + interval '2 days' END,
    CASE WHEN status IN ('resolved', 'closed') THEN NULL
         ELSE created + interval '4 hours' END,
    CASE WHEN status IN ('resolved', 'closed') THEN NULL
         ELSE created + interval '3 days' END,
    CASE WHEN status IN ('resolved', 'closed', 'awaiting_customer') THEN NULL
         ELSE now() + (random() * 10 - 3) * interval '1 day' END,
    CASE WHEN status IN ('resolved', 'closed') THEN 1 ELSE 0 END
FROM (
    SELECT g,
        CASE WHEN p < 0.02 THEN 'P1' WHEN p < 0.12 THEN 'P2'
             WHEN p < 0.50 THEN 'P3' ELSE 'P4' END AS priority,
        CASE WHEN s < 0.05 THEN 'new' WHEN s < 0.10 THEN 'triaged'
             WHEN s < 0.16 THEN 'in_progress' WHEN s < 0.19 THEN 'awaiting_customer'
             WHEN s < 0.20 THEN 'reopened' WHEN s < 0.30 THEN 'resolved'
             ELSE 'closed' END AS status,
        now() - random() * interval '365 days' AS created
    FROM (SELECT g, random() AS p, random() AS s
          FROM generate_series(%(lo)s, %(hi)s - 1) AS g) x
) rows
"""

DOMAIN_SQL = """
INSERT INTO monitoring_monitoreddomain (
    client_id, target, interval_seconds, timeout_seconds, is_active,
    consecutive_failures, created_at)
SELECT (%(clients)s::bigint[])[1 + (g / %(per)s)],
    'https://site' || (g %% %(per)s) || '.' || (%(slugs)s::text[])[1 + (g / %(per)s)]
        || '.example.com/', 300, 10, true, 0, now()
FROM generate_series(0, %(n)s - 1) AS g
"""

# Checks fill last month evenly. 99.6 % succeed; response times are roughly
# log-normal around 120 ms; failures carry a reason and no timings.
CHECK_SQL = """
INSERT INTO monitoring_domaincheck (
    domain_id, checked_at, succeeded, dns_ms, connect_ms, tls_ms, http_status,
    total_ms, failure_reason)
SELECT (%(domains)s::bigint[])[1 + g %% %(n_domains)s],
    %(start)s::timestamptz + (g / %(n_domains)s) * %(step)s * interval '1 second',
    ok, CASE WHEN ok THEN 2 + random() * 8 END, CASE WHEN ok THEN ms * 0.2 END,
    CASE WHEN ok THEN ms * 0.3 END, CASE WHEN ok THEN 200 END,
    CASE WHEN ok THEN ms END,
    CASE WHEN ok THEN '' ELSE 'connection timed out after 10 s' END
FROM (
    SELECT g, random() >= 0.004 AS ok,
        exp(ln(120) + 0.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))
            AS ms
    FROM generate_series(%(lo)s, %(hi)s - 1) AS g
) rows
"""


def last_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.now().date()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _chunks(total: int, size: int):
    for lo in range(0, total, size):
        yield lo, min(lo + size, total)


def _fill(label: str, sql: str, total: int, chunk: int, params: dict) -> None:
    progress = Progress(label, total)
    with connection.cursor() as cursor:
        for lo, hi in _chunks(total, chunk):
            cursor.execute(sql, {**params, "lo": lo, "hi": hi})
            progress.update(hi)


def seed(sizes: Sizes, out=sys.stderr) -> None:
    """Replace the generated data with a fresh set of the given sizes."""
    check_database()
    started = time.perf_counter()
    with transaction.atomic():
        clear()
        ids = make_clients(sizes.clients)
        make_people(ids[0])
        write_marker(sizes)

    n_list, n_report, n_stream = sizes.special()
    others = ids[3:] or ids
    _fill(
        "certificates",
        CERTIFICATE_SQL,
        sizes.certificates,
        50_000,
        {
            "list": ids[0],
            "report": ids[1],
            "stream": ids[2],
            "others": others,
            "n_others": len(others),
            "n_list": n_list,
            "n_report": n_report,
            "n_stream": n_stream,
            "pem": sample_pem(),
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(NAME_SQL, {"list": ids[0], "report": ids[1]})

    _fill(
        "tickets",
        TICKET_SQL,
        sizes.tickets,
        50_000,
        {"clients": ids, "n_clients": len(ids)},
    )
    _seed_checks(sizes, ids)
    # Fresh statistics, so the planner sees the new sizes before the benchmarks.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    out.write(f"seed_scale: done in {time.perf_counter() - started:,.0f} s\n")


def _seed_checks(sizes: Sizes, ids: list[int]) -> None:
    per = sizes.domains_per_client
    slugs = list(
        Client.objects.filter(pk__in=ids).order_by("pk").values_list("slug", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            DOMAIN_SQL,
            {"clients": ids, "slugs": slugs, "per": per, "n": per * len(ids)},
        )
        cursor.execute("SELECT id FROM monitoring_monitoreddomain ORDER BY id")
        domains = [row[0] for row in cursor.fetchall()]
    month = last_month()
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    seconds = (next_month - month).days * 86400
    per_domain = max(sizes.checks // len(domains), 1)
    start = dt.datetime.combine(month, dt.time(), tzinfo=dt.UTC)
    _fill(
        "domain checks",
        CHECK_SQL,
        sizes.checks,
        250_000,
        {
            "domains": domains,
            "n_domains": len(domains),
            "start": start,
            "step": seconds / per_domain,
        },
    )
