from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Service governance"

    def ready(self) -> None:
        from accounts.permissions import grant
        from accounts.roles import Role
        from governance import navigation  # noqa: F401  (registers menu entries)

        provider_roles = (
            Role.L1_ANALYST,
            Role.SERVICE_DELIVERY_MANAGER,
            Role.TECHNICAL_ACCOUNT_MANAGER,
        )
        for role in provider_roles:
            grant(role, "governance", ["service", "activity", "inboundemail"])
            grant(
                role,
                "governance",
                ["changerequest", "incidentreport", "timelineentry"],
                actions=("view", "add", "change"),
            )
            grant(role, "governance", ["changedecision"])
        for role in (Role.SERVICE_DELIVERY_MANAGER, Role.TECHNICAL_ACCOUNT_MANAGER):
            grant(
                role,
                "governance",
                ["activityoverride"],
                actions=("view", "add", "change", "delete"),
            )
