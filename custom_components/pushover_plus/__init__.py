"""The Pushover Plus integration."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_NAME, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
)
from homeassistant.helpers import config_validation as cv, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import slugify

from .account import Account, async_remove_account, registry_answers
from .action_links import ActionLinks, async_remove_action_links
from .action_page import async_register_view
from .api import MessageValidationError, PushoverClient, parse_encryption_key
from .const import (
    BUILTIN_DOMAIN,
    BUILTIN_ISSUE_PREFIX,
    CONF_API_KEY,
    CONF_API_URL,
    CONF_ENCRYPTION_KEY,
    CONF_RECIPIENT_ID,
    CONF_USER_KEY,
    DEFAULT_API_URL,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from .coordinator import PushoverCoordinator
from .data import (
    AccountData,
    FixedParts,
    PushoverPlusConfigEntry,
    PushoverPlusData,
    RecipientConfig,
)
from .delivery import Courier
from .entity import async_register_application, async_rename_recipient_devices
from .issues import async_delete_entry_issues, async_delete_issues
from .migration import async_migrate_entry
from .notify import PushoverLegacyNotifyService
from .outbox import Outbox, async_remove_outbox
from .outbox_repairs import OutboxRepairs
from .receipts import ReceiptTracker, async_remove_receipts
from .recipient_names import async_check_recipient_names
from .sending import Sender
from .services import async_setup_services
from .suppression import RepeatMemory, async_remove_repeats

_LOGGER = logging.getLogger(__name__)

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

#: Seconds a request to Pushover may take, uploads included (tests shorten it).
REQUEST_TIMEOUT: float = 60.0


__all__ = ["async_migrate_entry"]

PLATFORMS = [Platform.BUTTON, Platform.EVENT, Platform.NOTIFY, Platform.SENSOR]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions and the action page; the rest comes from entries."""
    async_setup_services(hass)
    async_register_view(hass)
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: PushoverPlusConfigEntry
) -> bool:
    """Wire the entry's collaborators; start from stored answers, or ask first.

    With stored answers nothing waits for the network: Pushover is asked
    again in the background, and messages wait in the outbox meanwhile.
    """
    # Listen before anything can fail, and for the entry's lifetime: a changed
    # option (the API URL, say) must reload an entry whose setup is failing too.
    if _async_reload_on_update not in entry.update_listeners:
        entry.add_update_listener(_async_reload_on_update)
    async_check_recipient_names(hass, entry)
    client = _client(hass, entry)
    account = Account(hass, entry, client, _configured(entry))
    coordinator = PushoverCoordinator(hass, entry, account)
    if (known := await account.async_load()) is None:
        known = await _async_ask_first(hass, entry, coordinator)
    if known is not None:
        coordinator.async_set_updated_data(known)
    entry.runtime_data = runtime = _wire(hass, entry, client, coordinator)
    await runtime.action_links.async_load()
    await runtime.receipts.async_start()
    await runtime.outbox.async_load()
    await runtime.repeats.async_load()
    _async_offer_builtin_removal(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await runtime.legacy_service.async_start(hass)
    if known is not None:
        _async_ask_in_background(hass, entry, coordinator)
    return True


def _wire(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    client: PushoverClient,
    coordinator: PushoverCoordinator,
) -> PushoverPlusData:
    """Build the collaborators of a loaded entry, each given what it uses."""
    action_links = ActionLinks(hass, entry)
    courier = Courier(hass, client, entry.entry_id, action_links)
    outbox = Outbox(
        hass,
        entry,
        courier=courier,
        coordinator=coordinator,
        repairs=OutboxRepairs(hass, entry),
    )
    receipts = ReceiptTracker(hass, entry, client, coordinator)
    repeats = RepeatMemory(hass, entry.entry_id)
    sender = Sender(
        hass,
        entry,
        coordinator=coordinator,
        receipts=receipts,
        outbox=outbox,
        courier=courier,
        repeats=repeats,
    )
    return PushoverPlusData(
        client=client,
        coordinator=coordinator,
        sender=sender,
        legacy_service=PushoverLegacyNotifyService(entry, sender, coordinator),
        outbox=outbox,
        receipts=receipts,
        repeats=repeats,
        action_links=action_links,
        application_device_id=async_register_application(hass, entry),
        fixed=FixedParts.of(entry),
    )


@callback
def _async_ask_in_background(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    coordinator: PushoverCoordinator,
) -> None:
    """Ask Pushover again without making the setup wait for it."""
    entry.async_create_background_task(
        hass,
        coordinator.async_refresh(),
        f"{DOMAIN} ask Pushover {entry.entry_id}",
        eager_start=False,
    )


def _client(hass: HomeAssistant, entry: PushoverPlusConfigEntry) -> PushoverClient:
    """Return the entry's client; a token of the wrong shape needs reauth."""
    try:
        return PushoverClient(
            async_get_clientsession(hass),
            entry.data[CONF_API_KEY],
            base_url=entry.options.get(CONF_API_URL, DEFAULT_API_URL),
            timeout=REQUEST_TIMEOUT,
        )
    except MessageValidationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_api_key"
        ) from err


