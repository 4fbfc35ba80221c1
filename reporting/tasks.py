"""Celery tasks of the reporting app; each is a thin caller of reporting.services."""

from celery import shared_task

from certportal.jobs import single_instance
from reporting import services, slo


@shared_task(name="reporting.generate_report", bind=True)
def generate_report(self, report_id: int, notify: bool = False) -> str | None:
    report = services.generate_report(report_id, notify=notify)
    return report.state if report else None


@shared_task(name="reporting.generate_monthly_reports", bind=True)
def generate_monthly_reports(self) -> int | None:
    return _generate_due_reports()


@single_instance("reporting.generate_monthly_reports")
def _generate_due_reports() -> int:
    return services.generate_due_reports()


@shared_task(name="reporting.compute_slo_results", bind=True)
def compute_slo_results(self) -> int | None:
    return _compute_due_slo_results()


@single_instance("reporting.compute_slo_results")
def _compute_due_slo_results() -> int:
    return slo.compute_due_results()
