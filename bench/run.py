"""Run the benchmark suite and, with --output, write docs/benchmarks.md.

    python bench/run.py                       # every part, full size
    python bench/run.py --only lists --scale tiny
    python bench/run.py --seed --output docs/benchmarks.md   # what `make bench` runs

Full size reads the data of `manage.py seed_scale` in the database named by
DATABASE_URL (default: certportal_bench on 127.0.0.1). Tiny size makes its own
small data set with the ORM (default database: certportal_bench_tiny).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASES = {
    "full": "postgres://postgres@127.0.0.1:5432/certportal_bench",
    "tiny": "postgres://postgres@127.0.0.1:5432/certportal_bench_tiny",
}
PARTS = ("lists", "report", "probes", "keys", "availability", "expiry")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=PARTS,
        help="run only this part (repeat for several)",
    )
    parser.add_argument("--scale", choices=("tiny", "full"), default="full")
    parser.add_argument(
        "--seed",
        action="store_true",
        help="at full size, run seed_scale first when the database has no data",
    )
    parser.add_argument("--output", type=Path, help="write the results here (Markdown)")
    return parser.parse_args(argv)


def setup(scale: str) -> None:
    """Configure Django for a benchmark process (never used inside pytest)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certportal.settings")
    os.environ.setdefault("DATABASE_URL", DATABASES[scale])
    # Debug mode keeps every query in memory and changes what is measured.
    os.environ.setdefault("DEBUG", "False")
    import django

    django.setup()


def run_parts(scale: str, only=None, log=sys.stderr, after_part=None) -> list:
    """Run the chosen parts on the data already in the database.

    `after_part(figures)` is called after each part, so a long run that is
    stopped still leaves the figures of the parts it finished.
    """
    from django.test.utils import override_settings

    from bench import availability, keys, probes, reports, sweep, web
    from bench.world import load

    runners = {
        "lists": web.run,
        "expiry": sweep.run,
        "report": reports.run,
        "probes": probes.run,
        "keys": keys.run,
        "availability": availability.run,
    }
    world = load(scale)
    figures = []
    with override_settings(
        ROOT_URLCONF="bench.floor_urls",
        ALLOWED_HOSTS=["testserver"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        for name in only or PARTS:
            started = time.perf_counter()
            log.write(f"bench: {name} ...\n")
            log.flush()
            found = runners[name](world)
            figures += found
            log.write(f"bench: {name} done in {time.perf_counter() - started:,.0f} s\n")
            for figure in found:
                log.write(f"  {summary_line(figure)}\n")
            if after_part is not None:
                after_part(figures)
    return figures


def summary_line(figure) -> str:
    from bench.report import value

    text = f"{figure.name}: median {value(figure.subject.median, figure.unit)}"
    if figure.ratio is not None:
        text += f", floor {value(figure.floor.median, figure.unit)}"
        text += f", ratio {figure.ratio:.2f}"
    return text


def prepare(scale: str, seed_if_empty: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    from bench import tiny
    from bench.seed import MARKER_TABLE

    call_command("migrate", verbosity=0, interactive=False)
    seeded = MARKER_TABLE in connection.introspection.table_names()
    if scale == "tiny":
        if not seeded:
            tiny.seed()
        return
    if connection.vendor != "postgresql":
        raise SystemExit(
            "bench: the full size needs PostgreSQL; set DATABASE_URL to "
            f"{DATABASES['full']}."
        )
    if not seeded:
        if not seed_if_empty:
            raise SystemExit(
                "bench: no generated data here. Run `manage.py seed_scale` first "
                "or pass --seed."
            )
        call_command("seed_scale")


def create_database(url: str) -> None:
    """Create the benchmark's own PostgreSQL database when it is missing."""
    import environ
    import psycopg2

    config = environ.Env.db_url_config(url)
    if not config["ENGINE"].endswith("postgresql"):
        return
    admin = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        host=config["HOST"],
        port=config["PORT"] or 5432,
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
            )
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    finally:
        admin.close()


def main(argv=None) -> None:
    args = parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DATABASES[args.scale])
    create_database(os.environ["DATABASE_URL"])
    setup(args.scale)
    from bench.report import Run, write

    run = Run.start(args.scale, argv if argv is not None else sys.argv[1:])
    prepare(args.scale, args.seed)
    run.measure_sizes()

    def save(figures, final=False) -> None:
        run.figures = figures
        run.finish()
        text = write(run, final=final)
        if args.output:
            args.output.write_text(text)
            sys.stderr.write(f"bench: wrote {args.output}\n")
        elif final:
            sys.stdout.write(text)

    save(run_parts(args.scale, args.only, after_part=save), final=True)


if __name__ == "__main__":
    main()
