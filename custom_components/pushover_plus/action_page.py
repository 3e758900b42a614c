"""The action page: a message's buttons, served by Home Assistant to the phone.

The link in the message is the capability, so the view needs no login. It is
made for the Pushover app's in-app browser: small, no JavaScript, a form per
reply box and one for the buttons, links as plain links. Its language is the
browser's (see :mod:`.action_texts`).

A GET never acts (link previews and prefetchers open links too): it shows the
page, whose forms carry a nonce handed out for that link. Only a POST with
such a nonce presses a button, once: the link is used up. Unknown, used and
expired links get one and the same answer, and a client address with
:data:`FAILURES_ALLOWED` of those in a minute gets 429 until the minute is
over. Every answer forbids caching, referrers, framing, sniffing and any
resource but the page's own style.
"""

from __future__ import annotations

import base64
from collections import deque
from collections.abc import Iterable
import hashlib
from html import escape
from http import HTTPStatus
import time
from typing import Final, NamedTuple
from urllib.parse import urlsplit

from aiohttp import hdrs, web
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView

from .action_links import PATH, TOKEN_PARAMETER, ActionLink, ActionLinks
from .action_texts import PageTexts, negotiate
from .actions import Action
from .const import DOMAIN
from .data import PushoverPlusConfigEntry

#: Failed lookups a client address may make in :data:`FAILURE_WINDOW` seconds.
FAILURES_ALLOWED: Final = 10
FAILURE_WINDOW: Final = 60.0
#: Client addresses followed at most; beyond, those quiet longest are forgotten.
MAX_CLIENTS: Final = 10_000
#: Longest reply kept, in characters.
MAX_REPLY: Final = 1000
#: Largest form accepted, in bytes (a reply of 1000 characters fits easily).
MAX_FORM_BYTES: Final = 16_384
_SAFE_SCHEMES: Final = frozenset({"http", "https", "mailto", "tel"})

STYLE: Final = (
    "body{font-family:system-ui,sans-serif;margin:0;background:#f2f4f7;"
    "color:#1d2733}main{max-width:28em;margin:0 auto;padding:1em}"
    "h1{font-size:1.3em;margin:.2em 0 .6em;overflow-wrap:anywhere}"
    "p{line-height:1.4}form{margin:0 0 1em}"
    "button{display:block;width:100%;font-size:1.1em;padding:.8em;margin:0 0 .6em;"
    "border:0;border-radius:10px;background:#03a9f4;color:#fff}"
    "textarea{box-sizing:border-box;width:100%;font:inherit;font-size:1.05em;"
    "padding:.5em;margin:.3em 0 .6em;border:1px solid #9aa7b4;border-radius:8px}"
    "a.button{display:block;text-align:center;padding:.8em;margin:0 0 .6em;"
    "border:2px solid #03a9f4;border-radius:10px;color:#0277bd;text-decoration:none}"
    ".note{background:#fff3cd;padding:.6em;border-radius:8px}"
    ".reply{white-space:pre-wrap;background:#fff;padding:.6em;border-radius:8px}"
)
_STYLE_HASH: Final = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
HEADERS: Final = {
    hdrs.CACHE_CONTROL: "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
}


class FailureLimit:
    """Counts failed lookups per client address; too many in a window block it."""

    def __init__(self) -> None:
        """Start with no client counted."""
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str, now: float) -> deque[float] | None:
        failures = self._failures.get(client)
        while failures and failures[0] <= now - FAILURE_WINDOW:
            failures.popleft()
        return failures

    def blocked(self, client: str) -> bool:
        """Return whether ``client`` made too many failed lookups lately."""
        failures = self._recent(client, time.monotonic())
        return failures is not None and len(failures) >= FAILURES_ALLOWED

    def failed(self, client: str) -> None:
        """Count a failed lookup of ``client``."""
        now = time.monotonic()
        failures = self._recent(client, now)
        if failures is None:
            if len(self._failures) >= MAX_CLIENTS:
                self._forget_quiet(now)
            failures = self._failures[client] = deque(maxlen=FAILURES_ALLOWED)
        failures.append(now)

    def _forget_quiet(self, now: float) -> None:
        """Forget the clients with no failure in the window, else the oldest."""
        quiet = [
            client
            for client, failures in self._failures.items()
            if not failures or failures[-1] <= now - FAILURE_WINDOW
        ]
        for client in quiet or [next(iter(self._failures))]:
            del self._failures[client]


