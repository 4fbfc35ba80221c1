"""Order workflows: start, submit to the CA, respond to challenges, poll,
finalize, store, revoke, and the manual CA's upload. Views, the admin, the API
and the Celery tasks are thin callers of these functions."""

import datetime
import logging
import time

from acme import challenges, messages
from cryptography import x509
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record
from certificates.choices import CertificateStatus, CsrState
from certificates.models import Certificate, CertificateSigningRequest
from certificates.services import store_certificate
from certificates.x509info import public_key_sha256, subject_alternative_names
from issuance import ca_client
from issuance.choices import (
    CLOSED_ORDER_STATUSES,
    AcmeStatus,
    ChallengeResponder,
    ChallengeType,
    OrderStatus,
    QuoteStatus,
)
from issuance.models import Authorization, Challenge, Order, Provider, Quote

logger = logging.getLogger(__name__)

# How long one poll task waits in-process before it hands over to a retry, and
# how long finalization may take. Both are estimates: pebble finishes in seconds.
POLL_BUDGET_SECONDS = 20
FINALIZE_DEADLINE_SECONDS = 90


class StillPending(Exception):
    """Raised while the CA is still validating, so the poll task runs again later."""


def _invalid(field: str, message: str, code: str, **params) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code, params=params)})


def start_order(
    csr: CertificateSigningRequest,
    provider: Provider,
    *,
    actor=None,
    quote: Quote | None = None,
    replaces: Certificate | None = None,
    responder: str = ChallengeResponder.PORTAL,
) -> Order:
    """Create the order for an approved CSR and queue its submission to the CA.

    With a quote that the client has not accepted yet, the order waits for it.
    """
    check_can_order(csr, provider, quote, responder)
    if not provider.is_acme:
        status = OrderStatus.AWAITING_UPLOAD
    elif quote is not None and quote.status != QuoteStatus.ACCEPTED:
        status = OrderStatus.AWAITING_QUOTE
    else:
        status = OrderStatus.PENDING
    try:
        with transaction.atomic():
            order = Order.objects.create(
                client=csr.client,
                provider=provider,
                csr=csr,
                quote=quote,
                replaces=replaces,
                responder=responder,
                status=status,
                created_by=actor,
            )
            CertificateSigningRequest.objects.filter(pk=csr.pk).update(
                state=CsrState.ORDERED
            )
    except IntegrityError:
        # Another request created the order between the check and the insert.
        raise _duplicate_order_error(csr) from None
    if status == OrderStatus.PENDING:
        _queue_submission(order.pk)
    return order


def _duplicate_order_error(csr) -> ValidationError:
    return _invalid(
        "csr",
        "CSR %(csr)s already has an open order. Open that order instead, or "
        "cancel it before ordering again.",
        "order_exists",
        csr=csr.common_name,
    )


def check_can_order(csr, provider, quote, responder) -> None:
    """Raise ValidationError naming the field when the order cannot start."""
    open_orders = Order.objects.filter(csr=csr).exclude(
        status__in=CLOSED_ORDER_STATUSES
    )
    if open_orders.exists():
        raise _duplicate_order_error(csr)
    if csr.state != CsrState.APPROVED:
        raise _invalid(
            "csr",
            "CSR %(csr)s is %(state)s, not approved. Approve the CSR before "
            "ordering a certificate for it.",
            "csr_not_approved",
            csr=csr.common_name,
            state=CsrState(csr.state).label.lower(),
        )
    if not provider.is_active:
        raise _invalid(
            "provider",
            "Provider %(provider)s is inactive. Choose an active provider.",
            "provider_inactive",
            provider=provider.name,
        )
    if quote is not None and quote.client_id != csr.client_id:
        raise _invalid(
            "quote",
            "Quote %(quote)s belongs to another client. Choose a quote of the "
            "CSR's client.",
            "quote_other_client",
            quote=quote.pk,
        )
    if quote is not None and quote.status == QuoteStatus.DECLINED:
        raise _invalid(
            "quote",
            "Quote %(quote)s was declined. Send the client a new quote.",
            "quote_declined",
            quote=quote.pk,
        )
    if not provider.is_acme:
        return
    wildcard = any(name.startswith("*.") for name in _csr_names(csr))
    if wildcard and provider.challenge_type != ChallengeType.DNS_01:
        raise _invalid(
            "provider",
            "CSR %(csr)s has a wildcard name, which CAs validate only with "
            "DNS-01. Choose a provider set to DNS-01.",
            "wildcard_needs_dns",
            csr=csr.common_name,
        )
    if (
        provider.challenge_type == ChallengeType.DNS_01
        and responder == ChallengeResponder.PORTAL
    ):
        raise _invalid(
            "responder",
            "The portal cannot publish DNS records. Choose the client as the "
            "responder for a DNS-01 provider.",
            "portal_cannot_dns",
        )


