"""Write one benchmark run as Markdown: machine, commands, sizes and figures."""

import datetime as dt
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

ANALYSIS = Path(__file__).resolve().parent / "analysis.md"
PART_TITLES = {
    "lists": "Certificate list page and API, L1 ticket changelist",
    "expiry": "Daily expiry sweep",
    "report": "Monthly report",
    "probes": "Endpoint verification and domain probes",
    "keys": "Key and CSR generation",
    "availability": "Monthly availability",
}


def value(number: float, unit: str) -> str:
    if unit != "s":
        return f"{number:,.1f} {unit}"
    if number < 0.001:
        return f"{number * 1e6:,.0f} µs"
    if number < 1:
        return f"{number * 1000:,.1f} ms"
    return f"{number:,.2f} s"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                kib = int(line.split()[1])
                return f"{kib / 2**20:,.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


@dataclass
class Run:
    scale: str
    arguments: list[str]
    started: dt.datetime
    load_before: str
    sizes: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)
    finished: dt.datetime | None = None
    load_after: str = ""
    database: str = ""

    @classmethod
    def start(cls, scale: str, arguments: list[str]) -> "Run":
        return cls(scale, list(arguments), dt.datetime.now(dt.UTC), _load())

    def measure_sizes(self) -> None:
        from django.db import connection

        from accounts.models import Client
        from bench.world import load
        from certificates.models import Certificate
        from monitoring.models import DomainCheck, MonitoredDomain
        from servicedesk.models import Ticket

        world = load(self.scale)
        self.sizes = {
            "clients": Client.objects.count(),
            "certificates": Certificate.objects.count(),
            "tickets": Ticket.objects.count(),
            "monitored domains": MonitoredDomain.objects.count(),
            "domain checks": DomainCheck.objects.count(),
        }
        for label, client in (
            ("list client", world.list_client),
            ("report client", world.report_client),
            ("streaming client", world.stream_client),
        ):
            count = Certificate.objects.filter(client=client).count()
            self.sizes[f"certificates of the {label} ({client.slug})"] = count
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
                self.database = f"PostgreSQL {cursor.fetchone()[0]}"
            else:
                self.database = connection.vendor

    def finish(self) -> None:
        self.finished = dt.datetime.now(dt.UTC)
        self.load_after = _load()


def _machine(run: Run) -> list[str]:
    return [
        "## Machine",
        "",
        f"- CPU: {_cpu_model()}, `nproc` = {os.cpu_count()}; memory {_memory()}",
        f"- Load average (1/5/15 min) at the start: {run.load_before}; "
        f"at the end: {run.load_after}",
        f"- {run.database}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}",
        f"- Run from {run.started:%Y-%m-%d %H:%M} to {run.finished:%H:%M} UTC "
        f"({(run.finished - run.started).total_seconds() / 60:,.0f} min), size "
        f"`{run.scale}`",
        "",
        "The machine is shared and heavily loaded (two cores, other jobs running, "
        "load averages above), so absolute times are noisy and slower than on a "
        "quiet machine. Each figure is compared with its floor measured "
        "alternately in the same process, which cancels much of that noise; "
        "the ratio is the figure to read.",
        "",
    ]


def _commands(run: Run) -> list[str]:
    arguments = " ".join(run.arguments)
    return [
        "## Commands",
        "",
        "```sh",
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/certportal_bench \\",
        "  .venv/bin/python manage.py seed_scale --clients 50 "
        "--certificates 1000000 --tickets 200000 --checks 5000000",
        f".venv/bin/python bench/run.py {arguments}".rstrip(),
        "# one part alone: .venv/bin/python bench/run.py --only lists --scale full",
        "```",
        "",
        "`make bench` runs the second line with `--seed --output "
        "docs/benchmarks.md` (seeding first when the database is empty).",
        "",
        "## Sizes used",
        "",
        *[f"- {label}: {count:,}" for label, count in run.sizes.items()],
        "",
    ]


def _met(figure) -> str:
    return {True: "yes", False: "**no**", None: "-"}[figure.met]


def _table(figures) -> list[str]:
    lines = [
        "| figure | median | p95 | spread (min-max) | n | floor median | ratio "
        "| queries | target | met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        s = f.subject
        floor = value(f.floor.median, f.unit) if f.floor else "-"
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else "-"
        queries = str(f.queries) if f.queries is not None else "-"
        lines.append(
            f"| {f.name} | {value(s.median, f.unit)} | {value(s.p95, f.unit)} | "
            f"{value(s.low, f.unit)} - {value(s.high, f.unit)} | {len(s.samples)} | "
            f"{floor} | {ratio} | {queries} | {f.target or '-'} | {_met(f)} |"
        )
    return lines


def _notes(figures) -> list[str]:
    lines = []
    for f in figures:
        extra = [f"floor: {f.floor_name}"] if f.floor_name else []
        if f.floor and len(f.floor.samples) > 1:
            extra.append(
                f"floor p95 {value(f.floor.p95, f.unit)}, spread "
                f"{value(f.floor.low, f.unit)} - {value(f.floor.high, f.unit)}"
            )
        for note in extra + f.notes:
            lines.append(f"- {f.name}: {note}")
    return lines


def write(run: Run, final: bool = True) -> str:
    lines = [
        "# Benchmarks",
        "",
        *(
            []
            if final
            else ["**This run has not finished: parts below may be missing.**", ""]
        ),
        "Written by `make bench` (bench/run.py); the analysis at the end is "
        "kept in bench/analysis.md. p95 is the nearest-rank 95th percentile of the "
        "repeats; with few repeats it is close to the maximum.",
        "",
        *_machine(run),
        *_commands(run),
        "## Results",
        "",
    ]
    for part, title in PART_TITLES.items():
        figures = [f for f in run.figures if f.part == part]
        if not figures:
            continue
        lines += [f"### {title}", "", *_table(figures), "", *_notes(figures), ""]
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text().rstrip(), ""]
    return "\n".join(lines)
