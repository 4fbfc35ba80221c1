"""The one import path of the portal form, the admin console, the API and the
`import_certificates` command.

Steps of `import_upload`:
1. check the size and parse each file (certificates.parsing);
2. find the leaves, order each leaf's chain and match private keys to leaves;
3. collect warnings (expired, incomplete chain, weak key, SHA-1 signature);
4. store every new certificate, its names, its key and its audit event with bulk
   inserts in one transaction, so a failure stores nothing.
"""

import logging
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record_many
from certificates import chains
from certificates.choices import CertificateStatus, PurchasedThrough
from certificates.models import Certificate, CertificateName, PrivateKey
from certificates.parsing import ParsedFile, read_file
from certificates.services import chain_to_pem
from certificates.x509info import describe_certificate, key_description
from certificates.x509info import public_key_sha256 as key_digest

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
QUERY_CHUNK = 2000


@dataclass
class Candidate:
    """A leaf about to be stored, with its ordered chain and its key if known."""

    leaf: x509.Certificate
    chain: list[x509.Certificate]
    private_key: object | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportedItem:
    certificate: Certificate
    created: bool
    warnings: list[str]

    def line(self) -> str:
        """Format one line for the command's output and the portal's result list."""
        certificate = self.certificate
        state = "imported" if self.created else "already in the inventory, unchanged"
        text = (
            f"{certificate.common_name or certificate.subject} "
            f"(expires {certificate.not_after:%Y-%m-%d}, "
            f"SHA-256 {certificate.fingerprint_sha256[:16]}): {state}"
        )
        if self.warnings:
            text += "; warnings: " + " ".join(self.warnings)
        return text


@dataclass
class ImportResult:
    items: list[ImportedItem]

    @property
    def created(self) -> list[ImportedItem]:
        return [item for item in self.items if item.created]

    @property
    def unchanged(self) -> list[ImportedItem]:
        return [item for item in self.items if not item.created]