def _csr_names(csr: CertificateSigningRequest) -> list[str]:
    names = list(csr.dns_names or [])
    if csr.common_name and csr.common_name not in names:
        names.append(csr.common_name)
    return names


def _queue_submission(order_id: int) -> None:
    from issuance.tasks import submit_order

    transaction.on_commit(lambda: submit_order.delay(order_id))


def accept_quote(quote: Quote, actor) -> None:
    """Record the client's acceptance and release the orders waiting for it."""
    _decide_quote(quote, actor, QuoteStatus.ACCEPTED)
    waiting = Order.objects.filter(quote=quote, status=OrderStatus.AWAITING_QUOTE)
    for order_id in list(waiting.values_list("pk", flat=True)):
        released = Order.objects.filter(
            pk=order_id, status=OrderStatus.AWAITING_QUOTE
        ).update(status=OrderStatus.PENDING, updated_at=timezone.now())
        if released:
            _queue_submission(order_id)


def decline_quote(quote: Quote, actor) -> None:
    _decide_quote(quote, actor, QuoteStatus.DECLINED)
    Order.objects.filter(quote=quote, status=OrderStatus.AWAITING_QUOTE).update(
        status=OrderStatus.CANCELLED,
        error_message="The client declined the quote.",
        updated_at=timezone.now(),
    )


@transaction.atomic
def _decide_quote(quote: Quote, actor, status: str) -> None:
    decided = Quote.objects.filter(pk=quote.pk, status=QuoteStatus.SENT).update(
        status=status, decided_at=timezone.now(), decided_by=actor
    )
    if not decided:
        quote.refresh_from_db()
        raise _invalid(
            "status",
            "Quote %(quote)s is already %(state)s, so it cannot be changed.",
            "quote_decided",
            quote=quote.pk,
            state=QuoteStatus(quote.status).label.lower(),
        )
    quote.refresh_from_db()


def fail_order(order_id: int, message: str) -> None:
    """Close an open order as failed with the CA's explanation."""
    updated = (
        Order.objects.filter(pk=order_id)
        .exclude(status__in=(OrderStatus.ISSUED, OrderStatus.CANCELLED))
        .update(
            status=OrderStatus.FAILED,
            error_message=message,
            updated_at=timezone.now(),
        )
    )
    if updated:
        logger.warning("order failed order=%s message=%s", order_id, message)
        order = Order.objects.select_related("csr").get(pk=order_id)
        CertificateSigningRequest.objects.filter(
            pk=order.csr_id, state=CsrState.ORDERED
        ).update(state=CsrState.APPROVED)


def submit_order(order_id: int) -> None:
    """Create the order at the CA and store its authorizations and challenges.

    The order row stays locked during the request to the CA, so a second run (a retry,
    a second worker) waits and then finds the order already submitted.
    NOTE: a crash after the CA created its order but before the commit leaves
    an unused order at the CA; it expires there and no certificate results.
    """
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("provider", "csr")
            .get(pk=order_id)
        )
        if order.status != OrderStatus.PENDING:
            return
        client = ca_client.connect(order.provider)
        with ca_client.ca_errors("Creating the order"):
            orderr = client.new_order(order.csr.pem.encode())
        order.order_url = orderr.uri
        order.finalize_url = orderr.body.finalize
        _store_authorizations(order, orderr.authorizations, client.net.key)
        if order.responder == ChallengeResponder.PORTAL:
            order.status = OrderStatus.VALIDATING
        else:
            order.status = OrderStatus.AWAITING_CLIENT
        order.save()
    logger.info("order submitted order=%s url=%s", order.pk, order.order_url)
    if order.status == OrderStatus.VALIDATING:
        from issuance.tasks import answer_challenges

        answer_challenges.delay(order.pk)


