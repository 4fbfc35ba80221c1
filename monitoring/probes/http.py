"""Timed availability checks of many targets at once, with asyncio.

Each check measures DNS, TCP connect, TLS handshake and the HTTP response
separately. A semaphore bounds how many checks run at the same time, so one
worker can check thousands of targets without exhausting file descriptors.
"""

import asyncio
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass

from monitoring.probes.netguard import (
    ProbeFailed,
    ProbeRejected,
    checked,
    parse_literal,
)
from monitoring.targets import Target

MAX_RESPONSE_HEAD = 16 * 1024


@dataclass
class CheckOutcome:
    succeeded: bool
    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    http_status: int | None = None
    total_ms: float | None = None
    failure_reason: str = ""


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _tls_context() -> ssl.SSLContext:
    # Availability is measured, not trust: expiry and chains are the
    # verification job's concern, so an untrusted certificate is still "up".
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def _resolve(host: str, port: int):
    literal = parse_literal(host)
    if literal is not None:
        return checked(host, port, [literal])
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ProbeFailed(f"DNS lookup of {host} failed: {exc}") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not addresses:
        raise ProbeFailed(f"DNS lookup of {host} returned no address.")
    return checked(host, port, addresses)


def _status(head: bytes) -> int:
    line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ProbeFailed(f"Invalid HTTP status line {line[:80]!r}.")
    return int(parts[1])


async def _check(target: Target, outcome: CheckOutcome, start: float) -> None:
    step = time.perf_counter()
    address = (await _resolve(target.host, target.port))[0]
    outcome.dns_ms = _ms(step)

    step = time.perf_counter()
    reader, writer = await asyncio.open_connection(
        str(address.address), address.port, family=address.family
    )
    outcome.connect_ms = _ms(step)
    try:
        if target.uses_tls:
            step = time.perf_counter()
            await writer.start_tls(_tls_context(), server_hostname=target.host)
            outcome.tls_ms = _ms(step)
        if target.scheme != "tls":
            host = f"[{target.host}]" if ":" in target.host else target.host
            request = (
                f"GET {target.path} HTTP/1.1\r\nHost: {host}\r\n"
                "User-Agent: CertPortal-monitor\r\nConnection: close\r\n\r\n"
            )
            writer.write(request.encode("ascii"))
            await writer.drain()
            head = await reader.readuntil(b"\r\n")
            outcome.http_status = _status(head[:MAX_RESPONSE_HEAD])
    finally:
        writer.close()
    outcome.total_ms = _ms(start)
    if outcome.http_status is not None and outcome.http_status >= 500:
        outcome.failure_reason = f"HTTP status {outcome.http_status}."
    else:
        outcome.succeeded = True


async def check(target: Target, timeout: float) -> CheckOutcome:
    """Check one target.

    Network failures and time-outs are recorded in the outcome instead of raised.
    """
    outcome = CheckOutcome(succeeded=False)
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            await _check(target, outcome, start)
    except TimeoutError:
        outcome.failure_reason = f"Timed out after {timeout:g} s."
    except (ProbeRejected, ProbeFailed) as exc:
        outcome.failure_reason = str(exc)
    except ssl.SSLError as exc:
        outcome.failure_reason = f"TLS handshake failed: {exc.reason or exc}."
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        outcome.failure_reason = f"Connection failed: {exc}."
    if not outcome.succeeded and outcome.total_ms is None:
        outcome.total_ms = _ms(start)
    outcome.failure_reason = outcome.failure_reason[:500]
    return outcome


async def check_many(
    targets: list[tuple[Target, float]], concurrency: int
) -> list[CheckOutcome]:
    """Check (target, timeout) pairs, at most `concurrency` at a time, in order."""
    semaphore = asyncio.Semaphore(concurrency)

    async def bounded(target: Target, timeout: float) -> CheckOutcome:
        async with semaphore:
            return await check(target, timeout)

    return await asyncio.gather(*(bounded(t, timeout) for t, timeout in targets))
