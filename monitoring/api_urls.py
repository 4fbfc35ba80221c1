from rest_framework.routers import SimpleRouter

from monitoring import api

router = SimpleRouter()
router.register(
    "verification-results",
    api.VerificationResultViewSet,
    basename="verification-result",
)
router.register(
    "monitored-domains", api.MonitoredDomainViewSet, basename="monitored-domain"
)
router.register("notices", api.NoticeViewSet, basename="notice")

urlpatterns = router.urls
