"""The L1 console: the ticket queue, triage, replies and calendars in the admin."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, F, OuterRef
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.admin_base import TenantScopedAdmin, TenantScopedInline
from servicedesk import services
from servicedesk.alerts import at_risk_q, breached_q
from servicedesk.choices import Category, Level, Priority, Status, UpdateKind
from servicedesk.models import (
    Attachment,
    BusinessCalendar,
    ClosedDay,
    PhoneCall,
    SlaAlert,
    SlaResult,
    SlaTarget,
    Ticket,
    TicketEvent,
    TicketUpdate,
    WorkingWindow,
)
from servicedesk.sla import BREACH_THRESHOLD

DUE_SOON = timedelta(hours=1)


class BreachedFilter(admin.SimpleListFilter):
    title = "breached"
    parameter_name = "breached"

    def lookups(self, request, model_admin):
        return [("yes", "Breached")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(breached_q(timezone.now())).distinct()
        return queryset


class AtRiskFilter(admin.SimpleListFilter):
    title = "at risk"
    parameter_name = "at_risk"

    def lookups(self, request, model_admin):
        return [("yes", "Due within an hour")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(at_risk_q(timezone.now()))
        return queryset


class TicketAdminForm(forms.ModelForm):
    """Triage form. The version it was opened with travels in a hidden field,
    so a second analyst's stale save is rejected instead of overwriting."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Ticket
        fields = [
            "category",
            "impact",
            "urgency",
            "priority",
            "priority_override_reason",
            "assignee",
            "certificate",
            "csr",
            "watchers",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version
        self.fields["priority"].required = False
        self.fields[
            "priority"
        ].help_text = "Leave as the matrix gives it, or override with a reason."

    def clean(self):
        cleaned = super().clean()
        current = Ticket.objects.filter(pk=self.instance.pk).first()
        if current is None:
            return cleaned
        try:
            services.check_version(current, cleaned.get("expected_version"))
            services.check_watchers(current, cleaned.get("watchers") or [])
            services.check_links(
                current, certificate=cleaned.get("certificate"), csr=cleaned.get("csr")
            )
            services.plan_triage(current, **self.triage_input())
        except ValidationError as exc:
            for field, errors in exc.update_error_dict({}).items():
                self.add_error(field if field in self.fields else None, errors)
        return cleaned

    def triage_input(self) -> dict:
        """Return the form's values as arguments of services.triage.

        An untouched priority field is left out, so the matrix decides again
        when impact or urgency change, and an override survives a save that
        changes neither.
        """
        cleaned = self.cleaned_data
        priority_touched = {"priority", "priority_override_reason"} & set(
            self.changed_data
        )
        return {
            "category": cleaned.get("category"),
            "impact": cleaned.get("impact"),
            "urgency": cleaned.get("urgency"),
            "assignee": cleaned.get("assignee"),
            "priority": (cleaned.get("priority") or None) if priority_touched else None,
            "override_reason": cleaned.get("priority_override_reason", ""),
        }

    def _post_clean(self):
        # The service validates the ticket; the model's own clean() would
        # re-check fields this form does not edit.
        pass


class ConversationInline(TenantScopedInline, admin.StackedInline):
    """Replies and notes so far, read-only: history is never rewritten."""

    model = TicketUpdate
    verbose_name = "update"
    verbose_name_plural = "conversation"
    extra = 0
    can_delete = False
    fields = ["kind_badge", "author", "created_at", "body_text", "files"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("author")
            .prefetch_related("attachments")
        )

    @admin.display(description="kind")
    def kind_badge(self, update):
        return update.get_kind_display()

    @admin.display(description="text")
    def body_text(self, update):
        # Escaped by format_html; line breaks kept for reading.
        return format_html("<div style='white-space: pre-wrap'>{}</div>", update.body)

    @admin.display(description="attachments")
    def files(self, update):
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (
                    reverse("servicedesk:attachment_download", args=[file.pk]),
                    file.original_name,
                )
                for file in update.attachments.all()
            ),
        )


class NewUpdateForm(forms.ModelForm):
    class Meta:
        model = TicketUpdate
        fields = ["kind", "body"]


