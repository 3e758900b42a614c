"""The endpoints under ``/1/`` that behave like api.pushover.net."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
import contextlib
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web

from .body import RequestData, read_request
from .faults import Fault
from .model import Receipt, RequestRecord
from .rules import (
    DEVICE_NAME_INVALID,
    DEVICE_NOT_FOUND,
    DEVICE_PATTERN,
    GROUP_INVALID,
    GROUP_NO_DEVICES,
    GROUP_NOT_FOUND,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    QUOTA_EXCEEDED,
    RECEIPT_INVALID,
    RECEIPT_NOT_FOUND,
    USER_INVALID,
    USER_NO_DEVICES,
    ApiError,
    Delivery,
    Problem,
    bad_body,
    check_glance,
    check_message,
    check_token,
    group_deliveries,
    is_key,
    optional,
    resolve_recipients,
    split_devices,
    user_delivery,
)
from .state import SandboxState

API_PREFIX: Final = "/1/"
STATE_KEY: Final = web.AppKey("sandbox_state", SandboxState)

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

BROKEN_JSON: Final = b'{"status": 1, "request": "'
UNAVAILABLE_HTML: Final = (
    b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
    b"<body><h1>Service Unavailable</h1><p>The server is temporarily unable to "
    b"service your request. Please try again later.</p></body></html>"
)


@dataclass
class _Context:
    record: RequestRecord
    data: RequestData


_CONTEXT: Final = web.RequestKey("sandbox_context", _Context)


def _context(request: web.Request) -> tuple[SandboxState, _Context]:
    return request.app[STATE_KEY], request[_CONTEXT]


def reply(
    request_id: str,
    payload: Mapping[str, Any] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """Return a successful API reply: ``status`` 1, endpoint fields, ``request``."""
    body = {"status": 1, **(payload or {}), "request": request_id}
    return web.json_response(body, headers=headers)


def error_reply(
    request_id: str,
    status: int,
    problems: Iterable[Problem],
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """Return a rejection: per-field keys, ``errors``, ``status`` 0, ``request``."""
    problems = list(dict.fromkeys(problems))
    body: dict[str, Any] = {
        problem.field: problem.code for problem in problems if problem.field
    }
    body |= {
        "errors": [problem.sentence for problem in problems],
        "status": 0,
        "request": request_id,
    }
    return web.json_response(body, status=status, headers=headers)


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Record every ``/1/`` request, apply planned faults, turn errors into JSON."""
    if not request.path.startswith(API_PREFIX):
        return await handler(request)
    state = request.app[STATE_KEY]
    data = await read_request(request)
    record = RequestRecord(
        id=state.new_request_id(),
        method=request.method,
        path=request.path,
        query=dict(request.query),
        fields=dict(data.fields),
        files=[part.filename or part.name for part in data.files],
        content_type=request.content_type,
        received_at=state.clock(),
    )
    state.requests.append(record)
    request[_CONTEXT] = _Context(record, data)
    fault = state.faults.take(request.path)
    response = None
    if fault is not None:
        record.fault = fault.kind
        if not fault.after:
            response = await _apply_fault(state, request, fault, None)
    if response is None:
        handled = await _handle(request, handler, record, data)
        response = handled
        if fault is not None and fault.after:
            response = await _apply_fault(state, request, fault, handled) or handled
    record.response_status = response.status
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        record.response_body = response.body.decode("utf-8", "replace")
    return response


async def _handle(
    request: web.Request, handler: Handler, record: RequestRecord, data: RequestData
) -> web.StreamResponse:
    try:
        _check_body(request, data)
        return await handler(request)
    except ApiError as err:
        return error_reply(record.id, err.status, err.problems, err.headers)
    except web.HTTPMethodNotAllowed:
        return error_reply(record.id, 405, [METHOD_NOT_ALLOWED])
    except web.HTTPNotFound:
        return error_reply(record.id, 404, [NOT_FOUND])


def _check_body(request: web.Request, data: RequestData) -> None:
    """Refuse an unreadable body, once the path and method are known to be right."""
    if data.error is not None and isinstance(
        request.match_info.route, web.ResourceRoute
    ):
        raise ApiError(400, [bad_body(data.error)])


