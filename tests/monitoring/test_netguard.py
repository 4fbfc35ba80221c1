import socket

import pytest

from monitoring.probes import netguard
from monitoring.probes.netguard import ProbeRejected
from monitoring.probes.tls import fetch_chain


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if anything tries to open a connection."""
    attempts = []

    def refuse(self, address):
        attempts.append(address)
        raise AssertionError(f"connection attempted to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.mark.parametrize(
    "host",
    ["127.0.0.2", "10.0.0.1", "169.254.169.254", "::1", "224.0.0.1", "0.0.0.0"],  # noqa: S104
)
def test_internal_address_rejected(host, no_connections):
    with pytest.raises(ProbeRejected) as caught:
        fetch_chain(host, 443, "www.example.com", timeout=1)
    assert str(caught.value).startswith(host)
    assert no_connections == []


def test_name_resolving_to_loopback_rejected(monkeypatch, no_connections):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        assert host == "internal.test"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.5", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(ProbeRejected):
        fetch_chain("internal.test", 443, "internal.test", timeout=1)
    assert no_connections == []


def test_mixed_answer_rejected(monkeypatch):
    """One internal address among public ones rejects the whole name."""

    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(ProbeRejected):
        netguard.resolve("mixed.test", 443)


def test_ipv4_mapped_loopback_rejected():
    with pytest.raises(ProbeRejected):
        netguard.resolve("::ffff:127.0.0.2", 443)


def test_allowed_network_accepted():
    (target,) = netguard.resolve("127.0.0.1", 443)
    assert str(target.address) == "127.0.0.1"


def test_without_allow_list_loopback_rejected(settings):
    settings.PROBE_ALLOWED_NETWORKS = []
    with pytest.raises(ProbeRejected):
        netguard.resolve("127.0.0.1", 443)


def test_public_address_accepted():
    (target,) = netguard.resolve("93.184.215.14", 443)
    assert target.port == 443