def _store_authorizations(order: Order, authzrs, account_key) -> None:
    for authzr in authzrs:
        body = authzr.body
        authorization = Authorization.objects.create(
            order=order,
            identifier=body.identifier.value,
            wildcard=bool(body.wildcard),
            url=authzr.uri,
            status=body.status.name,
            expires=body.expires,
        )
        for challb in body.challenges:
            kind = challb.chall.typ
            if kind not in ChallengeType.values:
                continue
            Challenge.objects.create(
                authorization=authorization,
                type=kind,
                url=challb.uri,
                token=challb.chall.encode("token"),
                key_authorization=challb.chall.key_authorization(account_key),
                dns_txt_value=(
                    challb.chall.validation(account_key)
                    if kind == ChallengeType.DNS_01
                    else ""
                ),
                status=challb.status.name,
            )


def confirm_challenges_published(order: Order, actor) -> None:
    """Record that the client has published its tokens; the CA checks them next."""
    moved = Order.objects.filter(
        pk=order.pk, status=OrderStatus.AWAITING_CLIENT
    ).update(status=OrderStatus.VALIDATING, updated_at=timezone.now())
    if not moved:
        raise _invalid(
            "status",
            "Order %(order)s is not waiting for published challenges.",
            "not_awaiting_client",
            order=order.pk,
        )
    from issuance.tasks import answer_challenges

    transaction.on_commit(lambda: answer_challenges.delay(order.pk))


def answer_challenges(order_id: int) -> None:
    """Tell the CA that each pending challenge of the provider's type is ready.

    Each challenge is first claimed (pending to processing, committed), so a
    second run skips it. No transaction stays open during the request, because
    the CA may fetch the token at once. A transient fault releases the claim
    for the retry.
    NOTE: a worker that dies between the claim and the request leaves the
    challenge unanswered; polling then ends the order as timed out.
    """
    order = Order.objects.select_related("provider").get(pk=order_id)
    if order.status != OrderStatus.VALIDATING:
        return
    client = ca_client.connect(order.provider)
    pending = Challenge.objects.filter(
        authorization__order=order,
        type=order.provider.challenge_type,
        status=AcmeStatus.PENDING,
    ).values_list("pk", flat=True)
    for challenge_id in list(pending):
        claimed = Challenge.objects.filter(
            pk=challenge_id, status=AcmeStatus.PENDING
        ).update(status=AcmeStatus.PROCESSING)
        if claimed:
            _answer(client, Challenge.objects.get(pk=challenge_id))
    from issuance.tasks import poll_order

    poll_order.delay(order.pk)


def _answer(client, challenge: Challenge) -> None:
    challb = messages.ChallengeBody.from_json(
        {
            "type": challenge.type,
            "url": challenge.url,
            "status": "pending",
            "token": challenge.token,
        }
    )
    response = (
        challenges.HTTP01Response()
        if challenge.type == ChallengeType.HTTP_01
        else challenges.DNS01Response()
    )
    try:
        with ca_client.ca_errors("Answering the challenge"):
            client.answer_challenge(challb, response)
    except ca_client.TransientError:
        Challenge.objects.filter(pk=challenge.pk, status=AcmeStatus.PROCESSING).update(
            status=AcmeStatus.PENDING
        )
        raise


def poll_order(order_id: int) -> None:
    """Poll the order's authorizations with backoff until each is settled.

    Raises StillPending when the CA is still validating after the in-process
    budget, so the task retries later instead of holding a worker.
    """
    order = Order.objects.select_related("provider").get(pk=order_id)
    if order.status != OrderStatus.VALIDATING:
        return
    client = ca_client.connect(order.provider)
    deadline = time.monotonic() + POLL_BUDGET_SECONDS
    delay = 0.25
    while True:
        open_count = _refresh_authorizations(order, client)
        if order.status != OrderStatus.VALIDATING or open_count == 0:
            break
        if time.monotonic() + delay > deadline:
            raise StillPending(f"order {order.pk}: {open_count} authorizations open")
        time.sleep(delay)
        delay = min(delay * 2, 4)
    if order.status == OrderStatus.VALIDATING:
        moved = Order.objects.filter(pk=order.pk, status=OrderStatus.VALIDATING).update(
            status=OrderStatus.FINALIZING, updated_at=timezone.now()
        )
        if moved:
            from issuance.tasks import finalize_order

            finalize_order.delay(order.pk)


