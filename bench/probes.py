"""Endpoint verification and domain probes over TLS endpoints on 127.0.0.1.

The endpoints are SNI names on one nginx this benchmark starts. The floor is a
raw handshake with the standard library at the same concurrency. The peer is
sslyze (certificate information only), run from its own virtual environment
because it pins its own `cryptography`.
"""

import asyncio
import json
import socket
import ssl
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography import x509
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from bench.timing import Figure, Stats, compare
from bench.tlsserver import DOMAIN, tls_server
from certificates.models import Certificate, Endpoint
from certificates.services import store_certificate
from monitoring.domains import CHECK_CONCURRENCY
from monitoring.models import VerificationResult
from monitoring.probes.http import check_many
from monitoring.targets import parse_target
from monitoring.verification import PROBE_THREADS, verify_all

SSLYZE = Path(settings.BASE_DIR) / "var" / "sslyze-venv" / "bin" / "sslyze"
TARGET = "at least half the raw handshake rate and 10x sslyze's rate"
HOST = "127.0.0.1"


def names(count: int) -> list[str]:
    return [f"ep{number:04d}.{DOMAIN}" for number in range(count)]


def raw_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def raw_handshake(context: ssl.SSLContext, port: int, server_name: str) -> None:
    with socket.create_connection((HOST, port), timeout=10) as sock:
        with context.wrap_socket(sock, server_hostname=server_name) as tls:
            tls.getpeercert(binary_form=True)


def _raw_all(port: int, server_names: list[str]):
    context = raw_context()

    def run():
        with ThreadPoolExecutor(max_workers=PROBE_THREADS) as pool:
            list(
                pool.map(lambda name: raw_handshake(context, port, name), server_names)
            )

    return run


def _endpoints(client, port: int, pems: tuple[bytes, bytes], count: int):
    leaf, root = (x509.load_pem_x509_certificate(pem) for pem in pems)
    certificate, _ = store_certificate(client, leaf, [root])
    Endpoint.objects.bulk_create(
        Endpoint(
            client=client,
            hostname=HOST,
            port=port,
            sni_name=name,
            description="benchmark endpoint",
            certificate=certificate,
        )
        for name in names(count)
    )
    return certificate


def _cleanup(certificate: Certificate) -> None:
    with transaction.atomic():
        endpoints = Endpoint.objects.filter(certificate=certificate)
        VerificationResult.objects.filter(endpoint__in=endpoints).delete()
        endpoints.delete()
        certificate.delete()


def _domains(port: int, count: int):
    pairs = [
        (parse_target(f"https://{HOST}:{port}/page{number}"), 10.0)
        for number in range(count)
    ]

    def run():
        outcomes = asyncio.run(check_many(pairs, CHECK_CONCURRENCY))
        failed = [o for o in outcomes if not o.succeeded]
        if failed:
            raise RuntimeError(f"{len(failed)} domain checks failed: {failed[0]}")

    return run


def _verify(count: int):
    def run():
        if verify_all() != count:
            raise RuntimeError("verify_all did not verify every endpoint")

    return run


def sslyze_seconds(port: int, server_names: list[str]) -> tuple[float | None, str]:
    """Scan every endpoint once with sslyze; return (seconds, what happened)."""
    if not SSLYZE.exists():
        return None, f"sslyze not installed at {SSLYZE} (see docs/benchmarks.md)"
    with tempfile.TemporaryDirectory() as folder:
        targets = Path(folder) / "targets.txt"
        # host:port{ip} sends the name as SNI and connects to the address given,
        # so sslyze never resolves a name or leaves 127.0.0.1.
        targets.write_text(
            "".join(f"{name}:{port}{{{HOST}}}\n" for name in server_names)
        )
        output = Path(folder) / "out.json"
        command = [
            str(SSLYZE),
            "--certinfo",
            "--quiet",
            f"--targets_in={targets}",
            f"--json_out={output}",
        ]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, timeout=1800)
        seconds = time.perf_counter() - started
        if done.returncode != 0 or not output.exists():
            return None, f"sslyze failed: {done.stderr.decode()[-300:]}"
        results = json.loads(output.read_text())["server_scan_results"]
        completed = sum(1 for item in results if item["scan_status"] == "COMPLETED")
        return seconds, f"sslyze scanned {completed}/{len(server_names)} endpoints"


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured.captured_queries)


def _rate_figure(name, stats, floor_stats, count, queries=None) -> Figure:
    figure = Figure(
        "probes",
        name,
        stats,
        floor_stats,
        floor_name=f"raw stdlib TLS handshakes, {PROBE_THREADS} threads",
        target=TARGET,
        queries=queries,
    )
    figure.notes.append(
        f"{count} endpoints: {count / stats.median:,.0f}/s against a raw "
        f"{count / floor_stats.median:,.0f}/s"
    )
    return figure


def run(world) -> list[Figure]:
    count = 20 if world.tiny else 500
    budget = world.budget(repeats=7, seconds=120)
    server_names = names(count)
    with (
        override_settings(PROBE_ALLOWED_NETWORKS=[f"{HOST}/32"]),
        tls_server() as (port, cert_pem, root_pem),
    ):
        certificate = _endpoints(world.list_client, port, (cert_pem, root_pem), count)
        try:
            raw = _raw_all(port, server_names)
            verify_stats, raw_stats = compare(_verify(count), raw, budget)
            verify_queries = _queries(_verify(count))
            domain_stats, raw_stats_2 = compare(_domains(port, count), raw, budget)
            peer_seconds, peer_note = (
                (None, "sslyze is not run at the tiny size")
                if world.tiny
                else sslyze_seconds(port, server_names)
            )
        finally:
            _cleanup(certificate)
    figures = [
        _rate_figure(
            "endpoint verification (verify_all)",
            verify_stats,
            raw_stats,
            count,
            queries=verify_queries,
        ),
        _rate_figure(
            "domain probes (check_many, network only)", domain_stats, raw_stats_2, count
        ),
    ]
    for figure in figures:
        figure.notes.append(peer_note)
        floor_ok = figure.ratio <= 2
        if peer_seconds is None:
            figure.met = False if not floor_ok else None
            continue
        figure.notes.append(
            f"sslyze: {peer_seconds:,.1f} s for {count} endpoints "
            f"({count / peer_seconds:,.1f}/s, {1000 * peer_seconds / count:,.1f} ms "
            f"per endpoint); portal is {peer_seconds / figure.subject.median:,.1f}x "
            "faster"
        )
        figure.met = floor_ok and peer_seconds / figure.subject.median >= 10
    if peer_seconds is not None:
        figures.append(
            Figure(
                "probes",
                "sslyze --certinfo, same endpoints (peer, one run)",
                Stats([peer_seconds]),
                notes=[peer_note],
            )
        )
    return figures
