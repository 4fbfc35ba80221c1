from django.apps import AppConfig


class IssuanceConfig(AppConfig):
    name = "issuance"
    verbose_name = "Issuance"

    def ready(self) -> None:
        from accounts.permissions import grant
        from accounts.roles import Role
        from certportal.navigation import register_menu

        provider_staff = [
            Role.L1_ANALYST,
            Role.SERVICE_DELIVERY_MANAGER,
            Role.TECHNICAL_ACCOUNT_MANAGER,
            Role.ADMINISTRATOR,
        ]
        every_role = [*provider_staff, Role.CLIENT_USER, Role.CLIENT_ADMIN]
        register_menu("Orders", "issuance:order_list", every_role, order=40)
        register_menu("Quotes", "issuance:quote_list", every_role, order=45)
        client_data = ["order", "authorization", "challenge", "quote", "quoteline"]
        for role in provider_staff:
            grant(role, "issuance", [*client_data, "provider", "product"])
        grant(Role.L1_ANALYST, "issuance", ["order", "quote"], ("add", "change"))
        grant(Role.ADMINISTRATOR, "issuance", client_data, ("add", "change"))
        grant(
            Role.ADMINISTRATOR,
            "issuance",
            ["provider", "product"],
            ("add", "change", "delete"),
        )
