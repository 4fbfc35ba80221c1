"""Cross-tenant cases for the issuance app: orders, challenges and quotes."""

from datetime import date
from decimal import Decimal

from issuance import services
from issuance.choices import ChallengeType, Coverage, ProviderKind, ValidationLevel
from issuance.models import Authorization, Challenge, Product, Provider
from issuance.quotes import create_quote
from tests.certificates_factories import make_certificate
from tests.issuance.conftest import make_csr


def build(client, client_admin) -> dict:
    provider = Provider.objects.create(
        name="Cross-tenant manual CA", kind=ProviderKind.MANUAL
    )
    product = Product.objects.create(
        provider=provider,
        name="Single DV",
        validation=ValidationLevel.DV,
        coverage=Coverage.SINGLE,
        price=Decimal("50.00"),
    )
    order = services.start_order(make_csr(client, ["vault.bravo.test"]), provider)
    authorization = Authorization.objects.create(
        order=order,
        identifier="vault.bravo.test",
        url="https://ca.example.net/authz/1",
    )
    Challenge.objects.create(
        authorization=authorization,
        type=ChallengeType.HTTP_01,
        url="https://ca.example.net/chall/1",
        token="bravo-token",
        key_authorization="bravo-token.thumbprint",
    )
    quote = create_quote(client, product, name_count=1, start_date=date(2027, 1, 1))
    return {
        "issuance_order": order,
        "issuance_quote": quote,
        "issuance_csr": make_csr(client, ["new.bravo.test"]),
        "issuance_certificate": make_certificate(client, "old.bravo.test"),
    }


def _order(objects):
    return {"pk": objects["issuance_order"].pk}


def _quote(objects):
    return {"pk": objects["issuance_quote"].pk}


URLS: dict = {
    "issuance:order_detail": _order,
    "issuance:order_upload": _order,
    "issuance:order_confirm_published": _order,
    "issuance:order_start": lambda objects: {"csr_pk": objects["issuance_csr"].pk},
    "issuance:certificate_revoke": lambda objects: {
        "certificate_pk": objects["issuance_certificate"].pk
    },
    "issuance:quote_detail": _quote,
    "issuance:quote_decide": _quote,
    "api:issuance-order-detail": _order,
    "api:issuance-order-published": _order,
    "api:issuance-order-upload": _order,
    "api:issuance-order-revoke": _order,
    "api:issuance-quote-detail": _quote,
    "api:issuance-quote-accept": _quote,
    "api:issuance-quote-decline": _quote,
}
