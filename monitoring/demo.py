"""Demo monitoring settings and monitored domains for `manage.py seed_demo`.

Targets are under .test (reserved by RFC 2606, never delegated in public DNS)
and are stored inactive, so the scheduled checks skip them until someone
switches them on.
"""

from monitoring.models import MonitoredDomain, MonitoringSettings


def seed(clients: dict, people: dict, out) -> None:
    for slug, client in clients.items():
        _, created = MonitoringSettings.objects.get_or_create(client=client)
        if created:
            out.write(f"monitoring settings for {slug}\n")
        for target in (
            f"https://www.{slug}.test:443/",
            f"{slug}.test:443",
        ):
            _, created = MonitoredDomain.objects.get_or_create(
                client=client, target=target, defaults={"is_active": False}
            )
            if created:
                out.write(f"monitored domain {target} (inactive)\n")
