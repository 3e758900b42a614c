"""Generated junk thrown at the three ways in: refused cleanly or sent by the rules.

Every call ends in success, a ServiceValidationError or vol.Invalid, never in
another exception, and the sandbox never receives a request that breaks one of
Pushover's documented rules (it would answer 4xx). The number of payloads per
way in is PUSHOVER_PLUS_FUZZ_EXAMPLES (25 by default).
"""

from __future__ import annotations

import os
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.pushover_plus.const import DOMAIN
from sandbox.server import SandboxServer
from tests.fault_figures import FIGURES
from tests.outbox_helpers import message_requests

FUZZ = settings(
    max_examples=int(os.environ.get("PUSHOVER_PLUS_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY_TEXT = st.sampled_from(
    [
        "",
        " \t\n",
        "\x00",
        "\x1b[31mred\x07",
        "\u202eevil\u200b",
        "🙂" * 30,
        "x" * 5000,
        "../../../../etc/passwd",
        "local/../../secrets.yaml",
        "/proc/self/environ",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "ftp://example.com/a.png",
        "http://127.0.0.1:1/a.png",
        "media-source://media_source/local/../../a.png",
        "camera.front",
        "image.nothing",
        "{{ 7 * 7 }}",
        "%s%n%x",
        "<script>alert(1)</script>",
        "phone,,tablet",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    NASTY_TEXT,
)
JUNK = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=6), children, max_size=3),
    ),
    max_leaves=6,
)
#: Plausible values, so that some payloads get through and are checked too.
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "title": st.text(max_size=300),
    "devices": st.lists(st.sampled_from(["phone", "tablet", "pixel9", ""]), max_size=3),
    "sound": st.sampled_from(["siren", "doorbell", "none", "trumpet", ""]),
    "priority": st.integers(min_value=-3, max_value=3),
    "retry": st.integers(min_value=-1, max_value=120),
    "expire": st.integers(min_value=-1, max_value=20000),
    "ttl": st.integers(min_value=-5, max_value=10**12),
    "timestamp": st.one_of(
        st.integers(min_value=-10, max_value=2**40), st.just("2026-11-24T10:00:00")
    ),
    "callback": st.sampled_from(["https://example.com/cb", "javascript:alert(1)"]),
    "tags": st.lists(st.text(max_size=12), max_size=3),
    "url": st.text(max_size=600),
    "url_title": st.text(max_size=120),
    "html": st.booleans(),
    "monospace": st.booleans(),
    "attachment": NASTY_TEXT,
}


def _mostly(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Return plausible values three times in four, junk otherwise."""
    return st.sampled_from((False, False, False, True)).flatmap(
        lambda junk: JUNK if junk else plausible
    )


def _sometimes(junk: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """Return the junk fields once in three, no fields otherwise."""
    return st.sampled_from((False, False, True)).flatmap(
        lambda draw: junk if draw else st.just({})
    )


#: Plausible fields, and in one payload of three junk under known or unknown keys.
PAYLOAD = st.builds(
    lambda plausible, junk: plausible | junk,
    st.fixed_dictionaries({}, optional=PLAUSIBLE),
    _sometimes(
        st.dictionaries(
            st.sampled_from([*PLAUSIBLE, "priorty", "token", "user", "__class__", ""]),
            JUNK,
            min_size=1,
            max_size=2,
        )
    ),
)
MESSAGE = _mostly(st.one_of(st.text(max_size=1500), NASTY_TEXT))


async def _outcome(
    hass: HomeAssistant, way: str, domain: str, service: str, data: dict[str, Any]
) -> None:
    """Call the action and count how it ended; anything but these fails the test."""
    try:
        await hass.services.async_call(domain, service, data, blocking=True)
    except ServiceValidationError:
        outcome = "ServiceValidationError"
    except vol.Invalid:
        outcome = "vol.Invalid"
    else:
        outcome = "sent"
    FIGURES.fuzz[(way, outcome)] += 1


def _check_the_sandbox(sandbox: SandboxServer) -> None:
    """Every request that reached the sandbox kept the documented rules."""
    requests = message_requests(sandbox)
    breaking = [request for request in requests if request.response_status != 200]
    FIGURES.fuzz_requests += len(requests)
    FIGURES.fuzz_rule_breaks += len(breaking)
    assert not breaking, [request.response_body for request in breaking]
    assert not any(record.unknown_devices for record in sandbox.state.messages)
    sandbox.controls.clear_requests()
    sandbox.controls.clear_messages()


@pytest.mark.usefixtures("loaded_entry")
@FUZZ
@given(message=MESSAGE, fields=PAYLOAD)
async def test_send_message_action(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    message: Any,
    fields: dict[str, Any],
) -> None:
    await _outcome(
        hass,
        "pushover_plus.send_message",
        DOMAIN,
        "send_message",
        {"entity_id": "notify.pushover", "message": message, **fields},
    )
    _check_the_sandbox(pushover_sandbox)


@pytest.mark.usefixtures("loaded_entry")
@FUZZ
@given(
    message=MESSAGE,
    extra=st.builds(
        lambda title, junk: title | junk,
        st.fixed_dictionaries({}, optional={"title": st.text(max_size=300)}),
        _sometimes(
            st.dictionaries(st.sampled_from(["title", "data"]), JUNK, min_size=1)
        ),
    ),
)
async def test_notify_entity(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    message: Any,
    extra: dict[str, Any],
) -> None:
    await _outcome(
        hass,
        "notify entity",
        "notify",
        "send_message",
        {"entity_id": "notify.pushover_phone", "message": message, **extra},
    )
    _check_the_sandbox(pushover_sandbox)


@FUZZ
@given(
    message=MESSAGE,
    title=_mostly(st.one_of(st.none(), st.text(max_size=300))),
    target=_mostly(st.one_of(st.none(), st.sampled_from(["phone", ["pixel9"]]))),
    data=_mostly(PAYLOAD),
)
async def test_legacy_action(
    hass: HomeAssistant,
    pushover_sandbox: SandboxServer,
    loaded_entry: MockConfigEntry,
    message: Any,
    title: Any,
    target: Any,
    data: Any,
) -> None:
    payload = {"message": message, "title": title, "target": target, "data": data}
    await _outcome(
        hass,
        "legacy notify.pushover",
        "notify",
        "pushover",
        {key: value for key, value in payload.items() if value is not None},
    )
    _check_the_sandbox(pushover_sandbox)
