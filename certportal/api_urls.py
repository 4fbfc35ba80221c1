from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("certificates.api_urls")),
    path("", include("issuance.api_urls")),
    path("", include("servicedesk.api_urls")),
    path("", include("governance.api_urls")),
    path("", include("catalogue.api_urls")),
    path("", include("reporting.api_urls")),
    path("", include("monitoring.api_urls")),
]
