"""Address checks that keep probes out of the provider's own networks.

A probe resolves the host once, checks every address it got, and then connects
to one of those checked addresses, never to the name again. A DNS answer that
changes between the check and the connection (DNS rebinding) therefore cannot
send the probe to an address that was not checked.
"""

import ipaddress
import socket
from dataclasses import dataclass

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ProbeRejected(Exception):
    """The target resolves to an address that probes must not reach."""


class ProbeFailed(Exception):
    """The target could not be resolved or reached; `reason` is for people."""


@dataclass(frozen=True)
class CheckedAddress:
    host: str
    address: IPAddress
    port: int

    @property
    def family(self) -> int:
        return socket.AF_INET6 if self.address.version == 6 else socket.AF_INET


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(text, strict=False)
        for text in settings.PROBE_ALLOWED_NETWORKS
    ]


def is_public(address: IPAddress) -> bool:
    """Whether `address` is an ordinary internet address (or an IPv4 in IPv6)."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or not address.is_global
    )


def check_address(address: IPAddress) -> None:
    """Raise ProbeRejected unless `address` is public or explicitly allowed."""
    if any(address in network for network in allowed_networks()):
        return
    if not is_public(address):
        raise ProbeRejected(
            f"{address} is a private, loopback, link-local, multicast or reserved "
            "address; probes reach it only when PROBE_ALLOWED_NETWORKS lists its "
            "network."
        )


def parse_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[CheckedAddress]:
    """Resolve `host` and return its addresses, all of them checked.

    One rejected address rejects the whole name: a name that mixes public and
    internal addresses is treated as an attempt to reach the internal one.
    """
    literal = parse_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise ProbeFailed(f"DNS lookup of {host} failed: {exc}") from None
        addresses = list(
            dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos)
        )
    if not addresses:
        raise ProbeFailed(f"DNS lookup of {host} returned no address.")
    return checked(host, port, addresses)


def checked(host: str, port: int, addresses) -> list[CheckedAddress]:
    for address in addresses:
        check_address(address)
    return [CheckedAddress(host, address, port) for address in addresses]


def connect(target: CheckedAddress, timeout: float) -> socket.socket:
    """Open a TCP connection to the checked address, with a timeout."""
    sock = socket.socket(target.family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((str(target.address), target.port))
    except TimeoutError:
        sock.close()
        raise ProbeFailed(
            f"Connection to {target.address}:{target.port} timed out "
            f"after {timeout:g} s."
        ) from None
    except OSError as exc:
        sock.close()
        raise ProbeFailed(
            f"Connection to {target.address}:{target.port} failed: "
            f"{exc.strerror or exc}."
        ) from None
    return sock
