"""Pushover's end-to-end encryption of message fields (``encrypted=1``).

The user sets one 256-bit key for their Pushover account, as 64 hexadecimal
characters, in the Pushover app on each device that should read the messages.
Each of ``message``, ``title``, ``url`` and ``url_title`` is encrypted on its
own: UTF-8, gzip, AES-256-CBC with PKCS7 padding and a random 16-byte IV, then
HMAC-SHA256 over IV and ciphertext with the same key, sent as standard base64 of
IV + ciphertext + HMAC. Pushover's length limits apply to that base64 text.

The ciphertext length of a text does not depend on the random IV: it follows
from the length of the gzip output alone, which :func:`encrypted_length` gives.

A key is never put in a repr, an exception or a log line.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
import gzip
import hashlib
import hmac
import os
import re
from typing import Final

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .errors import EncryptionError, MessageValidationError, ValidationCode

#: Characters of a key as the Pushover app shows it (hexadecimal).
KEY_HEX_LENGTH: Final = 64
#: The fields Pushover's apps decrypt.
ENCRYPTED_FIELDS: Final = ("message", "title", "url", "url_title")

_KEY_BYTES: Final = 32
_IV_BYTES: Final = 16
_BLOCK_BYTES: Final = 16
_MAC_BYTES: Final = 32
_HEX_KEY: Final = re.compile(r"[0-9A-Fa-f]{64}")
_WHITESPACE: Final = re.compile(r"\s+")
_SELF_TEST_TEXT: Final = "Pushover Plus encryption check ✓"


def parse_encryption_key(value: object) -> bytes:
    """Return the 32-byte key written as 64 hex characters in ``value``.

    Spaces and line breaks anywhere (as pasted from the app) are ignored. Anything
    else raises :class:`MessageValidationError` for the field ``encryption_key``,
    whose text and placeholders tell the length found, never the characters.
    """
    text = _WHITESPACE.sub("", value) if isinstance(value, str) else ""
    if not _HEX_KEY.fullmatch(text):
        raise MessageValidationError(
            f"An encryption key is {KEY_HEX_LENGTH} hexadecimal characters "
            f"(0-9, a-f); {len(text)} characters were given.",
            field="encryption_key",
            code=ValidationCode.ENCRYPTION_KEY_INVALID,
            placeholders={"length": str(len(text)), "max": str(KEY_HEX_LENGTH)},
        )
    return bytes.fromhex(text)


def check_encryption_key(value: object) -> str:
    """Check a key before it is saved; return it as 64 lowercase hex characters.

    The key's shape is checked (:func:`parse_encryption_key`), then a sample text
    is encrypted and decrypted with it; :class:`EncryptionError` says that this
    round trip failed, so the system cannot encrypt.
    """
    key = parse_encryption_key(value)
    if decrypt_field(key, encrypt_field(key, _SELF_TEST_TEXT)) != _SELF_TEST_TEXT:
        raise EncryptionError("Encrypting and decrypting a sample text failed.")
    return key.hex()


def validate_encryption_key(key: object) -> bytes:
    """Check that ``key`` is a 32-byte key (as :func:`parse_encryption_key` gives)."""
    if not isinstance(key, bytes) or len(key) != _KEY_BYTES:
        raise MessageValidationError(
            f"An encryption key is {_KEY_BYTES} bytes.",
            field="encryption_key",
            code=ValidationCode.ENCRYPTION_KEY_INVALID,
            placeholders={
                "length": str(len(key) * 2 if isinstance(key, bytes) else 0),
                "max": str(KEY_HEX_LENGTH),
            },
        )
    return key


def _compress(text: str) -> bytes:
    # mtime=0: the same text always gives the same bytes (and never the time).
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def _mac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def encrypt_field(key: bytes, text: str) -> str:
    """Encrypt one field's text with a 32-byte key; return the base64 to send."""
    validate_encryption_key(key)
    padder = padding.PKCS7(_BLOCK_BYTES * 8).padder()
    padded = padder.update(_compress(text)) + padder.finalize()
    iv = os.urandom(_IV_BYTES)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    sealed = iv + encryptor.update(padded) + encryptor.finalize()
    return base64.b64encode(sealed + _mac(key, sealed)).decode("ascii")


def decrypt_field(key: bytes, text: str) -> str:
    """Return the text :func:`encrypt_field` encrypted, checking its HMAC.

    Raises :class:`EncryptionError` when ``text`` is not such a field or was not
    encrypted with ``key``.
    """
    validate_encryption_key(key)
    try:
        blob = base64.b64decode(text, validate=True)
    except binascii.Error, ValueError:
        raise EncryptionError("The encrypted field is not base64 text.") from None
    body_length = len(blob) - _IV_BYTES - _MAC_BYTES
    if body_length < _BLOCK_BYTES or body_length % _BLOCK_BYTES:
        raise EncryptionError("The encrypted field has the wrong length.")
    sealed, mac = blob[:-_MAC_BYTES], blob[-_MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(key, sealed)):
        raise EncryptionError("The encrypted field does not match the key.")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(sealed[:_IV_BYTES])).decryptor()
    unpadder = padding.PKCS7(_BLOCK_BYTES * 8).unpadder()
    try:
        padded = decryptor.update(sealed[_IV_BYTES:]) + decryptor.finalize()
        data = unpadder.update(padded) + unpadder.finalize()
        return gzip.decompress(data).decode("utf-8")
    except ValueError, OSError, EOFError:
        raise EncryptionError("The encrypted field does not decrypt.") from None


def encrypted_length(text: str) -> int:
    """Return how many characters :func:`encrypt_field` makes of ``text``.

    Exact and free of randomness: the IV and HMAC have fixed sizes, and the
    padded ciphertext length follows from the gzip output length.
    """
    padded = (len(_compress(text)) // _BLOCK_BYTES + 1) * _BLOCK_BYTES
    raw = _IV_BYTES + padded + _MAC_BYTES
    return (raw + 2) // 3 * 4


def longest_encrypted_prefix(text: str, limit: int) -> int:
    """Return a number of leading characters of ``text`` that fit ``limit`` encrypted.

    It is the whole text when that fits. Otherwise it is a length ``n`` whose
    prefix ``text[:n]`` encrypts to at most ``limit`` characters while
    ``text[:n + 1]`` does not (compression can make a longer prefix fit again, so
    this is a fitting cut, not always the longest one). ``0`` means that not even
    an empty text fits: an encrypted field is never shorter than
    ``encrypted_length("")`` characters.
    """
    if encrypted_length("") > limit:
        return 0
    if encrypted_length(text) <= limit:
        return len(text)
    fits, too_long = 0, len(text)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if encrypted_length(text[:middle]) <= limit:
            fits = middle
        else:
            too_long = middle
    return fits


def encrypt_fields(key: bytes, fields: Mapping[str, str]) -> dict[str, str]:
    """Return request ``fields`` with the texts encrypted and ``encrypted=1`` set.

    Of :data:`ENCRYPTED_FIELDS`, those present are encrypted; others are kept.
    """
    encrypted = {
        name: encrypt_field(key, value) if name in ENCRYPTED_FIELDS else value
        for name, value in fields.items()
    }
    encrypted["encrypted"] = "1"
    return encrypted
