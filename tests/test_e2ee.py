"""End-to-end encrypted messages through Home Assistant, read by the sandbox.

The sandbox decrypts with its own implementation (proven against Apprise in
tests/sandbox/test_e2ee.py), as the recipient's phone would.
"""

from __future__ import annotations

import base64
from dataclasses import replace
import hashlib
import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntryState,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

import custom_components.pushover_plus as integration
from custom_components.pushover_plus.api import (
    MAX_MESSAGE_LENGTH,
    MAX_TITLE_LENGTH,
    encrypted_length,
    encryption,
)
from custom_components.pushover_plus.const import (
    CONF_ENCRYPTION_KEY,
    CONF_LONG_MESSAGE,
    DOMAIN,
    EVENT_DELIVERY_FAILED,
    SUBENTRY_RECIPIENT,
    LongMessage,
)
from custom_components.pushover_plus.long_text import split_message
from custom_components.pushover_plus.message import Outgoing
from sandbox.model import MessageRecord
from sandbox.page import render_page
from sandbox.seed import (
    DEMO_GROUP,
    DEMO_USER,
    DEMO_USER_ENCRYPTION_KEY,
    OTHER_USER,
    OTHER_USER_ENCRYPTION_KEY,
)
from sandbox.server import SandboxServer
from tests.conftest import demo_entry, first_recipient_id, recipient
from tests.outbox_helpers import (
    TEST_TIMEOUT,
    advance,
    issue,
    outbox_folder,
    send,
    stored_messages,
)

KEYED = {CONF_ENCRYPTION_KEY: DEMO_USER_ENCRYPTION_KEY}


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def keyed_entry(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> MockConfigEntry:
    """The demo entry whose recipient (the demo user) holds its encryption key."""
    return await _setup(hass, demo_entry(pushover_sandbox, defaults=KEYED))


def _read(record: MessageRecord) -> dict[str, str]:
    """Return what the recipient's phone decrypted; fail if anything did not."""
    assert record.encrypted
    assert record.decryption is not None
    assert record.decryption.ok, record.decryption.errors
    return record.decryption.fields


def _poor_text(length: int) -> str:
    """Return words of digest characters: text that gzip hardly shortens."""
    words: list[str] = []
    while sum(len(word) + 1 for word in words) <= length:
        digest = hashlib.sha256(str(len(words)).encode()).digest()
        words.append(base64.b64encode(digest).decode()[: 2 + digest[0] % 8])
    return " ".join(words)[:length]


async def test_every_way_in_arrives_encrypted(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, keyed_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": "notify.pushover", "message": "Entity", "title": "One"},
        blocking=True,
    )
    await hass.services.async_call(
        "notify", "pushover", {"message": "Legacy", "title": "Two"}, blocking=True
    )
    await send(hass, "Action", title="Three", url="https://example.com/door")

    records = pushover_sandbox.state.messages
    assert [_read(record) for record in records] == [
        {"message": "Entity", "title": "One"},
        {"message": "Legacy", "title": "Two"},
        {"message": "Action", "title": "Three", "url": "https://example.com/door"},
    ]
    for record in records:
        assert record.fields["encrypted"] == "1"
        assert "Action" not in record.fields["message"]


async def test_a_message_without_title_gets_the_entry_name(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, keyed_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "notify", "pushover", {"message": "No title"}, blocking=True
    )
    [record] = pushover_sandbox.state.messages
    assert _read(record) == {"message": "No title", "title": keyed_entry.title}


async def test_encrypt_false_sends_in_clear(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, keyed_entry: MockConfigEntry
) -> None:
    await send(hass, "Clear action", encrypt=False)
    await hass.services.async_call(
        "notify",
        "pushover",
        {"message": "Clear legacy", "data": {"encrypt": "off"}},
        blocking=True,
    )
    records = pushover_sandbox.state.messages
    assert [record.fields["message"] for record in records] == [
        "Clear action",
        "Clear legacy",
    ]
    assert not any(record.encrypted for record in records)
    assert all("title" not in record.fields for record in records)


async def test_encrypt_without_a_key_is_refused(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    await _setup(hass, demo_entry(pushover_sandbox))
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, "Secret", encrypt=True)
    assert err.value.translation_key == "encrypt_without_key"
    assert err.value.translation_placeholders == {
        "field": "encrypt",
        "recipient": "Pushover",
    }
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "notify",
            "pushover",
            {"message": "Secret", "data": {"encrypt": True}},
            blocking=True,
        )
    assert pushover_sandbox.state.messages == []
    # Without a key, messages go in clear as ever.
    await send(hass, "Plain")
    [record] = pushover_sandbox.state.messages
    assert not record.encrypted


