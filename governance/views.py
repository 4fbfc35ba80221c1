from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from accounts.models import Client
from accounts.tenancy import TenantScopedMixin, get_for_user_or_404, scope
from governance import changes, incidents, raci
from governance.choices import ReportState
from governance.forms import ChangeRequestForm
from governance.models import ChangeDecision, ChangeRequest, IncidentReport


def _client_for_matrix(request) -> Client | None:
    user = request.user
    if user.is_client_staff:
        return user.client
    slug = request.GET.get("client")
    if not slug:
        return None
    return get_for_user_or_404(Client, user, slug=slug)


@login_required
def raci_matrix(request):
    """Render the RACI matrix with the overrides of the person's client applied."""
    client = _client_for_matrix(request)
    rows = raci.matrix_for(client)
    clients = (
        []
        if request.user.is_client_staff
        else scope(Client.objects.all(), request.user)
    )
    return render(
        request,
        "governance/raci.html",
        {"rows": rows, "client": client, "clients": clients},
    )


class ChangeListView(LoginRequiredMixin, TenantScopedMixin, ListView):
    model = ChangeRequest
    paginate_by = 50
    template_name = "governance/change_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("client")


class ChangeDetailView(LoginRequiredMixin, TenantScopedMixin, DetailView):
    model = ChangeRequest
    template_name = "governance/change_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("client", "requested_by")
            .prefetch_related(
                "certificates",
                "endpoints",
                "tickets",
                Prefetch("decisions", ChangeDecision.objects.order_by("decided_at")),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["moves"] = changes.moves_for(self.request.user, self.object)
        return context


def _save_form(request, form):
    try:
        change = changes.save_change(
            form.instance,
            request.user,
            certificates=list(form.cleaned_data["certificates"]),
            endpoints=list(form.cleaned_data["endpoints"]),
            tickets=list(form.cleaned_data["tickets"]),
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return None
    return change


@login_required
def change_create(request):
    form = ChangeRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        change = _save_form(request, form)
        if change is not None:
            messages.success(request, f"Change CHG-{change.pk} saved as a draft.")
            return redirect("governance:change_detail", pk=change.pk)
    return render(request, "governance/change_form.html", {"form": form})


@login_required
def change_edit(request, pk):
    change = get_for_user_or_404(ChangeRequest, request.user, pk=pk)
    form = ChangeRequestForm(request.POST or None, instance=change, user=request.user)
    if request.method == "POST" and form.is_valid():
        if _save_form(request, form) is not None:
            messages.success(request, f"Change CHG-{change.pk} saved.")
            return redirect("governance:change_detail", pk=change.pk)
    return render(
        request, "governance/change_form.html", {"form": form, "change": change}
    )


@require_POST
@login_required
def change_transition(request, pk):
    """Make one move of the workflow; errors come back as messages."""
    change = get_for_user_or_404(ChangeRequest, request.user, pk=pk)
    target = request.POST.get("target", "")
    try:
        changes.transition(
            change.pk, target, request.user, request.POST.get("note", "")
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        change.refresh_from_db()
        messages.success(
            request,
            f"Change CHG-{change.pk} is now {change.get_state_display().lower()}.",
        )
    return redirect("governance:change_detail", pk=change.pk)


def visible_reports(user):
    """Client staff see published reports only; drafts stay with the provider."""
    reports = scope(IncidentReport.objects.all(), user)
    if user.is_client_staff:
        reports = reports.filter(state=ReportState.PUBLISHED)
    return reports


class ReportListView(LoginRequiredMixin, ListView):
    paginate_by = 50
    template_name = "governance/report_list.html"

    def get_queryset(self):
        return visible_reports(self.request.user).select_related("client", "ticket")


class ReportDetailView(LoginRequiredMixin, DetailView):
    template_name = "governance/report_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        return (
            visible_reports(self.request.user)
            .select_related("client", "ticket")
            .prefetch_related("timeline")
        )


@login_required
def report_pdf(request, pk):
    try:
        report = (
            visible_reports(request.user)
            .select_related("client")
            .prefetch_related("timeline")
            .get(pk=pk)
        )
    except IncidentReport.DoesNotExist:
        raise Http404("No incident report matches the request.") from None
    response = HttpResponse(
        incidents.render_pdf(report), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="incident-report-{report.pk}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
