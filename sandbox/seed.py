"""Accounts the sandbox knows: applications, users, groups and custom sounds.

Since 1 May 2026 Pushover's monthly message quota belongs to the account and is
shared by all of the account's applications, so every application names its
account, and limits are given per account. An application that names no account
is an account of its own (keyed by its token); an old seed's per-application
``limit`` becomes the limit of that application's account.

The default seed below is what tests, the benchmark and newcomers use. Every key in
it is obviously fake (it spells "Sandbox") but has the real shape: 30 characters of
``[A-Za-z0-9]``. A different seed can be given as a mapping or a JSON file with
this shape::

    {
      "accounts": {"home": {"limit": 10000}},
      "apps": {"<token>": {"name": "My app", "account": "home"}},
      "users": {"<user key>": {"devices": ["phone"], "licenses": ["Android"],
                               "encryption_key": "<64 hex characters>"}},
      "groups": {"<group key>": {"name": "Family", "users": [
          {"user": "<user key>", "device": null, "memo": "", "disabled": false}]}},
      "sounds": {"doorbell": "Doorbell (custom)"},
      "monthly_limit": 10000
    }

A seed replaces the default one as a whole; sections left out are empty. A user's
``encryption_key`` is the end-to-end key set in their Pushover app (optional).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice
import json
from pathlib import Path
import re
from typing import Any

KEY_PATTERN = re.compile(r"[A-Za-z0-9]{30}")
ENCRYPTION_KEY_PATTERN = re.compile(r"[0-9a-f]{64}")

DEMO_ACCOUNT = "demo"
DEMO_TOKEN = "aSandboxDemoAppToken0000000001"  # noqa: S105 - fake
OTHER_TOKEN = "aSandboxOtherAppToken000000002"  # noqa: S105 - fake
DEMO_USER = "uSandboxDemoUserKey00000000001"
OTHER_USER = "uSandboxOtherUserKey0000000002"
NO_DEVICE_USER = "uSandboxNoDeviceUserKey0000003"
DEMO_GROUP = "gSandboxFamilyGroupKey00000004"
# End-to-end encryption keys as the Pushover app shows them (64 hex characters).
DEMO_USER_ENCRYPTION_KEY = "5a4db0c5" + "0" * 54 + "01"
OTHER_USER_ENCRYPTION_KEY = "5a4db0c5" + "0" * 54 + "02"

DEMO_USER_DEVICES = ("phone", "tablet", "desktop")
OTHER_USER_DEVICES = ("pixel",)
DEMO_GROUP_NAME = "Family"
CUSTOM_SOUNDS: Mapping[str, str] = {"doorbell": "Doorbell (custom)"}
MONTHLY_LIMIT = 10000


class SeedError(ValueError):
    """A seed mapping or file does not have the expected shape."""


@dataclass(frozen=True)
class AccountSeed:
    """A Pushover account: its id and optional own monthly message limit."""

    id: str
    limit: int | None = None


@dataclass(frozen=True)
class AppSeed:
    """An application: its token, display name and the account it belongs to.

    Without an account the application is an account of its own.
    """

    token: str
    name: str = "Sandbox app"
    account: str | None = None

    @property
    def account_id(self) -> str:
        """Return the id of the account whose quota the application uses."""
        return self.token if self.account is None else self.account


@dataclass(frozen=True)
class UserSeed:
    """A user account: active device names, licensed platforms, encryption key.

    ``encryption_key`` is the end-to-end key of the account (64 lowercase hex
    characters) that its phones decrypt ``encrypted=1`` messages with, if any.
    """

    key: str
    devices: tuple[str, ...] = ()
    licenses: tuple[str, ...] = ()
    encryption_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class GroupMember:
    """One entry of a delivery group."""

    user: str
    device: str | None = None
    memo: str = ""
    disabled: bool = False


@dataclass(frozen=True)
class GroupSeed:
    """A delivery group: a name and its members."""

    key: str
    name: str
    members: tuple[GroupMember, ...] = ()


@dataclass(frozen=True)
class Seed:
    """Everything the sandbox accepts as valid."""

    apps: Mapping[str, AppSeed] = field(default_factory=dict)
    accounts: Mapping[str, AccountSeed] = field(default_factory=dict)
    users: Mapping[str, UserSeed] = field(default_factory=dict)
    groups: Mapping[str, GroupSeed] = field(default_factory=dict)
    sounds: Mapping[str, str] = field(default_factory=dict)
    monthly_limit: int = MONTHLY_LIMIT

    def account_of(self, token: str) -> str:
        """Return the id of the account the application with ``token`` belongs to."""
        app = self.apps.get(token)
        return token if app is None else app.account_id

    def account_ids(self) -> list[str]:
        """Return every account: those given, then those only named by apps."""
        ids = dict.fromkeys(self.accounts)
        ids.update(dict.fromkeys(app.account_id for app in self.apps.values()))
        return list(ids)

    def account_limit(self, account: str) -> int:
        """Return the monthly message limit of ``account``."""
        found = self.accounts.get(account)
        if found is not None and found.limit is not None:
            return found.limit
        return self.monthly_limit

    def limit_for(self, token: str) -> int:
        """Return the monthly limit of the account the application belongs to."""
        return self.account_limit(self.account_of(token))

    @property
    def first_token(self) -> str | None:
        """Return the first application token, the one to show newcomers."""
        return next(iter(self.apps), None)

    @property
    def first_user(self) -> str | None:
        """Return the first user key, the one to show newcomers."""
        return next(iter(self.users), None)

    @property
    def second_user(self) -> str | None:
        """Return the second user key, the one to add as another recipient."""
        return next(islice(self.users, 1, None), None)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Seed:
        """Build a seed from a mapping shaped like the module docstring says."""
        apps = {
            token: AppSeed(
                token=token,
                name=_str(spec.get("name", "Sandbox app"), f"apps.{token}.name"),
                account=_opt_str(spec.get("account"), f"apps.{token}.account"),
            )
            for token, spec in _sections(data, "apps")
        }
        users = {
            key: UserSeed(
                key=key,
                devices=_str_tuple(spec.get("devices", []), f"users.{key}.devices"),
                licenses=_str_tuple(spec.get("licenses", []), f"users.{key}.licenses"),
                encryption_key=_encryption_key(
                    spec.get("encryption_key"), f"users.{key}.encryption_key"
                ),
            )
            for key, spec in _sections(data, "users")
        }
        groups = {
            key: GroupSeed(
                key=key,
                name=_str(spec.get("name", ""), f"groups.{key}.name"),
                members=tuple(
                    _member(member, f"groups.{key}.users")
                    for member in _list(spec.get("users", []), f"groups.{key}.users")
                ),
            )
            for key, spec in _sections(data, "groups")
        }
        sounds_data = data.get("sounds", {})
        if not isinstance(sounds_data, Mapping):
            raise SeedError("sounds must be an object of name to description")
        sounds = {
            _str(name, "sounds"): _str(text, f"sounds.{name}")
            for name, text in sounds_data.items()
        }
        limit = _opt_int(data.get("monthly_limit", MONTHLY_LIMIT), "monthly_limit")
        return cls(
            apps=apps,
            accounts=_accounts(data, apps),
            users=users,
            groups=groups,
            sounds=sounds,
            monthly_limit=MONTHLY_LIMIT if limit is None else limit,
        )


def load_seed(path: str | Path) -> Seed:
    """Read a seed from a JSON file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise SeedError(f"cannot read seed file {path}: {err}") from err
    if not isinstance(data, Mapping):
        raise SeedError("a seed file must hold a JSON object")
    return Seed.from_mapping(data)


