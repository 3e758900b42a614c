"""The control API under ``/_sandbox/`` and the page at ``/``.

Bodies are JSON objects (or forms); replies are JSON with ``"status": 1``, or
``{"status": 0, "error": "..."}`` with a 4xx code. A form POST to acknowledge (the
page's button) is answered with a redirect back to the page instead.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any, Final

from aiohttp import web

from .api import STATE_KEY, Handler
from .faults import FaultError
from .model import Quota
from .page import PAGE_HEADERS, render_page
from .state import ControlError

PREFIX: Final = "/_sandbox"
RASTER_TYPES: Final = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}
)


def ok(payload: Mapping[str, Any] | None = None) -> web.Response:
    """Return a successful control reply."""
    return web.json_response({"status": 1, **(payload or {})})


@web.middleware
async def control_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer control errors and bad bodies with JSON."""
    if not request.path.startswith(PREFIX + "/"):
        return await handler(request)
    try:
        return await handler(request)
    except ControlError as err:
        status, message = err.status, err.message
    except FaultError as err:
        status, message = 400, str(err)
    return web.json_response({"status": 0, "error": message}, status=status)


def _is_form(request: web.Request) -> bool:
    return request.content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }


async def _body(request: web.Request) -> dict[str, Any]:
    if _is_form(request):
        return dict(await request.post())
    if not request.can_read_body:
        return {}
    text = await request.text()
    if not text.strip():
        return {}
    try:
        body = json.loads(text)
    except json.JSONDecodeError as err:
        raise ControlError(400, f"body is not JSON: {err.msg}") from err
    if not isinstance(body, dict):
        raise ControlError(400, "body must be a JSON object")
    return body


