from django.db import models


class Role(models.TextChoices):
    CLIENT_USER = "client_user", "Client user"
    CLIENT_ADMIN = "client_admin", "Client admin"
    L1_ANALYST = "l1_analyst", "L1 analyst"
    SERVICE_DELIVERY_MANAGER = "service_delivery_manager", "Service delivery manager"
    TECHNICAL_ACCOUNT_MANAGER = "technical_account_manager", "Technical account manager"
    ADMINISTRATOR = "administrator", "Administrator"


CLIENT_ROLES = frozenset({Role.CLIENT_USER, Role.CLIENT_ADMIN})
PROVIDER_ROLES = frozenset(set(Role) - CLIENT_ROLES)

# Provider roles that see every client. SDMs and TAMs see only the clients they
# are assigned to.
ALL_CLIENT_ROLES = frozenset({Role.L1_ANALYST, Role.ADMINISTRATOR})
ASSIGNABLE_ROLES = frozenset(
    {Role.SERVICE_DELIVERY_MANAGER, Role.TECHNICAL_ACCOUNT_MANAGER}
)

# The permission group each provider role belongs to; created by a data migration.
GROUP_NAMES = {
    Role.L1_ANALYST: "L1 analysts",
    Role.SERVICE_DELIVERY_MANAGER: "Service delivery managers",
    Role.TECHNICAL_ACCOUNT_MANAGER: "Technical account managers",
    Role.ADMINISTRATOR: "Administrators",
}
