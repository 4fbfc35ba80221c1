from accounts.roles import Role

# Roles that may open installations and download bundles, which contain keys.
INSTALLER_ROLES = frozenset(
    {
        Role.CLIENT_ADMIN,
        Role.SERVICE_DELIVERY_MANAGER,
        Role.TECHNICAL_ACCOUNT_MANAGER,
        Role.ADMINISTRATOR,
    }
)
# Roles that may add monitored domains and run discovery.
MANAGER_ROLES = INSTALLER_ROLES | {Role.L1_ANALYST}


def can_install(user) -> bool:
    return user.role in INSTALLER_ROLES


def can_manage(user) -> bool:
    return user.role in MANAGER_ROLES
