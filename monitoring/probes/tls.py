"""Read the certificate chain a TLS server sends, whether or not it is trusted.

The standard library's ssl module returns only the leaf before Python 3.13
(`SSLSocket.get_unverified_chain()` is new in 3.13), so the handshake runs through
pyOpenSSL, which exposes the whole served chain. Nothing is verified during the
handshake: an untrusted or expired chain is still read so it can be reported.
"""

import select
import socket
import time
from dataclasses import dataclass

from cryptography import x509
from OpenSSL import SSL

from monitoring.probes.netguard import CheckedAddress, ProbeFailed, connect, resolve


@dataclass
class ServedChain:
    address: str
    protocol: str
    certificates: list[x509.Certificate]  # leaf first, as the server sent them

    @property
    def leaf(self) -> x509.Certificate:
        return self.certificates[0]


def _context() -> SSL.Context:
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_verify(SSL.VERIFY_NONE)
    context.set_min_proto_version(SSL.TLS1_VERSION)
    return context


def _wait(sock: socket.socket, for_write: bool, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    readers, writers = ([], [sock]) if for_write else ([sock], [])
    ready = select.select(readers, writers, [], remaining)
    if not any(ready):
        raise TimeoutError


def handshake(sock: socket.socket, server_name: str, deadline: float):
    """Run the TLS handshake on a connected socket until `deadline`."""
    sock.setblocking(False)
    connection = SSL.Connection(_context(), sock)
    connection.set_tlsext_host_name(server_name.encode("idna"))
    connection.set_connect_state()
    while True:
        try:
            connection.do_handshake()
            return connection
        except SSL.WantReadError:
            _wait(sock, False, deadline)
        except SSL.WantWriteError:
            _wait(sock, True, deadline)


def fetch_chain(
    host: str, port: int, server_name: str, timeout: float = 10.0
) -> ServedChain:
    """Connect to host:port with SNI `server_name` and return the served chain.

    Raises ProbeRejected for addresses probes must not reach and ProbeFailed,
    with a reason for people, when the connection or the handshake fails.
    """
    target = resolve(host, port)[0]
    return fetch_chain_from(target, server_name, timeout)


def fetch_chain_from(
    target: CheckedAddress, server_name: str, timeout: float
) -> ServedChain:
    deadline = time.monotonic() + timeout
    sock = connect(target, timeout)
    where = f"{target.host}:{target.port}"
    try:
        connection = handshake(sock, server_name or target.host, deadline)
        served = connection.get_peer_cert_chain(as_cryptography=True) or []
        protocol = connection.get_protocol_version_name()
    except TimeoutError:
        raise ProbeFailed(
            f"TLS handshake with {where} timed out after {timeout:g} s."
        ) from None
    except SSL.Error as exc:
        raise ProbeFailed(f"TLS handshake with {where} failed: {exc}.") from None
    except OSError as exc:
        raise ProbeFailed(f"TLS handshake with {where} failed: {exc}.") from None
    finally:
        sock.close()
    if not served:
        raise ProbeFailed(f"{where} completed the handshake without a certificate.")
    return ServedChain(str(target.address), protocol, list(served))
