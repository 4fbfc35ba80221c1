"""nginx serving TLS on 127.0.0.1, started and stopped by the probe benchmark.

One server block serves every SNI name with a wildcard certificate for
*.scale.test from a private CA, so 500 endpoints (one port, 500 names) cost one process.
"""

import datetime as dt
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NGINX = "/usr/sbin/nginx"
DOMAIN = "scale.test"
CONFIG = """
worker_processes 1;
daemon off;
master_process on;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name _;
        ssl_certificate {root}/cert.pem;
        ssl_certificate_key {root}/key.pem;
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""


def _issue(subject: str, key, issuer: str, signer, *, ca: bool, names=()):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in names]),
            critical=False,
        )
    return builder.sign(signer, hashes.SHA256())


def make_certificates() -> tuple[bytes, bytes, bytes]:
    """Return (leaf PEM, leaf key PEM, root PEM) of a private CA's wildcard.

    The portal stores the root as the certificate's chain, so verification
    finds the served chain complete and the endpoints match.
    """
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _issue("Scale bench root", root_key, "Scale bench root", root_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = _issue(
        f"*.{DOMAIN}",
        key,
        "Scale bench root",
        root_key,
        ca=False,
        names=[f"*.{DOMAIN}"],
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pem = serialization.Encoding.PEM
    return leaf.public_bytes(pem), key_pem, root.public_bytes(pem)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_listening(port: int, process, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port} in {seconds} s")


@contextmanager
def tls_server():
    """Yield (port, leaf PEM, root PEM) of an nginx serving TLS on 127.0.0.1."""
    if not Path(NGINX).exists():
        raise RuntimeError(f"{NGINX} is missing: apt-get install nginx-light")
    root = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    cert_pem, key_pem, root_pem = make_certificates()
    (root / "cert.pem").write_bytes(cert_pem)
    (root / "key.pem").write_bytes(key_pem)
    port = free_port()
    (root / "nginx.conf").write_text(CONFIG.format(root=root, port=port))
    process = subprocess.Popen(
        [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-e", "stderr"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_listening(port, process)
        yield port, cert_pem, root_pem
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