class ActionPageView(HomeAssistantView):
    """Serves every loaded entry's action pages."""

    url = PATH
    name = f"api:{DOMAIN}:action"
    requires_auth = False

    def __init__(self) -> None:
        """Count failed lookups from now on."""
        self._limit = FailureLimit()

    async def get(self, request: web.Request) -> web.Response:
        """Show the page of a link; never act."""
        found = self._lookup(request)
        if isinstance(found, web.Response):
            return found
        return _page(found.words, found.link, found.links.hand_out_nonce(found.link))

    async def post(self, request: web.Request) -> web.Response:
        """Press a button of a link's page: once, with a nonce of its page."""
        found = self._lookup(request)
        if isinstance(found, web.Response):
            return found
        words, links, link = found
        if (request.content_length or 0) > MAX_FORM_BYTES:
            return _page(words, link, links.hand_out_nonce(link), stale=True)
        form = await request.post()
        nonce = str(form.get("nonce", ""))
        action = _chosen(link, str(form.get("choice", "")))
        if not links.nonce_is_valid(link, nonce) or action is None:
            return _page(words, link, links.hand_out_nonce(link), stale=True)
        reply = str(form.get("reply", "")).strip()[:MAX_REPLY]
        if action.is_reply and not reply:
            return _page(words, link, links.hand_out_nonce(link), empty=True)
        if not await links.async_press(link, action, reply):
            return _not_valid(words)
        return _done(words, action, reply if action.is_reply else None)

    def _lookup(self, request: web.Request) -> _Found | web.Response:
        """Return the open link a request names, or the answer when there is none."""
        words = negotiate(request.headers.get(hdrs.ACCEPT_LANGUAGE))
        client = request.remote or ""
        if self._limit.blocked(client):
            return _answer(
                words,
                _notice(words.busy_title, words.busy_text),
                HTTPStatus.TOO_MANY_REQUESTS,
                {hdrs.RETRY_AFTER: str(int(FAILURE_WINDOW))},
            )
        token = request.query.get(TOKEN_PARAMETER, "")
        entries: Iterable[PushoverPlusConfigEntry] = _loaded(request.app[KEY_HASS])
        for entry in entries:
            links = entry.runtime_data.action_links
            if (link := links.find(token)) is not None:
                return _Found(words, links, link)
        self._limit.failed(client)
        return _not_valid(words)


class _Found(NamedTuple):
    """The language of a request, and the open link it names."""

    words: PageTexts
    links: ActionLinks
    link: ActionLink


def _loaded(hass: HomeAssistant) -> list[PushoverPlusConfigEntry]:
    return hass.config_entries.async_loaded_entries(DOMAIN)


def _chosen(link: ActionLink, choice: str) -> Action | None:
    """Return the button a form's choice names (never a plain link)."""
    if not choice.isdigit() or int(choice) >= len(link.actions):
        return None
    action = link.actions[int(choice)]
    return None if action.is_link else action


# The pages ------------------------------------------------------------------


def _answer(
    words: PageTexts,
    body: str,
    status: int = HTTPStatus.OK,
    extra: dict[str, str] | None = None,
    title: str | None = None,
) -> web.Response:
    """Return a whole page with the headers every answer carries."""
    html = (
        f'<!DOCTYPE html><html lang="{words.language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(title or words.answer)}</title><style>{STYLE}</style>"
        f"</head><body><main>{body}</main></body></html>"
    )
    return web.Response(
        text=html,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={**HEADERS, **(extra or {})},
    )


def _notice(title: str, text: str) -> str:
    return f"<h1>{escape(title)}</h1><p>{escape(text)}</p>"


def _not_valid(words: PageTexts) -> web.Response:
    """Return the one answer for an unknown, used or expired link."""
    return _answer(
        words,
        _notice(words.invalid_title, words.invalid_text),
        HTTPStatus.NOT_FOUND,
        title=words.invalid_title,
    )


def _page(
    words: PageTexts,
    link: ActionLink,
    nonce: str,
    *,
    stale: bool = False,
    empty: bool = False,
) -> web.Response:
    """Return a link's page: the message's title, its buttons and links."""
    title = link.title or words.answer
    hidden = f'<input type="hidden" name="nonce" value="{escape(nonce)}">'
    parts = [f"<h1>{escape(title)}</h1>"]
    if stale or empty:
        note = words.stale if stale else words.empty_reply
        parts.append(f'<p class="note">{escape(note)}</p>')
    parts.append(f"<p>{escape(words.choose)}</p>")
    buttons, replies = [], []
    for index, action in enumerate(link.actions):
        if action.is_reply:
            replies.append(
                f'<form method="post">{hidden}<label>{escape(words.reply_label)}'
                f'<textarea name="reply" rows="3" maxlength="{MAX_REPLY}" required>'
                f'</textarea></label><button name="choice" value="{index}">'
                f"{escape(action.title)}</button></form>"
            )
        elif action.is_link:
            buttons.append(_link(action.uri or "", action.title, "button"))
        else:
            buttons.append(
                f'<button name="choice" value="{index}">{escape(action.title)}</button>'
            )
    if buttons:
        parts.append(f'<form method="post">{hidden}{"".join(buttons)}</form>')
    parts += replies
    if link.url:
        parts.append(
            f"<p>{escape(words.link)}: "
            f"{_link(link.url, link.url_title or link.url)}</p>"
        )
    status = HTTPStatus.BAD_REQUEST if stale or empty else HTTPStatus.OK
    return _answer(words, "".join(parts), status, title=title)


def _link(url: str, text: str, css: str = "") -> str:
    """Return a link that sends no referrer; a harmful scheme is text only."""
    if urlsplit(url).scheme.lower() not in _SAFE_SCHEMES:
        return escape(text)
    css_class = f' class="{css}"' if css else ""
    return (
        f'<a{css_class} href="{escape(url)}" rel="noopener noreferrer">'
        f"{escape(text)}</a>"
    )


def _done(words: PageTexts, action: Action, reply: str | None) -> web.Response:
    """Return the confirmation of what was done."""
    parts = [
        f"<h1>{escape(words.done)}</h1>",
        f"<p>{escape(words.sent.format(title=action.title))}</p>",
    ]
    if reply is not None:
        parts.append(
            f'<p>{escape(words.your_reply)}</p><p class="reply">{escape(reply)}</p>'
        )
    parts.append(f"<p>{escape(words.close)}</p>")
    return _answer(words, "".join(parts), title=words.done)


def async_register_view(hass: HomeAssistant) -> None:
    """Serve the action pages of every entry."""
    hass.http.register_view(ActionPageView())
