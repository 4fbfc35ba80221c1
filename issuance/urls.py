from django.urls import path

from issuance import views

app_name = "issuance"

urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("<int:pk>/", views.order_detail, name="order_detail"),
    path("<int:pk>/upload/", views.order_upload, name="order_upload"),
    path(
        "<int:pk>/published/",
        views.order_confirm_published,
        name="order_confirm_published",
    ),
    path("csr/<int:csr_pk>/order/", views.order_start, name="order_start"),
    path(
        "certificate/<int:certificate_pk>/revoke/",
        views.certificate_revoke,
        name="certificate_revoke",
    ),
    path("quotes/", views.quote_list, name="quote_list"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote_detail"),
    path("quotes/<int:pk>/decide/", views.quote_decide, name="quote_decide"),
]
