"""Workflows of the accounts app: a client admin's people and personal API tokens.

Forms, API serializers and views call these functions, so the portal and the API
accept and reject exactly the same input. Every function raises Django's
ValidationError keyed by field name for bad input and stores nothing in that case.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import ApiToken, Client, User
from accounts.roles import CLIENT_ROLES, Role

logger = logging.getLogger(__name__)

MAX_TOKEN_LIFETIME_DAYS = 365
# Random 8-character prefixes collide rarely, so a few attempts make a failure
# practically impossible without hiding a real fault in the database.
TOKEN_ISSUE_ATTEMPTS = 3


def _error(field: str, message: str, code: str, **params) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code, params=params)})


def _merge(errors: dict[str, list], exc: ValidationError) -> None:
    for field, field_errors in exc.update_error_dict({}).items():
        errors.setdefault(field, []).extend(field_errors)


def _check_actor(actor: User, client: Client | None) -> None:
    # Views reach people through accounts.tenancy already. This guard keeps the
    # rule true for any future caller that does not.
    if (
        client is None
        or actor.role != Role.CLIENT_ADMIN
        or actor.client_id != client.pk
    ):
        raise PermissionDenied("Only a client admin of this client manages its people.")


ROLE_NOT_GIVABLE = (
    "%(value)r is not a role a client admin can give: choose client_user "
    "(Client user) or client_admin (Client admin)."
)


def _client_role_errors(role: str) -> ValidationError | None:
    if role in CLIENT_ROLES:
        return None
    return _error("role", ROLE_NOT_GIVABLE, "invalid_role", value=role)


def _email_errors(email: str) -> ValidationError | None:
    if email:
        return None
    return _error(
        "email",
        "Email is missing: enter the person's email address, which password "
        "resets are sent to.",
        "required",
    )


def _username_errors(username: str, exclude_pk: int | None) -> ValidationError | None:
    taken = User.objects.filter(username__iexact=username).exclude(pk=exclude_pk)
    if not username or not taken.exists():
        return None
    return _error(
        "username",
        "Username %(value)r is already taken: choose another one.",
        "username_taken",
        value=username,
    )


def _validate_person(person: User, password: str | None) -> None:
    """Run every check on an unsaved person and raise all errors at once."""
    errors: dict[str, list] = {}
    for problem in (
        _client_role_errors(person.role),
        _email_errors(person.email),
        _username_errors(person.username, person.pk),
    ):
        if problem is not None:
            _merge(errors, problem)
    try:
        # The hash is set after validation; the raw password is checked below.
        person.full_clean(exclude=["password"])
    except ValidationError as exc:
        for field, field_errors in exc.update_error_dict({}).items():
            # The client is set here, not by the caller, so a client error can
            # only follow from a provider role, which the role error explains.
            if field != "client" and field not in errors:
                errors[field] = field_errors
    if password is not None:
        try:
            validate_password(password, user=person)
        except ValidationError as exc:
            errors.setdefault("password", []).extend(exc.error_list)
    if errors:
        raise ValidationError(errors)


def create_person(
    actor: User,
    *,
    username: str,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> User:
    """Add a person to the actor's organisation.

    With a password the person can sign in at once. Without one, the account gets
    an unusable password and an email with a link for choosing one. If that email
    cannot be sent, the person is not saved.
    """
    client = actor.client
    _check_actor(actor, client)
    person = User(
        username=username.strip(),
        email=email.strip(),
        role=role,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        client=client,
    )
    password = password or None
    _validate_person(person, password)
    if password is None:
        person.set_unusable_password()
    else:
        person.set_password(password)

    with transaction.atomic():
        person.save()
        if password is None:
            send_password_set_email(person)
    logger.info("person created pk=%s client=%s by=%s", person.pk, client.pk, actor.pk)
    return person


def update_person(
    actor: User,
    person: User,
    *,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Change a person's name, email or role within the actor's organisation."""
    _check_actor(actor, person.client)
    if person.pk == actor.pk and role != actor.role:
        raise _error(
            "role",
            "You cannot change your own role: ask another client admin to do it, "
            "so the organisation always keeps a client admin.",
            "own_role",
        )
    person.email = email.strip()
    person.role = role
    person.first_name = first_name.strip()
    person.last_name = last_name.strip()
    _validate_person(person, password=None)

    person.save(update_fields=["email", "role", "first_name", "last_name"])
    logger.info("person updated pk=%s by=%s", person.pk, actor.pk)
    return person


