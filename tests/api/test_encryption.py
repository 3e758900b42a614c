"""End-to-end encryption (``encrypted=1``): keys, fields, limits, secrecy.

The sandbox decrypts with its own decryptor (``sandbox/e2ee.py``), so a message
our client encrypts and the sandbox reads proves the two agree.
"""

from __future__ import annotations

import base64
from dataclasses import replace
import hashlib
import logging
import random

import pytest

from custom_components.pushover_plus.api import (
    KEY_HEX_LENGTH,
    EncryptionError,
    Message,
    MessageValidationError,
    PushoverClient,
    ValidationCode,
    check_encryption_key,
    decrypt_field,
    encrypt_field,
    encrypted_length,
    encryption,
    longest_encrypted_prefix,
    parse_encryption_key,
    validate_message,
)
from sandbox import (
    DEMO_GROUP,
    DEMO_USER,
    DEMO_USER_ENCRYPTION_KEY,
    OTHER_USER,
    OTHER_USER_ENCRYPTION_KEY,
    decrypt_message,
)
from sandbox.e2ee import decrypt
from sandbox.state import SandboxState

KEY = bytes.fromhex(DEMO_USER_ENCRYPTION_KEY)
OTHER_KEY = bytes.fromhex(OTHER_USER_ENCRYPTION_KEY)
# A key without long runs of one digit, so that a leak of any part shows.
SECRET = hashlib.sha256(b"a secret of the test").hexdigest()
C = ValidationCode


def _noise(length: int, alphabet: str) -> str:
    """Return text that hardly compresses."""
    rng = random.Random(length)  # noqa: S311 - reproducible on purpose
    return "".join(rng.choice(alphabet) for _ in range(length))


CYRILLIC = "".join(map(chr, range(0x400, 0x500)))
PRINTABLE = "".join(map(chr, range(33, 127)))


def _texts(count: int, seed: int) -> list[str]:
    """Return texts of every length up to ~1,500 characters, many scripts mixed."""
    rng = random.Random(seed)  # noqa: S311 - reproducible on purpose
    alphabets = (
        "abcdefghijklmnopqrstuvwxyz ",
        "0123456789ABCDEF",
        "äöüßéèçñ€ Зданиеводаогонь 日本語の文字 🔒🚪🔥",
        "".join(chr(code) for code in range(32, 0x2FF)),
    )
    texts = ["", " ", "a", "é", "🔒", "\n"]
    for index in range(count):
        alphabet = alphabets[index % len(alphabets)]
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 1500))))
    return texts


# -- keys -------------------------------------------------------------------


@pytest.mark.parametrize(
    "pasted",
    [
        SECRET,
        SECRET.upper(),
        f"  {SECRET}\n",
        " ".join(SECRET[i : i + 8] for i in range(0, KEY_HEX_LENGTH, 8)),
        SECRET[:32] + "\r\n\t" + SECRET[32:],
    ],
)
def test_a_pasted_key_is_trimmed_and_checked(pasted: str) -> None:
    assert parse_encryption_key(pasted) == bytes.fromhex(SECRET)
    assert check_encryption_key(pasted) == SECRET


@pytest.mark.parametrize(
    ("value", "length"),
    [
        ("", "0"),
        (SECRET[:-1], "63"),
        (SECRET + "0", "65"),
        ("g" + SECRET[1:], "64"),
        ("0x" + SECRET[2:], "64"),
        (None, "0"),
        (bytes.fromhex(SECRET), "0"),
    ],
)
def test_a_malformed_key_is_refused_without_echoing_it(
    value: object, length: str
) -> None:
    for check in (parse_encryption_key, check_encryption_key):
        with pytest.raises(MessageValidationError) as caught:
            check(value)
        error = caught.value
        assert (error.field, error.code) == ("encryption_key", C.ENCRYPTION_KEY_INVALID)
        assert error.placeholders == {"length": length, "max": "64"}
        for text in (str(error), repr(error), repr(error.placeholders)):
            assert SECRET[2:20] not in text.lower()


