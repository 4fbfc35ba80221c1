from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from certportal import views
from issuance import views as issuance_views

urlpatterns = [
    path("", account_views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("certificates/", include("certificates.urls")),
    path("orders/", include("issuance.urls")),
    # Public: ACME CAs fetch HTTP-01 tokens here without signing in.
    path(
        ".well-known/acme-challenge/<str:token>",
        issuance_views.acme_challenge,
        name="acme-challenge",
    ),
    path("tickets/", include("servicedesk.urls")),
    path("governance/", include("governance.urls")),
    path("catalogue/", include("catalogue.urls")),
    path("reports/", include("reporting.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("certportal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
]

admin.site.site_header = "CertPortal console"
admin.site.site_title = "CertPortal console"
admin.site.index_title = "Service desk and certificates"
