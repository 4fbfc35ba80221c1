"""Portal pages: notices, expiring certificates, endpoints, installs, domains."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.tenancy import get_for_user_or_404, scope
from certificates.models import Certificate, Endpoint
from monitoring import installation, tasks, verification
from monitoring.choices import VerificationOutcome
from monitoring.domains import monthly_availability
from monitoring.expiry import days_left, recently_expiring
from monitoring.forms import DiscoveryForm, InstallForm, MonitoredDomainForm
from monitoring.models import (
    InstallationTask,
    MonitoredDomain,
    Notice,
    VerificationResult,
)
from monitoring.permissions import can_install, can_manage

LIST_LIMIT = 200
EXPIRING_DAYS = 90


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
def notice_list(request):
    notices = Notice.objects.filter(recipient=request.user).select_related(
        "certificate"
    )[:LIST_LIMIT]
    return render(request, "monitoring/notice_list.html", {"notices": notices})


@login_required
@require_POST
def notice_read(request, pk: int):
    notice = get_for_user_or_404(
        Notice.objects.filter(recipient=request.user), request.user, pk=pk
    )
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return redirect("monitoring:notice_list")


@login_required
def expiring(request):
    now = timezone.now()
    certificates = recently_expiring(
        scope(Certificate.objects.select_related("client"), request.user),
        now,
        EXPIRING_DAYS,
    ).prefetch_related("endpoints")[:LIST_LIMIT]
    rows = [
        (certificate, days_left(certificate.not_after, certificate.client.zone, now))
        for certificate in certificates
    ]
    return render(request, "monitoring/expiring.html", {"rows": rows})


@login_required
def endpoint_list(request):
    latest = VerificationResult.objects.filter(endpoint=OuterRef("pk")).order_by(
        "-checked_at", "-pk"
    )
    endpoints = scope(
        Endpoint.objects.select_related("client", "certificate").annotate(
            last_outcome=Subquery(latest.values("outcome")[:1]),
            last_checked_at=Subquery(latest.values("checked_at")[:1]),
        ),
        request.user,
    ).order_by("hostname", "port")[:LIST_LIMIT]
    outcomes = dict(VerificationOutcome.choices)
    rows = [
        (endpoint, outcomes.get(endpoint.last_outcome, "")) for endpoint in endpoints
    ]
    return render(request, "monitoring/endpoint_list.html", {"rows": rows})


@login_required
def endpoint_detail(request, pk: int):
    endpoint = get_for_user_or_404(
        Endpoint.objects.select_related("client", "certificate"), request.user, pk=pk
    )
    context = {
        "endpoint": endpoint,
        "results": endpoint.verification_results.select_related("expected_certificate")[
            :20
        ],
        "tasks": endpoint.installation_tasks.select_related("certificate")[:20],
        "form": InstallForm(endpoint=endpoint) if can_install(request.user) else None,
    }
    return render(request, "monitoring/endpoint_detail.html", context)


@login_required
@require_POST
def endpoint_install(request, pk: int):
    endpoint = get_for_user_or_404(
        Endpoint.objects.select_related("client"), request.user, pk=pk
    )
    _require(can_install(request.user))
    form = InstallForm(request.POST, endpoint=endpoint)
    if not form.is_valid():
        for error in form.errors.get("certificate", []):
            messages.error(request, f"Certificate: {error}")
        return redirect("monitoring:endpoint_detail", pk=endpoint.pk)
    try:
        task = installation.open_installation(
            endpoint, form.cleaned_data["certificate"], actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("monitoring:endpoint_detail", pk=endpoint.pk)
    return redirect("monitoring:installation_detail", pk=task.pk)


@login_required
@require_POST
def endpoint_verify(request, pk: int):
    endpoint = get_for_user_or_404(Endpoint, request.user, pk=pk)
    tasks.verify_endpoint.delay(endpoint.pk)
    messages.info(request, f"Verification of {endpoint} started.")
    return redirect("monitoring:endpoint_detail", pk=endpoint.pk)


@login_required
def installation_detail(request, pk: int):
    task = get_for_user_or_404(
        InstallationTask.objects.select_related("endpoint", "certificate", "ticket"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "monitoring/installation_detail.html",
        {"task": task, "can_download": can_install(request.user)},
    )


@never_cache
@login_required
@require_POST
def installation_bundle(request, pk: int):
    task = get_for_user_or_404(
        InstallationTask.objects.select_related(
            "endpoint__client", "certificate__private_key"
        ),
        request.user,
        pk=pk,
    )
    _require(can_install(request.user))
    if task.certificate.private_key is None:
        messages.error(request, "This certificate has no private key in the portal.")
        return redirect("monitoring:installation_detail", pk=task.pk)
    bundle = installation.build_bundle(task, request=request)
    response = HttpResponse(bundle.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bundle.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def domain_list(request):
    domains = list(
        scope(MonitoredDomain.objects.select_related("client"), request.user)[
            :LIST_LIMIT
        ]
    )
    month = timezone.now().date().replace(day=1)
    availability = monthly_availability([domain.pk for domain in domains], month)
    rows = [(domain, availability[domain.pk]) for domain in domains]
    return render(
        request,
        "monitoring/domain_list.html",
        {"rows": rows, "month": month, "can_manage": can_manage(request.user)},
    )


@login_required
def domain_create(request):
    _require(can_manage(request.user))
    form = MonitoredDomainForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        domain = form.save(commit=False)
        domain.client = form.chosen_client()
        domain.save()
        messages.success(request, f"{domain.target} is now monitored.")
        return redirect("monitoring:domain_detail", pk=domain.pk)
    return render(request, "monitoring/domain_form.html", {"form": form})


def _month_param(value: str | None) -> date:
    today = timezone.now().date().replace(day=1)
    if not value:
        return today
    try:
        year, month = (int(part) for part in value.split("-"))
        chosen = date(year, month, 1)
    except ValueError:
        return today
    # The month after December 9999 does not exist, so the last month is refused.
    return chosen if chosen.year < 9999 else today


@login_required
def domain_detail(request, pk: int):
    domain = get_for_user_or_404(
        MonitoredDomain.objects.select_related("client"), request.user, pk=pk
    )
    month = _month_param(request.GET.get("month"))
    context = {
        "domain": domain,
        "month": month,
        "availability": monthly_availability([domain.pk], month)[domain.pk],
        "checks": domain.checks.all()[:50],
        "downtimes": domain.downtime_events.all()[:20],
    }
    return render(request, "monitoring/domain_detail.html", context)


@login_required
def discovery(request):
    _require(can_manage(request.user))
    form = DiscoveryForm(request.POST or None, user=request.user)
    items = None
    if request.method == "POST" and form.is_valid():
        items = verification.discover(
            form.chosen_client(), form.cleaned_data["targets"], actor=request.user
        )
    return render(request, "monitoring/discovery.html", {"form": form, "items": items})
