"""Chain completeness and name matching of a served certificate chain."""

import warnings
from functools import cache

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from django.conf import settings

from certificates.x509info import subject_alternative_names, to_a_label

MAX_CHAIN_LENGTH = 10


@cache
def public_roots() -> tuple[x509.Certificate, ...]:
    """Return the roots of certifi's bundle (Mozilla's list), loaded once."""
    with open(certifi.where(), "rb") as handle, warnings.catch_warnings():
        # A few old roots have non-positive serial numbers; they still anchor.
        warnings.simplefilter("ignore")
        return tuple(x509.load_pem_x509_certificates(handle.read()))


@cache
def _roots_in(path: str) -> tuple[x509.Certificate, ...]:
    with open(path, "rb") as handle:
        return tuple(x509.load_pem_x509_certificates(handle.read()))


def configured_roots() -> tuple[x509.Certificate, ...]:
    """Return the private roots listed in settings.VERIFICATION_EXTRA_ROOTS_FILE."""
    path = settings.VERIFICATION_EXTRA_ROOTS_FILE
    return _roots_in(path) if path else ()


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def chain_is_complete(
    served: list[x509.Certificate], extra_roots: list[x509.Certificate]
) -> bool:
    """Return whether the served intermediates lead from the leaf to a trusted root.

    Trusted roots are certifi's, those of VERIFICATION_EXTRA_ROOTS_FILE, and the
    self-signed certificates in `extra_roots` (the stored chain, which may hold a
    private CA's root). Stored intermediates are not used, because the server
    must send them itself.
    """
    anchors = [root for root in extra_roots if root.subject == root.issuer]
    anchors.extend(configured_roots())
    anchors.extend(public_roots())
    current = served[0]
    pool = list(served[1:])
    for _ in range(MAX_CHAIN_LENGTH):
        if any(_issued_by(current, anchor) for anchor in anchors):
            return True
        issuer = next((item for item in pool if _issued_by(current, item)), None)
        if issuer is None:
            return False
        pool.remove(issuer)
        current = issuer
    return False


def name_matches(certificate: x509.Certificate, server_name: str) -> bool:
    """Return whether `server_name` is one of the certificate's DNS names (RFC 6125).

    A wildcard stands for exactly one left-most label.
    """
    wanted = to_a_label(server_name)
    dns_names, ip_addresses = subject_alternative_names(certificate)
    if wanted in ip_addresses:
        return True
    for name in dns_names:
        if name == wanted:
            return True
        if name.startswith("*.") and "." in wanted:
            label, rest = wanted.split(".", 1)
            if label and rest == name[2:]:
                return True
    return False
