"""A real Home Assistant core with both Pushover integrations, and the senders.

Home Assistant runs the way ``hass`` runs it: on the event loop its runner
makes (no debug mode, its thread pool executor), with blocking-call detection
on and logging through its queue handler. Only the integrations the benchmark
needs are set up (core, ``notify``, ``pushover``, ``pushover_plus``), not the
default set of a full installation (HTTP server, frontend...), so that nothing
else competes for the CPU.

The certificate bundle (certifi plus the sandbox CA) must be in
``REQUESTS_CA_BUNDLE`` before this module is imported: Home Assistant builds its
client TLS contexts from it at import time, and requests reads it per request.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
import socket
import ssl
from types import MappingProxyType
from typing import Any, Final

import aiohttp
from homeassistant import bootstrap, loader
from homeassistant.components.notify import NotifyEntity
from homeassistant.components.notify.const import (
    DATA_COMPONENT as NOTIFY_ENTITIES,
    NotifyEntityFeature,
)
from homeassistant.components.notify.legacy import BaseNotificationService
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntries,
    ConfigEntry,
    ConfigEntryState,
    ConfigSubentryData,
)
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util.logging import async_activate_log_queue_handler
import pushover_complete.pushover_api as pushover_complete_api  # type: ignore[import-untyped]

from custom_components.pushover_plus.const import (
    CONF_API_KEY,
    CONF_API_URL,
    CONF_LEGACY_NOTIFY,
    CONF_USER_KEY,
    DOMAIN,
    SUBENTRY_RECIPIENT,
)
from custom_components.pushover_plus.migration import CURRENT_VERSION
from sandbox.hass_http import write_http_settings
from sandbox.seed import DEMO_TOKEN, DEMO_USER

BUILTIN_DOMAIN: Final = "pushover"
OURS_NAME: Final = "Plus"
BUILTIN_NAME: Final = "Builtin"
TITLE: Final = "Benchmark"


class BenchError(RuntimeError):
    """Something the benchmark relies on did not work."""


async def async_start_hass(config_dir: Path, allowed_dir: Path) -> HomeAssistant:
    """Start a Home Assistant core in ``config_dir``; files in ``allowed_dir``."""
    hass = HomeAssistant(str(config_dir))
    loader.async_setup(hass)
    hass.config.skip_pip = True
    async_activate_log_queue_handler(hass)
    core: dict[str, Any] = {
        "name": "Pushover Plus benchmark",
        "unit_system": "metric",
        "time_zone": "UTC",
        "latitude": 0.0,
        "longitude": 0.0,
        "elevation": 0,
        "allowlist_external_dirs": [str(allowed_dir)],
        # Messages with actions link to it; nothing ever connects to it.
        "external_url": "https://bench.example.com",
    }
    # notify needs repairs, which needs the HTTP server: keep it on a free
    # loopback port rather than 8123 on every address, stored as confirmed.
    await hass.async_add_executor_job(
        write_http_settings, config_dir, "127.0.0.1", _free_port()
    )
    config: dict[str, Any] = {"homeassistant": core}
    hass.config_entries = ConfigEntries(hass, config)
    await loader.async_get_custom_components(hass)
    if not await bootstrap.async_load_base_functionality(hass):
        raise BenchError("Home Assistant could not load its registries")
    for domain in sorted(bootstrap.CORE_INTEGRATIONS):
        if not await async_setup_component(hass, domain, config):
            raise BenchError(f"Home Assistant could not set up {domain}")
    await async_process_ha_core_config(hass, core)
    if not await async_setup_component(hass, "notify", config):
        raise BenchError("Home Assistant could not set up notify")
    await hass.async_start()
    return hass


def _free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_entry(
    domain: str,
    name: str,
    api_url: str | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> ConfigEntry:
    """Return a config entry for the demo token and user, not yet added.

    Pushover Plus's entry is the application with the user as its first
    recipient (with message ``defaults``), as its config flow makes it; the
    built-in's holds both keys.
    """
    keys = {CONF_NAME: name, CONF_API_KEY: DEMO_TOKEN}
    ours = domain == DOMAIN
    recipient = ConfigSubentryData(
        data={CONF_USER_KEY: DEMO_USER, CONF_LEGACY_NOTIFY: True, **(defaults or {})},
        subentry_type=SUBENTRY_RECIPIENT,
        title=name,
        unique_id=None,
    )
    return ConfigEntry(
        data=keys if ours else {**keys, CONF_USER_KEY: DEMO_USER},
        discovery_keys=MappingProxyType({}),
        domain=domain,
        minor_version=1,
        options={CONF_API_URL: api_url} if api_url else {},
        source=SOURCE_USER,
        subentries_data=[recipient] if ours else None,
        title=name,
        unique_id=None,
        version=CURRENT_VERSION if ours else 1,
    )


def point_builtin_at(api_url: str) -> None:
    """Send the built-in integration's requests to ``api_url``.

    pushover_complete joins every endpoint with a module constant; replacing it
    is the only way to aim the unmodified built-in integration elsewhere.
    """
    pushover_complete_api.PUSHOVER_API_URL = api_url


class SandboxControl:
    """The sandbox's ``/_sandbox/`` controls, on connections of their own.

    Each request closes its connection, so that the controls never hold a
    connection open while the sandbox counts the senders' connections.
    """

    def __init__(self, base_url: str, ssl_context: ssl.SSLContext) -> None:
        """Talk to the sandbox at ``base_url``."""
        self._base = base_url.rstrip("/") + "/_sandbox/"
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=ssl_context, force_close=True)
        )

    async def _call(
        self, method: str, path: str, data: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        async with self._session.request(
            method, self._base + path, json=data
        ) as response:
            body: dict[str, Any] = await response.json()
            if response.status != 200:
                raise BenchError(f"sandbox {method} {path}: HTTP {response.status}")
            return body

    async def reset(self) -> None:
        """Give the quota back, forget messages and requests, restart counters."""
        for path in ("quota/reset", "messages/clear", "requests/clear"):
            await self._call("POST", path)
        await self.reset_metrics()

    async def reset_metrics(self) -> None:
        """Restart the connection peak and total."""
        await self._call("POST", "metrics/reset")

    async def metrics(self) -> dict[str, Any]:
        """Return the connection counters and record counts."""
        return await self._call("GET", "metrics")

    async def requests(self) -> list[dict[str, Any]]:
        """Return every ``/1/`` request received since the last reset."""
        body = await self._call("GET", "requests")
        requests: list[dict[str, Any]] = body["requests"]
        return requests

    async def add_fault(self, kind: str, count: int, path: str) -> None:
        """Make the next ``count`` requests to ``path`` fail with ``kind``."""
        await self._call("POST", "faults", {"kind": kind, "count": count, "path": path})

    async def clear_faults(self) -> None:
        """Forget every planned fault."""
        await self._call("POST", "faults/clear")

    async def receipts(self) -> list[dict[str, Any]]:
        """Return every emergency receipt the sandbox gave out, with its state."""
        body = await self._call("GET", "receipts")
        receipts: list[dict[str, Any]] = body["receipts"]
        return receipts

    async def acknowledge(self, receipt: str) -> None:
        """Acknowledge an emergency as its first recipient, on its first device."""
        await self._call("POST", f"receipts/{receipt}/acknowledge", {})

    async def close(self) -> None:
        """Close the control session."""
        await self._session.close()


class Sender(ABC):
    """One way of sending a Pushover message, timed by the scenarios."""

    key: str
    label: str

    @abstractmethod
    async def send(self, text: str) -> None:
        """Send ``text`` and return once the API accepted it."""

    @abstractmethod
    async def send_attachment(self, text: str, path: Path) -> None:
        """Send ``text`` with the image file at ``path`` attached."""


class OursEntity(Sender):
    """``notify.send_message`` on this integration's recipient entity."""

    def __init__(
        self,
        hass: HomeAssistant,
        entity_id: str,
        key: str = "ours_entity",
        label: str = "Pushover Plus, notify entity",
    ) -> None:
        """Send through ``entity_id``."""
        self.hass = hass
        self.entity_id = entity_id
        self.key = key
        self.label = label

    async def send(self, text: str) -> None:
        """Call notify.send_message and wait for it."""
        await self.hass.services.async_call(
            "notify",
            "send_message",
            {"entity_id": self.entity_id, "message": text, "title": TITLE},
            blocking=True,
        )

    async def send_attachment(self, text: str, path: Path) -> None:
        """Call pushover_plus.send_message with the file as attachment."""
        await self.hass.services.async_call(
            DOMAIN,
            "send_message",
            {
                "entity_id": self.entity_id,
                "message": text,
                "title": TITLE,
                "attachment": str(path),
            },
            blocking=True,
        )


