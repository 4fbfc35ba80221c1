from accounts import panels
from accounts.roles import ALL_CLIENT_ROLES, ASSIGNABLE_ROLES, PROVIDER_ROLES, Role
from certportal.navigation import register_menu, register_panel

register_menu("Dashboard", "dashboard", set(Role), order=0)
register_menu("People", "accounts:people_list", {Role.CLIENT_ADMIN}, order=80)
register_menu("API tokens", "accounts:token_list", set(Role), order=90)
register_menu("Admin console", "admin:index", PROVIDER_ROLES, order=95)

register_panel(
    "Your organisation",
    "accounts/panels/organisation.html",
    {Role.CLIENT_USER, Role.CLIENT_ADMIN},
    context=panels.organisation,
    order=10,
)
register_panel(
    "People",
    "accounts/panels/people_count.html",
    {Role.CLIENT_ADMIN},
    context=panels.people_count,
    order=20,
)
register_panel(
    "Your clients",
    "accounts/panels/assigned_clients.html",
    ASSIGNABLE_ROLES,
    context=panels.assigned_clients,
    order=10,
)
register_panel(
    "Clients",
    "accounts/panels/clients_count.html",
    ALL_CLIENT_ROLES,
    context=panels.clients_count,
    order=10,
)
