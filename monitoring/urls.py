from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice_read"),
    path("expiring/", views.expiring, name="expiring"),
    path("endpoints/", views.endpoint_list, name="endpoint_list"),
    path("endpoints/<int:pk>/", views.endpoint_detail, name="endpoint_detail"),
    path(
        "endpoints/<int:pk>/install/", views.endpoint_install, name="endpoint_install"
    ),
    path("endpoints/<int:pk>/verify/", views.endpoint_verify, name="endpoint_verify"),
    path(
        "installations/<int:pk>/",
        views.installation_detail,
        name="installation_detail",
    ),
    path(
        "installations/<int:pk>/bundle/",
        views.installation_bundle,
        name="installation_bundle",
    ),
    path("domains/", views.domain_list, name="domain_list"),
    path("domains/new/", views.domain_create, name="domain_create"),
    path("domains/<int:pk>/", views.domain_detail, name="domain_detail"),
    path("discovery/", views.discovery, name="discovery"),
]
