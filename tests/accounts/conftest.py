import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The default hasher is slow by design. These tests hash dozens of passwords
    # and test the portal's behaviour, not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
