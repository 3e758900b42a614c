"""Everything a running sandbox remembers, and the controls tests use on it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
import itertools
import random
import string
from typing import TYPE_CHECKING, Any
import uuid
from zoneinfo import ZoneInfo

import aiohttp

from .clock import Clock
from .e2ee import Decryption, decrypt_message
from .faults import Fault, FaultPlan
from .model import (
    Attachment,
    CallbackAttempt,
    ConnectionStats,
    GlanceRecord,
    MessageRecord,
    Quota,
    Receipt,
    RequestRecord,
)
from .rules import (
    BUILTIN_SOUNDS,
    QUOTA_EXCEEDED,
    ApiError,
    Delivery,
    MessageSpec,
    is_on,
)
from .seed import Seed, resolve_seed

if TYPE_CHECKING:
    from pathlib import Path

CENTRAL = ZoneInfo("America/Chicago")
"""Quotas reset on the 1st of the month at midnight, US Central time."""

CALLBACK_TIMEOUT = 10.0


def next_reset(now: float) -> int:
    """Return the Unix time of the next 1st of a month, midnight US Central."""
    local = datetime.fromtimestamp(now, CENTRAL)
    year, month = (
        (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    )
    return int(datetime(year, month, 1, tzinfo=CENTRAL).timestamp())


class ControlError(Exception):
    """A control request that cannot be carried out, with an HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        """Fail with ``status`` and a sentence."""
        super().__init__(message)
        self.status = status
        self.message = message


