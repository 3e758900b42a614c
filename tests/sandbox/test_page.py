"""The message page: content, order, escaping, acknowledge button, attachments."""

from __future__ import annotations

import base64

import aiohttp
import pytest

from sandbox import DEMO_TOKEN, DEMO_USER, SandboxServer
from sandbox.page import render_pushover_html

from .conftest import Api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
BASE = {"token": DEMO_TOKEN, "user": DEMO_USER, "message": "hello"}


async def page(api: Api) -> str:
    async with api.session.get(api.server.base_url) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp
        assert "script-src" not in csp
        return await response.text()


async def test_empty_page(api: Api) -> None:
    html = await page(api)
    assert "No messages yet." in html
    assert '<meta http-equiv="refresh" content="5">' in html
    assert f"<code>{api.server.api_url}</code>" in html


async def test_messages_newest_first_with_details(api: Api) -> None:
    form = aiohttp.FormData(
        BASE
        | {
            "title": "Front door",
            "message": "Someone rang\nthe bell",
            "priority": "1",
            "sound": "doorbell",
            "device": "phone,tablet",
            "url": "https://example.com/cam",
            "url_title": "Camera",
            "timestamp": "1700000000",
        }
    )
    form.add_field("attachment", PNG, filename="snap.png", content_type="image/png")
    (await api.post("messages.json", form)).accepted()
    (
        await api.post("messages.json", BASE | {"message": "second", "device": "nope"})
    ).accepted()
    html = await page(api)
    assert html.index("second") < html.index("Someone rang")
    assert "<h2>Front door</h2>" in html
    assert '<div class="body">Someone rang\nthe bell</div>' in html
    assert "<dt>Priority</dt><dd>high (1)</dd>" in html
    assert "<dt>Sound</dt><dd>doorbell</dd>" in html
    assert f"<dt>To</dt><dd>{DEMO_USER}: phone, tablet</dd>" in html
    assert f"{DEMO_USER}: phone, tablet, desktop (all devices)" in html
    assert "<dt>Unknown devices</dt><dd>nope</dd>" in html
    assert (
        '<a class="link" href="https://example.com/cam" rel="noopener noreferrer" '
        'target="_blank">Camera</a>'
    ) in html
    assert "2023-11-14 22:13:20 UTC" in html
    assert "<h2>Sandbox demo app</h2>" in html  # no title: the app's name
    attachment = api.server.state.messages[0].attachment
    assert attachment is not None
    assert f'<img src="/_sandbox/attachments/{attachment.id}" alt="attachment">' in html
    async with api.session.get(
        api.server.base_url + f"_sandbox/attachments/{attachment.id}"
    ) as response:
        assert response.content_type == "image/png"
        assert await response.read() == PNG


async def test_everything_from_a_message_is_escaped(api: Api) -> None:
    evil = '<script>alert("x")</script>'
    body = BASE | {
        "title": evil,
        "message": evil + "<b>not html</b>",
        "url": "javascript:alert(1)",
        "url_title": evil,
        "device": "x",
    }
    (await api.post("messages.json", body)).accepted()
    html = await page(api)
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;not html&lt;/b&gt;" in html
    assert 'href="javascript' not in html
    assert "(javascript:alert(1))" in html


async def test_monospace_in_pre(api: Api) -> None:
    body = BASE | {"message": "a  <b>b</b>\n  c", "monospace": "1"}
    (await api.post("messages.json", body)).accepted()
    assert '<pre class="body">a  &lt;b&gt;b&lt;/b&gt;\n  c</pre>' in await page(api)


async def test_html_message_keeps_supported_tags(api: Api) -> None:
    body = BASE | {
        "message": '<b>Hot</b> <font color="#ff0000">now</font>',
        "html": "1",
    }
    (await api.post("messages.json", body)).accepted()
    html = await page(api)
    assert '<div class="body"><b>Hot</b> <font color="#ff0000">now</font></div>' in html