def default_seed() -> Seed:
    """Return the built-in demo seed."""
    return Seed(
        apps={
            DEMO_TOKEN: AppSeed(DEMO_TOKEN, "Sandbox demo app", DEMO_ACCOUNT),
            OTHER_TOKEN: AppSeed(OTHER_TOKEN, "Sandbox other app", DEMO_ACCOUNT),
        },
        accounts={DEMO_ACCOUNT: AccountSeed(DEMO_ACCOUNT)},
        users={
            DEMO_USER: UserSeed(
                DEMO_USER,
                DEMO_USER_DEVICES,
                ("Android", "iOS"),
                DEMO_USER_ENCRYPTION_KEY,
            ),
            OTHER_USER: UserSeed(
                OTHER_USER, OTHER_USER_DEVICES, ("Android",), OTHER_USER_ENCRYPTION_KEY
            ),
            NO_DEVICE_USER: UserSeed(NO_DEVICE_USER, (), ()),
        },
        groups={
            DEMO_GROUP: GroupSeed(
                DEMO_GROUP,
                DEMO_GROUP_NAME,
                (GroupMember(DEMO_USER), GroupMember(OTHER_USER)),
            )
        },
        sounds=dict(CUSTOM_SOUNDS),
        monthly_limit=MONTHLY_LIMIT,
    )