class SandboxState:
    """Records, quotas, receipts, faults and the clock of one sandbox.

    ``clock`` may be a :class:`Clock` or any function returning Unix time. Random
    looking identifiers (request ids, receipts) come from a generator seeded with
    ``id_seed``, so a run is reproducible.
    """

    def __init__(
        self,
        seed: Seed | Mapping[str, Any] | str | Path | None = None,
        clock: Clock | Callable[[], float] | None = None,
        *,
        id_seed: int = 0,
    ) -> None:
        """Start empty, with the given (or the default) seed."""
        self.seed = resolve_seed(seed)
        if clock is None:
            clock = Clock()
        self.clock = clock if isinstance(clock, Clock) else Clock(clock)
        self.messages: list[MessageRecord] = []
        self.requests: list[RequestRecord] = []
        self.receipts: dict[str, Receipt] = {}
        self.glances: list[GlanceRecord] = []
        self.callbacks: list[CallbackAttempt] = []
        self.connections = ConnectionStats()
        self.faults = FaultPlan()
        self.stopping = asyncio.Event()
        self.controls = Controls(self)
        self._quotas: dict[str, Quota] = {}  # by account id
        self._rng = random.Random(id_seed)  # noqa: S311 - reproducible on purpose
        self._ids = itertools.count(1)

    @property
    def sounds(self) -> dict[str, str]:
        """Return every sound name and description: built-in, then custom ones."""
        return {**BUILTIN_SOUNDS, **self.seed.sounds}

    def new_id(self) -> int:
        """Return the next number for a message, attachment or glance."""
        return next(self._ids)

    def new_request_id(self) -> str:
        """Return a UUID4-shaped request identifier."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def new_receipt_id(self) -> str:
        """Return a fresh 30-character receipt."""
        alphabet = string.ascii_letters + string.digits
        while True:
            receipt = "r" + "".join(self._rng.choice(alphabet) for _ in range(29))
            if receipt not in self.receipts:
                return receipt

    def quota(self, token: str) -> Quota:
        """Return the quota of the account the application with ``token`` is in.

        Every application of an account draws on this one quota.
        """
        return self.account_quota(self.seed.account_of(token))

    def account_quota(self, account: str) -> Quota:
        """Return an account's quota, renewed when the reset time has passed."""
        now = self.clock()
        quota = self._quotas.get(account)
        if quota is None or now >= quota.reset:
            limit = self.seed.account_limit(account) if quota is None else quota.limit
            quota = Quota(limit, limit, next_reset(now))
            self._quotas[account] = quota
        return quota

    def limit_headers(self, token: str) -> dict[str, str]:
        """Return the ``X-Limit-App-*`` headers of a messages.json reply."""
        quota = self.quota(token)
        return {
            "X-Limit-App-Limit": str(quota.limit),
            "X-Limit-App-Remaining": str(quota.remaining),
            "X-Limit-App-Reset": str(quota.reset),
        }

    def deliver(
        self,
        request_id: str,
        token: str,
        fields: Mapping[str, str],
        deliveries: list[Delivery],
        spec: MessageSpec,
    ) -> tuple[list[MessageRecord], Receipt | None]:
        """Record one message per delivery, charge the quota, open a receipt."""
        quota = self.quota(token)
        if quota.remaining < len(deliveries):
            raise ApiError(429, [QUOTA_EXCEEDED], self.limit_headers(token))
        quota.remaining -= len(deliveries)
        now = self.clock()
        attachment = None
        if spec.attachment is not None:
            attachment = Attachment(
                self.new_id(),
                spec.attachment.data,
                spec.attachment.content_type,
                spec.attachment.filename,
                spec.attachment.source,
            )
        records = [
            MessageRecord(
                id=self.new_id(),
                request_id=request_id,
                token=token,
                user=delivery.user,
                group=delivery.group,
                fields=dict(fields),
                attachment=attachment,
                received_at=now,
                priority=spec.priority,
                devices=list(delivery.devices),
                all_devices=delivery.all_devices,
                unknown_devices=list(delivery.unknown_devices),
                decryption=self._decryption(fields, delivery.user),
            )
            for delivery in deliveries
        ]
        receipt = None
        if spec.priority == 2:
            receipt = Receipt(
                receipt=self.new_receipt_id(),
                token=token,
                recipients={record.user: record.devices for record in records},
                message_ids=[record.id for record in records],
                sent_at=now,
                retry=spec.retry,
                expire=spec.expire,
                callback=spec.callback,
                tags=spec.tags,
            )
            self.receipts[receipt.receipt] = receipt
            for record in records:
                record.receipt = receipt.receipt
        self.messages.extend(records)
        return records, receipt

    def _decryption(self, fields: Mapping[str, str], user: str) -> Decryption | None:
        """Return what ``user``'s phone decrypts of an ``encrypted=1`` message."""
        if not is_on(fields.get("encrypted")):
            return None
        return decrypt_message(fields, self.seed.users[user].encryption_key)

    def find_receipt(self, token: str, receipt: str) -> Receipt | None:
        """Return an application's receipt if it is still kept."""
        found = self.receipts.get(receipt)
        if found is None or found.token != token or not found.retained(self.clock()):
            return None
        return found

    def cancel(self, receipt: Receipt) -> bool:
        """Stop an emergency message repeating; return whether it was active."""
        now = self.clock()
        if not receipt.active(now):
            return False
        receipt.cancelled_at = now
        return True

    def cancel_by_tag(self, token: str, tag: str) -> int:
        """Cancel the application's active emergency messages with ``tag``."""
        return sum(
            self.cancel(receipt)
            for receipt in self.receipts.values()
            if receipt.token == token and tag in receipt.tags
        )

    def record_glance(
        self, request_id: str, token: str, delivery: Delivery, fields: Mapping[str, str]
    ) -> GlanceRecord:
        """Record a glances.json update."""
        glance = GlanceRecord(
            self.new_id(),
            request_id,
            token,
            delivery.user,
            list(delivery.devices),
            dict(fields),
            self.clock(),
        )
        self.glances.append(glance)
        return glance

    def attachment(self, attachment_id: int) -> Attachment | None:
        """Return a stored attachment by id."""
        for message in self.messages:
            if (
                message.attachment is not None
                and message.attachment.id == attachment_id
            ):
                return message.attachment
        return None


