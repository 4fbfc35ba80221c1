"""The RACI matrix as the rest of the portal reads it.

Every question "who is told", "who approves" and "who may do this" goes through
these functions, so editing a row in the admin changes the portal's behaviour.

A party's letters are mapped to people like this:
- customer, Accountable: the client's active client admins;
- customer, Responsible, Consulted or Informed: every active person of the client;
- provider, Responsible: the L1 analysts and the SDMs and TAMs assigned to the
  client;
- provider, Accountable, Consulted or Informed: the SDMs and TAMs assigned to the
  client, or the administrators when no SDM or TAM is assigned.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from accounts.models import Client, User
from accounts.roles import ASSIGNABLE_ROLES, CLIENT_ROLES, Role
from accounts.tenancy import can_see_client
from governance.choices import Party
from governance.models import Activity, ActivityOverride


class UnknownActivity(LookupError):
    """The code names no RACI activity; the data migration defines every code."""


@dataclass(frozen=True)
class Assignment:
    """The letters of both parties for one activity and one client."""

    activity: Activity
    provider: str
    customer: str
    overridden: bool = False

    def letters(self, party: str) -> str:
        return self.provider if party == Party.PROVIDER else self.customer


def assignment(activity_code: str, client: Client | None) -> Assignment:
    """Return the letters for `activity_code`, with `client`'s override if any."""
    activity = Activity.objects.filter(code=activity_code).first()
    if activity is None:
        raise UnknownActivity(f"No RACI activity has the code {activity_code!r}.")
    override = None
    if client is not None:
        override = ActivityOverride.objects.filter(
            client=client, activity=activity
        ).first()
    if override is None:
        return Assignment(activity, activity.provider, activity.customer)
    return Assignment(activity, override.provider, override.customer, True)


def matrix_for(client: Client | None) -> list[Assignment]:
    """Return every activity in service order, with `client`'s overrides applied."""
    activities = Activity.objects.select_related("service")
    overrides = {}
    if client is not None:
        overrides = {
            row.activity_id: row
            for row in ActivityOverride.objects.filter(client=client)
        }
    result = []
    for activity in activities:
        override = overrides.get(activity.pk)
        if override is None:
            result.append(Assignment(activity, activity.provider, activity.customer))
        else:
            result.append(
                Assignment(activity, override.provider, override.customer, True)
            )
    return result


def party_of(user) -> str:
    return Party.CUSTOMER if user.role in CLIENT_ROLES else Party.PROVIDER


def _customer_people(client: Client, letter: str) -> Q:
    roles = [Role.CLIENT_ADMIN] if letter == "A" else list(CLIENT_ROLES)
    return Q(client=client, role__in=roles)


def _provider_people(client: Client, letter: str) -> Q:
    assigned = Q(role__in=ASSIGNABLE_ROLES, assigned_clients=client)
    if letter == "R":
        return assigned | Q(role=Role.L1_ANALYST)
    if client.service_team.filter(role__in=ASSIGNABLE_ROLES, is_active=True).exists():
        return assigned
    return Q(role=Role.ADMINISTRATOR)


def people_holding(activity_code: str, client: Client, letter: str) -> QuerySet:
    """Return the active people of either party holding `letter` for the activity."""
    current = assignment(activity_code, client)
    condition = Q(pk__in=[])
    if letter in current.customer:
        condition |= _customer_people(client, letter)
    if letter in current.provider:
        condition |= _provider_people(client, letter)
    return User.objects.filter(condition, is_active=True).distinct()


def responsible_people(activity_code: str, client: Client) -> QuerySet:
    return people_holding(activity_code, client, "R")


def accountable_people(activity_code: str, client: Client) -> QuerySet:
    return people_holding(activity_code, client, "A")


def consulted_people(activity_code: str, client: Client) -> QuerySet:
    return people_holding(activity_code, client, "C")


def informed_people(activity_code: str, client: Client) -> QuerySet:
    return people_holding(activity_code, client, "I")


def party_is_informed(activity_code: str, client: Client, party: str) -> bool:
    """Return whether `party` hears about the activity at all. Any letter counts,
    because the Responsible and Accountable parties need the news too."""
    return bool(assignment(activity_code, client).letters(party))


def may_act(user, activity_code: str, client: Client) -> bool:
    """Return whether `user`'s party is Responsible or Accountable for the
    activity for `client`, and `user` may see that client at all."""
    if not user.is_authenticated or not can_see_client(user, client.pk):
        return False
    letters = assignment(activity_code, client).letters(party_of(user))
    return "R" in letters or "A" in letters


def may_approve(user, activity_code: str, client: Client) -> bool:
    """Return whether `user` is one of the Accountable people for the activity."""
    if not user.is_authenticated or not can_see_client(user, client.pk):
        return False
    return accountable_people(activity_code, client).filter(pk=user.pk).exists()


def require_act(user, activity_code: str, client: Client) -> None:
    if not may_act(user, activity_code, client):
        current = assignment(activity_code, client)
        raise PermissionDenied(
            f"Only the party Responsible or Accountable for "
            f"“{current.activity.name}” may do this."
        )


def require_approve(user, activity_code: str, client: Client) -> None:
    if not may_approve(user, activity_code, client):
        current = assignment(activity_code, client)
        raise PermissionDenied(
            f"Only the person Accountable for “{current.activity.name}” may "
            "decide this."
        )


class Code:
    """Activity codes the code refers to; the data migration creates each row."""

    GENERATE_CSR = "generate_csr"
    PRICING_QUOTE = "pricing_quote"
    EXPIRATION_NOTIFICATION = "expiration_notification"
    RAISE_REQUEST = "raise_request"
    P1_TELEPHONE_FOLLOW_UP = "p1_telephone_follow_up"
    CATEGORISE_AND_PRIORITISE = "categorise_and_prioritise"
    TICKET_UPDATES = "ticket_updates"
    ANSWER_INFORMATION_REQUESTS = "answer_information_requests"
    CONFIRM_CLOSURE = "confirm_closure"
    INCIDENT_REPORTS = "incident_reports"
    CHANGE_ASSESSMENT = "change_assessment"
    CHANGE_IMPLEMENTATION = "change_implementation"
    APPROVE_SCOPE_CHANGE = "approve_scope_change"
