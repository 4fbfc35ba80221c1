"""Fixtures of the issuance tests: pebble, providers and approved CSRs."""

import shutil

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certificates.choices import CsrSource, CsrState, KeyAlgorithm
from certificates.models import CertificateSigningRequest, PrivateKey
from certificates.x509info import public_key_sha256
from issuance.choices import ProviderKind
from issuance.models import Provider
from tests.issuance.pebble import EAB_HMAC_KEY, EAB_KEY_ID, start_pebble


def _pebble_or_skip(request, tmp_path_factory, live_server, name, **options):
    missing = [
        tool for tool in ("pebble", "pebble-challtestsrv") if not shutil.which(tool)
    ]
    if missing:
        message = f"{', '.join(missing)} not installed: apt install pebble"
        if request.config.getoption("--require-services"):
            pytest.fail(message + " (--require-services is set)")
        pytest.skip(message)
    port = int(live_server.url.rsplit(":", 1)[1])
    running = start_pebble(tmp_path_factory.mktemp(name), port, **options)
    request.addfinalizer(running.stop)
    return running


@pytest.fixture(scope="session")
def pebble(request, tmp_path_factory, live_server):
    return _pebble_or_skip(request, tmp_path_factory, live_server, "pebble")


@pytest.fixture(scope="session")
def pebble_eab(request, tmp_path_factory, live_server):
    return _pebble_or_skip(
        request, tmp_path_factory, live_server, "pebble-eab", eab_required=True
    )


@pytest.fixture
def challenge_hosts(settings):
    # The CA fetches http://<name>/.well-known/acme-challenge/ with the client's
    # name in the Host header; in production a proxy routes those requests.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".test"]


def make_acme_provider(running, name="Pebble", **fields) -> Provider:
    provider = Provider(
        name=name,
        kind=ProviderKind.ACME,
        directory_url=running.directory_url,
        contact_email="pki@example.com",
        ca_bundle_path=running.ca_bundle,
        **fields,
    )
    provider.full_clean()
    provider.save()
    return provider


@pytest.fixture
def acme_provider(pebble, challenge_hosts, transactional_db) -> Provider:
    return make_acme_provider(pebble)


@pytest.fixture
def eab_provider(pebble_eab, challenge_hosts, transactional_db) -> Provider:
    provider = Provider(
        name="Pebble with EAB",
        kind=ProviderKind.ACME,
        directory_url=pebble_eab.directory_url,
        ca_bundle_path=pebble_eab.ca_bundle,
        eab_key_id=EAB_KEY_ID,
    )
    provider.set_eab_hmac_key(EAB_HMAC_KEY)
    provider.full_clean()
    provider.save()
    return provider


@pytest.fixture
def manual_provider(db) -> Provider:
    return Provider.objects.create(name="Manual CA", kind=ProviderKind.MANUAL)


def make_csr(
    client, names: list[str], state: str = CsrState.APPROVED
) -> CertificateSigningRequest:
    """Build an EC key and a CSR for `names` with cryptography and store both."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in names]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    fingerprint = public_key_sha256(key.public_key())
    private_key = PrivateKey(
        client=client,
        algorithm=KeyAlgorithm.EC,
        key_size=256,
        public_key_sha256=fingerprint,
    )
    private_key.set_pem(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_key.save()
    return CertificateSigningRequest.objects.create(
        client=client,
        system="web shop",
        common_name=names[0],
        dns_names=names,
        key_algorithm=KeyAlgorithm.EC,
        key_size=256,
        pem=csr.public_bytes(serialization.Encoding.PEM).decode(),
        public_key_sha256=fingerprint,
        source=CsrSource.GENERATED,
        state=state,
        private_key=private_key,
    )
