from rest_framework.routers import SimpleRouter

from governance.api import ChangeRequestViewSet, IncidentReportViewSet, RaciViewSet

router = SimpleRouter()
router.register("raci", RaciViewSet, basename="raci")
router.register("changes", ChangeRequestViewSet, basename="change-request")
router.register("incident-reports", IncidentReportViewSet, basename="incident-report")

urlpatterns = router.urls