class NewUpdateInline(TenantScopedInline, admin.StackedInline):
    """One empty reply or internal note, sent through the service on save."""

    model = TicketUpdate
    form = NewUpdateForm
    verbose_name = "new reply or internal note"
    verbose_name_plural = "reply"
    extra = 1
    max_num = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class PhoneCallInline(TenantScopedInline, admin.TabularInline):
    model = PhoneCall
    extra = 0
    fields = ["caller_name", "called_at", "notes", "recorded_by"]
    readonly_fields = ["recorded_by"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(TenantScopedInline, admin.TabularInline):
    model = TicketEvent
    verbose_name_plural = "history"
    extra = 0
    can_delete = False
    fields = ["at", "actor", "kind", "field", "old_value", "new_value", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class AttachmentInline(TenantScopedInline, admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ["original_name", "size", "content_type", "uploaded_by", "update"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ActionForm(forms.Form):
    """Input of the actions that need more than the selection."""

    category = forms.ChoiceField(choices=Category.choices, required=False)
    impact = forms.ChoiceField(choices=Level.choices, required=False)
    urgency = forms.ChoiceField(choices=Level.choices, required=False)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)


@admin.register(Ticket)
class TicketAdmin(TenantScopedAdmin):
    form = TicketAdminForm
    list_display = [
        "reference",
        "subject",
        "client",
        "priority",
        "status",
        "assignee",
        "due",
        "badges",
    ]
    list_display_links = ["reference", "subject"]
    list_filter = [
        "status",
        "priority",
        "client",
        "category",
        "assignee",
        BreachedFilter,
        AtRiskFilter,
    ]
    list_select_related = ["client", "assignee"]
    search_fields = ["subject", "description", "client__name", "requester__username"]
    ordering = [F("due_at").asc(nulls_last=True), "created_at"]
    # Counting every ticket on each page load costs more than the page itself at
    # a few hundred thousand tickets; the filtered count is still shown.
    show_full_result_count = False
    readonly_fields = [
        "reference",
        "client",
        "requester",
        "subject",
        "description_text",
        "status",
        "pause_reason",
        "created_at",
        "first_responded_at",
        "response_due_at",
        "resolution_due_at",
        "resolved_at",
        "closed_at",
        "version",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "client",
                    "requester",
                    "subject",
                    "description_text",
                    "status",
                    "pause_reason",
                ]
            },
        ),
        (
            "Triage",
            {
                "fields": [
                    "category",
                    "impact",
                    "urgency",
                    "priority",
                    "priority_override_reason",
                    "assignee",
                    "certificate",
                    "csr",
                    "watchers",
                    "expected_version",
                ]
            },
        ),
        (
            "SLA",
            {
                "fields": [
                    "created_at",
                    "first_responded_at",
                    "response_due_at",
                    "resolution_due_at",
                    "resolved_at",
                    "closed_at",
                    "version",
                ]
            },
        ),
    ]
    inlines = [
        ConversationInline,
        NewUpdateInline,
        PhoneCallInline,
        AttachmentInline,
        EventInline,
    ]
    actions = [
        "assign_to_me",
        "set_classification",
        "request_information",
        "resolve",
    ]

    def has_add_permission(self, request):
        # Tickets are raised in the portal or by apps through open_ticket().
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        breach = SlaAlert.objects.filter(
            ticket=OuterRef("pk"), threshold__gte=BREACH_THRESHOLD
        )
        call = PhoneCall.objects.filter(ticket=OuterRef("pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(has_breach=Exists(breach), has_call=Exists(call))
        )

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(
            request, queryset, search_term
        )
        reference = search_term.strip().upper().removeprefix("T-")
        if reference.isdigit():
            queryset |= self.get_queryset(request).filter(pk=int(reference))
        return queryset, duplicates

    @admin.display(description="ticket", ordering="pk")
    def reference(self, ticket):
        return ticket.reference

    @admin.display(description="description")
    def description_text(self, ticket):
        return format_html(
            "<div style='white-space: pre-wrap'>{}</div>", ticket.description
        )

    @admin.display(description="due (UTC)", ordering="due_at")
    def due(self, ticket):
        if ticket.due_at is None:
            return "-"
        return f"{ticket.due_at:%Y-%m-%d %H:%M}"

    @admin.display(description="flags")
    def badges(self, ticket):
        now = timezone.now()
        labels = []
        if getattr(ticket, "has_breach", False) or (
            ticket.due_at and ticket.due_at < now
        ):
            labels.append(("#a4161a", "breached"))
        elif ticket.due_at and ticket.due_at < now + DUE_SOON:
            labels.append(("#8a5a00", "due within an hour"))
        if ticket.status == Status.AWAITING_CUSTOMER:
            labels.append(("#5b6775", "paused"))
        if ticket.priority == Priority.P1 and not getattr(ticket, "has_call", True):
            labels.append(("#a4161a", "P1: call not recorded"))
        return format_html_join(
            " ",
            "<span style='color:#fff;background:{};padding:0 .4em;"
            "border-radius:.6em'>{}</span>",
            labels,
        )

    def save_model(self, request, obj, form, change):
        # NOTE: the form checked the version in clean(). An edit committed
        # between that check and this save makes triage() raise the "stale"
        # ValidationError here, which the admin cannot show on the form (500).
        data = form.cleaned_data
        services.triage(
            obj,
            request.user,
            expected_version=data["expected_version"],
            **form.triage_input(),
        )
        services.set_watchers(obj, request.user, data.get("watchers") or [])
        services.link(
            obj,
            request.user,
            certificate=data.get("certificate"),
            csr=data.get("csr"),
        )
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The ticket's own many-to-many field was saved in save_model.
        for formset in formsets:
            self._save_inline(request, form.instance, formset)

    def _save_inline(self, request, ticket, formset):
        # New rows go through the services; the attributes set here are what
        # the admin's change message reads from a saved formset.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form.instance.pk:
                continue
            data = inline_form.cleaned_data
            if formset.model is TicketUpdate:
                created = services.add_update(
                    ticket,
                    request.user,
                    data["body"],
                    internal=data["kind"] == UpdateKind.NOTE,
                )
            elif formset.model is PhoneCall:
                created = services.record_call(
                    ticket,
                    request.user,
                    caller_name=data["caller_name"],
                    called_at=data["called_at"],
                    notes=data["notes"],
                )
            else:
                continue
            formset.new_objects.append(created)

    # Actions. Each is a thin loop over one service function; a ticket that
    # fails (stale, wrong status) is reported and the others still go through.

    def _run(self, request, queryset, call, done: str):
        succeeded = 0
        for ticket in queryset:
            try:
                call(ticket)
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(getattr(exc, "messages", [str(exc)]))
                self.message_user(
                    request, f"{ticket.reference}: {text}", messages.ERROR
                )
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{done}: {succeeded} ticket(s).")

    def _action_form(self, request, queryset, action, title, fields):
        """Show the action's form; return its cleaned data once submitted."""
        form = ActionForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            return form.cleaned_data
        for name in list(form.fields):
            if name not in fields:
                del form.fields[name]
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": action,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "servicedesk/admin/action_form.html", context)

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda ticket: services.triage(
                ticket, request.user, expected_version=None, assignee=request.user
            ),
            "Assigned to you",
        )

    @admin.action(
        description="Set category, impact and urgency", permissions=["change"]
    )
    def set_classification(self, request, queryset):
        data = self._action_form(
            request,
            queryset,
            "set_classification",
            "Set category, impact and urgency",
            ["category", "impact", "urgency"],
        )
        if isinstance(data, TemplateResponse):
            return data
        self._run(
            request,
            queryset,
            lambda ticket: services.triage(
                ticket,
                request.user,
                expected_version=None,
                category=data["category"] or None,
                impact=data["impact"] or None,
                urgency=data["urgency"] or None,
            ),
            "Classified",
        )
        return None

    @admin.action(description="Request information", permissions=["change"])
    def request_information(self, request, queryset):
        data = self._action_form(
            request,
            queryset,
            "request_information",
            "Request information from the client",
            ["text"],
        )
        if isinstance(data, TemplateResponse):
            return data
        self._run(
            request,
            queryset,
            lambda ticket: services.request_information(
                ticket, request.user, data["text"]
            ),
            "Information requested",
        )
        return None

    @admin.action(description="Resolve", permissions=["change"])
    def resolve(self, request, queryset):
        data = self._action_form(
            request, queryset, "resolve", "Resolve: describe the fix", ["text"]
        )
        if isinstance(data, TemplateResponse):
            return data
        self._run(
            request,
            queryset,
            lambda ticket: services.resolve(ticket, request.user, data["text"]),
            "Resolved",
        )
        return None


class WorkingWindowInline(TenantScopedInline, admin.TabularInline):
    model = WorkingWindow
    extra = 0


class ClosedDayInline(TenantScopedInline, admin.TabularInline):
    model = ClosedDay
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(TenantScopedAdmin):
    list_display = ["name", "client", "always_open", "is_provider_calendar"]
    list_select_related = ["client"]
    inlines = [WorkingWindowInline, ClosedDayInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.calendar_changed(form.instance)


@admin.register(SlaTarget)
class SlaTargetAdmin(TenantScopedAdmin):
    list_display = ["priority", "kind", "minutes", "measure", "client"]
    list_filter = ["priority", "kind", "measure"]
    list_select_related = ["client"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.targets_changed(obj)


class ReadOnlyAdmin(TenantScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlaAlert)
class SlaAlertAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "target", "threshold", "crossed_at", "notified_at"]
    list_filter = ["target", "threshold"]
    list_select_related = ["ticket"]


@admin.register(SlaResult)
class SlaResultAdmin(ReadOnlyAdmin):
    list_display = [
        "ticket",
        "target",
        "round",
        "met",
        "elapsed_minutes",
        "target_minutes",
        "achieved_at",
    ]
    list_filter = ["target", "met"]
    list_select_related = ["ticket"]