async def test_a_long_message_splits_into_parts_that_fit_encrypted(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(
        pushover_sandbox,
        defaults=KEYED,
        options={CONF_LONG_MESSAGE: LongMessage.SPLIT},
    )
    await _setup(hass, entry)
    text = _poor_text(MAX_MESSAGE_LENGTH)
    assert len(text) == MAX_MESSAGE_LENGTH
    assert encrypted_length(text) > MAX_MESSAGE_LENGTH

    response = await send(hass, text, title="Long")

    records = pushover_sandbox.state.messages
    assert len(response["messages"]) == len(records) > 1
    parts = [_read(record)["message"] for record in records]
    for record in records:
        assert len(record.fields["message"]) <= MAX_MESSAGE_LENGTH
        assert _read(record)["title"] == "Long"
    assert parts == list(split_message(text, encrypted=True))
    total = len(parts)
    assert [part.split(" ", 1)[0] for part in parts] == [
        f"({index}/{total})" for index in range(1, total + 1)
    ]
    assert " ".join(part.split(" ", 1)[1] for part in parts) == text


async def test_a_long_message_is_cut_or_refused_by_its_encrypted_length(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = await _setup(hass, demo_entry(pushover_sandbox, defaults=KEYED))
    text = _poor_text(MAX_MESSAGE_LENGTH)
    # Cut (the default): one part that fits once encrypted, with an ellipsis.
    await send(hass, text)
    [record] = pushover_sandbox.state.messages
    cut = _read(record)["message"]
    assert len(record.fields["message"]) <= MAX_MESSAGE_LENGTH
    assert cut.endswith("…")
    assert text.startswith(cut[:-1])

    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_LONG_MESSAGE: LongMessage.REJECT}
    )
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, text)
    assert err.value.translation_key == "encrypted_too_long"
    assert err.value.translation_placeholders == {
        "field": "message",
        "max": str(MAX_MESSAGE_LENGTH),
        "length": str(encrypted_length(text)),
    }
    assert len(pushover_sandbox.state.messages) == 1


async def test_an_encrypted_message_goes_without_its_url_title(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    keyed_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Encrypted, a URL title never fits Pushover's 100 characters."""
    for text in ("Door", "Garage"):
        response = await send(
            hass, text, title="Cam", url="https://example.com/cam", url_title="Open"
        )
        assert response["status"] == "sent"
    await send(
        hass, "Clear", url="https://example.com/cam", url_title="Open", encrypt=False
    )

    door, garage, clear = pushover_sandbox.state.messages
    for record in (door, garage):
        assert "url_title" not in record.fields
        assert _read(record)["url"] == "https://example.com/cam"
    assert clear.fields["url_title"] == "Open"
    # The phone shows the link as the URL itself.
    html = render_page(pushover_sandbox.state, pushover_sandbox.api_url)
    assert html.count(">https://example.com/cam</a>") == 2
    # Said once for the entry, not once a message.
    warnings = [r for r in caplog.records if "without their URL title" in r.message]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert keyed_entry.title in warnings[0].message


async def test_title_and_url_fit_encrypted_or_are_refused(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, keyed_entry: MockConfigEntry
) -> None:
    url = "https://example.com/" + _poor_text(480).replace(" ", "/")
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, "Link", url=url)
    assert err.value.translation_key == "encrypted_too_long"
    assert (err.value.translation_placeholders or {}).get("field") == "url"
    assert pushover_sandbox.state.messages == []

    # A long title is cut to fit once encrypted, like a clear one.
    title = _poor_text(MAX_TITLE_LENGTH)
    await send(hass, "Titled", title=title)
    [record] = pushover_sandbox.state.messages
    assert len(record.fields["title"]) <= MAX_TITLE_LENGTH
    assert _read(record)["title"].endswith("…")


