from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Expiry, installation and monitoring"

    def ready(self) -> None:
        from accounts.permissions import grant
        from accounts.roles import Role
        from monitoring import navigation  # noqa: F401  (registers menus and panels)

        models = [
            "monitoringsettings",
            "installationtask",
            "verificationresult",
            "driftalert",
            "monitoreddomain",
            "domaincheck",
            "availabilitybreach",
            "downtimeevent",
        ]
        for role in (
            Role.L1_ANALYST,
            Role.SERVICE_DELIVERY_MANAGER,
            Role.TECHNICAL_ACCOUNT_MANAGER,
        ):
            grant(role, "monitoring", models)
        grant(
            Role.SERVICE_DELIVERY_MANAGER,
            "monitoring",
            ["monitoringsettings", "monitoreddomain"],
            actions=("add", "change"),
        )
