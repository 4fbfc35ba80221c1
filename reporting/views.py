"""Portal pages of the reports: list and request, progress, status and download."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.access import role_required
from accounts.tenancy import get_for_user_or_404, scope
from reporting import services
from reporting.choices import FileFormat
from reporting.forms import ReportRequestForm
from reporting.models import Report, ReportFile

REPORTS_PER_PAGE_LIMIT = 200


@role_required(*services.REPORT_ROLES)
def report_list(request):
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.request_report(
                form.cleaned_data["client"],
                form.cleaned_data["period"],
                request.user,
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{report} is being generated.")
            return redirect("reporting:report_detail", pk=report.pk)
    reports = (
        scope(Report.objects.all(), request.user)
        .select_related("client")
        .prefetch_related("files")
        .order_by("-period", "client__name", "kind")[:REPORTS_PER_PAGE_LIMIT]
    )
    return render(
        request,
        "reporting/report_list.html",
        {"form": form, "reports": reports, "limit": REPORTS_PER_PAGE_LIMIT},
    )


def _add_errors(form, error: ValidationError) -> None:
    for field, field_errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


@role_required(*services.REPORT_ROLES)
def report_detail(request, pk: int):
    report = get_for_user_or_404(
        Report.objects.select_related("client").prefetch_related("files"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "reporting/report_detail.html",
        {"report": report, "status_url": reverse("reporting:report_status", args=[pk])},
    )


@require_GET
@role_required(*services.REPORT_ROLES)
def report_status(request, pk: int):
    """JSON polled by the progress page: state, percent and download links."""
    report = get_for_user_or_404(
        Report.objects.prefetch_related("files"), request.user, pk=pk
    )
    return JsonResponse(status_payload(report))


def status_payload(report: Report) -> dict:
    # Files of an earlier run stay downloadable while a rerun is in progress:
    # they are replaced only when the new set is complete.
    downloads = {
        item.format: reverse(
            "reporting:report_download",
            kwargs={"pk": report.pk, "file_format": item.format},
        )
        for item in report.files.all()
    }
    return {
        "state": report.state,
        "state_label": report.get_state_display(),
        "progress": report.progress,
        "error": report.error,
        "finished": report.is_finished,
        "downloads": downloads,
    }


@require_GET
@role_required(*services.REPORT_ROLES)
def report_download(request, pk: int, file_format: str):
    report = get_for_user_or_404(
        Report.objects.select_related("client"), request.user, pk=pk
    )
    return file_response(report, file_format, request)


def file_response(report: Report, file_format: str, request) -> FileResponse:
    """Stream a stored report file and audit the download."""
    if file_format not in FileFormat.values:
        raise Http404(f"Unknown report format {file_format!r}. Use csv, xlsx or pdf.")
    report_file = ReportFile.objects.filter(report=report, format=file_format).first()
    if report_file is None:
        raise Http404("The report has no file in this format yet.")
    try:
        handle = report_file.file.open("rb")
    except FileNotFoundError:
        raise Http404(
            "The report file is missing. Generate the report again."
        ) from None
    report_file.report = report
    services.record_download(report_file, request)
    response = FileResponse(
        handle, as_attachment=True, filename=report_file.download_name
    )
    response["Cache-Control"] = "no-store"
    response["X-Checksum-SHA256"] = report_file.sha256
    return response
