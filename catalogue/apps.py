from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Service catalogue"

    def ready(self) -> None:
        from accounts.permissions import grant
        from accounts.roles import CLIENT_ROLES, PROVIDER_ROLES, Role
        from catalogue import signals  # noqa: F401  (connects receivers)
        from certportal.navigation import register_menu

        register_menu("Catalogue", "catalogue:item_list", CLIENT_ROLES, order=30)
        register_menu(
            "Billing",
            "catalogue:billing",
            {Role.CLIENT_ADMIN} | PROVIDER_ROLES,
            order=70,
        )
        grant(
            Role.L1_ANALYST,
            "catalogue",
            ["catalogueitem", "subscription", "cataloguerequest"],
        )
        grant(Role.L1_ANALYST, "catalogue", ["subscription"], ("add", "change"))
        for role in (Role.SERVICE_DELIVERY_MANAGER, Role.TECHNICAL_ACCOUNT_MANAGER):
            grant(
                role, "catalogue", ["catalogueitem", "subscription", "cataloguerequest"]
            )
