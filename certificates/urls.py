from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("", views.certificate_list, name="certificate_list"),
    path("import/", views.certificate_import, name="certificate_import"),
    path("<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path(
        "<int:pk>/download/pem/",
        views.certificate_download_pem,
        name="certificate_download_pem",
    ),
    path(
        "<int:pk>/download/chain/",
        views.certificate_download_chain,
        name="certificate_download_chain",
    ),
    path(
        "<int:pk>/download/pkcs12/",
        views.certificate_download_pkcs12,
        name="certificate_download_pkcs12",
    ),
    path(
        "<int:pk>/download/key/",
        views.certificate_download_key,
        name="certificate_download_key",
    ),
    path("csrs/", views.csr_list, name="csr_list"),
    path("csrs/generate/", views.csr_generate, name="csr_generate"),
    path("csrs/upload/", views.csr_upload, name="csr_upload"),
    path("csrs/<int:pk>/", views.csr_detail, name="csr_detail"),
    path("csrs/<int:pk>/download/", views.csr_download, name="csr_download"),
    path("endpoints/", views.EndpointListView.as_view(), name="endpoint_list"),
    path("endpoints/new/", views.endpoint_edit, name="endpoint_create"),
    path("endpoints/<int:pk>/edit/", views.endpoint_edit, name="endpoint_update"),
    path(
        "endpoints/<int:pk>/delete/",
        views.EndpointDeleteView.as_view(),
        name="endpoint_delete",
    ),
]
