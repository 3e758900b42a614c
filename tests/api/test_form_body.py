"""The urlencoded form of a message: byte for byte what urllib would send."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from hypothesis import given, strategies as st

from custom_components.pushover_plus.api.payload import form_body

#: Text as callers write it: any character but a lone surrogate (not UTF-8).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)


@given(st.dictionaries(TEXT, TEXT, max_size=8))
def test_a_form_is_encoded_as_urlencode_does(form: dict[str, str]) -> None:
    body = form_body(form)
    assert body == urlencode(form).encode()
    assert dict(parse_qsl(body.decode(), keep_blank_values=True)) == form


def test_a_link_and_its_title_keep_every_character() -> None:
    form = {
        "url": "https://ha.example:8123/api/pushover_plus/action?token=a-b_c~d.e",
        "url_title": "Close it · Ignore · Reply",
        "title": "Garage open: 20 min (east/west)",
        "message": "50% off & more + \x00\n\t ünïcødé 🙂",
    }
    assert form_body(form) == urlencode(form).encode()
    assert form_body(form).startswith(
        b"url=https%3A%2F%2Fha.example%3A8123%2Fapi%2Fpushover_plus%2Faction"
        b"%3Ftoken%3Da-b_c~d.e&url_title=Close+it+%C2%B7+Ignore"
    )
    assert b"&title=Garage+open%3A+20+min+%28east%2Fwest%29&" in form_body(form)
