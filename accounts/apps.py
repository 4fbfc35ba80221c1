from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Clients and people"

    def ready(self) -> None:
        from accounts import navigation  # noqa: F401  (registers menu entries)
        from accounts.permissions import grant
        from accounts.roles import Role

        grant(Role.L1_ANALYST, "accounts", ["client", "user"])
        for role in (Role.SERVICE_DELIVERY_MANAGER, Role.TECHNICAL_ACCOUNT_MANAGER):
            grant(role, "accounts", ["client", "user"])
