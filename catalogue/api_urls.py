from rest_framework.routers import DefaultRouter

from catalogue.api import CatalogueItemViewSet, CatalogueRequestViewSet

router = DefaultRouter()
router.register("catalogue/items", CatalogueItemViewSet, basename="catalogue-item")
router.register(
    "catalogue/requests", CatalogueRequestViewSet, basename="catalogue-request"
)

urlpatterns = router.urls
