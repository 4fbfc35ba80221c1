"""Portal pages of the service desk: list, raise, follow and answer tickets."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.tenancy import get_for_user_or_404, scope
from servicedesk import services, sla
from servicedesk.choices import OPEN_STATUSES, Priority, Status, UpdateKind
from servicedesk.forms import ReopenForm, ReplyForm, TicketForm
from servicedesk.models import Attachment, Ticket, TicketUpdate

PAGE_SIZE = 50


def _apply(form, call) -> bool:
    """Run a service call; put its ValidationError messages on the form."""
    try:
        call()
    except ValidationError as exc:
        for field, errors in exc.update_error_dict({}).items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


def _uploads(form) -> list:
    upload = form.cleaned_data.get("attachment")
    return [upload] if upload else []


@login_required
def ticket_list(request):
    tickets = scope(Ticket.objects.all(), request.user).select_related("client")
    status = request.GET.get("status", "open")
    if status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif status in Status.values:
        tickets = tickets.filter(status=status)
    tickets = tickets.order_by("-created_at", "-pk")
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "servicedesk/ticket_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "auto_close_days": settings.SERVICEDESK_AUTO_CLOSE_BUSINESS_DAYS,
        },
    )


@login_required
def ticket_create(request):
    user = request.user
    if not user.is_client_staff:
        raise PermissionDenied(
            "Tickets are raised by client staff; analysts use the console."
        )
    form = TicketForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = {}

        def call():
            created["ticket"] = services.open_ticket(
                user.client,
                user,
                data["category"],
                data["subject"],
                data["description"],
                data["impact"],
                data["urgency"],
                certificate=data["certificate"],
                csr=data["csr"],
                attachments=_uploads(form),
            )

        if _apply(form, call):
            ticket = created["ticket"]
            messages.success(request, f"Ticket {ticket.reference} raised.")
            return redirect("servicedesk:ticket_detail", pk=ticket.pk)
    return render(request, "servicedesk/ticket_form.html", {"form": form})


def _visible_updates(user):
    updates = TicketUpdate.objects.select_related("author").prefetch_related(
        "attachments"
    )
    if not user.is_provider_staff:
        updates = updates.filter(kind=UpdateKind.REPLY)
    return updates


def _detail_context(request, ticket, **forms) -> dict:
    user = request.user
    events = ticket.events.select_related("actor")
    if not user.is_provider_staff:
        events = events.filter(public=True)
    attachments = ticket.attachments.filter(update__isnull=True)
    return {
        "ticket": ticket,
        "zone": ticket.client.time_zone,
        "updates": _visible_updates(user).filter(ticket=ticket),
        "attachments": attachments,
        "events": events,
        "timeline": sla.timeline(ticket),
        "calls": ticket.calls.all(),
        "awaits_call": ticket.priority == Priority.P1 and not ticket.calls.exists(),
        "can_answer_resolution": (
            user.is_client_staff and ticket.status == Status.RESOLVED
        ),
        "reply_form": forms.get("reply_form")
        or ReplyForm(show_internal=services.is_analyst(user)),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "Status": Status,
        "auto_close_days": settings.SERVICEDESK_AUTO_CLOSE_BUSINESS_DAYS,
    }


def _ticket_for(request, pk):
    queryset = Ticket.objects.select_related("client", "requester", "assignee")
    return get_for_user_or_404(queryset, request.user, pk=pk)


@login_required
def ticket_detail(request, pk: int):
    ticket = _ticket_for(request, pk)
    return render(
        request, "servicedesk/ticket_detail.html", _detail_context(request, ticket)
    )


@login_required
@require_POST
def ticket_reply(request, pk: int):
    ticket = _ticket_for(request, pk)
    form = ReplyForm(
        request.POST, request.FILES, show_internal=services.is_analyst(request.user)
    )
    if form.is_valid():
        data = form.cleaned_data

        def call():
            services.add_update(
                ticket,
                request.user,
                data["body"],
                internal=data.get("internal", False),
                attachments=_uploads(form),
            )

        try:
            done = _apply(form, call)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            done = False
        if done:
            messages.success(request, "Your reply was added.")
            return redirect("servicedesk:ticket_detail", pk=ticket.pk)
    context = _detail_context(request, ticket, reply_form=form)
    return render(request, "servicedesk/ticket_detail.html", context, status=400)


@login_required
@require_POST
def ticket_confirm(request, pk: int):
    ticket = _ticket_for(request, pk)
    try:
        services.confirm_closure(ticket, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Ticket {ticket.reference} is closed. Thank you.")
    return redirect("servicedesk:ticket_detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_reopen(request, pk: int):
    ticket = _ticket_for(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid() and _apply(
        form,
        lambda: services.reopen(ticket, request.user, form.cleaned_data["reason"]),
    ):
        messages.success(request, f"Ticket {ticket.reference} is open again.")
        return redirect("servicedesk:ticket_detail", pk=ticket.pk)
    context = _detail_context(request, ticket, reopen_form=form)
    return render(request, "servicedesk/ticket_detail.html", context, status=400)


@login_required
def attachment_download(request, pk: int):
    attachments = Attachment.objects.select_related("update", "ticket")
    if not request.user.is_provider_staff:
        # Files of internal notes look exactly like files that do not exist.
        attachments = attachments.exclude(update__kind=UpdateKind.NOTE)
    attachment = get_for_user_or_404(attachments, request.user, pk=pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
