"""Context builders of the accounts app's dashboard panels. Each runs a fixed
number of queries, whatever the number of clients or people."""

from accounts.models import Client
from accounts.tenancy import scope


def organisation(request) -> dict:
    return {"organisation": request.user.client}


def people_count(request) -> dict:
    people = request.user.client.people
    return {
        "active_people": people.filter(is_active=True).count(),
        "inactive_people": people.filter(is_active=False).count(),
    }


def assigned_clients(request) -> dict:
    return {"clients": list(request.user.assigned_clients.order_by("name"))}


def clients_count(request) -> dict:
    return {"clients_count": scope(Client.objects.all(), request.user).count()}
