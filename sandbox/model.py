"""Records the sandbox keeps: requests, messages, receipts, glances, quotas."""

from __future__ import annotations

from dataclasses import dataclass, field
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .e2ee import Decryption

RECEIPT_RETENTION = 7 * 24 * 3600
"""Receipts can be looked up for about a week after the message was sent."""
MAX_RETRIES = 50
"""An emergency message is sent again at most this many times, whatever expire says."""


@dataclass
class Attachment:
    """An image received with a message, as the sandbox stored it."""

    id: int
    data: bytes
    content_type: str
    filename: str | None
    source: str
    """``"multipart"`` for a file part, ``"base64"`` for ``attachment_base64``."""

    def to_json(self) -> dict[str, Any]:
        """Describe the attachment without its bytes."""
        return {
            "id": self.id,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": len(self.data),
            "source": self.source,
            "url": f"/_sandbox/attachments/{self.id}",
        }


@dataclass
class RequestRecord:
    """One request to an endpoint under ``/1/``, as received and as answered."""

    id: str
    method: str
    path: str
    query: dict[str, str]
    fields: dict[str, str]
    files: list[str]
    content_type: str
    received_at: float
    fault: str | None = None
    response_status: int | None = None
    response_body: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Describe the request as plain JSON values."""
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "fields": self.fields,
            "files": self.files,
            "content_type": self.content_type,
            "received_at": self.received_at,
            "fault": self.fault,
            "response_status": self.response_status,
            "response_body": self.response_body,
        }


@dataclass
class MessageRecord:
    """A message as delivered to one user (one record per user of a request)."""

    id: int
    request_id: str
    token: str
    user: str
    """The user key the message was delivered to."""
    group: str | None
    """The group key the user was reached through, if any."""
    fields: dict[str, str]
    """Every field as received (strings), including ``token`` and ``user``."""
    attachment: Attachment | None
    received_at: float
    priority: int
    devices: list[str]
    """The device names the message went to."""
    all_devices: bool
    """True when it went to all the user's devices (no or an unknown device)."""
    unknown_devices: list[str]
    receipt: str | None = None
    decryption: Decryption | None = None
    """For an ``encrypted=1`` message, what this user's phone decrypted."""

    @property
    def encrypted(self) -> bool:
        """Return whether the message was sent end-to-end encrypted."""
        return self.decryption is not None

    def to_json(self) -> dict[str, Any]:
        """Describe the message as plain JSON values."""
        return {
            "id": self.id,
            "request": self.request_id,
            "token": self.token,
            "user": self.user,
            "group": self.group,
            "fields": self.fields,
            "attachment": None
            if self.attachment is None
            else self.attachment.to_json(),
            "received_at": self.received_at,
            "priority": self.priority,
            "devices": self.devices,
            "all_devices": self.all_devices,
            "unknown_devices": self.unknown_devices,
            "receipt": self.receipt,
            "encrypted": self.encrypted,
            "decryption": None
            if self.decryption is None
            else self.decryption.to_json(),
        }


