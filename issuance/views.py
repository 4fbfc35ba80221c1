from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.roles import CLIENT_ROLES, PROVIDER_ROLES
from accounts.tenancy import get_for_user_or_404, scope
from certificates.models import Certificate, CertificateSigningRequest
from issuance import services
from issuance.choices import (
    AcmeStatus,
    ChallengeResponder,
    ChallengeType,
    OrderStatus,
)
from issuance.forms import CertificateUploadForm, OrderStartForm, RevocationForm
from issuance.models import Authorization, Challenge, Order, Quote

PAGE_SIZE = 50


@require_GET
@never_cache
def acme_challenge(request, token: str):
    """Serve the HTTP-01 key authorization of a challenge the portal responds to.

    Public by design, because the CA fetches it without signing in. Only tokens
    of validating orders with the portal as responder are served.
    """
    challenge = (
        Challenge.objects.filter(
            token=token,
            type=ChallengeType.HTTP_01,
            status__in=(AcmeStatus.PENDING, AcmeStatus.PROCESSING),
            authorization__order__responder=ChallengeResponder.PORTAL,
            authorization__order__status=OrderStatus.VALIDATING,
        )
        .only("key_authorization")
        .first()
    )
    if challenge is None:
        raise Http404("No pending challenge has this token.")
    return HttpResponse(challenge.key_authorization, content_type="text/plain")


def _apply(form, call) -> bool:
    """Run a service call; put its validation errors on the form."""
    try:
        call()
    except ValidationError as error:
        for field, errors in error.update_error_dict({}).items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


@login_required
def order_list(request):
    orders = scope(Order.objects.all(), request.user).select_related(
        "client", "provider", "csr", "certificate"
    )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "issuance/order_list.html", {"page": page})


def _order_for(request, pk):
    queryset = Order.objects.select_related(
        "client", "provider", "csr", "certificate", "quote"
    ).prefetch_related(
        Prefetch(
            "authorizations",
            queryset=Authorization.objects.prefetch_related("challenges"),
        )
    )
    return get_for_user_or_404(queryset, request.user, pk=pk)


@login_required
def order_detail(request, pk: int):
    order = _order_for(request, pk)
    context = {
        "order": order,
        "is_provider_staff": request.user.role in PROVIDER_ROLES,
        "upload_form": CertificateUploadForm(),
        "revocation_form": RevocationForm(),
    }
    return render(request, "issuance/order_detail.html", context)


@role_required(*PROVIDER_ROLES)
def order_start(request, csr_pk: int):
    csr = get_for_user_or_404(CertificateSigningRequest, request.user, pk=csr_pk)
    form = OrderStartForm(request.POST or None, csr=csr, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = {}

        def start():
            result["order"] = services.start_order(
                csr,
                data["provider"],
                actor=request.user,
                quote=data["quote"],
                responder=data["responder"],
            )

        if _apply(form, start):
            messages.success(request, "The order was created.")
            return redirect("issuance:order_detail", pk=result["order"].pk)
    return render(request, "issuance/order_start.html", {"form": form, "csr": csr})


@require_POST
@role_required(*PROVIDER_ROLES)
def order_upload(request, pk: int):
    order = _order_for(request, pk)
    form = CertificateUploadForm(request.POST)
    if form.is_valid() and _apply(
        form,
        lambda: services.upload_manual_certificate(
            order, form.cleaned_data["certificate"], actor=request.user
        ),
    ):
        messages.success(request, "The certificate was stored.")
        return redirect("issuance:order_detail", pk=order.pk)
    context = {
        "order": order,
        "is_provider_staff": True,
        "upload_form": form,
        "revocation_form": RevocationForm(),
    }
    return render(request, "issuance/order_detail.html", context, status=400)


@require_POST
@login_required
def order_confirm_published(request, pk: int):
    order = _order_for(request, pk)
    try:
        services.confirm_challenges_published(order, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The CA will now check the published challenges.")
    return redirect("issuance:order_detail", pk=order.pk)


@role_required(*PROVIDER_ROLES)
def certificate_revoke(request, certificate_pk: int):
    certificate = get_for_user_or_404(Certificate, request.user, pk=certificate_pk)
    form = RevocationForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _apply(
            form,
            lambda: services.revoke_certificate(
                certificate,
                form.cleaned_data["reason"],
                actor=request.user,
                request=request,
            ),
        )
    ):
        messages.success(request, "The certificate was revoked.")
        return redirect("issuance:order_list")
    return render(
        request,
        "issuance/certificate_revoke.html",
        {"form": form, "certificate": certificate},
    )


@login_required
def quote_list(request):
    quotes = scope(Quote.objects.all(), request.user).select_related(
        "client", "product", "product__provider"
    )
    page = Paginator(quotes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "issuance/quote_list.html", {"page": page})


def _quote_for(request, pk):
    queryset = Quote.objects.select_related(
        "client", "product", "product__provider"
    ).prefetch_related("lines")
    return get_for_user_or_404(queryset, request.user, pk=pk)


@login_required
def quote_detail(request, pk: int):
    quote = _quote_for(request, pk)
    can_decide = request.user.role in CLIENT_ROLES
    return render(
        request,
        "issuance/quote_detail.html",
        {"quote": quote, "can_decide": can_decide},
    )


@require_POST
@role_required(*CLIENT_ROLES)
def quote_decide(request, pk: int):
    quote = _quote_for(request, pk)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(
            request,
            f"{decision!r} is not a decision on a quote. Choose accept or decline.",
        )
        return redirect("issuance:quote_detail", pk=quote.pk)
    decide = services.accept_quote if decision == "accept" else services.decline_quote
    try:
        decide(quote, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"You chose to {decision} the quote.")
    return redirect("issuance:quote_detail", pk=quote.pk)
