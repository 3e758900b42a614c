"""The message model that waits in the outbox and goes out part by part."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from . import storage
from .actions import Action, actions_from_json
from .api import Attachment, Message
from .fields import TEMPLATE_FIELDS

#: The message every part starts from, before it has recipients or text.
BLANK: Message = Message(user=(), message="")


class PageLink(NamedTuple):
    """The action page link a message with actions carries as its own link."""

    url: str
    title: str | None
    #: The SHA-256 of the link's token.
    digest: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message ready to go to one or more recipients, minus their keys.

    Frozen and hashable, so that identical messages from one action call can
    share one API request.
    """

    #: The texts still to send, one request each.
    parts: tuple[str, ...]
    #: What every part carries (the fields of :data:`.fields.TEMPLATE_FIELDS`).
    template: Message = field(default=BLANK)
    #: Where the image comes from: a path, URL, media id, or camera/image entity.
    attachment: str | None = None
    #: Sent end-to-end encrypted, with the recipient's key as it is when sent.
    encrypted: bool = False
    #: Buttons for its action page, which becomes its link when it is sent.
    actions: tuple[Action, ...] = ()

    def message(
        self,
        users: Sequence[str],
        part: str,
        attachment: Attachment | None = None,
        key: bytes | None = None,
        link: PageLink | None = None,
    ) -> Message:
        """Return the API message for one part, for the given recipients.

        ``key`` is the recipients' encryption key as it is now, used when the
        message is to be encrypted. Without one an encrypted message is not
        made at all, rather than sent in clear (the outbox gives up a message
        whose recipient's key was removed while it waited). ``link``, the
        action page's, takes the place of the message's own link.
        """
        if self.encrypted and key is None:
            raise ValueError("an encrypted message needs the recipient's key")
        template = self.template
        return replace(
            template,
            user=tuple(users),
            message=part,
            attachment=attachment,
            encryption_key=key if self.encrypted else None,
            url=template.url if link is None else link.url,
            url_title=template.url_title if link is None else link.title,
        )

    def to_json(self) -> dict[str, Any]:
        """Describe the message as the outbox keeps it (without the image)."""
        return {
            "parts": list(self.parts),
            "encrypted": self.encrypted,
            "actions": [action.to_json() for action in self.actions],
            **{
                field.name: field.kind.dump(getattr(self.template, field.name))
                for field in TEMPLATE_FIELDS
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Outgoing:
        """Read a message the outbox kept; raise TypeError if it is not one.

        A field missing from the file (written before the field existed) keeps
        its default. The file holds the texts in clear: they are encrypted
        when sent.
        """
        if not (parts := storage.texts(data.get("parts"))):
            raise TypeError("no part left to send")
        encrypted = storage.flag(data.get("encrypted", False))
        actions = actions_from_json(data.get("actions", []))
        template = Message(
            user=(),
            message="",
            **{
                field.name: field.kind.load(data[field.name])
                for field in TEMPLATE_FIELDS
                if field.name in data
            },
        )
        return cls(parts, template, encrypted=encrypted, actions=actions)
