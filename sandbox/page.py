"""The page at ``/``: received messages shown roughly the way a phone shows them.

Everything taken from a message is escaped. Messages sent with ``html=1`` keep
only the markup Pushover supports (b, i, u, font color, a href); any other markup
is shown as text. Monospace messages go in a ``<pre>``. End-to-end encrypted
messages are shown decrypted with a padlock, or as "Could not decrypt" when the
recipient's key does not open them, as the Pushover app does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from html.parser import HTMLParser
import re
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from .e2ee import ENCRYPTED_FIELDS
from .rules import is_on, optional, parse_int

if TYPE_CHECKING:
    from .e2ee import Decryption
    from .model import MessageRecord, Receipt
    from .state import SandboxState

REFRESH_SECONDS: Final = 5
# A padlock drawn inline: an emoji shows as an empty box without an emoji font,
# and inline SVG is part of the page, so the CSP's img-src does not apply.
LOCK: Final = (
    '<svg class="lock" viewBox="0 0 16 16" role="img" '
    'aria-label="End-to-end encrypted"><title>End-to-end encrypted</title>'
    '<path fill="currentColor" fill-rule="evenodd" '
    'd="M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7zm2 0h4V5a2 2 0 0 0-4 0z"/></svg> '
)
NOT_DECRYPTED_TITLE: Final = "Could not decrypt"
NOT_DECRYPTED_TEXT: Final = (
    "This message could not be decrypted: the encryption key on this phone does "
    "not match, or a field was damaged."
)
SAFE_SCHEMES: Final = frozenset({"http", "https", "mailto", "tel"})
COLOR_PATTERN: Final = re.compile(r"#[0-9A-Fa-f]{3,8}|[A-Za-z]{1,20}")
PRIORITY_NAMES: Final = {
    -2: "lowest (-2)",
    -1: "low (-1)",
    0: "normal (0)",
    1: "high (1)",
    2: "emergency (2)",
}
PAGE_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
STYLE: Final = """
body{font-family:system-ui,sans-serif;background:#e9edf2;margin:0;color:#1d2733}
header{background:#24527a;color:#fff;padding:.8em 1.2em}
header h1{margin:0;font-size:1.3em}header p{margin:.3em 0 0;font-size:.85em}
header code{background:#ffffff22;padding:0 .3em;border-radius:3px}
main{max-width:42em;margin:1em auto;padding:0 .8em}
.empty{text-align:center;color:#667}
.msg{background:#fff;border-radius:12px;padding:.8em 1em;margin:0 0 .8em;
box-shadow:0 1px 3px #0002;border-left:6px solid #3d8ee0}
.msg.p-2,.msg.p-1{border-left-color:#9aa7b4}.msg.p1{border-left-color:#e8912d}
.msg.p2{border-left-color:#d63c3c}
.meta{display:flex;justify-content:space-between;font-size:.8em;color:#667}
.msg h2{font-size:1.05em;margin:.3em 0}
.body{white-space:pre-wrap;overflow-wrap:anywhere}
pre.body{font-family:ui-monospace,monospace;background:#f3f5f7;padding:.5em}
.link{display:inline-block;margin:.4em 0}
.msg img{display:block;max-width:100%;max-height:16em;margin:.5em 0;border-radius:6px}
dl{display:grid;grid-template-columns:auto 1fr;gap:0 .8em;font-size:.8em;
color:#445;margin:.5em 0 0}dt{font-weight:600}dd{margin:0}
form{margin:.6em 0 0}
.lock{width:.9em;height:.9em;vertical-align:-.05em;color:#24527a}
button{background:#d63c3c;color:#fff;border:0;border-radius:6px;padding:.4em 1em;
font-size:.95em;cursor:pointer}
"""


class _PushoverHtml(HTMLParser):
    """Keep b, i, u, font color and a href; turn every other markup into text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in {"b", "i", "u"}:
            self.out.append(f"<{tag}>")
        elif tag == "font":
            color = values.get("color", "").strip()
            if COLOR_PATTERN.fullmatch(color):
                self.out.append(f'<font color="{escape(color)}">')
            else:
                self.out.append("<font>")
        elif tag == "a":
            href = safe_href(values.get("href", ""))
            if href is None:
                self.out.append("<a>")
            else:
                self.out.append(
                    f'<a href="{escape(href)}" rel="noopener noreferrer" '
                    'target="_blank">'
                )
        else:
            self.out.append(escape(self.get_starttag_text() or f"<{tag}>"))
            return
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(escape(self.get_starttag_text() or f"<{tag}/>"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            self.out.append(escape(f"</{tag}>"))
            return
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data))

    def handle_comment(self, data: str) -> None:
        self.out.append(escape(f"<!--{data}-->"))

    def handle_decl(self, decl: str) -> None:
        self.out.append(escape(f"<!{decl}>"))

    def handle_pi(self, data: str) -> None:
        self.out.append(escape(f"<?{data}>"))

    def unknown_decl(self, data: str) -> None:
        self.out.append(escape(f"<![{data}]>"))

    def result(self) -> str:
        if self.rawdata.startswith("<"):
            # An unfinished tag at the end: show it as text rather than drop it.
            self.out.append(escape(self.rawdata))
            self.rawdata = ""
        self.close()
        self.out.extend(f"</{tag}>" for tag in reversed(self.open))
        self.open.clear()
        return "".join(self.out)


def safe_href(url: str) -> str | None:
    """Return ``url`` if its scheme is harmless in a link (http, https, ...)."""
    url = url.strip()
    if urlsplit(url).scheme.lower() not in SAFE_SCHEMES:
        return None
    return url


def render_pushover_html(text: str) -> str:
    """Render an ``html=1`` message: supported tags kept, everything else escaped."""
    parser = _PushoverHtml()
    parser.feed(text)
    return parser.result()


def _time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _body(fields: dict[str, str]) -> str:
    message = fields.get("message", "")
    if is_on(fields.get("monospace")):
        return f'<pre class="body">{escape(message)}</pre>'
    if is_on(fields.get("html")):
        return f'<div class="body">{render_pushover_html(message)}</div>'
    return f'<div class="body">{escape(message)}</div>'


def _link(fields: dict[str, str]) -> str:
    url = optional(fields, "url")
    if url is None:
        return ""
    text = escape(optional(fields, "url_title") or url)
    href = safe_href(url)
    if href is None:
        return f'<div class="link">{text} <small>({escape(url)})</small></div>'
    return (
        f'<a class="link" href="{escape(href)}" rel="noopener noreferrer" '
        f'target="_blank">{text}</a>'
    )


def _readable(message: MessageRecord) -> dict[str, str]:
    """Return the fields as the phone shows them: decrypted when encrypted."""
    decryption = message.decryption
    if decryption is None:
        return message.fields
    if decryption.ok:
        return message.fields | decryption.fields
    cleared = dict.fromkeys(ENCRYPTED_FIELDS, "")
    return (
        message.fields
        | cleared
        | {
            "title": NOT_DECRYPTED_TITLE,
            "message": NOT_DECRYPTED_TEXT,
            "html": "",
            "monospace": "",
        }
    )


def _encryption(decryption: Decryption) -> str:
    """Describe what came of decrypting an end-to-end encrypted message."""
    if decryption.ok:
        return "end-to-end, decrypted"
    reasons = "; ".join(f"{name}: {why}" for name, why in decryption.errors.items())
    return f"end-to-end, could not decrypt ({reasons})"


def _receipt_status(receipt: Receipt, now: float) -> str:
    if receipt.acknowledged_at is not None:
        return f"acknowledged by {receipt.acknowledged_by}"
    if receipt.cancelled_at is not None:
        return "cancelled"
    if receipt.expired(now):
        return "expired"
    return "waiting for acknowledgement"


def _message(state: SandboxState, message: MessageRecord, now: float) -> str:
    fields = _readable(message)
    app = state.seed.apps.get(message.token)
    app_name = app.name if app is not None else message.token
    title = optional(fields, "title") or app_name
    lock = LOCK if message.encrypted else ""
    timestamp = parse_int(fields.get("timestamp", "")) or message.received_at
    devices = ", ".join(message.devices)
    if message.all_devices:
        devices += " (all devices)"
    details = [
        ("Priority", PRIORITY_NAMES[message.priority]),
        ("Sound", optional(fields, "sound") or "device default"),
        ("To", f"{message.user}: {devices}"),
    ]
    if message.group is not None:
        details.append(("Group", message.group))
    if message.unknown_devices:
        details.append(("Unknown devices", ", ".join(message.unknown_devices)))
    if message.decryption is not None:
        details.append(("Encryption", _encryption(message.decryption)))
    parts = [
        f'<article class="msg p{message.priority}" id="message-{message.id}">',
        (
            f'<div class="meta"><span>{escape(app_name)}</span>'
            f"<time>{escape(_time(timestamp))}</time></div>"
        ),
        f"<h2>{lock}{escape(title)}</h2>",
        _body(fields),
        _link(fields),
    ]
    if message.attachment is not None:
        parts.append(
            f'<img src="/_sandbox/attachments/{message.attachment.id}" '
            'alt="attachment">'
        )
    receipt = state.receipts.get(message.receipt or "")
    if receipt is not None:
        status = _receipt_status(receipt, now)
        details.append(("Receipt", f"{receipt.receipt}: {status}"))
    parts.append(
        "<dl>"
        + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in details)
        + "</dl>"
    )
    if receipt is not None and receipt.active(now):
        parts.append(
            f'<form method="post" action="/_sandbox/receipts/'
            f'{escape(receipt.receipt)}/acknowledge">'
            f'<input type="hidden" name="user" value="{escape(message.user)}">'
            "<button>Acknowledge</button></form>"
        )
    parts.append("</article>")
    return "".join(parts)


def render_page(state: SandboxState, api_url: str) -> str:
    """Return the whole page, newest message first."""
    now = state.clock()
    cards = [_message(state, message, now) for message in reversed(state.messages)]
    content = "".join(cards) or '<p class="empty">No messages yet.</p>'
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Pushover sandbox</title><style>{STYLE}</style></head><body>"
        "<header><h1>Pushover sandbox</h1>"
        f"<p>API <code>{escape(api_url)}</code> · {len(state.messages)} "
        "message(s) · refreshes every "
        f"{REFRESH_SECONDS} s</p></header>"
        f"<main>{content}</main></body></html>"
    )
