from rest_framework.routers import SimpleRouter

from certificates.api import CertificateViewSet, CsrViewSet, EndpointViewSet

router = SimpleRouter()
router.include_root_view = False
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("csrs", CsrViewSet, basename="csr")
router.register("endpoints", EndpointViewSet, basename="endpoint")

urlpatterns = router.urls