async def _wait_or_stop(state: SandboxState, seconds: float) -> None:
    """Sleep ``seconds``, or less if the sandbox is shutting down."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(state.stopping.wait(), seconds)


async def _drop(state: SandboxState, request: web.Request) -> web.StreamResponse:
    """Close the connection without answering; the handler is then cancelled."""
    transport = request.transport
    if transport is not None:
        transport.close()
    await _wait_or_stop(state, 30.0)
    return web.Response(status=503)


async def _apply_fault(
    state: SandboxState,
    request: web.Request,
    fault: Fault,
    handled: web.StreamResponse | None,
) -> web.StreamResponse | None:
    """Return the faulty reply; None means "handle the request normally now"."""
    if fault.kind in {"slow", "hang"}:
        await _wait_or_stop(state, fault.delay)
    if fault.kind == "slow":
        return handled
    if fault.kind in {"hang", "drop"}:
        return await _drop(state, request)
    return _canned_fault_reply(state, request, fault.kind)


def _canned_fault_reply(
    state: SandboxState, request: web.Request, kind: str
) -> web.Response:
    """Return the reply of a fault that answers at once."""
    _, context = _context(request)
    request_id = context.record.id
    match kind:
        case "500":
            return error_reply(
                request_id, 500, [Problem(None, "", "internal server error")]
            )
        case "503_html":
            return web.Response(
                status=503, body=UNAVAILABLE_HTML, content_type="text/html"
            )
        case "429":
            token = context.data.fields.get("token", "")
            headers = {}
            if token in state.seed.apps:
                headers = state.limit_headers(token) | {"X-Limit-App-Remaining": "0"}
            return error_reply(request_id, 429, [QUOTA_EXCEEDED], headers)
        case _:  # "malformed_json"
            return web.Response(
                status=200, body=BROKEN_JSON, content_type="application/json"
            )


def _deliver(state: SandboxState, context: _Context, token: str) -> Receipt | None:
    """Check a messages.json request and deliver it; return its receipt if any."""
    fields = context.data.fields
    spec, problems = check_message(fields, context.data.files, state.sounds)
    recipients = resolve_recipients(
        state.seed, fields.get("user", ""), optional(fields, "device")
    )
    problems = recipients.problems + problems
    if problems:
        raise ApiError(400, problems)
    _, receipt = state.deliver(
        context.record.id, token, fields, recipients.deliveries, spec
    )
    return receipt


async def messages(request: web.Request) -> web.StreamResponse:
    """POST messages.json: deliver a message to one or more users."""
    state, context = _context(request)
    fields = context.data.fields
    token = check_token(state.seed, fields)
    try:
        receipt = _deliver(state, context, token)
    except ApiError as err:
        err.headers = state.limit_headers(token) | err.headers
        raise
    payload = {} if receipt is None else {"receipt": receipt.receipt}
    return reply(context.record.id, payload, headers=state.limit_headers(token))


async def validate_user(request: web.Request) -> web.StreamResponse:
    """POST users/validate.json: check a user or group key (and a device)."""
    state, context = _context(request)
    fields = context.data.fields
    seed = state.seed
    check_token(seed, fields)
    key = fields.get("user", "")
    if not is_key(key) or (key not in seed.users and key not in seed.groups):
        raise ApiError(400, [USER_INVALID])
    is_group = key in seed.groups
    if is_group:
        deliveries = group_deliveries(seed, key)
        if not deliveries:
            raise ApiError(400, [GROUP_NO_DEVICES])
    else:
        delivery = user_delivery(seed, key, [])
        if delivery is None:
            raise ApiError(400, [USER_NO_DEVICES])
        deliveries = [delivery]
    devices = list(dict.fromkeys(name for d in deliveries for name in d.devices))
    licenses = list(
        dict.fromkeys(
            platform for d in deliveries for platform in seed.users[d.user].licenses
        )
    )
    device = optional(fields, "device")
    if device is not None:
        if not DEVICE_PATTERN.fullmatch(device):
            raise ApiError(400, [DEVICE_NAME_INVALID])
        if device not in devices:
            raise ApiError(400, [DEVICE_NOT_FOUND])
    return reply(
        context.record.id,
        {"group": int(is_group), "devices": devices, "licenses": licenses},
    )


async def sounds(request: web.Request) -> web.StreamResponse:
    """GET sounds.json: the built-in and the custom sounds."""
    state, context = _context(request)
    check_token(state.seed, context.data.fields)
    return reply(context.record.id, {"sounds": state.sounds})


async def limits(request: web.Request) -> web.StreamResponse:
    """GET apps/limits.json: the application's monthly quota."""
    state, context = _context(request)
    token = check_token(state.seed, context.data.fields)
    quota = state.quota(token)
    return reply(
        context.record.id,
        {"limit": quota.limit, "remaining": quota.remaining, "reset": quota.reset},
    )


