"""Debian's pebble and pebble-challtestsrv, started on 127.0.0.1 for a test run.

pebble-challtestsrv is pebble's DNS server and answers every A query with
127.0.0.1, so pebble's HTTP-01 check of any *.test name reaches the portal's
live server, whose port is pebble's `httpPort`. pebble's listener uses a TLS
certificate made here by a throwaway CA; the ACME client trusts that CA through
the provider's CA bundle setting. Nonce rejection stays at pebble's default.
"""

import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.services import free_port, wait_for_port

START_TIMEOUT = 30  # seconds; only ends a hung start
EAB_KEY_ID = "kid-portal-test"
# 48 random bytes in base64url, as CAs hand out EAB HMAC keys.
EAB_HMAC_KEY = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"


@dataclass
class Pebble:
    directory_url: str
    management_url: str
    ca_bundle: str
    processes: list
    dns_management_url: str = ""

    def root_pem(self) -> bytes:
        response = requests.get(
            f"{self.management_url}/roots/0", verify=self.ca_bundle, timeout=10
        )
        response.raise_for_status()
        return response.content

    def set_txt(self, name: str, value: str) -> None:
        """Publish a TXT record in challtestsrv, the DNS server pebble asks."""
        response = requests.post(
            f"{self.dns_management_url}/set-txt",
            json={"host": f"{name}.", "value": value},
            timeout=10,
        )
        response.raise_for_status()

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def write_listener_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """Write (CA bundle, certificate, key) for pebble's HTTPS listener."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Pebble listener test CA"))
        .issuer_name(_name("Pebble listener test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def _start_challtestsrv(
    directory: Path, dns_port: int, management_port: int
) -> subprocess.Popen:
    # Only the DNS server is needed; the other listeners are turned off.
    return subprocess.Popen(
        [
            shutil.which("pebble-challtestsrv"),
            "-dns01",
            f"127.0.0.1:{dns_port}",
            "-http01",
            "",
            "-https01",
            "",
            "-tlsalpn01",
            "",
            "-management",
            f"127.0.0.1:{management_port}",
            "-defaultIPv4",
            "127.0.0.1",
            "-defaultIPv6",
            "",
        ],
        stdout=(directory / "challtestsrv.log").open("wb"),
        stderr=subprocess.STDOUT,
    )


def _write_config(directory, cert, key, ports, http_port, eab_required) -> Path:
    acme_port, management_port = ports
    config = {
        "pebble": {
            "listenAddress": f"127.0.0.1:{acme_port}",
            "managementListenAddress": f"127.0.0.1:{management_port}",
            "certificate": str(cert),
            "privateKey": str(key),
            "httpPort": http_port,
            "tlsPort": free_port(),
            "ocspResponderURL": "",
            "externalAccountBindingRequired": eab_required,
            "externalAccountMACKeys": {EAB_KEY_ID: EAB_HMAC_KEY},
        }
    }
    path = directory / "pebble.json"
    path.write_text(json.dumps(config))
    return path


def start_pebble(
    directory: Path, http_port: int, *, eab_required: bool = False
) -> Pebble:
    """Start challtestsrv and pebble; raise RuntimeError if either does not listen."""
    ca_bundle, cert, key = write_listener_certificate(directory)
    dns_port, dns_management_port = free_port(), free_port()
    challtestsrv = _start_challtestsrv(directory, dns_port, dns_management_port)

    acme_port, management_port = free_port(), free_port()
    config_path = _write_config(
        directory, cert, key, (acme_port, management_port), http_port, eab_required
    )
    pebble = subprocess.Popen(
        [
            shutil.which("pebble"),
            "-config",
            str(config_path),
            "-dnsserver",
            f"127.0.0.1:{dns_port}",
        ],
        env={"PEBBLE_VA_NOSLEEP": "1", "PATH": "/usr/bin:/bin"},
        stdout=(directory / "pebble.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    running = Pebble(
        directory_url=f"https://127.0.0.1:{acme_port}/dir",
        management_url=f"https://127.0.0.1:{management_port}",
        ca_bundle=str(ca_bundle),
        processes=[pebble, challtestsrv],
        dns_management_url=f"http://127.0.0.1:{dns_management_port}",
    )

    listening = all(
        wait_for_port(port, START_TIMEOUT)
        for port in (dns_port, dns_management_port, acme_port, management_port)
    )
    if not listening:
        running.stop()
        log = (directory / "pebble.log").read_text(errors="replace")
        raise RuntimeError(f"pebble did not start; its log:\n{log}")
    return running
