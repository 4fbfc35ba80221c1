"""Key and CSR generation per key type, against `cryptography` alone."""

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.db import transaction

from bench.timing import Figure, compare
from certificates.csr import KeyType, generate_csr, generate_key

NAME = "csr.scale.example.com"
CURVES = {KeyType.EC_P256: ec.SECP256R1, KeyType.EC_P384: ec.SECP384R1}
# RSA key generation takes seconds and varies widely, so it gets more time.
SECONDS = {KeyType.RSA_3072: 45, KeyType.RSA_4096: 60}
TINY_TYPES = (KeyType.EC_P256, KeyType.RSA_2048)


def plain_key(key_type: str):
    if key_type in CURVES:
        return ec.generate_private_key(CURVES[key_type]())
    return rsa.generate_private_key(65537, int(key_type.split("-")[1]))


def plain_key_and_csr(key_type: str) -> bytes:
    key = plain_key(key_type)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(subject)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), False)
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM)


def _portal(client, key_type: str):
    def run():
        # Rolled back: the benchmark leaves no keys behind.
        with transaction.atomic():
            generate_csr(client, system="benchmark", names=[NAME], key_type=key_type)
            transaction.set_rollback(True)

    return run


def run(world) -> list[Figure]:
    figures = []
    # The tiny run keeps to the two quick types so the smoke test stays fast.
    key_types = TINY_TYPES if world.tiny else KeyType.values
    for key_type in key_types:
        budget = world.budget(repeats=15, seconds=SECONDS.get(key_type, 20))
        budget.minimum = 1 if world.tiny else 3
        stats, floor_stats = compare(
            _portal(world.list_client, key_type),
            lambda key_type=key_type: plain_key_and_csr(key_type),
            budget,
        )
        figures.append(
            Figure(
                "keys",
                f"key + CSR, {key_type} (generate_csr, stored and audited)",
                stats,
                floor_stats,
                floor_name="cryptography: key + CSR only",
            )
        )
        stats, floor_stats = compare(
            lambda key_type=key_type: generate_key(key_type),
            lambda key_type=key_type: plain_key(key_type),
            budget,
        )
        figures.append(
            Figure(
                "keys",
                f"key only, {key_type} (generate_key)",
                stats,
                floor_stats,
                floor_name="cryptography: key only",
            )
        )
    return figures
