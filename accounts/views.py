from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from certportal.navigation import panels_for


@login_required
def dashboard(request):
    """The landing page: the panels registered for the person's role."""
    return render(
        request,
        "accounts/dashboard.html",
        {"panels": panels_for(request), "role_label": request.user.get_role_display()},
    )