def _receipt(request: web.Request) -> tuple[SandboxState, _Context, Receipt]:
    state, context = _context(request)
    token = check_token(state.seed, context.data.fields)
    receipt = request.match_info["receipt"]
    if not is_key(receipt):
        raise ApiError(400, [RECEIPT_INVALID])
    found = state.find_receipt(token, receipt)
    if found is None:
        raise ApiError(404, [RECEIPT_NOT_FOUND])
    return state, context, found


async def receipt_status(request: web.Request) -> web.StreamResponse:
    """GET receipts/{receipt}.json: where an emergency message stands."""
    state, context, found = _receipt(request)
    return reply(context.record.id, found.api_fields(state.clock()))


async def cancel_receipt(request: web.Request) -> web.StreamResponse:
    """POST receipts/{receipt}/cancel.json: stop an emergency message repeating."""
    state, context, found = _receipt(request)
    state.cancel(found)
    return reply(context.record.id)


async def cancel_by_tag(request: web.Request) -> web.StreamResponse:
    """POST receipts/cancel_by_tag/{tag}.json: cancel every message with a tag."""
    state, context = _context(request)
    token = check_token(state.seed, context.data.fields)
    canceled = state.cancel_by_tag(token, request.match_info["tag"])
    return reply(context.record.id, {"canceled": canceled})


async def glances(request: web.Request) -> web.StreamResponse:
    """POST glances.json: update a user's glance (watch complication) data."""
    state, context = _context(request)
    fields = context.data.fields
    seed = state.seed
    token = check_token(seed, fields)
    key = fields.get("user", "")
    problems: list[Problem] = []
    deliveries: list[Delivery] = []
    if not is_key(key) or (key not in seed.users and key not in seed.groups):
        problems.append(USER_INVALID)
    elif key in seed.groups:
        deliveries = group_deliveries(seed, key)
        if not deliveries:
            problems.append(GROUP_NO_DEVICES)
    else:
        names, problems = split_devices(optional(fields, "device"))
        delivery = user_delivery(seed, key, names)
        if delivery is None:
            problems.append(USER_NO_DEVICES)
        else:
            deliveries.append(delivery)
    problems += check_glance(fields)
    if problems:
        raise ApiError(400, problems)
    for delivery in deliveries:
        state.record_glance(context.record.id, token, delivery, fields)
    return reply(context.record.id)


async def group_info(request: web.Request) -> web.StreamResponse:
    """GET groups/{group_key}.json: a delivery group's name and members."""
    state, context = _context(request)
    check_token(state.seed, context.data.fields)
    key = request.match_info["group"]
    if not is_key(key):
        raise ApiError(400, [GROUP_INVALID])
    group = state.seed.groups.get(key)
    if group is None:
        raise ApiError(404, [GROUP_NOT_FOUND])
    users = [
        {
            "user": member.user,
            "device": member.device,
            "memo": member.memo,
            "disabled": member.disabled,
        }
        for member in group.members
    ]
    return reply(context.record.id, {"name": group.name, "users": users})


def add_api_routes(app: web.Application) -> None:
    """Register the ``/1/`` endpoints."""
    router = app.router
    router.add_post("/1/messages.json", messages)
    router.add_post("/1/users/validate.json", validate_user)
    router.add_get("/1/sounds.json", sounds)
    router.add_get("/1/apps/limits.json", limits)
    router.add_post("/1/receipts/cancel_by_tag/{tag}.json", cancel_by_tag)
    router.add_get("/1/receipts/{receipt}.json", receipt_status)
    router.add_post("/1/receipts/{receipt}/cancel.json", cancel_receipt)
    router.add_post("/1/glances.json", glances)
    router.add_get("/1/groups/{group}.json", group_info)
