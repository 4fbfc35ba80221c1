"""Recipients, in-portal notices and emails of this app."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from accounts.roles import ASSIGNABLE_ROLES, Role
from monitoring.models import Notice

logger = logging.getLogger(__name__)

# Pages that can start a renewal, best first; the first that exists is linked.
RENEWAL_URL_NAMES = (
    "issuance:renewal_request",
    "certificates:certificate_detail",
)


def expiry_recipients(certificate) -> list[User]:
    """Return the people told that `certificate` nears expiry.

    They are the holders of any RACI letter for the expiration notification
    activity, with the client's override applied. By default the customer is
    Responsible and Accountable (its people act on the notice) and the provider
    is Informed (the assigned SDM and TAM).
    """
    from governance.raci import Code, people_holding

    ids: set[int] = set()
    for letter in "RACI":
        holders = people_holding(
            Code.EXPIRATION_NOTIFICATION, certificate.client, letter
        )
        ids.update(holders.values_list("pk", flat=True))
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def client_contacts(client) -> list[User]:
    admins = User.objects.filter(client=client, role=Role.CLIENT_ADMIN, is_active=True)
    team = client.service_team.filter(role__in=ASSIGNABLE_ROLES, is_active=True)
    return list((admins | team).distinct().order_by("username"))


def renewal_link(certificate) -> str:
    for name in RENEWAL_URL_NAMES:
        try:
            return reverse(name, kwargs={"pk": certificate.pk})
        except NoReverseMatch:
            continue
    return reverse("monitoring:expiring")


def absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def send_notice(
    client,
    recipients,
    *,
    kind: str,
    title: str,
    template: str,
    context: dict,
    link: str = "",
    certificate=None,
) -> list[Notice]:
    """Store a notice for each recipient and email them after the commit.

    `template` names a pair: `<template>.txt` for the notice body and the plain
    email, `<template>.html` for the HTML email (autoescaped).
    """
    context = {**context, "title": title, "link": absolute(link) if link else ""}
    body = render_to_string(f"{template}.txt", context).strip()
    html = render_to_string(f"{template}.html", context)
    notices = Notice.objects.bulk_create(
        [
            Notice(
                client=client,
                recipient=person,
                kind=kind,
                title=title[:300],
                body=body,
                link=link,
                certificate=certificate,
            )
            for person in recipients
        ]
    )
    addresses = [person.email for person in recipients if person.email]
    if addresses:
        transaction.on_commit(lambda: _email(title, body, html, addresses))
    return notices


def _email(subject: str, body: str, html: str, addresses: list[str]) -> None:
    # One message per person, so no recipient sees the others' addresses.
    for address in addresses:
        message = EmailMultiAlternatives(subject, body, to=[address])
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except OSError:
            # The notice is stored already; a relay outage must not undo it.
            logger.exception("email failed subject=%s to=%s", subject, address)
