import io

from monitoring import demo
from monitoring.models import MonitoredDomain, MonitoringSettings


def test_demo_seed_idempotent(client_a):
    demo.seed({"alpha": client_a}, {}, io.StringIO())
    second = io.StringIO()
    demo.seed({"alpha": client_a}, {}, second)

    assert second.getvalue() == ""
    assert MonitoringSettings.objects.count() == 1
    assert sorted(MonitoredDomain.objects.values_list("target", flat=True)) == [
        "alpha.test:443",
        "https://www.alpha.test:443/",
    ]
    assert not MonitoredDomain.objects.filter(is_active=True).exists()
