from rest_framework.routers import SimpleRouter

from servicedesk import api

router = SimpleRouter()
router.register("tickets", api.TicketViewSet, basename="ticket")
router.register("ticket-updates", api.UpdateViewSet, basename="ticket-update")
router.register(
    "ticket-attachments", api.AttachmentViewSet, basename="ticket-attachment"
)

urlpatterns = router.urls
