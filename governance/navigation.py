from accounts.roles import CLIENT_ROLES, Role
from certportal.navigation import register_menu, register_panel
from governance.panels import changes_to_approve

register_menu("Changes", "governance:change_list", set(Role), order=40)
register_menu("Incident reports", "governance:report_list", set(Role), order=45)
register_menu("RACI", "governance:raci", set(Role), order=85)

register_panel(
    "Changes awaiting approval",
    "governance/panel_changes.html",
    CLIENT_ROLES,
    context=changes_to_approve,
    order=30,
)