def _opt_str(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ControlError(400, f"{name} must be a string")
    return value


def _opt_number(body: Mapping[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(400, f"{name} must be a number")
    return float(value)


def _opt_int(body: Mapping[str, Any], name: str) -> int | None:
    value = _opt_number(body, name)
    if value is None:
        return None
    if value != int(value) or value < 0:
        raise ControlError(400, f"{name} must be a non-negative integer")
    return int(value)


async def page(request: web.Request) -> web.StreamResponse:
    """GET /: the received messages, newest first."""
    api_url = f"{request.url.origin()}/1/"
    html = render_page(request.app[STATE_KEY], api_url)
    return web.Response(text=html, content_type="text/html", headers=PAGE_HEADERS)


async def attachment(request: web.Request) -> web.StreamResponse:
    """GET /_sandbox/attachments/{id}: an attachment's bytes."""
    state = request.app[STATE_KEY]
    try:
        attachment_id = int(request.match_info["id"])
    except ValueError:
        attachment_id = -1
    found = state.attachment(attachment_id)
    if found is None:
        raise ControlError(404, "no such attachment")
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    content_type = found.content_type
    if content_type not in RASTER_TYPES:
        content_type = "application/octet-stream"
        headers["Content-Disposition"] = "attachment"
    return web.Response(body=found.data, content_type=content_type, headers=headers)


async def list_messages(request: web.Request) -> web.StreamResponse:
    """GET /_sandbox/messages: every message received, oldest first."""
    state = request.app[STATE_KEY]
    return ok({"messages": [message.to_json() for message in state.messages]})


async def clear_messages(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/messages/clear (or DELETE /_sandbox/messages)."""
    request.app[STATE_KEY].controls.clear_messages()
    return ok()


async def list_requests(request: web.Request) -> web.StreamResponse:
    """GET /_sandbox/requests: every ``/1/`` request, oldest first."""
    state = request.app[STATE_KEY]
    return ok({"requests": [record.to_json() for record in state.requests]})


async def clear_requests(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/requests/clear (or DELETE /_sandbox/requests)."""
    request.app[STATE_KEY].controls.clear_requests()
    return ok()


async def list_glances(request: web.Request) -> web.StreamResponse:
    """GET /_sandbox/glances: every glance update received."""
    state = request.app[STATE_KEY]
    return ok({"glances": [glance.to_json() for glance in state.glances]})


async def list_callbacks(request: web.Request) -> web.StreamResponse:
    """GET /_sandbox/callbacks: every callback POST the sandbox made."""
    state = request.app[STATE_KEY]
    return ok({"callbacks": [attempt.to_json() for attempt in state.callbacks]})


async def metrics(request: web.Request) -> web.StreamResponse:
    """GET /_sandbox/metrics: connection counters and record counts."""
    state = request.app[STATE_KEY]
    return ok(
        {
            "connections": state.connections.to_json(),
            "requests": len(state.requests),
            "messages": len(state.messages),
            "faults_pending": len(state.faults.pending),
        }
    )


async def reset_metrics(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/metrics/reset: restart the connection peak and total."""
    request.app[STATE_KEY].controls.reset_metrics()
    return ok()


async def list_faults(request: web.Request) -> web.StreamResponse:
    """GET /_sandbox/faults: the faults still planned."""
    state = request.app[STATE_KEY]
    return ok({"faults": [fault.to_json() for fault in state.faults.pending]})


async def add_fault(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/faults: plan a fault, e.g. ``{"kind": "500", "count": 2}``."""
    state = request.app[STATE_KEY]
    fault = state.faults.add_from_json(await _body(request))
    return ok({"fault": fault.to_json()})


async def clear_faults(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/faults/clear (or DELETE /_sandbox/faults)."""
    request.app[STATE_KEY].controls.clear_faults()
    return ok()


async def list_receipts(request: web.Request) -> web.StreamResponse:
    """GET /_sandbox/receipts: every receipt with its full state."""
    state = request.app[STATE_KEY]
    now = state.clock()
    return ok({"receipts": [r.to_json(now) for r in state.receipts.values()]})


async def get_receipt(request: web.Request) -> web.StreamResponse:
    """GET /_sandbox/receipts/{receipt}: one receipt's full state."""
    state = request.app[STATE_KEY]
    found = state.controls.receipt(request.match_info["receipt"])
    return ok({"receipt": found.to_json(state.clock())})


async def acknowledge(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/receipts/{receipt}/acknowledge: ``{"user"?, "device"?}``."""
    state = request.app[STATE_KEY]
    body = await _body(request)
    found = await state.controls.acknowledge(
        request.match_info["receipt"],
        user=_opt_str(body, "user"),
        device=_opt_str(body, "device"),
    )
    if _is_form(request):
        raise web.HTTPSeeOther("/")
    return ok({"receipt": found.to_json(state.clock())})


async def expire(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/receipts/{receipt}/expire: make it expire now."""
    state = request.app[STATE_KEY]
    found = state.controls.expire(request.match_info["receipt"])
    return ok({"receipt": found.to_json(state.clock())})


def _figures(quota: Quota) -> dict[str, int]:
    return {"limit": quota.limit, "remaining": quota.remaining, "reset": quota.reset}


def _quotas(request: web.Request) -> dict[str, Any]:
    """Each account's quota, and each application's (its account's) figures."""
    state = request.app[STATE_KEY]
    seed = state.seed
    accounts = {
        account: _figures(state.account_quota(account))
        | {"apps": [token for token in seed.apps if seed.account_of(token) == account]}
        for account in seed.account_ids()
    }
    quotas = {token: _figures(state.quota(token)) for token in seed.apps}
    return {"accounts": accounts, "quotas": quotas}


async def get_quota(request: web.Request) -> web.StreamResponse:
    """GET /_sandbox/quota: every account's (and app's) limit, remaining, reset."""
    return ok(_quotas(request))


async def set_quota(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/quota: ``{"remaining"?, "limit"?, "token"? | "account"?}``."""
    body = await _body(request)
    request.app[STATE_KEY].controls.set_quota(
        _opt_int(body, "remaining"),
        limit=_opt_int(body, "limit"),
        token=_opt_str(body, "token"),
        account=_opt_str(body, "account"),
    )
    return ok(_quotas(request))


async def reset_quota(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/quota/reset: ``{"token"? | "account"?}``, allowance back."""
    body = await _body(request)
    request.app[STATE_KEY].controls.reset_quota(
        _opt_str(body, "token"), account=_opt_str(body, "account")
    )
    return ok(_quotas(request))


async def set_devices(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/users/{user}/devices: ``{"devices": [names]}``."""
    devices = (await _body(request)).get("devices")
    if not isinstance(devices, list) or not all(
        isinstance(name, str) for name in devices
    ):
        raise ControlError(400, "devices must be a list of names")
    request.app[STATE_KEY].controls.set_devices(request.match_info["user"], devices)
    return ok({"devices": devices})


async def add_sound(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/sounds: ``{"name", "description"?}``, a custom sound."""
    body = await _body(request)
    name = _opt_str(body, "name")
    if name is None:
        raise ControlError(400, "name is required")
    state = request.app[STATE_KEY]
    state.controls.add_sound(name, _opt_str(body, "description") or name)
    return ok({"sounds": state.sounds})


async def get_clock(request: web.Request) -> web.StreamResponse:
    """GET /_sandbox/clock: the sandbox's current Unix time."""
    return ok({"now": request.app[STATE_KEY].clock()})


async def advance_clock(request: web.Request) -> web.StreamResponse:
    """POST /_sandbox/clock: ``{"advance": seconds}`` moves the clock forward."""
    body = await _body(request)
    seconds = _opt_number(body, "advance")
    if seconds is None or seconds < 0:
        raise ControlError(400, "advance must be a non-negative number of seconds")
    return ok({"now": request.app[STATE_KEY].controls.advance_clock(seconds)})


def add_control_routes(app: web.Application) -> None:
    """Register the page and the ``/_sandbox/`` control endpoints."""
    router = app.router
    router.add_get("/", page)
    router.add_get(PREFIX + "/attachments/{id}", attachment)
    router.add_get(PREFIX + "/messages", list_messages)
    router.add_delete(PREFIX + "/messages", clear_messages)
    router.add_post(PREFIX + "/messages/clear", clear_messages)
    router.add_get(PREFIX + "/requests", list_requests)
    router.add_delete(PREFIX + "/requests", clear_requests)
    router.add_post(PREFIX + "/requests/clear", clear_requests)
    router.add_get(PREFIX + "/glances", list_glances)
    router.add_get(PREFIX + "/callbacks", list_callbacks)
    router.add_get(PREFIX + "/metrics", metrics)
    router.add_post(PREFIX + "/metrics/reset", reset_metrics)
    router.add_get(PREFIX + "/faults", list_faults)
    router.add_post(PREFIX + "/faults", add_fault)
    router.add_delete(PREFIX + "/faults", clear_faults)
    router.add_post(PREFIX + "/faults/clear", clear_faults)
    router.add_get(PREFIX + "/receipts", list_receipts)
    router.add_get(PREFIX + "/receipts/{receipt}", get_receipt)
    router.add_post(PREFIX + "/receipts/{receipt}/acknowledge", acknowledge)
    router.add_post(PREFIX + "/receipts/{receipt}/expire", expire)
    router.add_get(PREFIX + "/quota", get_quota)
    router.add_post(PREFIX + "/quota", set_quota)
    router.add_post(PREFIX + "/quota/reset", reset_quota)
    router.add_post(PREFIX + "/users/{user}/devices", set_devices)
    router.add_post(PREFIX + "/sounds", add_sound)
    router.add_get(PREFIX + "/clock", get_clock)
    router.add_post(PREFIX + "/clock", advance_clock)
