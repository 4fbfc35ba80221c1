from django.urls import path

from catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.item_list, name="item_list"),
    path("items/<slug:code>/request/", views.item_request, name="item_request"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("billing/", views.billing, name="billing"),
]
