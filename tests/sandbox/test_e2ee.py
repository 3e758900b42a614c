"""End-to-end encrypted messages: the sandbox decrypts them as the phone would.

Apprise 2.2.0 implements Pushover's encryption on its own; the sandbox reading
what Apprise sends proves the sandbox's decryptor independent of ours. Our
encryptor only crafts fields here (broken ones, or for a user without a key).
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import replace
import gzip
import hashlib
import hmac
from urllib.parse import quote

import apprise
from apprise.plugins.pushover import NotifyPushover
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
import pytest

from custom_components.pushover_plus.api import encrypt_field
from sandbox import (
    DEMO_GROUP,
    DEMO_TOKEN,
    DEMO_USER,
    DEMO_USER_ENCRYPTION_KEY,
    OTHER_USER,
    OTHER_USER_ENCRYPTION_KEY,
    SandboxServer,
    default_seed,
)
from sandbox.e2ee import DecryptError, decrypt
from sandbox.page import LOCK, NOT_DECRYPTED_TITLE
from sandbox.seed import SeedError, resolve_seed

from .conftest import Api
from .test_page import page

KEY = bytes.fromhex(DEMO_USER_ENCRYPTION_KEY)


@pytest.fixture
def apprise_url(
    pushover_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> str:
    url = pushover_sandbox.api_url + "messages.json"
    monkeypatch.setattr(NotifyPushover, "notify_url", url)
    monkeypatch.setattr(NotifyPushover, "request_rate_per_sec", 0)
    return url


async def apprise_send(url: str, body: str, title: str = "") -> bool:
    notify = apprise.Apprise.instantiate(url)
    assert isinstance(notify, NotifyPushover)
    return bool(await asyncio.to_thread(notify.send, body=body, title=title))


def test_demo_users_hold_keys() -> None:
    seed = default_seed()
    assert seed.users[DEMO_USER].encryption_key == DEMO_USER_ENCRYPTION_KEY
    assert seed.users[OTHER_USER].encryption_key == OTHER_USER_ENCRYPTION_KEY
    assert DEMO_USER_ENCRYPTION_KEY != OTHER_USER_ENCRYPTION_KEY
    assert DEMO_USER_ENCRYPTION_KEY not in repr(seed)


def test_seed_keys_are_checked() -> None:
    spaced = " ".join(DEMO_USER_ENCRYPTION_KEY[i : i + 16] for i in range(0, 64, 16))
    seed = resolve_seed(
        {"users": {DEMO_USER: {"encryption_key": spaced.upper()}, OTHER_USER: {}}}
    )
    assert seed.users[DEMO_USER].encryption_key == DEMO_USER_ENCRYPTION_KEY
    assert seed.users[OTHER_USER].encryption_key is None
    for bad in ("abc", 64 * "g", 5):
        with pytest.raises(SeedError, match="encryption_key"):
            resolve_seed({"users": {DEMO_USER: {"encryption_key": bad}}})


async def test_apprise_encrypts_and_the_sandbox_reads_it(
    apprise_url: str, pushover_sandbox: SandboxServer, api: Api
) -> None:
    target = quote("https://example.com/cam?id=1", safe="")
    url = (
        f"pover://{DEMO_USER}@{DEMO_TOKEN}/phone"
        f"?key={DEMO_USER_ENCRYPTION_KEY}&url={target}"
    )
    assert await apprise_send(url, "Door code 4711", "Front door")
    [message] = pushover_sandbox.state.messages
    assert message.fields["encrypted"] == "1"
    assert message.fields["message"] != "Door code 4711"
    assert message.encrypted
    assert message.decryption is not None
    assert message.decryption.ok, message.decryption.errors
    assert message.decryption.fields == {
        "message": "Door code 4711",
        "title": "Front door",
        "url": "https://example.com/cam?id=1",
    }
    reply = await api.control("GET", "messages")
    [listed] = reply.body["messages"]
    assert listed["encrypted"] is True
    assert listed["decryption"] == {
        "ok": True,
        "fields": message.decryption.fields,
        "errors": {},
    }
    html = await page(api)
    assert f"<h2>{LOCK}Front door</h2>" in html
    assert '<div class="body">Door code 4711</div>' in html
    assert 'href="https://example.com/cam?id=1"' in html
    assert "<dt>Encryption</dt><dd>end-to-end, decrypted</dd>" in html
    assert message.fields["message"] not in html


async def test_apprise_default_title_is_encrypted_too(
    apprise_url: str, pushover_sandbox: SandboxServer
) -> None:
    url = f"pover://{DEMO_USER}@{DEMO_TOKEN}?key={DEMO_USER_ENCRYPTION_KEY}"
    assert await apprise_send(url, "Washer done")
    [message] = pushover_sandbox.state.messages
    assert message.decryption is not None
    assert message.decryption.ok
    assert message.decryption.fields["title"] == "Apprise Notifications"


async def test_a_wrong_key_is_detected(
    apprise_url: str, pushover_sandbox: SandboxServer, api: Api
) -> None:
    url = f"pover://{DEMO_USER}@{DEMO_TOKEN}?key={OTHER_USER_ENCRYPTION_KEY}"
    assert await apprise_send(url, "Secret", "Alarm")  # Pushover accepts it
    [message] = pushover_sandbox.state.messages
    assert message.decryption is not None
    assert not message.decryption.ok
    assert message.decryption.fields == {}
    reason = "HMAC does not verify (wrong key or damaged field)"
    assert message.decryption.errors == {"message": reason, "title": reason}
    html = await page(api)
    assert f"<h2>{LOCK}{NOT_DECRYPTED_TITLE}</h2>" in html
    assert "could not be decrypted" in html
    assert "Secret" not in html
    assert "end-to-end, could not decrypt (message: HMAC does not verify" in html


async def test_the_length_limits_apply_to_the_ciphertext(
    apprise_url: str, pushover_sandbox: SandboxServer
) -> None:
    """Even a one-letter url_title is 108 characters once encrypted: over 100."""
    url = f"pover://{DEMO_USER}@{DEMO_TOKEN}?key={DEMO_USER_ENCRYPTION_KEY}&url_title=A"
    assert not await apprise_send(url, "Hello", "Hi")
    [record] = pushover_sandbox.state.requests
    assert record.response_status == 400
    assert record.response_body is not None
    assert '"url_title": "too long"' in record.response_body
    assert pushover_sandbox.state.messages == []


async def test_a_group_reaches_each_member_with_their_own_key(
    apprise_url: str, pushover_sandbox: SandboxServer
) -> None:
    url = f"pover://{DEMO_USER}@{DEMO_TOKEN}/%23{DEMO_GROUP}?key={DEMO_USER_ENCRYPTION_KEY}"
    assert await apprise_send(url, "Family dinner", "Tonight")
    outcome = {
        m.user: m.decryption.ok
        for m in pushover_sandbox.state.messages
        if m.decryption is not None
    }
    assert outcome == {DEMO_USER: True, OTHER_USER: False}


async def test_a_broken_field_or_a_missing_title_cannot_be_read(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    good = encrypt_field(KEY, "Hello")
    blob = bytearray(base64.b64decode(good))
    blob[-1] ^= 1
    broken = base64.b64encode(bytes(blob)).decode()
    base = {"token": DEMO_TOKEN, "user": DEMO_USER, "encrypted": "1"}
    for fields in (
        base | {"message": good, "title": broken},
        base | {"message": good},
        base | {"message": "Hello in clear", "title": good},
    ):
        (await api.post("messages.json", fields)).accepted()
    broken_title, no_title, clear_message = pushover_sandbox.state.messages
    assert broken_title.decryption is not None
    assert broken_title.decryption.fields == {"message": "Hello"}
    assert set(broken_title.decryption.errors) == {"title"}
    assert no_title.decryption is not None
    assert no_title.decryption.errors == {
        "title": "missing: Pushover adds the app's name in clear, "
        "which cannot be decrypted"
    }
    assert clear_message.decryption is not None
    assert clear_message.decryption.errors == {"message": "not base64"}
    html = await page(api)
    assert html.count(NOT_DECRYPTED_TITLE) == 3


async def test_a_recipient_without_a_key_cannot_read_it(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    seed = pushover_sandbox.state.seed
    keyless = replace(seed.users[DEMO_USER], encryption_key=None)
    pushover_sandbox.state.seed = replace(
        seed, users={**seed.users, DEMO_USER: keyless}
    )
    fields = {
        "token": DEMO_TOKEN,
        "user": DEMO_USER,
        "encrypted": "1",
        "message": encrypt_field(KEY, "Hi"),
        "title": encrypt_field(KEY, "Hi"),
    }
    (await api.post("messages.json", fields)).accepted()
    [message] = pushover_sandbox.state.messages
    assert message.decryption is not None
    assert message.decryption.errors == {
        "key": "the recipient has set no encryption key"
    }


def test_the_padlock_needs_no_emoji_font() -> None:
    """Drawn as inline SVG: no emoji font, and nothing the page's CSP blocks."""
    assert LOCK.isascii()
    assert LOCK.startswith("<svg")
    assert "<title>End-to-end encrypted</title>" in LOCK