class LegacySender(Sender):
    """A legacy ``notify.<name>`` action (ours or the built-in's)."""

    def __init__(
        self,
        hass: HomeAssistant,
        key: str,
        label: str,
        service: str,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Send through notify.``service``, with ``data`` when given."""
        self.hass = hass
        self.key = key
        self.label = label
        self.service = service
        self.data = {"data": data} if data else {}

    async def send(self, text: str) -> None:
        """Call the action and wait for it."""
        await self.hass.services.async_call(
            "notify",
            self.service,
            {"message": text, "title": TITLE, **self.data},
            blocking=True,
        )

    async def send_attachment(self, text: str, path: Path) -> None:
        """Call the action with ``data: {attachment: path}``."""
        await self.hass.services.async_call(
            "notify",
            self.service,
            {"message": text, "title": TITLE, "data": {"attachment": str(path)}},
            blocking=True,
        )


class FloorSender(Sender):
    """The floor: a bare aiohttp session posting the same form.

    It keeps connections alive and, like Pushover asks, opens at most two to
    the API host.
    """

    key = "floor"
    label = "floor: bare aiohttp"

    def __init__(self, ssl_context: ssl.SSLContext, api_url: str) -> None:
        """Post to ``api_url`` (ending in ``/1/``), verifying with ``ssl_context``."""
        self.ssl_context = ssl_context
        self.api_url = api_url
        self.session = self.new_session()

    def new_session(self) -> aiohttp.ClientSession:
        """Return a session like the floor's own, with an empty pool."""
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self.ssl_context, limit_per_host=2)
        )

    @staticmethod
    async def _check(response: aiohttp.ClientResponse) -> None:
        body = await response.json()
        if response.status != 200 or body.get("status") != 1:
            raise BenchError(f"the sandbox refused the floor's request: {body}")

    async def send(self, text: str) -> None:
        """POST messages.json."""
        form = {"token": DEMO_TOKEN, "user": DEMO_USER, "message": text, "title": TITLE}
        async with self.session.post(self.api_url + "messages.json", data=form) as r:
            await self._check(r)

    async def send_attachment(self, text: str, path: Path) -> None:
        """POST messages.json as multipart, the file part streamed from disk."""
        loop = asyncio.get_running_loop()
        handle = await loop.run_in_executor(None, path.open, "rb")
        try:
            form = aiohttp.FormData()
            form.add_field("token", DEMO_TOKEN)
            form.add_field("user", DEMO_USER)
            form.add_field("message", text)
            form.add_field("title", TITLE)
            form.add_field(
                "attachment", handle, filename=path.name, content_type="image/jpeg"
            )
            async with self.session.post(
                self.api_url + "messages.json", data=form
            ) as response:
                await self._check(response)
        finally:
            await loop.run_in_executor(None, handle.close)

    async def setup_calls(self, requests: Sequence[tuple[str, str]]) -> None:
        """Make ``requests`` (method, path under ``/1/``) at once, on a new session.

        They are the requests Pushover Plus's own setup made, so the floor does
        the same work: POSTs carry the token and user key, GETs the token; at
        most two are in flight, as for the integration.
        """
        async with self.new_session() as session:

            async def call(method: str, path: str) -> None:
                url = self.api_url + path
                if method == "POST":
                    form = {"token": DEMO_TOKEN, "user": DEMO_USER}
                    async with session.post(url, data=form) as response:
                        await self._check(response)
                else:
                    params = {"token": DEMO_TOKEN}
                    async with session.get(url, params=params) as response:
                        await self._check(response)

            await asyncio.gather(*(call(method, path) for method, path in requests))

    async def close(self) -> None:
        """Close the floor's session."""
        await self.session.close()


