from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts import api_views

router = DefaultRouter()
router.register("clients", api_views.ClientViewSet, basename="client")
router.register("people", api_views.PersonViewSet, basename="person")
router.register("tokens", api_views.ApiTokenViewSet, basename="token")

urlpatterns = [
    path("me/", api_views.MeView.as_view(), name="me"),
    *router.urls,
]