def deactivate_person(actor: User, person: User) -> User:
    """Stop a person from signing in and revoke their API tokens.

    Existing sessions end too, because Django's authentication backend does not
    load inactive people. Deactivating an inactive person changes nothing.
    """
    _check_actor(actor, person.client)
    if person.pk == actor.pk:
        raise _error(
            "person",
            "You cannot deactivate yourself: ask another client admin to do it.",
            "own_account",
        )
    if not person.is_active:
        return person

    with transaction.atomic():
        person.is_active = False
        person.save(update_fields=["is_active"])
        person.api_tokens.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    logger.info("person deactivated pk=%s by=%s", person.pk, actor.pk)
    return person


def send_password_set_email(person: User) -> None:
    """Email `person` a one-time link for choosing a password.

    Raises ValidationError on the email field when the mail server rejects or
    cannot be reached, so the caller's transaction rolls back.
    """
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    context = {
        "person": person,
        "link": settings.PORTAL_BASE_URL.rstrip("/") + path,
        "portal_base_url": settings.PORTAL_BASE_URL,
    }
    subject = "Your CertPortal account"
    body = render_to_string("accounts/email/password_set.txt", context)
    try:
        send_mail(subject, body, None, [person.email])
    except (smtplib.SMTPException, OSError) as exc:
        logger.error("password link email failed pk=%s error=%r", person.pk, exc)
        raise _error(
            "email",
            "The email to %(value)s could not be sent, so the person was not "
            "saved. Try again later, or set an initial password instead.",
            "email_not_sent",
            value=person.email,
        ) from None


def max_token_lifetime_days() -> int:
    return min(MAX_TOKEN_LIFETIME_DAYS, settings.API_TOKEN_DEFAULT_LIFETIME.days)


def issue_token(
    user: User, name: str, lifetime_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a personal API token; return it and its full value, shown once."""
    name = (name or "").strip()
    longest = max_token_lifetime_days()
    errors: dict[str, list] = {}
    if not name:
        _merge(
            errors,
            _error(
                "name",
                "Name is missing: say what the token is for, e.g. 'deploy script'.",
                "required",
            ),
        )
    elif len(name) > 100:
        _merge(
            errors,
            _error(
                "name",
                "Name is %(length)d characters long: use at most 100.",
                "max_length",
                length=len(name),
            ),
        )
    if lifetime_days is None:
        lifetime_days = longest
    if not 1 <= lifetime_days <= longest:
        _merge(
            errors,
            _error(
                "lifetime_days",
                "Lifetime of %(value)s days is out of range: choose between 1 and "
                "%(max)d days.",
                "out_of_range",
                value=lifetime_days,
                max=longest,
            ),
        )
    if errors:
        raise ValidationError(errors)

    lifetime = timedelta(days=lifetime_days)
    for attempt in range(1, TOKEN_ISSUE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                token, value = ApiToken.issue(user, name, lifetime)
            break
        except IntegrityError:
            if attempt == TOKEN_ISSUE_ATTEMPTS:
                raise
            logger.warning(
                "token prefix collision user=%s attempt=%d", user.pk, attempt
            )
    logger.info("api token issued pk=%s user=%s", token.pk, user.pk)
    return token, value


def revoke_token(token: ApiToken) -> ApiToken:
    """Revoke a token; revoking a revoked token keeps its first revocation time."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        logger.info("api token revoked pk=%s user=%s", token.pk, token.user_id)
    return token
