"""The portal's side of RFC 8555: an `acme` library client per provider, and the
translation of the library's and the network's errors into the portal's two kinds
of failure: transient (retry later) and final (the CA rejected the request)."""

import contextlib
import logging

import josepy as jose
import requests
from acme import client as acme_client
from acme import errors as acme_errors
from acme import messages
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction

from certportal.celery import TransientError
from issuance.models import Provider

logger = logging.getLogger(__name__)

NETWORK_TIMEOUT_SECONDS = 30
USER_AGENT = "CertPortal (acme-python)"

# ACME error types that describe a passing condition rather than a rejection.
TRANSIENT_ACME_ERRORS = frozenset({"badNonce", "serverInternal", "rateLimited"})


class CaRejected(Exception):
    """A request that the CA rejected, with the CA's explanation for analysts."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def describe_acme_error(error: messages.Error) -> str:
    detail = error.detail or error.title or error.description or "no detail given"
    return f"{detail} ({error.code or error.typ})"


@contextlib.contextmanager
def ca_errors(action: str):
    """Translate errors raised while talking to a CA.

    Faults expected to pass (bad nonce, 5xx, timeouts, refused connections)
    become TransientError, so the task retries. Rejections become CaRejected.
    The raw body the CA sent is logged, never shown to users.
    """
    try:
        yield
    except messages.Error as error:
        logger.warning("ca error action=%s body=%s", action, error.json_dumps())
        if error.code in TRANSIENT_ACME_ERRORS:
            raise TransientError(f"{action}: {describe_acme_error(error)}") from error
        raise CaRejected(f"{action}: {describe_acme_error(error)}") from error
    except (acme_errors.BadNonce, acme_errors.MissingNonce) as error:
        raise TransientError(f"{action}: {error}") from error
    except acme_errors.ClientError as error:
        response = error.args[0] if error.args else None
        if isinstance(response, tuple):
            response = response[0]
        status = getattr(response, "status_code", None)
        body = getattr(response, "text", "")
        logger.warning("ca error action=%s status=%s body=%s", action, status, body)
        if status is not None and status >= 500:
            raise TransientError(f"{action}: the CA returned HTTP {status}") from error
        raise CaRejected(f"{action}: the CA returned HTTP {status}") from error
    except (requests.ConnectionError, requests.Timeout) as error:
        raise TransientError(f"{action}: the CA could not be reached ({error})") from (
            error
        )
    except acme_errors.TimeoutError as error:
        raise TransientError(f"{action}: the CA did not finish in time") from error
    except acme_errors.IssuanceError as error:
        logger.warning("ca error action=%s body=%s", action, error.error.json_dumps())
        raise CaRejected(f"{action}: {describe_acme_error(error.error)}") from error
    except acme_errors.Error as error:
        logger.warning("ca error action=%s error=%r", action, error)
        raise CaRejected(f"{action}: {error}") from error


def _generate_account_key() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _account_jwk(provider: Provider) -> jose.JWK:
    pem = provider.get_account_key_pem()
    return jose.JWKEC(key=serialization.load_pem_private_key(pem, password=None))


def _network(provider: Provider, jwk: jose.JWK) -> acme_client.ClientNetwork:
    # requests takes a path for `verify`: the bundle replaces the system store.
    verify = provider.ca_bundle_path or True
    return acme_client.ClientNetwork(
        jwk,
        alg=jose.ES256,
        verify_ssl=verify,
        user_agent=USER_AGENT,
        timeout=NETWORK_TIMEOUT_SECONDS,
    )


def connect(provider: Provider) -> acme_client.ClientV2:
    """Return a client signed in to the provider's ACME account, creating the
    account key and registering the account on first use."""
    if not provider.account_url:
        register_account(provider.pk)
        provider.refresh_from_db()
    jwk = _account_jwk(provider)
    net = _network(provider, jwk)
    with ca_errors("Reading the ACME directory"):
        directory = acme_client.ClientV2.get_directory(provider.directory_url, net)
    net.account = messages.RegistrationResource(
        uri=provider.account_url, body=messages.Registration()
    )
    return acme_client.ClientV2(directory, net)


def register_account(provider_id: int) -> None:
    """Create the provider's account key and ACME account, once.

    The provider row stays locked during the request to the CA, so two workers cannot
    register two accounts. Registering the same key twice is harmless anyway:
    the CA returns the existing account.
    """
    with transaction.atomic():
        provider = Provider.objects.select_for_update().get(pk=provider_id)
        if provider.account_url:
            return
        if not provider.encrypted_account_key:
            provider.set_account_key_pem(_generate_account_key())
        jwk = _account_jwk(provider)
        net = _network(provider, jwk)
        with ca_errors("Registering the ACME account"):
            directory = acme_client.ClientV2.get_directory(provider.directory_url, net)
            client = acme_client.ClientV2(directory, net)
            provider.account_url = _new_account(provider, client, jwk, directory)
        provider.save(update_fields=["encrypted_account_key", "account_url"])
        logger.info("acme account registered provider=%s", provider.pk)


def _new_account(provider, client, jwk, directory) -> str:
    binding = None
    if provider.eab_key_id:
        binding = messages.ExternalAccountBinding.from_data(
            account_public_key=jwk.public_key(),
            kid=provider.eab_key_id,
            hmac_key=provider.get_eab_hmac_key(),
            directory=directory,
        )
    elif client.external_account_required():
        raise CaRejected(
            "Registering the ACME account: the CA requires External Account "
            "Binding. Enter the EAB key id and HMAC key from the CA on the "
            "provider."
        )
    registration = messages.NewRegistration.from_data(
        email=provider.contact_email or None,
        terms_of_service_agreed=True,
        external_account_binding=binding,
    )
    try:
        return client.new_account(registration).uri
    except acme_errors.ConflictError as existing:
        return str(existing.args[0])
