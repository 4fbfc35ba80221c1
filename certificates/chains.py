"""Finding leaves and ordering chains among the certificates of one upload."""

from functools import cache, lru_cache

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes

from certificates.choices import KeyAlgorithm
from certificates.x509info import key_description

WEAK_SIGNATURE_HASHES = {"sha1": "SHA-1", "md5": "MD5"}
MIN_KEY_BITS = {KeyAlgorithm.RSA: 2048, KeyAlgorithm.EC: 256, KeyAlgorithm.DSA: None}


def fingerprint(certificate: x509.Certificate) -> bytes:
    return certificate.fingerprint(hashes.SHA256())


def is_issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Check the name link and, where the algorithm allows, the signature."""
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except InvalidSignature:
        return False
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # The names match, so cryptography rejects the algorithm, not the link:
        # SHA-1 and MD5 signatures, RSA-PSS, DSA. The name link is the best
        # evidence left.
        return True
    return True


@lru_cache(maxsize=1024)
def is_self_signed(certificate: x509.Certificate) -> bool:
    # Cached because one root ends the chains of thousands of leaves in a bundle.
    return is_issued_by(certificate, certificate)


class Pool:
    """The certificates of one upload, indexed by subject for issuer look-ups."""

    def __init__(self, certificates: list[x509.Certificate]) -> None:
        unique = {fingerprint(c): c for c in certificates}
        self.certificates = list(unique.values())
        self._fingerprints = {id(c): digest for digest, c in unique.items()}
        self._by_subject: dict[bytes, list[x509.Certificate]] = {}
        for certificate in self.certificates:
            self._by_subject.setdefault(certificate.subject.public_bytes(), []).append(
                certificate
            )
        self._issuers = {
            self._fingerprint(c): self._find_issuer(c) for c in self.certificates
        }

    def _fingerprint(self, certificate: x509.Certificate) -> bytes:
        return self._fingerprints[id(certificate)]

    def _find_issuer(self, certificate) -> x509.Certificate | None:
        if is_self_signed(certificate):
            return None
        for candidate in self._by_subject.get(certificate.issuer.public_bytes(), []):
            if candidate is not certificate and is_issued_by(certificate, candidate):
                return candidate
        return None

    def leaves(self) -> list[x509.Certificate]:
        """Certificates that issued no other certificate in the upload."""
        issuers = {
            self._fingerprint(i) for i in self._issuers.values() if i is not None
        }
        leaves = [c for c in self.certificates if self._fingerprint(c) not in issuers]
        # Certificates that only issue each other (a cross-signing loop) leave no
        # leaf; every certificate is then its own entry.
        return leaves or list(self.certificates)

    def chain_of(self, leaf: x509.Certificate) -> list[x509.Certificate]:
        """Return the issuers of `leaf` found in the upload, the leaf's issuer first."""
        chain: list[x509.Certificate] = []
        seen = {self._fingerprint(leaf)}
        current = self._issuers.get(self._fingerprint(leaf))
        while current is not None and self._fingerprint(current) not in seen:
            chain.append(current)
            seen.add(self._fingerprint(current))
            current = self._issuers.get(self._fingerprint(current))
        return chain


@cache
def _trusted_roots() -> dict[bytes, list[x509.Certificate]]:
    """Mozilla's roots as shipped in the certifi package, indexed by subject."""
    with open(certifi.where(), "rb") as bundle:
        roots = x509.load_pem_x509_certificates(bundle.read())
    index: dict[bytes, list[x509.Certificate]] = {}
    for root in roots:
        index.setdefault(root.subject.public_bytes(), []).append(root)
    return index


def chain_is_complete(leaf: x509.Certificate, chain: list[x509.Certificate]) -> bool:
    """Check whether the chain ends at a self-signed root or a root Mozilla trusts."""
    last = chain[-1] if chain else leaf
    if is_self_signed(last):
        return True
    candidates = _trusted_roots().get(last.issuer.public_bytes(), [])
    return any(is_issued_by(last, root) for root in candidates)


def weak_key_description(public_key) -> str | None:
    """Return e.g. "RSA 1024 bits" when the key is below today's minimum."""
    try:
        algorithm, size = key_description(public_key)
    except ValueError:
        return None
    if algorithm not in MIN_KEY_BITS:
        return None
    minimum = MIN_KEY_BITS[algorithm]
    if minimum is None or size < minimum:
        return f"{KeyAlgorithm(algorithm).label} {size} bits"
    return None


def weak_signature(certificate: x509.Certificate) -> str | None:
    try:
        algorithm = certificate.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None
    if algorithm is None:
        return None
    return WEAK_SIGNATURE_HASHES.get(algorithm.name)
