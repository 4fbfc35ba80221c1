from rest_framework.routers import SimpleRouter

from catalogue.api import CatalogueItemViewSet, CatalogueRequestViewSet

router = SimpleRouter()
router.register("catalogue/items", CatalogueItemViewSet, basename="catalogue-item")
router.register(
    "catalogue/requests", CatalogueRequestViewSet, basename="catalogue-request"
)

urlpatterns = router.urls