async def test_recipients_with_keys_of_their_own_get_a_request_each(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(
        pushover_sandbox,
        defaults=KEYED,
        subentries=[
            recipient("Alex", OTHER_USER, encryption_key=OTHER_USER_ENCRYPTION_KEY),
            recipient("Family", DEMO_GROUP),
        ],
    )
    await _setup(hass, entry)
    await hass.services.async_call(
        DOMAIN,
        "send_message",
        {
            "entity_id": ["notify.pushover", "notify.alex", "notify.family"],
            "message": "Dinner",
            "title": "Home",
        },
        blocking=True,
    )
    records = pushover_sandbox.state.messages
    requests = {record.request_id for record in records}
    assert len(requests) == 3
    by_user: dict[str, list[MessageRecord]] = {}
    for record in records:
        by_user.setdefault(record.user, []).append(record)
    # Each account decrypts what was encrypted for it; the group gets it clear.
    for user in (DEMO_USER, OTHER_USER):
        encrypted = [record for record in by_user[user] if record.encrypted]
        clear = [record for record in by_user[user] if not record.encrypted]
        assert [_read(record)["message"] for record in encrypted] == ["Dinner"]
        assert [record.group for record in clear] == [DEMO_GROUP]
        assert clear[0].fields["message"] == "Dinner"


async def test_receipts_of_encrypted_emergency_messages(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, keyed_entry: MockConfigEntry
) -> None:
    response = await send(
        hass, "Water leak", title="Leak", priority=2, retry=60, expire=3600
    )
    [sent] = response["messages"]
    assert sent["receipt"]
    [record] = pushover_sandbox.state.messages
    assert record.priority == 2
    assert _read(record)["message"] == "Water leak"
    assert sent["receipt"] in keyed_entry.runtime_data.receipts.receipts


@pytest.mark.freeze_time(tick=True)
async def test_a_queued_message_is_encrypted_when_it_is_sent(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(integration, "REQUEST_TIMEOUT", TEST_TIMEOUT)
    entry = await _setup(hass, demo_entry(pushover_sandbox, defaults=KEYED))
    pushover_sandbox.controls.add_fault("503_html", count=2, path="messages")

    response = await send(hass, "Front door open")

    assert response["status"] == "queued"
    # The outbox keeps clear text and no key: it is encrypted when sent.
    [stored] = stored_messages(hass, entry)
    assert stored["message"]["parts"] == ["Front door open"]
    assert stored["message"]["encrypted"] is True
    assert stored["message"]["title"] == entry.title
    raw = "".join(path.read_text() for path in outbox_folder(hass, entry).iterdir())
    assert DEMO_USER_ENCRYPTION_KEY not in raw

    await advance(hass, freezer, 6)
    await advance(hass, freezer, 11)
    [record] = pushover_sandbox.state.messages
    assert _read(record) == {"message": "Front door open", "title": entry.title}
    assert stored_messages(hass, entry) == []


NEW_KEY = "5a4db0c5" + "0" * 54 + "03"


async def _queue_then_rekey(
    hass: HomeAssistant,
    sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    key: str,
) -> MockConfigEntry:
    """Queue an encrypted message, set ``key`` in the recipient's form, recover."""
    entry = await _setup(hass, demo_entry(sandbox, defaults=KEYED))
    sandbox.controls.add_fault("500", count=1, path="messages")
    assert (await send(hass, "Door code 4711", title="Door"))["status"] == "queued"

    result = await _key_form(hass, entry, first_recipient_id(entry), key)
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    await advance(hass, freezer, 6)
    return entry


async def test_a_queued_message_whose_key_was_removed_is_not_sent_in_clear(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    events = async_capture_events(hass, EVENT_DELIVERY_FAILED)

    entry = await _queue_then_rekey(hass, pushover_sandbox, freezer, " ")

    assert CONF_ENCRYPTION_KEY not in entry.subentries[first_recipient_id(entry)].data
    assert pushover_sandbox.state.messages == []
    assert stored_messages(hass, entry) == []
    [event] = events
    assert event.data["reason"] == "encryption_key_removed"
    assert event.data["title"] == "Door"
    assert "not sent in clear" in event.data["error"]
    assert issue(hass, entry.entry_id) is not None
    assert "(encryption_key_removed)" in caplog.text
    # What is sent now goes in clear, as the recipient has no key any more.
    await send(hass, "New", title="Clear")
    [record] = pushover_sandbox.state.messages
    assert not record.encrypted


async def test_a_queued_message_is_encrypted_with_a_changed_key(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    # The user sets a new key in the Pushover app, then in Home Assistant.
    seed = pushover_sandbox.state.seed
    rekeyed = replace(seed.users[DEMO_USER], encryption_key=NEW_KEY)
    pushover_sandbox.state.seed = replace(
        seed, users={**seed.users, DEMO_USER: rekeyed}
    )

    await _queue_then_rekey(hass, pushover_sandbox, freezer, NEW_KEY)

    [record] = pushover_sandbox.state.messages
    assert _read(record) == {"message": "Door code 4711", "title": "Door"}


def test_an_encrypted_message_is_never_made_without_its_key() -> None:
    """The last guard: nothing meant to be encrypted can be built to go in clear."""
    outgoing = Outgoing(("Door code 4711",), encrypted=True)
    with pytest.raises(ValueError, match="needs the recipient's key"):
        outgoing.message((DEMO_USER,), "Door code 4711")


async def test_the_key_stays_out_of_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    keyed_entry: MockConfigEntry,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, keyed_entry)
    text = json.dumps(diagnostics)
    assert DEMO_USER_ENCRYPTION_KEY not in text
    [subentry] = diagnostics["entry"]["subentries"]
    assert subentry["data"][CONF_ENCRYPTION_KEY] == "**REDACTED**"
    [recipient_info] = diagnostics["recipients"]
    assert recipient_info["encrypted"] is True


async def test_a_damaged_stored_key_stops_the_setup(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, defaults={CONF_ENCRYPTION_KEY: "12ab"})
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None
    assert "Pushover" in entry.reason
    assert "12ab" not in entry.reason


def test_split_parts_fit_in_clear_as_before() -> None:
    text = _poor_text(3000)
    clear = split_message(text)
    assert all(len(part) <= MAX_MESSAGE_LENGTH for part in clear)
    encrypted = split_message(text, encrypted=True)
    assert len(encrypted) > len(clear)
    assert all(encrypted_length(part) <= MAX_MESSAGE_LENGTH for part in encrypted)


# The key in the recipient's reconfigure form.


async def _key_form(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str, key: str
) -> SubentryFlowResult:
    """Submit a recipient's form with ``key``, keeping its name."""
    flow = hass.config_entries.subentries
    result = await flow.async_init(
        (entry.entry_id, SUBENTRY_RECIPIENT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    assert result["step_id"] == "reconfigure"
    name = entry.subentries[subentry_id].title
    return await flow.async_configure(
        result["flow_id"], {CONF_NAME: name, CONF_ENCRYPTION_KEY: key}
    )


def _suggested_key(result: SubentryFlowResult) -> str | None:
    schema = result["data_schema"]
    assert schema is not None
    for marker in schema.schema:
        if str(marker) == CONF_ENCRYPTION_KEY:
            return (marker.description or {}).get("suggested_value")
    raise AssertionError("no key field")


async def test_the_key_is_checked_stored_shown_and_removed(
    hass: HomeAssistant, pushover_sandbox: SandboxServer, loaded_entry: MockConfigEntry
) -> None:
    subentry_id = first_recipient_id(loaded_entry)
    result = await _key_form(hass, loaded_entry, subentry_id, "abc123")
    assert result["errors"] == {CONF_ENCRYPTION_KEY: "encryption_key_invalid"}

    # Pasted from the app: in groups, upper case, over two lines.
    pasted = " ".join(
        DEMO_USER_ENCRYPTION_KEY[i : i + 8].upper() for i in range(0, 64, 8)
    )
    result = await _key_form(hass, loaded_entry, subentry_id, f" {pasted}\n")
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    subentry = loaded_entry.subentries[subentry_id]
    assert subentry.data[CONF_ENCRYPTION_KEY] == DEMO_USER_ENCRYPTION_KEY
    recipient_now = loaded_entry.runtime_data.coordinator.data.recipients[subentry_id]
    assert recipient_now.encryption_key == bytes.fromhex(DEMO_USER_ENCRYPTION_KEY)
    assert DEMO_USER_ENCRYPTION_KEY not in repr(recipient_now)
    await send(hass, "Now encrypted", title="Key")
    assert _read(pushover_sandbox.state.messages[-1])["message"] == "Now encrypted"

    # The form shows it (as a password), and a blank field removes it.
    flow = hass.config_entries.subentries
    result = await flow.async_init(
        (loaded_entry.entry_id, SUBENTRY_RECIPIENT),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    assert _suggested_key(result) == DEMO_USER_ENCRYPTION_KEY
    result = await _key_form(hass, loaded_entry, subentry_id, " ")
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert CONF_ENCRYPTION_KEY not in loaded_entry.subentries[subentry_id].data
    await send(hass, "Clear again", title="No key")
    assert not pushover_sandbox.state.messages[-1].encrypted


async def test_a_group_cannot_hold_a_key(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, subentries=[recipient("Family", DEMO_GROUP)])
    await _setup(hass, entry)
    group_id = list(entry.subentries)[1]
    result = await _key_form(hass, entry, group_id, DEMO_USER_ENCRYPTION_KEY)
    assert result["errors"] == {CONF_ENCRYPTION_KEY: "encryption_key_for_group"}
    assert CONF_ENCRYPTION_KEY not in entry.subentries[group_id].data


async def test_without_the_entry_loaded_pushover_says_what_is_a_group(
    hass: HomeAssistant, pushover_sandbox: SandboxServer
) -> None:
    entry = demo_entry(pushover_sandbox, subentries=[recipient("Family", DEMO_GROUP)])
    entry.add_to_hass(hass)
    user_id, group_id = list(entry.subentries)
    result = await _key_form(hass, entry, group_id, DEMO_USER_ENCRYPTION_KEY)
    assert result["errors"] == {CONF_ENCRYPTION_KEY: "encryption_key_for_group"}

    pushover_sandbox.controls.add_fault("500", count=1)
    result = await _key_form(hass, entry, user_id, DEMO_USER_ENCRYPTION_KEY)
    assert result["errors"] == {"base": "cannot_connect"}
    result = await _key_form(hass, entry, user_id, DEMO_USER_ENCRYPTION_KEY)
    assert result["reason"] == "reconfigure_successful"
    assert entry.subentries[user_id].data[CONF_ENCRYPTION_KEY] == (
        DEMO_USER_ENCRYPTION_KEY
    )


async def test_a_key_that_fails_its_self_test_is_not_stored(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A broken cryptography library: what is decrypted is not what was encrypted.
    monkeypatch.setattr(encryption, "decrypt_field", lambda key, text: "")
    subentry_id = first_recipient_id(loaded_entry)
    result = await _key_form(hass, loaded_entry, subentry_id, DEMO_USER_ENCRYPTION_KEY)
    assert result["errors"] == {CONF_ENCRYPTION_KEY: "encryption_self_test_failed"}
    assert CONF_ENCRYPTION_KEY not in loaded_entry.subentries[subentry_id].data