class Controls:
    """What a test (or the page, or the control API) can do to the sandbox."""

    def __init__(self, state: SandboxState) -> None:
        """Control ``state``."""
        self._state = state

    def add_fault(
        self,
        kind: str,
        *,
        count: int | None = None,
        fraction: float | None = None,
        seed: int = 0,
        path: str | None = None,
        delay: float = 0.0,
        after: bool = False,
    ) -> Fault:
        """Plan a fault for coming ``/1/`` requests (see :class:`Fault`)."""
        return self._state.faults.add(
            kind,
            count=count,
            fraction=fraction,
            seed=seed,
            path=path,
            delay=delay,
            after=after,
        )

    def clear_faults(self) -> None:
        """Drop every planned fault."""
        self._state.faults.clear()

    def set_devices(self, user: str, devices: Sequence[str]) -> None:
        """Give a user these active devices, as if added or removed in the app."""
        seed = self._state.seed
        if user not in seed.users:
            raise ControlError(404, "no user with that key")
        users = {**seed.users, user: replace(seed.users[user], devices=tuple(devices))}
        self._state.seed = replace(seed, users=users)

    def add_sound(self, name: str, description: str) -> None:
        """Add a custom sound to the account, as if uploaded at Pushover."""
        seed = self._state.seed
        self._state.seed = replace(seed, sounds={**seed.sounds, name: description})

    def receipt(self, receipt: str) -> Receipt:
        """Return a receipt by its id, whatever application sent it."""
        found = self._state.receipts.get(receipt)
        if found is None:
            raise ControlError(404, f"no receipt {receipt}")
        return found

    async def acknowledge(
        self, receipt: str, user: str | None = None, device: str | None = None
    ) -> Receipt:
        """Acknowledge an emergency message as ``user`` on ``device``.

        They default to the first recipient and its first device. When the message
        has a callback URL, the sandbox POSTs the acknowledgement to it before this
        returns.
        """
        found = self.receipt(receipt)
        now = self._state.clock()
        if not found.active(now):
            raise ControlError(409, "receipt is acknowledged, expired or cancelled")
        if user is None:
            user = next(iter(found.recipients))
        if user not in found.recipients:
            raise ControlError(400, "user did not receive this message")
        devices = found.recipients[user]
        if device is None:
            device = devices[0]
        if device not in devices:
            raise ControlError(400, "the message did not go to that device")
        found.acknowledged_at = now
        found.acknowledged_by = user
        found.acknowledged_by_device = device
        if found.callback is not None:
            await self._call_back(found, found.callback)
        return found

    async def _call_back(self, receipt: Receipt, url: str) -> None:
        fields = receipt.api_fields(self._state.clock())
        form = {"receipt": receipt.receipt} | {
            name: str(fields[name])
            for name in (
                "acknowledged",
                "acknowledged_at",
                "acknowledged_by",
                "acknowledged_by_device",
            )
        }
        attempt = CallbackAttempt(receipt.receipt, url, form, self._state.clock())
        self._state.callbacks.append(attempt)
        timeout = aiohttp.ClientTimeout(total=CALLBACK_TIMEOUT)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, data=form) as response,
            ):
                attempt.status = response.status
        except (aiohttp.ClientError, TimeoutError) as err:
            attempt.error = repr(err)
            return
        if 200 <= response.status < 300:
            receipt.called_back_at = self._state.clock()

    def expire(self, receipt: str) -> Receipt:
        """Make an active emergency message expire now."""
        found = self.receipt(receipt)
        now = self._state.clock()
        if not found.active(now):
            raise ControlError(409, "receipt is acknowledged, expired or cancelled")
        found.expires_at = now
        return found

    def _accounts(self, token: str | None, account: str | None) -> list[str]:
        seed = self._state.seed
        if token is not None and account is not None:
            raise ControlError(400, "give a token or an account, not both")
        if token is not None:
            if token not in seed.apps:
                raise ControlError(404, f"no application with token {token}")
            return [seed.account_of(token)]
        if account is None:
            return seed.account_ids()
        if account not in seed.account_ids():
            raise ControlError(404, f"no account {account}")
        return [account]

    def reset_quota(
        self, token: str | None = None, *, account: str | None = None
    ) -> None:
        """Give an account its full monthly allowance back (default: all accounts).

        The account is given by its id or by the token of one of its applications.
        """
        for found in self._accounts(token, account):
            quota = self._state.account_quota(found)
            quota.remaining = quota.limit

    def set_quota(
        self,
        remaining: int | None = None,
        *,
        limit: int | None = None,
        token: str | None = None,
        account: str | None = None,
    ) -> None:
        """Set the remaining messages and/or the limit of an account (default: all).

        The account is given by its id or by the token of one of its applications.
        """
        for found in self._accounts(token, account):
            quota = self._state.account_quota(found)
            if limit is not None:
                quota.limit = limit
            if remaining is not None:
                quota.remaining = remaining

    def clear_messages(self) -> None:
        """Forget received messages, their attachments, and glance updates."""
        self._state.messages.clear()
        self._state.glances.clear()

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self._state.requests.clear()

    def reset_metrics(self) -> None:
        """Restart the connection peak and total from the connections open now."""
        self._state.connections.reset()

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox clock forward; return the new time."""
        return self._state.clock.advance(seconds)