def _refresh_authorizations(order: Order, client) -> int:
    """Store the CA's current view of each authorization; return how many are
    still open. An invalid authorization fails the order with the CA's reason."""
    open_count = 0
    for authorization in order.authorizations.all():
        authzr = messages.AuthorizationResource(
            uri=authorization.url,
            body=messages.Authorization(
                identifier=messages.Identifier(
                    typ=messages.IDENTIFIER_FQDN, value=authorization.identifier
                )
            ),
        )
        with ca_client.ca_errors("Polling the authorization"):
            authzr, _ = client.poll(authzr)
        status = authzr.body.status.name
        Authorization.objects.filter(pk=authorization.pk).update(status=status)
        reasons = _store_challenge_states(authorization, authzr.body.challenges)
        if status == AcmeStatus.INVALID:
            reason = "; ".join(reasons) or "no reason given"
            fail_order(
                order.pk,
                f"The CA could not validate {authorization.identifier}: {reason}",
            )
            order.status = OrderStatus.FAILED
            return 0
        if status in (AcmeStatus.PENDING, AcmeStatus.PROCESSING):
            open_count += 1
        elif status != AcmeStatus.VALID:
            fail_order(
                order.pk,
                f"The authorization for {authorization.identifier} is {status}.",
            )
            order.status = OrderStatus.FAILED
            return 0
    return open_count


def _store_challenge_states(authorization, challbs) -> list[str]:
    reasons = []
    for challb in challbs:
        message = ""
        if challb.error is not None:
            message = ca_client.describe_acme_error(challb.error)
            reasons.append(message)
            logger.warning(
                "challenge failed authorization=%s body=%s",
                authorization.pk,
                challb.error.json_dumps(),
            )
        Challenge.objects.filter(authorization=authorization, url=challb.uri).update(
            status=challb.status.name, error_message=message
        )
    return reasons


def finalize_order(order_id: int) -> Certificate | None:
    """Send the CSR, wait for the certificate, download it and store it.

    The order row stays locked throughout, and an issued order returns at once,
    so reruns and concurrent workers produce one certificate.
    """
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("provider", "csr", "csr__private_key", "replaces")
            .get(pk=order_id)
        )
        if order.status != OrderStatus.FINALIZING or order.certificate_id:
            return order.certificate
        client = ca_client.connect(order.provider)
        orderr = messages.OrderResource(
            uri=order.order_url,
            body=messages.Order(finalize=order.finalize_url),
            csr_pem=order.csr.pem.encode(),
        )
        deadline = datetime.datetime.now() + datetime.timedelta(
            seconds=FINALIZE_DEADLINE_SECONDS
        )
        with ca_client.ca_errors("Finalizing the order"):
            orderr = client.poll_finalization(orderr, deadline)
        leaf, chain = _parse_fullchain(orderr.fullchain_pem)
        certificate = _store_issued(order, leaf, chain)
    from issuance.tasks import fetch_renewal_info

    fetch_renewal_info.delay(certificate.pk)
    return certificate


def _parse_fullchain(fullchain_pem: str) -> tuple[x509.Certificate, list]:
    certificates = x509.load_pem_x509_certificates(fullchain_pem.encode())
    return certificates[0], certificates[1:]


def _store_issued(order: Order, leaf, chain) -> Certificate:
    certificate, created = store_certificate(
        order.client,
        leaf,
        chain,
        csr=order.csr,
        private_key=order.csr.private_key,
        replaces=order.replaces,
        actor=order.created_by,
        action=AuditAction.CERTIFICATE_ISSUED,
    )
    order.certificate = certificate
    order.status = OrderStatus.ISSUED
    order.error_message = ""
    order.save(update_fields=["certificate", "status", "error_message", "updated_at"])
    CertificateSigningRequest.objects.filter(pk=order.csr_id).update(
        state=CsrState.ISSUED
    )
    logger.info(
        "certificate issued order=%s certificate=%s created=%s",
        order.pk,
        certificate.pk,
        created,
    )
    return certificate


