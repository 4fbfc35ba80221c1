from django.urls import path

from servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("new/", views.ticket_create, name="ticket_create"),
    path("<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("<int:pk>/reply/", views.ticket_reply, name="ticket_reply"),
    path("<int:pk>/confirm/", views.ticket_confirm, name="ticket_confirm"),
    path("<int:pk>/reopen/", views.ticket_reopen, name="ticket_reopen"),
    path(
        "attachments/<int:pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
]
