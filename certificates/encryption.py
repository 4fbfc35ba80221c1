"""Encryption of private keys at rest with Fernet (AES-128-CBC and HMAC-SHA256).

PRIVATE_KEY_ENCRYPTION_KEYS lists the keys newest first: new tokens use the first,
and decryption tries each in turn, so a new key can be added before old tokens
are re-encrypted by `manage.py rotate_encryption_key`.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class KeyDecryptionError(Exception):
    """No configured key decrypts the token: a key was removed too early."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.PRIVATE_KEY_ENCRYPTION_KEYS))


def encrypt(plaintext: bytes) -> bytes:
    return _current().encrypt(plaintext)


def decrypt(token: bytes) -> bytes:
    try:
        return _current().decrypt(token)
    except InvalidToken:
        raise KeyDecryptionError(
            "No key in PRIVATE_KEY_ENCRYPTION_KEYS decrypts this private key. "
            "Put back the key it was encrypted with."
        ) from None


def rotate(token: bytes) -> bytes:
    """Re-encrypt a token with the newest key."""
    try:
        return _current().rotate(token)
    except InvalidToken:
        raise KeyDecryptionError(
            "No key in PRIVATE_KEY_ENCRYPTION_KEYS decrypts this private key."
        ) from None