@pytest.mark.parametrize(
    ("source", "rendered"),
    [
        ("<b>b</b><i>i</i><u>u</u>", "<b>b</b><i>i</i><u>u</u>"),
        ('<font color="red">r</font>', '<font color="red">r</font>'),
        ('<font color="#0a0">g</font>', '<font color="#0a0">g</font>'),
        (
            '<font color="red;background:url(x)">r</font>',
            "<font>r</font>",
        ),
        (
            '<a href="https://e.com/?a=1&amp;b=2">l</a>',
            (
                '<a href="https://e.com/?a=1&amp;b=2" rel="noopener noreferrer" '
                'target="_blank">l</a>'
            ),
        ),
        ('<a href="javascript:alert(1)">j</a>', "<a>j</a>"),
        ('<a href=" JavaScript:alert(1)">j</a>', "<a>j</a>"),
        (
            '<a href="https://e.com" onclick="x()">l</a>',
            '<a href="https://e.com" rel="noopener noreferrer" target="_blank">l</a>',
        ),
        ("<b onmouseover=x()>b</b>", "<b>b</b>"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("<br/>", "&lt;br/&gt;"),
        ("<b>open", "<b>open</b>"),
        ("<b><i>x</b>y", "<b><i>x</i></b>y"),
        ("x</b>", "x&lt;/b&gt;"),
        ("<!-- c -->", "&lt;!-- c --&gt;"),
        ("a &amp; b &lt; c", "a &amp; b &lt; c"),
        ("1 < 2 > 0", "1 &lt; 2 &gt; 0"),
        ('"quoted"', "&quot;quoted&quot;"),
        ("<style>b{}</style>", "&lt;style&gt;b{}&lt;/style&gt;"),
        ("<b", "&lt;b"),
    ],
)
def test_pushover_html_rendering(source: str, rendered: str) -> None:
    assert render_pushover_html(source) == rendered


async def test_acknowledge_button(api: Api, pushover_sandbox: SandboxServer) -> None:
    body = BASE | {"priority": "2", "retry": "30", "expire": "300"}
    reply = await api.post("messages.json", body)
    receipt = reply.body["receipt"]
    html = await page(api)
    action = f'action="/_sandbox/receipts/{receipt}/acknowledge"'
    assert action in html
    assert f"{receipt}: waiting for acknowledgement" in html
    async with api.session.post(
        pushover_sandbox.base_url + f"_sandbox/receipts/{receipt}/acknowledge",
        data={"user": DEMO_USER},
        allow_redirects=False,
    ) as response:
        assert (response.status, response.headers["Location"]) == (303, "/")
    html = await page(api)
    assert action not in html
    assert f"{receipt}: acknowledged by {DEMO_USER}" in html
    assert pushover_sandbox.state.receipts[receipt].acknowledged_by_device == "phone"


async def test_no_button_once_expired_or_cancelled(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    body = BASE | {"priority": "2", "retry": "30", "expire": "300"}
    expired = (await api.post("messages.json", body)).body["receipt"]
    cancelled = (await api.post("messages.json", body)).body["receipt"]
    pushover_sandbox.controls.expire(expired)
    await api.post(f"receipts/{cancelled}/cancel.json", {"token": DEMO_TOKEN})
    html = await page(api)
    assert "<button>" not in html
    assert f"{expired}: expired" in html
    assert f"{cancelled}: cancelled" in html


async def test_non_raster_attachments_are_downloads(
    api: Api, pushover_sandbox: SandboxServer
) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    body = BASE | {
        "attachment_base64": base64.b64encode(svg).decode(),
        "attachment_type": "image/svg+xml",
    }
    (await api.post("messages.json", body)).accepted()
    attachment = pushover_sandbox.state.messages[0].attachment
    assert attachment is not None
    url = pushover_sandbox.base_url + f"_sandbox/attachments/{attachment.id}"
    async with api.session.get(url) as response:
        assert response.content_type == "application/octet-stream"
        assert response.headers["Content-Disposition"] == "attachment"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    for missing in ("999", "abc"):
        reply = await api.control("GET", f"attachments/{missing}")
        assert (reply.status, reply.body) == (
            404,
            {"status": 0, "error": "no such attachment"},
        )
