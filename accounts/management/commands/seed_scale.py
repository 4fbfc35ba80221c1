"""Fill a database of its own with generated data for the benchmarks in bench/."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.seed import RefusedDatabase, Sizes, check_database, seed


class Command(BaseCommand):
    help = (
        "Replace the generated benchmark data (clients scale-*) in PostgreSQL. "
        "Refuses a database that holds any other client."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=50)
        parser.add_argument("--certificates", type=int, default=1_000_000)
        parser.add_argument("--tickets", type=int, default=200_000)
        parser.add_argument("--checks", type=int, default=5_000_000)

    def handle(self, *args, **options):
        try:
            check_database()
        except RefusedDatabase as exc:
            raise CommandError(str(exc)) from None
        if connection.vendor != "postgresql":
            raise CommandError(
                f"seed_scale needs PostgreSQL, not {connection.vendor}. Set "
                "DATABASE_URL=postgres://postgres@127.0.0.1:5432/certportal_bench."
            )
        if options["clients"] < 4:
            raise CommandError(
                f"--clients {options['clients']} is too few: the benchmarks need "
                "at least 4 (list, report and streaming clients, and the rest)."
            )
        for name in ("certificates", "tickets", "checks"):
            if options[name] < 1:
                raise CommandError(f"--{name} {options[name]} must be at least 1.")
        sizes = Sizes(
            clients=options["clients"],
            certificates=options["certificates"],
            tickets=options["tickets"],
            checks=options["checks"],
        )
        try:
            seed(sizes, out=self.stderr)
        except RefusedDatabase as exc:
            raise CommandError(str(exc)) from None
