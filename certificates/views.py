"""Portal pages of the certificate inventory. Each view fetches through the tenancy
helpers, checks the person's right to write, and calls one service function."""

from datetime import timedelta

from cryptography import x509
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import DeleteView, ListView

from accounts.tenancy import TenantScopedMixin, get_for_user_or_404
from audit.models import AuditEvent
from certificates import exports
from certificates.choices import CertificateStatus
from certificates.filters import apply_filters
from certificates.forms import (
    CertificateFilterForm,
    CsrGenerateForm,
    CsrUploadForm,
    EndpointForm,
    ImportForm,
    KeyDownloadForm,
    Pkcs12Form,
)
from certificates.models import Certificate, CertificateSigningRequest, Endpoint
from certificates.x509info import to_unicode

PAGE_SIZE = 50
LIST_COLUMNS = (
    "pk",
    "client__name",
    "common_name",
    "subject",
    "issuer_common_name",
    "not_after",
    "status",
    "purchased_through",
    "key_algorithm",
    "key_size",
)


def can_write(user, codename: str) -> bool:
    """Client staff manage their own inventory; provider staff need the permission."""
    return user.is_client_staff or user.has_perm(f"certificates.{codename}")


def require_write(user, codename: str) -> None:
    if not can_write(user, codename):
        raise PermissionDenied


def _attachment(content, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def certificate_list(request):
    form = CertificateFilterForm(request.user, request.GET or None)
    queryset = Certificate.objects.for_user(request.user)
    if form.is_bound and form.is_valid():
        queryset = apply_filters(queryset, form.cleaned_data)
    page = Paginator(queryset.values(*LIST_COLUMNS), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.now()
    for row in page.object_list:
        row["days_left"] = (row["not_after"] - today).days
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "certificates/certificate_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "show_client": not request.user.is_client_staff,
            "can_import": can_write(request.user, "add_certificate"),
        },
    )


def _chain_rows(certificate: Certificate) -> list[dict]:
    if not certificate.chain_pem:
        return []
    return [
        {
            "subject": item.subject.rfc4514_string(),
            "issuer": item.issuer.rfc4514_string(),
            "not_after": item.not_valid_after_utc,
        }
        for item in x509.load_pem_x509_certificates(certificate.chain_pem.encode())
    ]


def audit_trail(obj, label: str):
    """Return the events about `obj` and its private key, newest first."""
    condition = Q(object_type=label, object_id=str(obj.pk))
    if obj.private_key_id:
        condition |= Q(
            object_type="certificates.PrivateKey", object_id=str(obj.private_key_id)
        )
    return AuditEvent.objects.filter(condition, client_id=obj.client_id)[:100]


@login_required
def certificate_detail(request, pk):
    certificate = get_for_user_or_404(
        Certificate.objects.select_related("client", "replaces", "private_key"),
        request.user,
        pk=pk,
    )
    return render(
        request,
        "certificates/certificate_detail.html",
        {
            "certificate": certificate,
            "names": [to_unicode(name) for name in certificate.dns_names],
            "days_left": (certificate.not_after - timezone.now()).days,
            "chain": _chain_rows(certificate),
            "events": audit_trail(certificate, "certificates.Certificate"),
            "endpoints": certificate.endpoints.all(),
            "replaced_by": certificate.replaced_by.all(),
            "pkcs12_form": Pkcs12Form(),
            "key_form": KeyDownloadForm(request.user),
            "can_download_key": can_write(request.user, "change_certificate"),
        },
    )


@login_required
def certificate_download_pem(request, pk):
    certificate = get_for_user_or_404(Certificate, request.user, pk=pk)
    pem = exports.leaf_pem(certificate, request=request)
    return _attachment(
        pem, f"{exports.file_stem(certificate)}.pem", "application/x-pem-file"
    )


@login_required
def certificate_download_chain(request, pk):
    certificate = get_for_user_or_404(Certificate, request.user, pk=pk)
    pem = exports.full_chain_pem(certificate, request=request)
    return _attachment(
        pem, f"{exports.file_stem(certificate)}-fullchain.pem", "application/x-pem-file"
    )


