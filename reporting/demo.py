"""Demo data of the reporting app: last month's reports and SLO results."""

from reporting import services, slo


def seed(clients: dict, people: dict, out) -> None:
    """Queue the monthly reports and compute the SLO results that are due.

    Both steps skip what exists, so a second run changes nothing. Demo
    certificates added today are after last month's end, so a fresh demo's
    reports list no certificates; they fill from next month on.
    """
    queued = services.generate_due_reports()
    computed = slo.compute_due_results()
    out.write(
        f"reporting: {queued} monthly reports queued, {computed} SLO results stored\n"
    )