def resolve_seed(seed: Seed | Mapping[str, Any] | str | Path | None) -> Seed:
    """Turn any accepted seed form (object, mapping, file path, None) into a seed."""
    if seed is None:
        return default_seed()
    if isinstance(seed, Seed):
        return seed
    if isinstance(seed, str | Path):
        return load_seed(seed)
    return Seed.from_mapping(seed)


def _sections(
    data: Mapping[str, Any], name: str
) -> list[tuple[str, Mapping[str, Any]]]:
    section = data.get(name, {})
    if not isinstance(section, Mapping):
        raise SeedError(f"{name} must be an object keyed by 30-character keys")
    result: list[tuple[str, Mapping[str, Any]]] = []
    for key, spec in section.items():
        _key(key, name)
        if not isinstance(spec, Mapping):
            raise SeedError(f"{name}.{key} must be an object")
        result.append((key, spec))
    return result


def _accounts(
    data: Mapping[str, Any], apps: Mapping[str, AppSeed]
) -> dict[str, AccountSeed]:
    """Read the accounts, then the limits old seeds give per application."""
    section = data.get("accounts", {})
    if not isinstance(section, Mapping):
        raise SeedError("accounts must be an object keyed by account id")
    limits: dict[str, int | None] = {}
    for account, spec in section.items():
        if not isinstance(spec, Mapping):
            raise SeedError(f"accounts.{account} must be an object")
        limits[account] = _opt_int(spec.get("limit"), f"accounts.{account}.limit")
    for token, spec in _sections(data, "apps"):
        limit = _opt_int(spec.get("limit"), f"apps.{token}.limit")
        account = apps[token].account_id
        if limit is None or limits.get(account) == limit:
            continue
        if limits.get(account) is not None:
            raise SeedError(
                f"apps.{token}.limit: account {account} already has limit "
                f"{limits[account]}"
            )
        limits[account] = limit
    return {account: AccountSeed(account, limit) for account, limit in limits.items()}


def _key(value: object, where: str) -> str:
    if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
        raise SeedError(f"{where}: {value!r} is not 30 characters of [A-Za-z0-9]")
    return value


def _encryption_key(value: object, where: str) -> str | None:
    if value is None:
        return None
    text = "".join(_str(value, where).split()).lower()
    if not ENCRYPTION_KEY_PATTERN.fullmatch(text):
        raise SeedError(f"{where} must be 64 hexadecimal characters")
    return text


def _member(value: object, where: str) -> GroupMember:
    if not isinstance(value, Mapping):
        raise SeedError(f"{where} entries must be objects")
    device = value.get("device")
    return GroupMember(
        user=_key(value.get("user"), where),
        device=None if device is None else _str(device, f"{where}.device"),
        memo=_str(value.get("memo", ""), f"{where}.memo"),
        disabled=bool(value.get("disabled", False)),
    )


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise SeedError(f"{where} must be a string")
    return value


def _opt_str(value: object, where: str) -> str | None:
    return None if value is None else _str(value, where)


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise SeedError(f"{where} must be a list")
    return value


def _str_tuple(value: object, where: str) -> tuple[str, ...]:
    return tuple(_str(item, where) for item in _list(value, where))


def _opt_int(value: object, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SeedError(f"{where} must be a non-negative integer")
    return value
