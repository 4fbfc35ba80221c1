from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from accounts import services
from accounts.access import role_required
from accounts.forms import PersonCreateForm, PersonForm, TokenCreateForm
from accounts.models import ApiToken, User
from accounts.roles import Role
from accounts.tenancy import get_for_user_or_404, scope
from certportal.navigation import panels_for

PAGE_SIZE = 50


@login_required
def dashboard(request):
    """Render the landing page with the panels registered for the person's role."""
    return render(
        request,
        "accounts/dashboard.html",
        {"panels": panels_for(request), "role_label": request.user.get_role_display()},
    )


def _apply_service(form, call) -> bool:
    """Run a service call and copy its validation errors onto the form."""
    try:
        call()
    except ValidationError as exc:
        for field, errors in exc.update_error_dict({}).items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    return True


@role_required(Role.CLIENT_ADMIN)
def people_list(request):
    people = scope(User.objects.all(), request.user).order_by("username")
    query = request.GET.get("q", "").strip()
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/people_list.html", {"page": page, "query": query})


@role_required(Role.CLIENT_ADMIN)
def person_create(request):
    form = PersonCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _apply_service(form, lambda: services.create_person(request.user, **data)):
            if data["password"]:
                how = "they can sign in with the initial password"
            else:
                how = "an email with a link for choosing a password was sent"
            messages.success(request, f"{data['username']} was added: {how}.")
            return redirect("accounts:people_list")
    return render(request, "accounts/person_form.html", {"form": form})


@role_required(Role.CLIENT_ADMIN)
def person_update(request, pk: int):
    person = get_for_user_or_404(User, request.user, pk=pk)
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "role": person.role,
    }
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if _apply_service(
            form,
            lambda: services.update_person(request.user, person, **form.cleaned_data),
        ):
            messages.success(request, f"{person.username} was updated.")
            return redirect("accounts:people_list")
    return render(
        request, "accounts/person_form.html", {"form": form, "person": person}
    )


@role_required(Role.CLIENT_ADMIN)
def person_deactivate(request, pk: int):
    person = get_for_user_or_404(User, request.user, pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.deactivate_person(request.user, person)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, f"{person.username} was deactivated.")
            return redirect("accounts:people_list")
    return render(
        request,
        "accounts/person_deactivate.html",
        {"person": person, "error": error},
        status=400 if error else 200,
    )


def _own_tokens(user):
    # A token belongs to one person, which is narrower than the tenancy scope:
    # even a client admin never sees a colleague's tokens.
    return ApiToken.objects.filter(user=user)


@login_required
def token_list(request):
    tokens = _own_tokens(request.user)
    return render(request, "accounts/token_list.html", {"tokens": tokens})


@never_cache
@login_required
def token_create(request):
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = {}

        def issue():
            issued["token"], issued["value"] = services.issue_token(
                request.user,
                form.cleaned_data["name"],
                form.cleaned_data["lifetime_days"],
            )

        if _apply_service(form, issue):
            # The value is shown in this response only, and never_cache keeps it
            # out of browser and proxy caches.
            return render(request, "accounts/token_created.html", issued)
    return render(request, "accounts/token_form.html", {"form": form})


@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(_own_tokens(request.user), pk=pk)
    if request.method == "POST":
        services.revoke_token(token)
        messages.success(request, f"Token {token} was revoked.")
        return redirect("accounts:token_list")
    return render(request, "accounts/token_revoke.html", {"token": token})