def test_the_self_test_fails_when_the_round_trip_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(encryption, "decrypt_field", lambda key, text: "garbled")
    with pytest.raises(EncryptionError) as caught:
        check_encryption_key(SECRET)
    assert SECRET[2:20] not in str(caught.value).lower()


# -- fields -------------------------------------------------------------------


def test_round_trip_and_the_sandbox_reads_our_fields() -> None:
    for text in _texts(60, seed=1):
        sealed = encrypt_field(KEY, text)
        assert decrypt_field(KEY, sealed) == text
        assert decrypt(KEY, sealed) == text


def test_the_wire_format() -> None:
    """Standard base64 of IV(16) + whole AES blocks + HMAC(32); a fresh IV each time."""
    first, second = (encrypt_field(KEY, "Door code 4711") for _ in range(2))
    assert first != second
    blob = base64.b64decode(first, validate=True)
    # 14 bytes of text gzip to 34 bytes, padded to three blocks.
    assert len(blob) == 16 + 48 + 32
    assert base64.b64encode(blob).decode() == first


def test_encrypted_length_is_exact() -> None:
    """The length without encrypting equals the length of real ciphertexts."""
    for text in _texts(300, seed=2):
        expected = encrypted_length(text)
        assert len(encrypt_field(KEY, text)) == expected
        assert len(encrypt_field(OTHER_KEY, text)) == expected
    assert encrypted_length("") == 108


def test_longest_encrypted_prefix() -> None:
    for text in _texts(40, seed=3):
        for limit in (100, 108, 250, 512, 1024):
            cut = longest_encrypted_prefix(text, limit)
            if limit < encrypted_length(""):
                assert cut == 0
                continue
            if cut == len(text):
                assert encrypted_length(text) <= limit
                continue
            assert (
                encrypted_length(text[:cut])
                <= limit
                < encrypted_length(text[: cut + 1])
            )
            assert len(encrypt_field(KEY, text[:cut])) <= limit


@pytest.mark.parametrize(
    ("sealed", "reason"),
    [
        ("not base64!", "not base64"),
        (base64.b64encode(b"\0" * 70).decode(), "wrong length"),
        (base64.b64encode(b"\0" * 32).decode(), "wrong length"),
    ],
)
def test_a_broken_field_does_not_decrypt(sealed: str, reason: str) -> None:
    with pytest.raises(EncryptionError, match=reason):
        decrypt_field(KEY, sealed)


def test_a_field_does_not_decrypt_with_another_key_or_when_changed() -> None:
    sealed = encrypt_field(KEY, "Alarm armed")
    with pytest.raises(EncryptionError, match="does not match the key"):
        decrypt_field(OTHER_KEY, sealed)
    blob = bytearray(base64.b64decode(sealed))
    blob[20] ^= 1
    with pytest.raises(EncryptionError, match="does not match the key"):
        decrypt_field(KEY, base64.b64encode(bytes(blob)).decode())


