from rest_framework.routers import SimpleRouter

from issuance import api

router = SimpleRouter()
router.register("orders", api.OrderViewSet, basename="issuance-order")
router.register("quotes", api.QuoteViewSet, basename="issuance-quote")

urlpatterns = router.urls
