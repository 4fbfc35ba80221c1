from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self) -> None:
        from accounts.permissions import grant
        from accounts.roles import Role
        from certportal.navigation import register_menu, register_panel
        from reporting import panels
        from reporting.services import REPORT_ROLES

        register_menu("Reports", "reporting:report_list", REPORT_ROLES, order=60)
        register_panel(
            "Reports",
            "reporting/panel_reports.html",
            REPORT_ROLES,
            context=panels.latest_reports,
            order=60,
        )
        register_panel(
            "Service level objectives",
            "reporting/panel_slo.html",
            {Role.SERVICE_DELIVERY_MANAGER, Role.ADMINISTRATOR},
            context=panels.slo_overview,
            order=61,
        )
        for role in (
            Role.SERVICE_DELIVERY_MANAGER,
            Role.TECHNICAL_ACCOUNT_MANAGER,
            Role.L1_ANALYST,
        ):
            grant(role, "reporting", ["report", "reportfile", "sloresult"])
        grant(
            Role.ADMINISTRATOR,
            "reporting",
            ["report", "reportfile", "sloresult"],
            actions=("view", "delete"),
        )