def fetch_renewal_info(certificate_id: int) -> bool:
    """Store the CA's suggested renewal window (RFC 9773) when it offers one.

    Returns False when the directory has no renewalInfo resource.
    """
    order = (
        Order.objects.select_related("provider", "certificate")
        .filter(certificate_id=certificate_id)
        .first()
    )
    if order is None or not order.provider.is_acme:
        return False
    client = ca_client.connect(order.provider)
    try:
        base_url = client.directory["renewalInfo"]
    except KeyError:
        return False
    certificate = order.certificate
    leaf = x509.load_pem_x509_certificate(certificate.pem.encode())
    url = base_url.rstrip("/") + "/" + _ari_certificate_id(leaf)
    with ca_client.ca_errors("Fetching renewal information"):
        response = client.net.get(url, content_type="application/json")
    window = messages.RenewalInfo.from_json(response.json()).suggested_window
    Certificate.objects.filter(pk=certificate.pk).update(
        renewal_window_start=window.start, renewal_window_end=window.end
    )
    return True


def _ari_certificate_id(leaf: x509.Certificate) -> str:
    # The library builds the RFC 9773 identifier (authority key id . serial) the
    # same way for its renewal_time(); reuse it rather than encoding it again.
    from acme.client import _renewal_info_path_component

    return _renewal_info_path_component(leaf)


def revoke_certificate(
    certificate: Certificate, reason: int, *, actor=None, request=None
):
    """Revoke an issued certificate at its CA with an RFC 5280 reason code."""
    order = (
        Order.objects.select_related("provider").filter(certificate=certificate).first()
    )
    if order is None or not order.provider.is_acme:
        raise _invalid(
            "certificate",
            "Certificate %(certificate)s was not issued through an ACME provider "
            "of the portal, so it cannot be revoked here. Revoke it on the "
            "CA's site.",
            "not_acme_issued",
            certificate=certificate.common_name,
        )
    if certificate.status == CertificateStatus.REVOKED:
        raise _invalid(
            "certificate",
            "Certificate %(certificate)s is already revoked.",
            "already_revoked",
            certificate=certificate.common_name,
        )
    client = ca_client.connect(order.provider)
    leaf = x509.load_pem_x509_certificate(certificate.pem.encode())
    try:
        with ca_client.ca_errors("Revoking the certificate"):
            client.revoke(leaf, int(reason))
    except ca_client.CaRejected as rejected:
        raise _invalid(
            "reason",
            "The CA refused the revocation. %(message)s",
            "ca_rejected",
            message=rejected.message,
        ) from None
    with transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(
            status=CertificateStatus.REVOKED
        )
        certificate.status = CertificateStatus.REVOKED
        record(
            AuditAction.CERTIFICATE_REVOKED,
            certificate,
            actor=actor,
            request=request,
            reason=int(reason),
        )


def upload_manual_certificate(order: Order, pem: str, *, actor=None) -> Certificate:
    """Store the certificate a manual CA returned, after checking that it
    carries the CSR's public key and every name of the CSR."""
    if order.status != OrderStatus.AWAITING_UPLOAD:
        raise _invalid(
            "certificate",
            "Order %(order)s is not waiting for an upload.",
            "not_awaiting_upload",
            order=order.pk,
        )
    leaf, chain = _parse_upload(pem)
    _check_matches_csr(order.csr, leaf)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != OrderStatus.AWAITING_UPLOAD:
            return order.certificate
        order.created_by = actor or order.created_by
        return _store_issued(order, leaf, chain)


def _parse_upload(pem: str) -> tuple[x509.Certificate, list]:
    try:
        certificates = x509.load_pem_x509_certificates((pem or "").encode())
    except ValueError:
        raise _invalid(
            "certificate",
            "The upload is not a PEM certificate. Paste the certificate the CA "
            "returned, starting with -----BEGIN CERTIFICATE-----.",
            "not_pem",
        ) from None
    return certificates[0], certificates[1:]


def _check_matches_csr(csr: CertificateSigningRequest, leaf) -> None:
    if public_key_sha256(leaf.public_key()) != csr.public_key_sha256:
        raise _invalid(
            "certificate",
            "The certificate's public key is not the key of CSR %(csr)s. Upload "
            "the certificate the CA issued for this CSR.",
            "key_mismatch",
            csr=csr.common_name,
        )
    dns_names, _ = subject_alternative_names(leaf)
    missing = sorted(set(_csr_names(csr)) - set(dns_names))
    if missing:
        raise _invalid(
            "certificate",
            "The certificate does not cover %(names)s from CSR %(csr)s. Upload "
            "the certificate the CA issued for this CSR.",
            "names_missing",
            names=", ".join(missing),
            csr=csr.common_name,
        )
