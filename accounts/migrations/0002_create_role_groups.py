"""Create one permission group per provider role.

The groups' permissions are set after every migrate by
accounts.permissions.sync_group_permissions, from the grants each app declares.
"""

from django.db import migrations

GROUP_NAMES = [
    "L1 analysts",
    "Service delivery managers",
    "Technical account managers",
    "Administrators",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUP_NAMES:
        Group.objects.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
