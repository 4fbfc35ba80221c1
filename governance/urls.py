from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("raci/", views.raci_matrix, name="raci"),
    path("changes/", views.ChangeListView.as_view(), name="change_list"),
    path("changes/new/", views.change_create, name="change_create"),
    path("changes/<int:pk>/", views.ChangeDetailView.as_view(), name="change_detail"),
    path("changes/<int:pk>/edit/", views.change_edit, name="change_edit"),
    path(
        "changes/<int:pk>/transition/",
        views.change_transition,
        name="change_transition",
    ),
    path("incidents/", views.ReportListView.as_view(), name="report_list"),
    path("incidents/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("incidents/<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
]
