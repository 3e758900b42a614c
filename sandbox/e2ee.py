"""The phone's side of Pushover's end-to-end encryption (``encrypted=1``).

Written for the sandbox from the published scheme, without the integration's
encryptor, so that tests can show two independent implementations agree (and
Apprise's as a third). A field arrives as standard base64 of a 16-byte IV, the
AES-256-CBC ciphertext and a 32-byte HMAC-SHA256 of IV + ciphertext, all with the
recipient's 32-byte key; the plaintext inside the PKCS7 padding is gzip'd UTF-8.

Like the Pushover app, the sandbox shows "could not decrypt" when a field does
not verify: a wrong key, a damaged field, or no key at all. A message without a
title cannot be read in full either: Pushover puts the app's name in as a plain
title, which the app then tries to decrypt.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
import gzip
import hashlib
import hmac
from typing import Any, Final
import zlib

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .rules import optional

ENCRYPTED_FIELDS: Final = ("message", "title", "url", "url_title")
IV_SIZE: Final = 16
MAC_SIZE: Final = 32
BLOCK: Final = 16


class DecryptError(ValueError):
    """A field that does not decrypt with the key; the text says why."""


def decrypt(key: bytes, encoded: str) -> str:
    """Return the text in one encrypted field, or raise :class:`DecryptError`."""
    try:
        blob = base64.b64decode(encoded, validate=True)
    except binascii.Error, ValueError:
        raise DecryptError("not base64") from None
    if len(blob) < IV_SIZE + BLOCK + MAC_SIZE or (len(blob) - IV_SIZE) % BLOCK:
        raise DecryptError(f"{len(blob)} bytes is not IV + whole blocks + HMAC")
    iv, body, mac = blob[:IV_SIZE], blob[IV_SIZE:-MAC_SIZE], blob[-MAC_SIZE:]
    if not hmac.compare_digest(hmac.new(key, iv + body, hashlib.sha256).digest(), mac):
        raise DecryptError("HMAC does not verify (wrong key or damaged field)")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(body) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise DecryptError("bad PKCS7 padding")
    try:
        return gzip.decompress(plain[:-pad]).decode("utf-8")
    except OSError, EOFError, zlib.error, UnicodeDecodeError:
        raise DecryptError("not gzip-compressed UTF-8 text") from None


@dataclass
class Decryption:
    """What the recipient's phone made of an ``encrypted=1`` message."""

    ok: bool
    """Whether every encrypted field (and a title) decrypted."""
    fields: dict[str, str] = field(default_factory=dict)
    """The fields that decrypted, by name."""
    errors: dict[str, str] = field(default_factory=dict)
    """Why each other field did not, by name."""

    def to_json(self) -> dict[str, Any]:
        """Describe the outcome as plain JSON values."""
        return {"ok": self.ok, "fields": self.fields, "errors": self.errors}


def decrypt_message(fields: Mapping[str, str], key_hex: str | None) -> Decryption:
    """Decrypt the text fields of a message for a recipient holding ``key_hex``."""
    result = Decryption(ok=False)
    if key_hex is None:
        result.errors["key"] = "the recipient has set no encryption key"
        return result
    key = bytes.fromhex(key_hex)
    for name in ENCRYPTED_FIELDS:
        value = optional(fields, name)
        if value is None:
            continue
        try:
            result.fields[name] = decrypt(key, value)
        except DecryptError as err:
            result.errors[name] = str(err)
    if optional(fields, "title") is None:
        result.errors["title"] = (
            "missing: Pushover adds the app's name in clear, which cannot be decrypted"
        )
    result.ok = not result.errors
    return result
