from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"

    def ready(self) -> None:
        from accounts.permissions import grant
        from accounts.roles import CLIENT_ROLES, Role
        from certificates.views import expiry_panel
        from certportal.navigation import register_menu, register_panel

        everyone = set(Role)
        writers = CLIENT_ROLES | {Role.L1_ANALYST, Role.ADMINISTRATOR}
        register_menu(
            "Certificates", "certificates:certificate_list", everyone, order=10
        )
        register_menu("Generate CSR", "certificates:csr_generate", writers, order=11)
        register_menu("Import", "certificates:certificate_import", writers, order=12)
        register_panel(
            "Certificates expiring soon",
            "certificates/panel_expiry.html",
            everyone,
            context=expiry_panel,
            order=10,
        )

        models = ["certificate", "certificatesigningrequest", "endpoint"]
        grant(Role.L1_ANALYST, "certificates", models, ("view", "add", "change"))
        grant(Role.L1_ANALYST, "certificates", ["endpoint"], ("delete",))
        grant(Role.L1_ANALYST, "audit", ["auditevent"])
        for role in (Role.SERVICE_DELIVERY_MANAGER, Role.TECHNICAL_ACCOUNT_MANAGER):
            grant(role, "certificates", models)
            grant(role, "audit", ["auditevent"])
