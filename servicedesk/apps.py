from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "servicedesk"
    verbose_name = "Service desk"

    def ready(self) -> None:
        from accounts.permissions import grant
        from accounts.roles import CLIENT_ROLES, Role
        from certportal.navigation import register_menu, register_panel
        from servicedesk import panels

        register_menu("Tickets", "servicedesk:ticket_list", set(Role), order=30)
        register_menu(
            "Raise a ticket", "servicedesk:ticket_create", CLIENT_ROLES, order=31
        )
        register_panel(
            "My open tickets",
            "servicedesk/panels/my_open_tickets.html",
            CLIENT_ROLES,
            context=panels.my_open_tickets,
            order=30,
        )
        register_panel(
            "Ticket queue",
            "servicedesk/panels/queue.html",
            {Role.L1_ANALYST, Role.ADMINISTRATOR},
            context=panels.queue,
            order=20,
        )

        worked = ["ticket", "ticketupdate", "attachment", "phonecall"]
        grant(Role.L1_ANALYST, "servicedesk", worked, ("view", "add", "change"))
        grant(
            Role.L1_ANALYST,
            "servicedesk",
            ["ticketevent", "slaalert", "slaresult", "businesscalendar"],
        )
        grant(
            Role.L1_ANALYST,
            "servicedesk",
            ["closedday", "workingwindow"],
            ("view", "add", "change", "delete"),
        )
        for role in (Role.SERVICE_DELIVERY_MANAGER, Role.TECHNICAL_ACCOUNT_MANAGER):
            grant(
                role,
                "servicedesk",
                [*worked, "ticketevent", "slaalert", "slaresult", "businesscalendar"],
            )
