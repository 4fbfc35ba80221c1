"""The change request workflow: which moves exist, who may make them, and the
record of every decision."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.tenancy import can_see_client
from governance import raci
from governance.choices import ChangeState, ChangeType, EmergencyReason
from governance.models import ChangeDecision, ChangeRequest

S = ChangeState
ALL_TYPES = frozenset(ChangeType)
INCIDENT_PRIORITIES = ("P1", "P2")


@dataclass(frozen=True)
class Move:
    """An allowed move between two states.

    `activity` names the RACI row that decides who may make the move. With
    `approval` set, only the Accountable people of that row may make it (the
    client admins by default); otherwise the party Responsible or Accountable may.
    """

    source: str
    target: str
    label: str
    activity: str
    types: frozenset = ALL_TYPES
    approval: bool = False
    note_required: bool = False


MOVES = [
    Move(
        S.DRAFT,
        S.ASSESSMENT,
        "Submit for assessment",
        raci.Code.RAISE_REQUEST,
        frozenset({ChangeType.NORMAL}),
    ),
    # The shorter emergency path skips the separate assessment step: the
    # approver decides at once on the plans written in the request.
    Move(
        S.DRAFT,
        S.AWAITING_APPROVAL,
        "Submit for emergency approval",
        raci.Code.RAISE_REQUEST,
        frozenset({ChangeType.EMERGENCY}),
    ),
    # A standard change is pre-approved: the customer's emailed approval is
    # recorded on the request instead of a decision in the portal.
    Move(
        S.DRAFT,
        S.APPROVED,
        "Record pre-approval",
        raci.Code.CHANGE_ASSESSMENT,
        frozenset({ChangeType.STANDARD}),
    ),
    Move(
        S.ASSESSMENT,
        S.AWAITING_APPROVAL,
        "Assessed: request approval",
        raci.Code.CHANGE_ASSESSMENT,
    ),
    Move(
        S.AWAITING_APPROVAL,
        S.APPROVED,
        "Approve",
        raci.Code.APPROVE_SCOPE_CHANGE,
        approval=True,
    ),
    Move(
        S.AWAITING_APPROVAL,
        S.REJECTED,
        "Reject",
        raci.Code.APPROVE_SCOPE_CHANGE,
        approval=True,
        note_required=True,
    ),
    Move(S.REJECTED, S.DRAFT, "Revise", raci.Code.RAISE_REQUEST),
    Move(
        S.APPROVED,
        S.SCHEDULED,
        "Schedule",
        raci.Code.CHANGE_IMPLEMENTATION,
        frozenset({ChangeType.STANDARD, ChangeType.NORMAL}),
    ),
    Move(
        S.APPROVED,
        S.IMPLEMENTED,
        "Implemented",
        raci.Code.CHANGE_IMPLEMENTATION,
        frozenset({ChangeType.EMERGENCY}),
    ),
    Move(
        S.SCHEDULED,
        S.IMPLEMENTED,
        "Implemented",
        raci.Code.CHANGE_IMPLEMENTATION,
    ),
    Move(S.IMPLEMENTED, S.REVIEWED, "Reviewed", raci.Code.CHANGE_ASSESSMENT),
]


def moves_from(change: ChangeRequest) -> list[Move]:
    return [
        move
        for move in MOVES
        if move.source == change.state and change.change_type in move.types
    ]


def may_make(user, change: ChangeRequest, move: Move) -> bool:
    if move.approval:
        return raci.may_approve(user, move.activity, change.client)
    return raci.may_act(user, move.activity, change.client)


def moves_for(user, change: ChangeRequest) -> list[Move]:
    """Return the moves `user` may make from the change's current state."""
    return [move for move in moves_from(change) if may_make(user, change, move)]


def _find_move(change: ChangeRequest, target: str) -> Move:
    for move in moves_from(change):
        if move.target == target:
            return move
    allowed = ", ".join(str(S(move.target).label) for move in moves_from(change))
    raise ValidationError(
        "A %(type)s change cannot move from %(source)s to %(target)s. "
        "Allowed next states: %(allowed)s.",
        code="invalid_transition",
        params={
            "type": ChangeType(change.change_type).label.split(" ")[0].lower(),
            "source": S(change.state).label,
            "target": S(target).label if target in S.values else repr(target),
            "allowed": allowed or "none, the change is finished",
        },
    )