def _configured(entry: PushoverPlusConfigEntry) -> list[RecipientConfig]:
    """Return the entry's recipients, one per subentry."""
    return [
        RecipientConfig(
            subentry.data.get(CONF_RECIPIENT_ID, subentry_id),
            subentry_id,
            subentry.title,
            subentry.data[CONF_USER_KEY],
            subentry.data,
            _stored_encryption_key(subentry.title, subentry.data),
        )
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_RECIPIENT
    ]


def _stored_encryption_key(name: str, data: Mapping[str, Any]) -> bytes | None:
    """Return a recipient's encryption key; a damaged one stops the setup.

    Sending its messages in clear instead would not be what was asked for.
    """
    if (value := data.get(CONF_ENCRYPTION_KEY)) is None:
        return None
    try:
        return parse_encryption_key(value)
    except MessageValidationError:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="stored_encryption_key_invalid",
            translation_placeholders={"recipient": name},
        ) from None


async def _async_ask_first(
    hass: HomeAssistant,
    entry: PushoverPlusConfigEntry,
    coordinator: PushoverCoordinator,
) -> AccountData | None:
    """Ask Pushover with no stored answers; None once it has answered.

    An entry set up before (it has entities) starts from what Home Assistant's
    registries know when Pushover cannot be reached, so that its messages
    queue; the answers it returns are asked for again in the background. A new
    entry waits until Pushover answers.
    """
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady:
        if (known := registry_answers(hass, entry, _configured(entry))) is None:
            raise
        _LOGGER.warning(
            "Pushover could not be reached to start %s: messages wait until it answers",
            entry.title,
        )
        return known
    return None


@callback
def _async_offer_builtin_removal(
    hass: HomeAssistant, entry: PushoverPlusConfigEntry
) -> None:
    """Offer to remove a built-in pushover entry that this one duplicates.

    Both would register the same legacy notify.<name> action, or send the same
    messages twice.
    """
    builtin_entries = {
        builtin.entry_id: builtin
        for builtin in hass.config_entries.async_entries(BUILTIN_DOMAIN)
    }
    async_delete_issues(
        hass,
        lambda issue_id: (
            issue_id.startswith(BUILTIN_ISSUE_PREFIX)
            and issue_id.removeprefix(BUILTIN_ISSUE_PREFIX) not in builtin_entries
        ),
    )
    user_keys = {config.user_key for config in _configured(entry)}
    for builtin in builtin_entries.values():
        same_keys = (
            builtin.data.get(CONF_API_KEY) == entry.data[CONF_API_KEY]
            and builtin.data.get(CONF_USER_KEY) in user_keys
        )
        same_name = slugify(builtin.data.get(CONF_NAME, builtin.title)) == slugify(
            entry.data[CONF_NAME]
        )
        if same_keys or same_name:
            ir.async_create_issue(
                hass,
                DOMAIN,
                f"{BUILTIN_ISSUE_PREFIX}{builtin.entry_id}",
                is_fixable=True,
                severity=ir.IssueSeverity.WARNING,
                translation_key="builtin_pushover",
                translation_placeholders={"title": builtin.title},
                data={"entry_id": builtin.entry_id, "title": builtin.title},
            )


async def _async_reload_on_update(
    hass: HomeAssistant, entry: PushoverPlusConfigEntry
) -> None:
    """Take added recipients and new defaults or names live; reload for the rest.

    A reload makes every entity unavailable for a moment, which the activity
    log shows; keys, options and removed recipients still need one.
    """
    now = FixedParts.of(entry)
    if entry.state is ConfigEntryState.LOADED and entry.runtime_data.fixed.allow(now):
        runtime = entry.runtime_data
        with suppress(ConfigEntryError):  # a damaged key: the reload reports it
            configs = _configured(entry)
            runtime.fixed = now
            await runtime.coordinator.async_reconfigure(configs)
            async_rename_recipient_devices(hass, entry, runtime.coordinator.data)
            async_check_recipient_names(hass, entry)
            return
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(
    hass: HomeAssistant, entry: PushoverPlusConfigEntry
) -> bool:
    """Unload the platforms first; then stop the rest if they all went."""
    if not await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        return False
    await entry.runtime_data.legacy_service.async_unregister_services()
    await entry.runtime_data.receipts.async_stop()
    await entry.runtime_data.outbox.async_stop()
    await entry.runtime_data.repeats.async_stop()
    await entry.runtime_data.action_links.async_stop()
    return True


async def async_remove_entry(
    hass: HomeAssistant, entry: PushoverPlusConfigEntry
) -> None:
    """Delete what a removed entry kept: outbox, receipts, answers, repeats, links."""
    async_delete_entry_issues(hass, entry.entry_id)
    await async_remove_outbox(hass, entry.entry_id)
    await async_remove_receipts(hass, entry.entry_id)
    await async_remove_account(hass, entry.entry_id)
    await async_remove_repeats(hass, entry.entry_id)
    await async_remove_action_links(hass, entry.entry_id)
