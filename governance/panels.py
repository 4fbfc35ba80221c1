"""Context builders of the governance dashboard panels; each runs a fixed number
of queries."""

from governance import raci
from governance.choices import ChangeState
from governance.models import ChangeRequest

PANEL_ROWS = 10


def changes_to_approve(request) -> dict:
    """Return the client's changes awaiting approval, if the person may approve."""
    user = request.user
    if not raci.may_approve(user, raci.Code.APPROVE_SCOPE_CHANGE, user.client):
        return {"may_approve": False, "changes": []}
    pending = ChangeRequest.objects.filter(
        client=user.client, state=ChangeState.AWAITING_APPROVAL
    ).order_by("window_start", "pk")[:PANEL_ROWS]
    return {"may_approve": True, "changes": list(pending)}