@dataclass
class Receipt:
    """The state of an emergency-priority message, worked out from the clock."""

    receipt: str
    token: str
    recipients: dict[str, list[str]]
    """User key -> devices the message went to."""
    message_ids: list[int]
    sent_at: float
    retry: int
    expire: int
    callback: str | None
    tags: frozenset[str]
    acknowledged_at: float | None = None
    acknowledged_by: str = ""
    acknowledged_by_device: str = ""
    cancelled_at: float | None = None
    called_back_at: float | None = None
    expires_at: float = field(init=False)

    def __post_init__(self) -> None:
        """Compute the expiry time from the send time."""
        self.expires_at = self.sent_at + self.expire

    def expired(self, now: float) -> bool:
        """Return whether the expiry time has passed."""
        return now >= self.expires_at

    def active(self, now: float) -> bool:
        """Return whether the message is still repeating (can be acknowledged)."""
        return (
            self.acknowledged_at is None
            and self.cancelled_at is None
            and not self.expired(now)
        )

    def retained(self, now: float) -> bool:
        """Return whether the receipt can still be looked up."""
        return now < self.sent_at + RECEIPT_RETENTION

    def stopped_at(self) -> float:
        """Return when repeating stopped or will stop."""
        ends = [self.expires_at]
        if self.acknowledged_at is not None:
            ends.append(self.acknowledged_at)
        if self.cancelled_at is not None:
            ends.append(self.cancelled_at)
        return min(ends)

    def last_delivered_at(self, now: float) -> float:
        """Return the time of the last (re)delivery.

        Every ``retry`` seconds until stopped, and never more than
        :data:`MAX_RETRIES` times after the first delivery.
        """
        end = min(now, self.stopped_at())
        repeats = max(0, math.floor((end - self.sent_at) / self.retry))
        if repeats and self.sent_at + repeats * self.retry >= self.stopped_at():
            repeats -= 1
        return self.sent_at + min(repeats, MAX_RETRIES) * self.retry

    def api_fields(self, now: float) -> dict[str, Any]:
        """Return the fields ``receipts/{receipt}.json`` answers with."""
        acknowledged = self.acknowledged_at is not None
        return {
            "acknowledged": int(acknowledged),
            "acknowledged_at": int(self.acknowledged_at or 0),
            "acknowledged_by": self.acknowledged_by,
            "acknowledged_by_device": self.acknowledged_by_device,
            "last_delivered_at": int(self.last_delivered_at(now)),
            "expired": int(self.expired(now)),
            "expires_at": int(self.expires_at),
            "called_back": int(self.called_back_at is not None),
            "called_back_at": int(self.called_back_at or 0),
        }

    def to_json(self, now: float) -> dict[str, Any]:
        """Describe everything the sandbox knows about the receipt."""
        return {
            "receipt": self.receipt,
            "token": self.token,
            "recipients": self.recipients,
            "message_ids": self.message_ids,
            "sent_at": self.sent_at,
            "retry": self.retry,
            "expire": self.expire,
            "callback": self.callback,
            "tags": sorted(self.tags),
            "active": self.active(now),
            "cancelled_at": self.cancelled_at,
            **self.api_fields(now),
        }


@dataclass
class GlanceRecord:
    """A glances.json update."""

    id: int
    request_id: str
    token: str
    user: str
    devices: list[str]
    fields: dict[str, str]
    received_at: float

    def to_json(self) -> dict[str, Any]:
        """Describe the glance update as plain JSON values."""
        return {
            "id": self.id,
            "request": self.request_id,
            "token": self.token,
            "user": self.user,
            "devices": self.devices,
            "fields": self.fields,
            "received_at": self.received_at,
        }


@dataclass
class CallbackAttempt:
    """One POST the sandbox made to an emergency message's callback URL."""

    receipt: str
    url: str
    form: dict[str, str]
    at: float
    status: int | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Describe the attempt as plain JSON values."""
        return {
            "receipt": self.receipt,
            "url": self.url,
            "form": self.form,
            "at": self.at,
            "status": self.status,
            "error": self.error,
        }


@dataclass
class Quota:
    """An account's monthly message allowance, shared by its applications."""

    limit: int
    remaining: int
    reset: int
    """Unix time of the next reset."""


@dataclass
class ConnectionStats:
    """TCP connections to the sandbox: open now, most at once, total accepted."""

    current: int = 0
    peak: int = 0
    total: int = 0

    def opened(self) -> None:
        """Count a newly accepted connection."""
        self.current += 1
        self.total += 1
        self.peak = max(self.peak, self.current)

    def closed(self) -> None:
        """Count a connection that went away."""
        self.current -= 1

    def reset(self) -> None:
        """Start counting the peak and total afresh from the open connections."""
        self.peak = self.current
        self.total = self.current

    def to_json(self) -> dict[str, int]:
        """Describe the counters as plain JSON values."""
        return {"current": self.current, "peak": self.peak, "total": self.total}
