from accounts.roles import PROVIDER_ROLES, Role
from certportal.navigation import register_menu

register_menu("Dashboard", "dashboard", set(Role), order=0)
register_menu("People", "accounts:people_list", {Role.CLIENT_ADMIN}, order=80)
register_menu("API tokens", "accounts:token_list", set(Role), order=90)
register_menu("Admin console", "admin:index", PROVIDER_ROLES, order=95)
