"""A URL configuration for the error page tests: the portal's plus a failing view."""

from django.urls import path

from certportal.urls import urlpatterns as portal_patterns


def fail(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [*portal_patterns, path("test-failure/", fail)]
