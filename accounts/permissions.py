"""Model permissions of the provider roles' groups, declared by each app.

Apps call `grant` from AppConfig.ready(); after every migrate, the groups'
permissions are set to exactly what was granted, so the code is the record.
"""

from collections import defaultdict

from django.db.models.signals import post_migrate

_grants: dict[str, set[tuple[str, str]]] = defaultdict(set)


def grant(role: str, app_label: str, model_names, actions=("view",)) -> None:
    for model_name in model_names:
        for action in actions:
            _grants[role].add((app_label, f"{action}_{model_name}"))


def sync_group_permissions(**_) -> None:
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import GROUP_NAMES

    for role, group_name in GROUP_NAMES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = _grants.get(role, set())
        permissions = [
            permission
            for permission in Permission.objects.select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        ]
        group.permissions.set(permissions)


post_migrate.connect(sync_group_permissions, dispatch_uid="accounts.sync_groups")
