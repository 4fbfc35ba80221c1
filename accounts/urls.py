from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("people/", views.people_list, name="people_list"),
    path("people/add/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_update, name="person_update"),
    path(
        "people/<int:pk>/deactivate/",
        views.person_deactivate,
        name="person_deactivate",
    ),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
