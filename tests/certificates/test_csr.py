"""CSR name rules, key types, generation and upload."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError

from audit.models import AuditAction, AuditEvent
from certificates import csr as csr_service
from certificates.choices import CsrSource, KeyAlgorithm
from certificates.forms import CsrGenerateForm, CsrUploadForm
from certificates.models import CertificateSigningRequest, PrivateKey


def messages_of(error: ValidationError) -> list[str]:
    return error.messages


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("WWW.Example.COM.", "www.example.com"),
        ("*.example.com", "*.example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_normalise_name_valid(value, expected):
    assert csr_service.normalise_name(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "A name is empty. Remove the extra comma or blank line."),
        (
            "a..example.com",
            "'a..example.com' has an empty label. Remove the doubled or leading dot.",
        ),
        (
            ".example.com",
            "'.example.com' has an empty label. Remove the doubled or leading dot.",
        ),
        (
            "www.*.example.com",
            "'www.*.example.com' has a wildcard in the wrong place. A wildcard must "
            "be the whole leftmost label, as in *.example.com.",
        ),
        (
            "w*.example.com",
            "'w*.example.com' has a wildcard in the wrong place. A wildcard must be "
            "the whole leftmost label, as in *.example.com.",
        ),
        (
            "*.com",
            "'*.com' is a wildcard for a whole top-level domain. Put the wildcard "
            "under a registered domain, as in *.example.com.",
        ),
        ("192.0.2.7", "'192.0.2.7' is an IP address. Enter DNS names only."),
        (
            "under_score.example.com",
            "'under_score.example.com' is not a valid DNS name (Codepoint U+005F "
            "at position 6 of 'under_score' not allowed). Use letters, digits and "
            "hyphens in each label.",
        ),
        (
            "a" * 64 + ".example.com",
            f"'{'a' * 64}.example.com' has a label of 64 characters; the limit is "
            f"63. Shorten the label '{'a' * 64}'.",
        ),
        (
            ".".join(["a" * 60] * 5),
            f"'{'.'.join(['a' * 60] * 5)}' is 304 characters long; the limit is "
            "253. Use a shorter name.",
        ),
    ],
)
def test_normalise_name_invalid(value, message):
    with pytest.raises(ValidationError) as excinfo:
        csr_service.normalise_name(value)

    assert messages_of(excinfo.value) == [message]


def test_names_duplicates_after_normalising():
    with pytest.raises(ValidationError) as excinfo:
        csr_service.normalise_names(
            "shop.example.com", ["api.example.com", "API.example.com."]
        )

    assert messages_of(excinfo.value) == [
        "'API.example.com.' is listed twice. Remove the duplicate."
    ]


def test_names_common_name_repeated_is_fine():
    names = csr_service.normalise_names(
        "shop.example.com", ["shop.example.com", "www.example.com"]
    )

    assert names == ["shop.example.com", "www.example.com"]


def test_names_at_most_100():
    others = [f"host{i}.example.com" for i in range(100)]

    with pytest.raises(ValidationError) as excinfo:
        csr_service.normalise_names("shop.example.com", others)

    assert messages_of(excinfo.value) == [
        "101 names were given; a certificate may have at most 100. Split the "
        "names across several certificates."
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "rsa-1024",
            "Key type 'rsa-1024' is too weak: RSA keys must have at least 2048 bits. "
            "Choose rsa-2048, rsa-3072 or rsa-4096, or ec-p256.",
        ),
        (
            "dsa-2048",
            "Key type 'dsa-2048' is not supported. Choose one of: ec-p256, ec-p384, "
            "rsa-2048, rsa-3072, rsa-4096.",
        ),
    ],
)
def test_key_type_invalid(value, message):
    with pytest.raises(ValidationError) as excinfo:
        csr_service.validate_key_type(value)

    assert messages_of(excinfo.value) == [message]


def form_data(**changes) -> dict:
    data = {
        "system": "web shop",
        "common_name": "shop.example.com",
        "names": "www.example.com, api.example.com",
        "key_type": "ec-p256",
        "organization": "Alpha Retail Ltd",
        "locality": "London",
        "state_or_province": "England",
        "country": "gb",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key_type", "algorithm", "size"),
    [
        ("ec-p256", KeyAlgorithm.EC, 256),
        ("ec-p384", KeyAlgorithm.EC, 384),
        ("rsa-2048", KeyAlgorithm.RSA, 2048),
        ("rsa-3072", KeyAlgorithm.RSA, 3072),
    ],
)
def test_generate_csr_key_types(client_user_a, key_type, algorithm, size):
    form = CsrGenerateForm(client_user_a, data=form_data(key_type=key_type))
    assert form.is_valid(), form.errors

    csr = form.save()

    assert csr.key_algorithm == algorithm
    assert csr.key_size == size
    parsed = x509.load_pem_x509_csr(csr.pem.encode())
    assert parsed.is_signature_valid
    key = serialization.load_pem_private_key(csr.private_key.get_pem(), None)
    assert key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == parsed.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.django_db
def test_generate_csr_subject_and_names(client_user_a):
    form = CsrGenerateForm(client_user_a, data=form_data())
    assert form.is_valid(), form.errors

    csr = form.save()

    parsed = x509.load_pem_x509_csr(csr.pem.encode())
    subject = {attribute.oid: attribute.value for attribute in parsed.subject}
    assert subject == {
        NameOID.COMMON_NAME: "shop.example.com",
        NameOID.ORGANIZATION_NAME: "Alpha Retail Ltd",
        NameOID.LOCALITY_NAME: "London",
        NameOID.STATE_OR_PROVINCE_NAME: "England",
        NameOID.COUNTRY_NAME: "GB",
    }
    san = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.value.get_values_for_type(x509.DNSName) == [
        "shop.example.com",
        "www.example.com",
        "api.example.com",
    ]
    assert csr.dns_names == ["shop.example.com", "www.example.com", "api.example.com"]
    assert csr.source == CsrSource.GENERATED
    assert csr.client == client_user_a.client


@pytest.mark.django_db
def test_generate_csr_audited(client_user_a):
    form = CsrGenerateForm(client_user_a, data=form_data())
    assert form.is_valid(), form.errors

    csr = form.save()

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert actions == {AuditAction.KEY_GENERATED, AuditAction.CSR_GENERATED}
    key_event = AuditEvent.objects.get(action=AuditAction.KEY_GENERATED)
    assert key_event.object_id == str(csr.private_key.pk)
    assert key_event.actor_username == "ann.user"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"key_type": "rsa-1024"},
            "key_type",
            "Key type 'rsa-1024' is too weak: RSA keys must have at least 2048 "
            "bits. Choose rsa-2048, rsa-3072 or rsa-4096, or ec-p256.",
        ),
        (
            {"country": "GBR"},
            "country",
            "Use a two-letter ISO 3166 country code such as GB.",
        ),
        (
            {"country": "G1"},
            "country",
            "Country 'G1' is not a two-letter ISO 3166 code. Use a code such as GB, "
            "US or DE.",
        ),
        (
            {"names": "www.example.com\nWWW.EXAMPLE.COM"},
            "names",
            "'WWW.EXAMPLE.COM' is listed twice. Remove the duplicate.",
        ),
        (
            {"common_name": "a..example.com"},
            "common_name",
            "'a..example.com' has an empty label. Remove the doubled or leading dot.",
        ),
        (
            {"common_name": "a" * 60 + ".example.com"},
            "common_name",
            f"Common name '{'a' * 60}.example.com' is longer than 64 characters. "
            "Put a shorter name here and the long one under other names.",
        ),
        ({"system": ""}, "system", "This field is required."),
    ],
)
def test_generate_csr_bad_input(client_user_a, changes, field, message):
    form = CsrGenerateForm(client_user_a, data=form_data(**changes))

    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert CertificateSigningRequest.objects.count() == 0
    assert PrivateKey.objects.count() == 0


def make_csr_pem(key=None, names=("shop.example.com",), cn="shop.example.com"):
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Alpha Retail Ltd"),
            ]
        )
    )
    if names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
            critical=False,
        )
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


@pytest.mark.django_db
def test_upload_csr_stores_names(client_user_a):
    pem = make_csr_pem(names=["shop.example.com", "www.example.com"])
    form = CsrUploadForm(
        client_user_a, data={"system": "web shop", "csr_text": pem.decode()}
    )
    assert form.is_valid(), form.errors

    csr = form.save()

    assert csr.source == CsrSource.UPLOADED
    assert csr.dns_names == ["shop.example.com", "www.example.com"]
    assert csr.organization == "Alpha Retail Ltd"
    assert csr.private_key is None
    assert form.warnings == []
    assert AuditEvent.objects.get().action == AuditAction.CSR_UPLOADED


@pytest.mark.django_db
def test_upload_csr_common_name_not_in_sans(client_user_a):
    pem = make_csr_pem(names=["www.example.com"])
    form = CsrUploadForm(
        client_user_a, data={"system": "web shop", "csr_text": pem.decode()}
    )

    assert form.is_valid(), form.errors
    assert form.warnings == [
        "The common name shop.example.com is not among the CSR's subject "
        "alternative names; the certificate will include it."
    ]


def upload_errors(user, **data) -> list[str]:
    form = CsrUploadForm(user, data={"system": "web shop", **data})
    assert not form.is_valid()
    return form.errors["__all__"]


@pytest.mark.django_db
def test_upload_csr_bad_signature(client_user_a):
    key = ec.generate_private_key(ec.SECP256R1())
    good = x509.load_pem_x509_csr(make_csr_pem(key))
    der = bytearray(good.public_bytes(serialization.Encoding.DER))
    # Change one byte of the common name; the signature no longer covers it.
    position = bytes(der).index(b"shop.example.com")
    der[position] = ord("x")
    tampered = x509.load_der_x509_csr(bytes(der)).public_bytes(
        serialization.Encoding.PEM
    )

    assert upload_errors(client_user_a, csr_text=tampered.decode()) == [
        "The CSR's signature does not verify, so it was altered after it was made. "
        "Generate the CSR again."
    ]
    assert CertificateSigningRequest.objects.count() == 0


@pytest.mark.django_db
def test_upload_csr_weak_key(client_user_a):
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505  (the weak key under test)

    assert upload_errors(client_user_a, csr_text=make_csr_pem(key).decode()) == [
        "The CSR's key is too weak (RSA 1024 bits). Generate a new key of at least "
        "RSA 2048 bits or ECDSA P-256 and a new CSR."
    ]


@pytest.mark.django_db
def test_upload_csr_names_mismatch(client_user_a):
    pem = make_csr_pem(names=["shop.example.com", "old.example.com"])

    assert upload_errors(
        client_user_a,
        csr_text=pem.decode(),
        expected_names="shop.example.com\nwww.example.com",
    ) == [
        "The CSR's names differ from the names you entered. Missing from the CSR: "
        "www.example.com. Not entered: old.example.com. Correct the names or "
        "generate the CSR again."
    ]


@pytest.mark.django_db
def test_upload_csr_separators_only(client_user_a):
    """Expected names made only of separators count as no expected names."""
    assert upload_errors(client_user_a, csr_text="hello", expected_names=" , , ") == [
        "The file is not a certificate signing request, or it is damaged. Upload "
        "the PEM or DER file that your server generated."
    ]


@pytest.mark.django_db
def test_upload_csr_not_a_csr(client_user_a):
    assert upload_errors(client_user_a, csr_text="hello") == [
        "The file is not a certificate signing request, or it is damaged. Upload "
        "the PEM or DER file that your server generated."
    ]


@pytest.mark.django_db
def test_upload_csr_missing(client_user_a):
    assert upload_errors(client_user_a) == [
        "No CSR was given. Choose a CSR file or paste the CSR."
    ]
