import io

from issuance import demo
from issuance.models import Product, Provider, Quote, QuoteLine


def test_demo_seed_idempotent(client_a):
    demo.seed({"alpha": client_a}, {}, io.StringIO())
    counts = [m.objects.count() for m in (Provider, Product, Quote, QuoteLine)]

    demo.seed({"alpha": client_a}, {}, io.StringIO())

    assert counts == [1, 4, 1, 3]
    assert [m.objects.count() for m in (Provider, Product, Quote, QuoteLine)] == counts