def max_import_bytes() -> int:
    return getattr(settings, "CERTIFICATE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_size(name: str, size: int) -> None:
    limit = max_import_bytes()
    if size > limit:
        raise ValidationError(
            "%(name)s is %(size)s bytes, over the import limit of %(limit)s bytes. "
            "Split it into smaller files.",
            code="too_large",
            params={"name": name, "size": size, "limit": limit},
        )


def import_upload(
    client,
    *,
    name: str,
    data: bytes,
    password: bytes | None = None,
    key_name: str = "",
    key_data: bytes | None = None,
    key_password: bytes | None = None,
    bundle: bool = False,
    purchased_through: str = PurchasedThrough.PROVIDER,
    actor=None,
    request=None,
) -> ImportResult:
    """Import the certificates of one upload, with an optional separate key file.

    With `bundle` False the upload must hold one leaf and its chain; with True
    every leaf in it becomes an inventory entry. Raises ValidationError for bad
    input, having stored nothing.
    """
    check_size(name, len(data))
    parsed = read_file(data, name, password)
    if key_data is not None:
        check_size(key_name, len(key_data))
        extra = read_file(key_data, key_name, key_password or password)
        parsed.certificates.extend(extra.certificates)
        parsed.private_keys.extend(extra.private_keys)
    candidates = plan(parsed, name, bundle=bundle)
    return store(
        client,
        candidates,
        purchased_through=purchased_through,
        actor=actor,
        request=request,
    )


def plan(parsed: ParsedFile, name: str, *, bundle: bool) -> list[Candidate]:
    """Turn parsed certificates and keys into candidates, or raise ValidationError."""
    if not parsed.certificates:
        raise ValidationError(
            "%(name)s contains a private key but no certificate. Upload the "
            "certificate together with the key.",
            code="key_without_certificate",
            params={"name": name},
        )
    pool = chains.Pool(parsed.certificates)
    leaves = pool.leaves()
    if len(leaves) > 1 and not bundle:
        raise ValidationError(
            "%(name)s contains %(count)s certificates that are not one chain: "
            "%(subjects)s. Upload one certificate with its chain, or import the "
            "file as a bundle of several certificates.",
            code="several_leaves",
            params={
                "name": name,
                "count": len(leaves),
                "subjects": "; ".join(_label(leaf) for leaf in leaves[:5]),
            },
        )
    result = [Candidate(leaf, pool.chain_of(leaf)) for leaf in leaves]
    _attach_keys(parsed.private_keys, result, name)
    for candidate in result:
        candidate.warnings = warnings_for(candidate)
    return result


def _attach_keys(keys, candidates: list[Candidate], name: str) -> None:
    for key in keys:
        digest = key_digest(key.public_key())
        matching = [c for c in candidates if key_digest(c.leaf.public_key()) == digest]
        if not matching:
            raise _key_mismatch(candidates[0].leaf, name)
        # Several leaves can share one key when a renewal reused it.
        for candidate in matching:
            candidate.private_key = key


def _key_mismatch(leaf: x509.Certificate, name: str) -> ValidationError:
    return ValidationError(
        "The private key in %(name)s does not match the certificate %(subject)s. "
        "Upload the key that was generated with this certificate's CSR.",
        code="key_mismatch",
        params={"name": name, "subject": _label(leaf)},
    )


def _label(certificate: x509.Certificate) -> str:
    return (
        certificate.subject.rfc4514_string() or f"serial {certificate.serial_number:x}"
    )


def warnings_for(candidate: Candidate) -> list[str]:
    """Problems worth telling the importer about that do not stop the import."""
    leaf = candidate.leaf
    warnings = []
    if leaf.not_valid_after_utc <= timezone.now():
        warnings.append(f"Expired on {leaf.not_valid_after_utc:%Y-%m-%d}.")
    if not chains.chain_is_complete(leaf, candidate.chain):
        last = candidate.chain[-1] if candidate.chain else leaf
        warnings.append(
            "Incomplete chain: the issuer "
            f"{last.issuer.rfc4514_string()} is not in the file."
        )
    weak = chains.weak_key_description(leaf.public_key())
    if weak:
        warnings.append(f"Weak key: {weak}.")
    for certificate in [leaf, *candidate.chain]:
        if chains.is_self_signed(certificate):
            continue  # a root's own signature is never checked by clients
        weak_hash = chains.weak_signature(certificate)
        if weak_hash:
            warnings.append(
                f"{weak_hash} signature on {_label(certificate)}: browsers reject it."
            )
    return warnings


def store(
    client,
    candidates: list[Candidate],
    *,
    purchased_through: str = PurchasedThrough.PROVIDER,
    actor=None,
    request=None,
) -> ImportResult:
    """Store new candidates with bulk inserts; report existing ones unchanged."""
    try:
        return _store(client, candidates, purchased_through, actor, request)
    except IntegrityError:
        # Another import stored some of these certificates meanwhile; a second
        # pass finds them and stores only the rest.
        logger.info("import retried after a concurrent insert client=%s", client.pk)
        return _store(client, candidates, purchased_through, actor, request)


@transaction.atomic
def _store(client, candidates, purchased_through, actor, request) -> ImportResult:
    facts = [describe_certificate(c.leaf) for c in candidates]
    existing = _existing(client, [f["fingerprint_sha256"] for f in facts])
    key_rows = _key_rows(client, candidates, facts, existing, actor)
    new_rows = _new_rows(
        client, candidates, facts, existing, key_rows, purchased_through, actor
    )

    created = Certificate.objects.bulk_create(list(new_rows.values()), batch_size=1000)
    CertificateName.objects.bulk_create(
        [
            CertificateName(certificate=row, client=client, name=name)
            for row in created
            for name in sorted(set(row.dns_names))
        ],
        batch_size=2000,
    )
    record_many(
        AuditAction.CERTIFICATE_IMPORTED,
        created,
        client=client,
        actor=actor,
        request=request,
    )

    # The pool removed duplicate certificates, so each fingerprint appears once.
    items = []
    for candidate, fact in zip(candidates, facts, strict=True):
        fingerprint = fact["fingerprint_sha256"]
        if fingerprint in new_rows:
            items.append(ImportedItem(new_rows[fingerprint], True, candidate.warnings))
        else:
            items.append(ImportedItem(existing[fingerprint], False, candidate.warnings))
    logger.info(
        "certificates imported client=%s created=%d unchanged=%d",
        client.pk,
        len(created),
        len(items) - len(created),
    )
    return ImportResult(items)


def _new_rows(
    client, candidates, facts, existing, key_rows, purchased_through, actor
) -> dict[str, Certificate]:
    """Build unsaved Certificate rows for candidates not yet in the inventory."""
    now = timezone.now()
    rows: dict[str, Certificate] = {}
    for candidate, fact in zip(candidates, facts, strict=True):
        fingerprint = fact["fingerprint_sha256"]
        if fingerprint in existing:
            continue
        rows[fingerprint] = Certificate(
            client=client,
            chain_pem=chain_to_pem(candidate.chain),
            purchased_through=purchased_through,
            status=(
                CertificateStatus.EXPIRED
                if fact["not_after"] <= now
                else CertificateStatus.ACTIVE
            ),
            private_key=key_rows.get(fact["public_key_sha256"]),
            created_by=actor,
            **fact,
        )
    return rows


def _existing(client, fingerprints: list[str]) -> dict[str, Certificate]:
    found = {}
    for start in range(0, len(fingerprints), QUERY_CHUNK):
        chunk = fingerprints[start : start + QUERY_CHUNK]
        for row in Certificate.objects.filter(
            client=client, fingerprint_sha256__in=chunk
        ):
            found[row.fingerprint_sha256] = row
    return found


def _key_rows(client, candidates, facts, existing, actor) -> dict[str, PrivateKey]:
    """PrivateKey rows for the keys of new certificates, reusing stored ones."""
    wanted = {}
    for candidate, fact in zip(candidates, facts, strict=True):
        if candidate.private_key is None or fact["fingerprint_sha256"] in existing:
            continue
        wanted[fact["public_key_sha256"]] = candidate.private_key
    if not wanted:
        return {}
    rows = {
        row.public_key_sha256: row
        for row in PrivateKey.objects.filter(
            client=client, public_key_sha256__in=list(wanted)
        )
    }
    new_keys = []
    for digest, key in wanted.items():
        if digest in rows:
            continue
        row = new_private_key(client, key, actor)
        rows[digest] = row
        new_keys.append(row)
    PrivateKey.objects.bulk_create(new_keys)
    return rows


def new_private_key(client, key, actor=None) -> PrivateKey:
    """Build an unsaved PrivateKey row with `key` encrypted as PKCS#8 PEM."""
    algorithm, size = key_description(key)
    row = PrivateKey(
        client=client,
        algorithm=algorithm,
        key_size=size,
        public_key_sha256=key_digest(key.public_key()),
        created_by=actor,
    )
    row.set_pem(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return row