@login_required
@require_POST
def certificate_download_pkcs12(request, pk):
    certificate = get_for_user_or_404(
        Certificate.objects.select_related("private_key"), request.user, pk=pk
    )
    require_write(request.user, "change_certificate")
    form = Pkcs12Form(request.POST)
    if form.is_valid():
        try:
            data = exports.pkcs12_bundle(
                certificate,
                form.cleaned_data["password"],
                encryption=form.cleaned_data["encryption"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _attachment(
                data, f"{exports.file_stem(certificate)}.p12", "application/x-pkcs12"
            )
    return render(
        request,
        "certificates/export_form.html",
        {"certificate": certificate, "form": form, "title": "Download PKCS#12"},
        status=400,
    )


@never_cache
@login_required
def certificate_download_key(request, pk):
    certificate = get_for_user_or_404(
        Certificate.objects.select_related("private_key", "client"),
        request.user,
        pk=pk,
    )
    require_write(request.user, "change_certificate")
    form = KeyDownloadForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pem = exports.private_key_pem(
                certificate,
                request.user,
                form.cleaned_data["password"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _attachment(
                pem, f"{exports.file_stem(certificate)}.key", "application/x-pem-file"
            )
    return render(
        request,
        "certificates/export_form.html",
        {"certificate": certificate, "form": form, "title": "Download private key"},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def certificate_import(request):
    require_write(request.user, "add_certificate")
    form = ImportForm(request.user, request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = form.run_import(request)
        if result is not None:
            messages.success(
                request,
                f"{len(result.created)} imported, "
                f"{len(result.unchanged)} already in the inventory.",
            )
            form = ImportForm(request.user)
    return render(request, "certificates/import.html", {"form": form, "result": result})


@login_required
def csr_list(request):
    csrs = CertificateSigningRequest.objects.for_user(request.user).select_related(
        "client"
    )
    page = Paginator(csrs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certificates/csr_list.html",
        {"page": page, "show_client": not request.user.is_client_staff},
    )


@login_required
def csr_generate(request):
    require_write(request.user, "add_certificatesigningrequest")
    form = CsrGenerateForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        csr = form.save(request)
        messages.success(request, "The key and CSR were generated.")
        return redirect("certificates:csr_detail", pk=csr.pk)
    return render(
        request,
        "certificates/csr_form.html",
        {"form": form, "title": "Generate a CSR"},
    )


@login_required
def csr_upload(request):
    require_write(request.user, "add_certificatesigningrequest")
    form = CsrUploadForm(request.user, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        csr = form.save(request)
        for warning in form.warnings:
            messages.warning(request, warning)
        messages.success(request, "The CSR was uploaded.")
        return redirect("certificates:csr_detail", pk=csr.pk)
    return render(
        request,
        "certificates/csr_form.html",
        {"form": form, "title": "Upload a CSR", "multipart": True},
    )


@login_required
def csr_detail(request, pk):
    csr = get_for_user_or_404(
        CertificateSigningRequest.objects.select_related("client"), request.user, pk=pk
    )
    return render(
        request,
        "certificates/csr_detail.html",
        {
            "csr": csr,
            "names": [to_unicode(name) for name in csr.dns_names],
            "events": audit_trail(csr, "certificates.CertificateSigningRequest"),
        },
    )


@login_required
def csr_download(request, pk):
    csr = get_for_user_or_404(CertificateSigningRequest, request.user, pk=pk)
    return _attachment(
        csr.pem, f"{csr.common_name.replace('*', 'wildcard')}.csr", "application/pkcs10"
    )


class EndpointListView(LoginRequiredMixin, TenantScopedMixin, ListView):
    model = Endpoint
    paginate_by = PAGE_SIZE
    template_name = "certificates/endpoint_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("client", "certificate")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["show_client"] = not self.request.user.is_client_staff
        context["can_edit"] = can_write(self.request.user, "add_endpoint")
        return context


@login_required
def endpoint_edit(request, pk=None):
    codename = "change_endpoint" if pk else "add_endpoint"
    endpoint = get_for_user_or_404(Endpoint, request.user, pk=pk) if pk else None
    require_write(request.user, codename)
    form = EndpointForm(request.user, request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Endpoint {form.instance} saved.")
        return redirect("certificates:endpoint_list")
    return render(
        request, "certificates/endpoint_form.html", {"form": form, "endpoint": endpoint}
    )


class EndpointDeleteView(LoginRequiredMixin, TenantScopedMixin, DeleteView):
    model = Endpoint
    template_name = "certificates/endpoint_confirm_delete.html"
    success_url = reverse_lazy("certificates:endpoint_list")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_write(request.user, "delete_endpoint")
        return super().dispatch(request, *args, **kwargs)


def expiry_panel(request) -> dict:
    """Counts for the dashboard panel of certificates near or past expiry."""
    now = timezone.now()
    counts = (
        Certificate.objects.for_user(request.user)
        .exclude(status__in=[CertificateStatus.REVOKED, CertificateStatus.REPLACED])
        .aggregate(
            within_7=Count(
                "pk", filter=Q(not_after__gt=now, not_after__lte=now + timedelta(7))
            ),
            within_30=Count(
                "pk", filter=Q(not_after__gt=now, not_after__lte=now + timedelta(30))
            ),
            expired=Count("pk", filter=Q(not_after__lte=now)),
        )
    )
    return {**counts, "list_url": reverse("certificates:certificate_list")}