def test_a_verified_field_that_is_not_gzip_does_not_decrypt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only a sender holding the key could make this; it still fails cleanly."""
    with monkeypatch.context() as patch:
        patch.setattr(encryption, "_compress", lambda text: text.encode())
        sealed = encrypt_field(KEY, "plain, not gzip")
    with pytest.raises(EncryptionError, match="does not decrypt"):
        decrypt_field(KEY, sealed)


# -- messages ---------------------------------------------------------------

BASE = Message(user=DEMO_USER, message="Front door opened", title="Home")


def _refusal(message: Message) -> MessageValidationError:
    with pytest.raises(MessageValidationError) as caught:
        validate_message(message)
    return caught.value


def test_an_encrypted_message_needs_a_title() -> None:
    error = _refusal(replace(BASE, title=None, encryption_key=KEY))
    assert (error.field, error.code) == ("title", C.ENCRYPTED_TITLE_MISSING)


def test_an_encrypted_message_needs_a_32_byte_key() -> None:
    error = _refusal(replace(BASE, encryption_key=KEY[:16]))
    assert (error.field, error.code) == ("encryption_key", C.ENCRYPTION_KEY_INVALID)
    assert error.placeholders == {"length": "32", "max": "64"}


@pytest.mark.parametrize(
    ("changes", "field", "limit"),
    [
        ({"url_title": "Open"}, "url_title", 100),
        ({"title": _noise(240, CYRILLIC)}, "title", 250),
        ({"url": "https://example.com/" + _noise(480, PRINTABLE)}, "url", 512),
        ({"message": _noise(1000, CYRILLIC)}, "message", 1024),
    ],
)
def test_limits_apply_to_the_encrypted_text(
    changes: dict[str, str], field: str, limit: int
) -> None:
    message = replace(BASE, encryption_key=KEY, **changes)  # type: ignore[arg-type]
    value = getattr(message, field)
    assert len(value) <= limit  # it would fit in clear
    validate_message(replace(message, encryption_key=None))
    error = _refusal(message)
    assert (error.field, error.code) == (field, C.ENCRYPTED_TOO_LONG)
    length = encrypted_length(value)
    assert error.placeholders == {"max": str(limit), "length": str(length)}
    assert length > limit


def test_a_long_text_that_compresses_well_fits_encrypted() -> None:
    """Pushover counts the ciphertext: 2,000 repeated characters fit in 1,024."""
    message = replace(BASE, message="All quiet. " * 200, encryption_key=KEY)
    assert validate_message(message) == (DEMO_USER,)


def test_an_encrypted_url_title_never_fits() -> None:
    """The shortest field is 108 characters encrypted: over url_title's 100."""
    assert encrypted_length("") > 100
    assert longest_encrypted_prefix("x", 100) == 0


def test_the_key_is_not_in_the_repr() -> None:
    message = replace(BASE, encryption_key=KEY)
    text = repr(message)
    assert "encryption_key" not in text
    assert KEY.hex() not in text
    assert repr(KEY) not in text


# -- sending through the sandbox ----------------------------------------------


async def test_sent_encrypted_and_read_by_the_phone(
    client: PushoverClient, state: SandboxState, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    message = Message(
        user=DEMO_USER,
        message="Door code is 4711 ✓",
        title="Front door",
        url="https://example.com/camera/1",
        devices=["phone"],
        priority=1,
        encryption_key=KEY,
    )
    await client.send_message(message)
    [record] = state.messages
    fields = record.fields
    assert fields["encrypted"] == "1"
    assert (fields["device"], fields["priority"]) == ("phone", "1")
    for name in ("message", "title", "url"):
        assert fields[name] != getattr(message, name)
        assert len(fields[name]) == encrypted_length(getattr(message, name))
    assert record.decryption is not None
    assert record.decryption.ok, record.decryption.errors
    assert record.decryption.fields == {
        "message": "Door code is 4711 ✓",
        "title": "Front door",
        "url": "https://example.com/camera/1",
    }
    logged = "\n".join(entry.getMessage() for entry in caplog.records)
    assert KEY.hex() not in logged
    assert "4711" not in logged


async def test_a_group_member_with_another_key_cannot_read_it(
    client: PushoverClient, state: SandboxState
) -> None:
    """Members of a group each have their own key; only the matching one reads."""
    await client.send_message(
        Message(user=DEMO_GROUP, message="Hi", title="Family", encryption_key=KEY)
    )
    readers = {record.user: record.decryption for record in state.messages}
    demo, other = readers[DEMO_USER], readers[OTHER_USER]
    assert demo is not None
    assert demo.ok
    assert other is not None
    assert not other.ok
    assert set(other.errors) == {"message", "title"}
    assert decrypt_message(state.messages[0].fields, OTHER_USER_ENCRYPTION_KEY) == (
        other
    )


async def test_nothing_is_sent_when_an_encrypted_field_is_too_long(
    client: PushoverClient, state: SandboxState
) -> None:
    with pytest.raises(MessageValidationError) as caught:
        await client.send_message(replace(BASE, url_title="Camera", encryption_key=KEY))
    assert caught.value.field == "url_title"
    assert KEY.hex() not in str(caught.value)
    assert state.requests == []
