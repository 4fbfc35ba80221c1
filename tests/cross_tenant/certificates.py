"""Cross-tenant cases for the certificates app."""

from audit.models import AuditEvent
from certificates.csr import generate_csr
from certificates.models import Endpoint
from tests.certificates_factories import make_certificate


def build(client, client_admin) -> dict:
    certificate = make_certificate(client, common_name="shop.bravo.test")
    csr = generate_csr(
        client,
        system="bravo web shop",
        names=["shop.bravo.test", "www.bravo.test"],
        actor=client_admin,
    )
    certificate.private_key = csr.private_key
    certificate.save(update_fields=["private_key"])
    endpoint = Endpoint.objects.create(
        client=client, hostname="shop.bravo.test", certificate=certificate
    )
    return {
        "certificate": certificate,
        "csr": csr,
        "endpoint": endpoint,
        "audit_event": AuditEvent.objects.filter(client=client).first(),
    }


def _certificate(objects) -> dict:
    return {"pk": objects["certificate"].pk}


def _csr(objects) -> dict:
    return {"pk": objects["csr"].pk}


def _endpoint(objects) -> dict:
    return {"pk": objects["endpoint"].pk}


URLS: dict = {
    "certificates:certificate_detail": _certificate,
    "certificates:certificate_download_pem": _certificate,
    "certificates:certificate_download_chain": _certificate,
    "certificates:certificate_download_pkcs12": _certificate,
    "certificates:certificate_download_key": _certificate,
    "certificates:csr_detail": _csr,
    "certificates:csr_download": _csr,
    "certificates:endpoint_update": _endpoint,
    "certificates:endpoint_delete": _endpoint,
    "api:certificate-detail": _certificate,
    "api:certificate-pem": _certificate,
    "api:certificate-chain": _certificate,
    "api:certificate-pkcs12": _certificate,
    "api:certificate-private-key": _certificate,
    "api:csr-detail": _csr,
    "api:endpoint-detail": _endpoint,
}
