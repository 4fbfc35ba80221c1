import importlib
import importlib.util
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction


def demo_modules() -> list:
    """Return the `demo` modules of the project's own apps, in INSTALLED_APPS order.

    Apps installed from packages are skipped, even if they have a module of that
    name, because their seed functions do not follow this project's contract.
    """
    base_dir = Path(settings.BASE_DIR).resolve()
    modules = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if not path.is_relative_to(base_dir) or ".venv" in path.parts:
            continue
        name = f"{config.name}.demo"
        if importlib.util.find_spec(name) is not None:
            modules.append(importlib.import_module(name))
    return modules


class Command(BaseCommand):
    help = (
        "Create fictional demo clients, one person per role and each app's demo "
        "data. Passwords are printed once, when a person is created; running the "
        "command again changes nothing."
    )

    def handle(self, *args, **options) -> None:
        clients: dict = {}
        people: dict = {}
        # One transaction: if an app's seed fails, nothing is kept, so the next
        # run starts clean and prints every password again.
        with transaction.atomic():
            for module in demo_modules():
                self.stdout.write(self.style.MIGRATE_HEADING(f"{module.__name__}:"))
                module.seed(clients, people, self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(clients)} clients, {len(people)} people. "
                "Sign in at /accounts/login/."
            )
        )
