from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.models import Client
from accounts.roles import CLIENT_ROLES, Role
from accounts.tenancy import get_for_user_or_404
from catalogue import services
from catalogue.forms import request_form_class
from catalogue.models import CatalogueRequest


def _client_staff(request):
    if request.user.role not in CLIENT_ROLES:
        raise PermissionDenied("Catalogue requests are made by the client's staff.")
    return request.user.client


@login_required
def item_list(request):
    client = _client_staff(request)
    items = [
        (item, services.allowance(client, item))
        for item in services.entitled_items(client)
    ]
    return render(request, "catalogue/item_list.html", {"items": items})


@login_required
def item_request(request, code: str):
    client = _client_staff(request)
    item = get_object_or_404(services.entitled_items(client), code=code)
    allowance = services.allowance(client, item)
    form_class = request_form_class(item, client)
    data = request.POST if request.method == "POST" else None
    form = form_class(data, initial={"expected_price": allowance.next_price})
    if request.method == "POST" and form.is_valid():
        answers = {k: v for k, v in form.cleaned_data.items() if k != "expected_price"}
        try:
            created = services.submit_request(
                client,
                item,
                request.user,
                answers,
                expected_price=form.cleaned_data.get("expected_price"),
            )
        except ValidationError as error:
            _add_errors(form, error)
            allowance = services.allowance(client, item)
        else:
            messages.success(
                request, f"{item.name} submitted as ticket {created.ticket.reference}."
            )
            return redirect("catalogue:request_detail", pk=created.pk)
    return render(
        request,
        "catalogue/item_request.html",
        {"item": item, "allowance": allowance, "form": form},
    )


def _add_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(
            field if field in form.fields and field != "expected_price" else None,
            errors,
        )


@login_required
def request_list(request):
    rows = (
        CatalogueRequest.objects.for_user(request.user)
        .select_related("item", "ticket", "client")
        .order_by("-submitted_at")[:200]
    )
    return render(request, "catalogue/request_list.html", {"requests": rows})


@login_required
def request_detail(request, pk: int):
    queryset = CatalogueRequest.objects.select_related(
        "item", "ticket", "client", "renewal_csr"
    ).prefetch_related("certificates")
    row = get_for_user_or_404(queryset, request.user, pk=pk)
    return render(request, "catalogue/request_detail.html", {"request_row": row})


def _month(value: str | None) -> date:
    today = timezone.now().date()
    if not value:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValidationError(
            "Month %(value)r is invalid. Use the form YYYY-MM, e.g. 2026-11.",
            code="invalid_month",
            params={"value": value},
        ) from None


@login_required
def billing(request):
    if request.user.role == Role.CLIENT_USER:
        raise PermissionDenied("Billing is shown to client admins and the provider.")
    error = None
    try:
        period = _month(request.GET.get("month"))
    except ValidationError as exc:
        error, period = exc.messages[0], timezone.now().date().replace(day=1)
    clients = Client.objects.for_user(request.user).order_by("name")
    lines = services.billing_summaries(clients, period)
    summaries = [(client, lines.get(client.pk, [])) for client in clients]
    return render(
        request,
        "catalogue/billing.html",
        {"period": period, "summaries": summaries, "error": error},
    )