class FloorEntity(NotifyEntity):
    """A notify entity that hands each message to the floor, and does nothing else.

    What ``notify.send_message`` costs on top of the floor is Home Assistant's
    own part of the notify entity's figure: no integration can send for less.
    """

    _attr_name = "Floor entity"
    _attr_supported_features = NotifyEntityFeature.TITLE

    def __init__(self, floor: FloorSender) -> None:
        """Send through ``floor``."""
        self._floor = floor

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Post the message as the floor does."""
        await self._floor.send(message)


class FloorService(BaseNotificationService):
    """A legacy ``notify.<name>`` action around the floor (see :class:`FloorEntity`)."""

    def __init__(self, floor: FloorSender) -> None:
        """Send through ``floor``."""
        self._floor = floor

    async def async_send_message(self, message: str = "", **kwargs: Any) -> None:
        """Post the message as the floor does."""
        await self._floor.send(message)


#: The reference senders: Home Assistant's notify paths around the floor.
FLOOR_ENTITY: Final = "ha_entity_floor"
FLOOR_LEGACY: Final = "ha_legacy_floor"
#: notify.plus, and notify.plus with actions: each message gets an action page link.
OURS_LEGACY: Final = "ours_legacy"
OURS_ACTIONS: Final = "ours_legacy_actions"
#: Two buttons and a reply, as an automation would send them.
ACTIONS: Final = [
    {"action": "CLOSE_GARAGE", "title": "Close it"},
    {"action": "IGNORE", "title": "Ignore"},
    {"action": "REPLY", "title": "Reply"},
]


@dataclass
class Links:
    """The two ways to the sandbox: straight over loopback, or through the proxy."""

    direct: str
    wan: str


class Bench:
    """Home Assistant with both integrations set up, and the four senders."""

    def __init__(
        self,
        hass: HomeAssistant,
        links: Links,
        ssl_context: ssl.SSLContext,
        control: SandboxControl,
        allowed_dir: Path,
    ) -> None:
        """Prepare; :meth:`async_setup` adds the config entries.

        ``allowed_dir`` is in Home Assistant's ``allowlist_external_dirs``.
        """
        self.hass = hass
        self.allowed_dir = allowed_dir
        self.links = links
        self.control = control
        self.floor = FloorSender(ssl_context, links.direct)
        self.ours_entry = make_entry(DOMAIN, OURS_NAME, links.direct)
        self.builtin_entry = make_entry(BUILTIN_DOMAIN, BUILTIN_NAME)
        self.senders: list[Sender] = []
        #: Measured for CPU only, to show Home Assistant's own share.
        self.references: list[Sender] = []
        #: Measured for CPU only: our senders with more to do.
        self.variants: list[Sender] = []
        self.link = "direct"

    async def async_setup(self) -> None:
        """Add both integrations' entries (pointing at the sandbox directly)."""
        point_builtin_at(self.links.direct)
        for entry in (self.builtin_entry, self.ours_entry):
            await self.hass.config_entries.async_add(entry)
        await self.hass.async_block_till_done()
        self._check_loaded()
        self.senders = [
            OursEntity(self.hass, self._entity_of(self.ours_entry)),
            LegacySender(self.hass, OURS_LEGACY, "Pushover Plus, notify.plus", "plus"),
            LegacySender(
                self.hass, "builtin", "built-in pushover, notify.builtin", "builtin"
            ),
            self.floor,
        ]
        self.variants = [
            LegacySender(
                self.hass,
                OURS_ACTIONS,
                "Pushover Plus, notify.plus with actions",
                "plus",
                {"actions": ACTIONS},
            )
        ]
        await self._add_references()

    async def _add_references(self) -> None:
        """Add Home Assistant's notify entity and action around the floor."""
        await self.hass.data[NOTIFY_ENTITIES].async_add_entities(
            [FloorEntity(self.floor)]
        )
        service = FloorService(self.floor)
        await service.async_setup(self.hass, "floor_legacy", "floor_legacy")
        await service.async_register_services()
        self.references = [
            OursEntity(
                self.hass,
                "notify.floor_entity",
                FLOOR_ENTITY,
                "Home Assistant's notify entity around the floor",
            ),
            LegacySender(
                self.hass,
                FLOOR_LEGACY,
                "Home Assistant's notify.<name> around the floor",
                "floor_legacy",
            ),
        ]

    def _entity_of(self, entry: ConfigEntry) -> str:
        """Return the notify entity of a Pushover Plus entry's own recipient."""
        first_recipient = next(iter(entry.subentries))
        entity_id = er.async_get(self.hass).async_get_entity_id(
            "notify", DOMAIN, f"{entry.entry_id}_{first_recipient}"
        )
        if entity_id is None:
            raise BenchError("Pushover Plus made no notify entity for its recipient")
        return entity_id

    async def add_ours(
        self, name: str, defaults: Mapping[str, Any] | None = None
    ) -> tuple[ConfigEntry, OursEntity]:
        """Add another Pushover Plus entry, straight to the sandbox, and its sender.

        Its recipient has the message ``defaults`` given.
        """
        entry = make_entry(DOMAIN, name, self.links.direct, defaults)
        await self.hass.config_entries.async_add(entry)
        await self.hass.async_block_till_done()
        if entry.state is not ConfigEntryState.LOADED:
            raise BenchError(f"{name}: {entry.state} ({entry.reason})")
        return entry, OursEntity(self.hass, self._entity_of(entry))

    def _check_loaded(self) -> None:
        for entry in (self.builtin_entry, self.ours_entry):
            if entry.state is not ConfigEntryState.LOADED:
                raise BenchError(
                    f"the {entry.domain} entry did not load: {entry.state} "
                    f"({entry.reason})"
                )
        for service in ("plus", "builtin"):
            if not self.hass.services.has_service("notify", service):
                raise BenchError(f"notify.{service} is not registered")

    async def use_link(self, link: str) -> None:
        """Point every sender at the sandbox ``direct``-ly or over the ``wan``."""
        if link == self.link:
            return
        url = self.links.wan if link == "wan" else self.links.direct
        point_builtin_at(url)
        self.floor.api_url = url
        # Changing the option reloads the entry, as it would in the UI.
        self.hass.config_entries.async_update_entry(
            self.ours_entry, options={**self.ours_entry.options, CONF_API_URL: url}
        )
        # Including asking Pushover again in the background after the reload.
        await self.hass.async_block_till_done(wait_background_tasks=True)
        self._check_loaded()
        self.link = link

    async def async_close(self) -> None:
        """Close the sessions the benchmark opened and stop Home Assistant."""
        await self.floor.close()
        await self.control.close()
        await self.hass.async_stop()