async def test_plain_messages_are_not_marked(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    base = {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "Plain"}
    (await api.post("messages.json", base | {"encrypted": "0"})).accepted()
    [message] = pushover_sandbox.state.messages
    assert not message.encrypted
    html = await page(api)
    assert 'class="lock"' not in html
    assert "<dt>Encryption</dt>" not in html


@pytest.mark.parametrize("size", [63, 65, 79])
def test_decrypt_checks_the_shape(size: int) -> None:
    with pytest.raises(DecryptError) as caught:
        decrypt(KEY, base64.b64encode(bytes(size)).decode())
    assert str(caught.value) == f"{size} bytes is not IV + whole blocks + HMAC"


def _seal(plain: bytes) -> str:
    """Encrypt already padded bytes with the demo key, HMAC and all."""
    iv = bytes(range(16))
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    sealed = iv + encryptor.update(plain) + encryptor.finalize()
    mac = hmac.new(KEY, sealed, hashlib.sha256).digest()
    return base64.b64encode(sealed + mac).decode()


@pytest.mark.parametrize(
    ("plain", "reason"),
    [
        (bytes(16), "bad PKCS7 padding"),
        (b"\x01" * 15 + b"\x03", "bad PKCS7 padding"),
        (b"not gzip" + b"\x08" * 8, "not gzip-compressed UTF-8 text"),
        (gzip.compress(b"\xff\xfe") + b"\x0a" * 10, "not gzip-compressed UTF-8 text"),
    ],
)
def test_decrypt_checks_what_is_inside(plain: bytes, reason: str) -> None:
    with pytest.raises(DecryptError, match=reason):
        decrypt(KEY, _seal(plain))
    assert decrypt(KEY, _seal(gzip.compress(b"ok") + b"\x0a" * 10)) == "ok"