def _check_ready(change: ChangeRequest, move: Move, note: str) -> None:
    """Raise a ValidationError naming what the move still needs."""
    if move.source == S.DRAFT and change.window_start is None:
        raise ValidationError(
            {
                "window_start": ValidationError(
                    "Set the change window (start and end) before submitting.",
                    code="window_required",
                    params={},
                )
            }
        )
    if (
        move.target == S.APPROVED
        and change.change_type == ChangeType.STANDARD
        and not change.customer_approval_evidence.strip()
    ):
        raise ValidationError(
            {
                "customer_approval_evidence": ValidationError(
                    "A standard change needs the customer's emailed approval: "
                    "record its sender, date and Message-ID.",
                    code="approval_evidence_required",
                    params={},
                )
            }
        )
    if (
        move.source == S.DRAFT
        and change.emergency_reason == EmergencyReason.INCIDENT
        and not change.tickets.filter(priority__in=INCIDENT_PRIORITIES).exists()
    ):
        raise ValidationError(
            {
                "tickets": ValidationError(
                    "An emergency change for an incident must link the P1 or P2 "
                    "ticket it resolves.",
                    code="incident_ticket_required",
                    params={},
                )
            }
        )
    if move.note_required and not note.strip():
        raise ValidationError(
            {
                "note": ValidationError(
                    "Give the reason for the decision “%(label)s”.",
                    code="note_required",
                    params={"label": move.label},
                )
            }
        )


@transaction.atomic
def transition(change_id: int, target: str, actor, note: str = "") -> ChangeRequest:
    """Move the change to `target` for `actor` and record the decision.

    The row is locked first, so two people deciding at once are serialised: the
    second reads the new state and gets a clear error instead of a double move.
    """
    change = (
        ChangeRequest.objects.select_for_update()
        .select_related("client")
        .get(pk=change_id)
    )
    if not can_see_client(actor, change.client_id):
        raise ChangeRequest.DoesNotExist
    move = _find_move(change, target)
    if not may_make(actor, change, move):
        who = "the Accountable person" if move.approval else "the Responsible party"
        activity = raci.assignment(move.activity, change.client).activity.name
        raise PermissionDenied(f"Only {who} for “{activity}” may {move.label.lower()}.")
    _check_ready(change, move, note)

    source = change.state
    change.state = target
    change.save(update_fields=["state", "updated_at"])
    decision = ChangeDecision.objects.create(
        change_request=change,
        from_state=source,
        to_state=target,
        actor=actor,
        actor_name=actor.get_username(),
        note=note.strip(),
    )
    transaction.on_commit(lambda: _notify(decision.pk), robust=True)
    return change


def _notify(decision_id: int) -> None:
    from governance.tasks import send_change_notice

    send_change_notice.delay(decision_id)


def check_links(change: ChangeRequest, **linked) -> None:
    """Raise unless every linked row (certificates=, endpoints=, tickets=)
    belongs to the change's client."""
    for field, rows in linked.items():
        foreign = [str(row) for row in rows if row.client_id != change.client_id]
        if foreign:
            raise ValidationError(
                {
                    field: ValidationError(
                        "%(names)s belongs to another client. Choose %(field)s "
                        "of %(client)s.",
                        code="wrong_client",
                        params={
                            "names": ", ".join(foreign),
                            "client": change.client.name,
                            "field": field,
                        },
                    )
                }
            )


@transaction.atomic
def save_change(
    change: ChangeRequest, actor, *, certificates=None, endpoints=None, tickets=None
) -> ChangeRequest:
    """Validate and store a new or edited change request with its links.

    Only a draft may be edited, and only by a party that may raise requests.
    """
    if change.pk is None:
        change.requested_by = actor
        change.state = S.DRAFT
    elif ChangeRequest.objects.get(pk=change.pk).state != S.DRAFT:
        raise ValidationError(
            "Only a draft change can be edited; this one is %(state)s.",
            code="not_draft",
            params={"state": S(change.state).label.lower()},
        )
    raci.require_act(actor, raci.Code.RAISE_REQUEST, change.client)
    change.full_clean()
    links = {"certificates": certificates, "endpoints": endpoints, "tickets": tickets}
    links = {name: rows for name, rows in links.items() if rows is not None}
    check_links(change, **links)
    change.save()
    for name, rows in links.items():
        getattr(change, name).set(rows)
    return change
