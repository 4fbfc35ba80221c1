from cryptography.hazmat.primitives import serialization

from monitoring.trust import chain_is_complete
from tests.certificates_factories import issue_leaf, test_ca


def test_private_root_untrusted_by_default(settings):
    settings.VERIFICATION_EXTRA_ROOTS_FILE = ""
    leaf, _ = issue_leaf("shop.example.com")
    assert not chain_is_complete([leaf], [])


def test_configured_private_root_trusted(settings, tmp_path):
    root_file = tmp_path / "roots.pem"
    root_file.write_bytes(test_ca()[0].public_bytes(serialization.Encoding.PEM))
    settings.VERIFICATION_EXTRA_ROOTS_FILE = str(root_file)
    leaf, _ = issue_leaf("shop.example.com")
    assert chain_is_complete([leaf], [])
