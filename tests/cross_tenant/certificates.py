"""Cross-tenant cases for the certificates app."""

from tests.certificates_factories import make_certificate


def build(client, client_admin) -> dict:
    certificate = make_certificate(client, common_name="shop.bravo.test")
    return {"certificate": certificate}


URLS: dict = {}
