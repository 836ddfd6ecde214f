"""Accounts, applications and API keys (app database).

The driver makes each key and stores only its SHA-256 (``apikeys``): the key
itself never reaches the server. The Account or Application that ``create_*``
returns carries its key, once (hidden from ``repr``); every later read has
``apikey=None``, and error messages never contain one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import class_row, dict_row

from .apikeys import API_KEY_CACHE_TTL, MAX_APIKEY_LENGTH, ApiKeyCache, apikey_hash, new_apikey
from .checks import (
    MAX_ID,
    IpAddress,
    check_bool,
    check_id,
    check_int,
    check_ip,
    check_optional_text,
    check_text,
)
from .errors import (
    InactiveApplicationError,
    InvalidApiKeyError,
    InvalidArgumentError,
    NotFoundError,
)
from .pools import Pools

# A collision of 240 random bits is not expected; retrying keeps the UNIQUE key honest anyway.
_KEY_ATTEMPTS: Final = 3

R = TypeVar("R")
D = TypeVar("D", "Account", "Application")


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    mbuser: str | None
    created: dt.datetime
    lastlogin: dt.datetime | None
    submission_count: int
    application_id: int | None
    application_version: str | None
    created_from: IpAddress | None
    is_admin: bool
    # The key, only on the Account create_account returned: it is shown once, then only its hash exists.
    apikey: str | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Application:
    id: int
    name: str
    version: str | None
    created: dt.datetime
    active: bool
    account_id: int | None
    email: str | None
    website: str | None
    rate_limit: int | None
    # The key, only on the Application create_application returned (see Account.apikey).
    apikey: str | None = field(default=None, repr=False, compare=False)


ACCOUNT_COLUMNS: Final = """id, name, mbuser, created, lastlogin, submission_count,
    application_id, application_version, host(created_from)::inet AS created_from, is_admin"""
APPLICATION_COLUMNS: Final = "id, name, version, created, active, account_id, email, website, rate_limit"


class ApiKeyCaches:
    """The 60-second caches of valid application and user keys of one client."""

    def __init__(
        self, *, ttl: float = API_KEY_CACHE_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.applications: ApiKeyCache[Application] = ApiKeyCache(ttl=ttl, clock=clock)
        self.accounts: ApiKeyCache[Account] = ApiKeyCache(ttl=ttl, clock=clock)

    def clear(self) -> None:
        self.applications.clear()
        self.accounts.clear()


class Accounts:
    """Accounts, applications and API keys (app database).

    ``key_cache`` holds the valid keys this client has seen (60 s); give one with an
    injected clock to test expiry without sleeping.
    """

    def __init__(self, pools: Pools, key_cache: ApiKeyCaches | None = None) -> None:
        self._pools = pools
        self.key_cache = key_cache if key_cache is not None else ApiKeyCaches()

    # --- accounts ---

    def create_account(
        self,
        name: str,
        *,
        mbuser: str | None = None,
        application_id: int | None = None,
        application_version: str | None = None,
        created_from: str | IpAddress | None = None,
        is_admin: bool = False,
    ) -> Account:
        """A new account with a fresh user API key."""
        values = {
            "name": check_text("name", name, max_length=255),
            "mbuser": check_optional_text("mbuser", mbuser, max_length=64),
            "application_id": None if application_id is None else check_id("application_id", application_id),
            "application_version": check_optional_text(
                "application_version", application_version, max_length=255
            ),
            "created_from": None if created_from is None else check_ip("created_from", created_from),
            "is_admin": check_bool("is_admin", is_admin),
        }
        query = f"""INSERT INTO account
            (name, apikey_hash, mbuser, application_id, application_version, created_from, is_admin)
            VALUES (%(name)s, %(apikey_hash)s, %(mbuser)s, %(application_id)s,
                %(application_version)s, %(created_from)s, %(is_admin)s)
            RETURNING {ACCOUNT_COLUMNS}"""
        return self._insert_with_key(query, values, Account, "account_apikey_hash_key")

    def get_account(self, account_id: int) -> Account:
        account_id = check_id("account_id", account_id)
        row = self._one(Account, f"SELECT {ACCOUNT_COLUMNS} FROM account WHERE id = %s", [account_id])
        if row is None:
            raise NotFoundError("account_id", f"no account {account_id}")
        return row

    def validate_user_key(self, apikey: str) -> Account:
        """The account whose user API key this is; raises InvalidApiKeyError if none."""
        digest = _check_key("user API key", apikey)
        return self.key_cache.accounts.get_or_load(digest, self._account_by_key)

    def _account_by_key(self, digest: bytes) -> Account:
        query = f"SELECT {ACCOUNT_COLUMNS} FROM account WHERE apikey_hash = %s"
        account = self._one(Account, query, [digest])
        if account is None:
            raise InvalidApiKeyError("unknown user API key")
        return account

    # --- applications ---

    def create_application(
        self,
        name: str,
        *,
        account_id: int,
        version: str | None = None,
        email: str | None = None,
        website: str | None = None,
        rate_limit: int | None = None,
        apikey: str | None = None,
    ) -> Application:
        """A new, active application of ``account_id`` with a fresh client API key, or with
        ``apikey`` (to accept a client's built-in key: Picard's, beets')."""
        values = {
            "name": check_text("name", name, max_length=255),
            "account_id": check_id("account_id", account_id),
            "version": check_optional_text("version", version, max_length=255),
            "email": _check_email(email),
            "website": _check_website(website),
            "rate_limit": None
            if rate_limit is None
            else check_int("rate_limit", rate_limit, minimum=1, maximum=MAX_ID),
        }
        query = f"""INSERT INTO application
                (name, apikey_hash, account_id, version, email, website, rate_limit)
            VALUES (%(name)s, %(apikey_hash)s, %(account_id)s, %(version)s, %(email)s,
                %(website)s, %(rate_limit)s)
            RETURNING {APPLICATION_COLUMNS}"""
        given = None if apikey is None else _check_given_key(apikey)
        return self._insert_with_key(query, values, Application, "application_apikey_hash_key", given)

    def get_application(self, application_id: int) -> Application:
        application_id = check_id("application_id", application_id)
        query = f"SELECT {APPLICATION_COLUMNS} FROM application WHERE id = %s"
        row = self._one(Application, query, [application_id])
        if row is None:
            raise NotFoundError("application_id", f"no application {application_id}")
        return row

    def deactivate_application(self, application_id: int) -> Application:
        """Refuse the application's key from now on (other processes: within the cache TTL)."""
        return self._set_application_active(application_id, False)

    def activate_application(self, application_id: int) -> Application:
        return self._set_application_active(application_id, True)

    def validate_application_key(self, apikey: str) -> Application:
        """The active application whose client API key this is.

        Raises InvalidApiKeyError for an unknown key, InactiveApplicationError
        for a deactivated application.
        """
        digest = _check_key("application API key", apikey)
        return self.key_cache.applications.get_or_load(digest, self._application_by_key)

    def _application_by_key(self, digest: bytes) -> Application:
        query = f"SELECT {APPLICATION_COLUMNS} FROM application WHERE apikey_hash = %s"
        application = self._one(Application, query, [digest])
        if application is None:
            raise InvalidApiKeyError("unknown application API key")
        if not application.active:
            raise InactiveApplicationError(f"application {application.id} ({application.name!r}) is inactive")
        return application

    def cached_application(self, apikey: str) -> Application | None:
        """The application if its key is in this client's cache of valid keys, else None; no
        database call (the web service answers these on its event loop)."""
        digest = _digest_or_none(apikey)
        return None if digest is None else self.key_cache.applications.get(digest)

    def cached_account(self, apikey: str) -> Account | None:
        """The account if its user key is in this client's cache of valid keys, else None."""
        digest = _digest_or_none(apikey)
        return None if digest is None else self.key_cache.accounts.get(digest)

    def local_pair(self, name: str) -> tuple[Account, Application]:
        """The account and active application called ``name``, made on first use (the command
        line's local submitter). Two first uses at once may make two pairs; the oldest wins after."""
        with self._pools.connection("app", "accounts") as conn:
            row = conn.execute(
                "SELECT a.id, p.id FROM account a JOIN application p ON p.account_id = a.id"
                " WHERE a.name = %s AND p.name = %s AND p.active ORDER BY a.id, p.id LIMIT 1",
                [name, name],
            ).fetchone()
        if row is not None:
            return self.get_account(row[0]), self.get_application(row[1])
        account = self.create_account(name)
        return account, self.create_application(name, account_id=account.id)

    # --- helpers ---

    def _one(self, row_type: type[R], query: str, params: list[Any]) -> R | None:
        """The one row ``query`` returns (as ``row_type``), or None."""
        with self._pools.connection("app", "accounts") as conn:
            return conn.cursor(row_factory=class_row(row_type)).execute(query, params).fetchone()

    def _set_application_active(self, application_id: int, active: bool) -> Application:
        application_id = check_id("application_id", application_id)
        query = f"""UPDATE application SET active = %s WHERE id = %s
            RETURNING {APPLICATION_COLUMNS}, apikey_hash"""
        with self._pools.connection("app", "accounts") as conn:
            row = conn.cursor(row_factory=dict_row).execute(query, [active, application_id]).fetchone()
        if row is None:
            raise NotFoundError("application_id", f"no application {application_id}")
        self.key_cache.applications.invalidate(bytes(row.pop("apikey_hash")))
        return Application(**row)

    def _insert_with_key(
        self,
        query: str,
        values: dict[str, Any],
        row_type: type[D],
        key_constraint: str,
        given: str | None = None,
    ) -> D:
        """Insert with the hash of a fresh key (or of ``given``); return the row carrying the key
        (the only time it is shown). A fresh key that collides is replaced; a given one is refused."""
        with self._pools.connection("app", "accounts") as conn:
            cur = conn.cursor(row_factory=class_row(row_type))
            for attempt in range(_KEY_ATTEMPTS):
                key = new_apikey() if given is None else given
                try:
                    row = cur.execute(query, {**values, "apikey_hash": apikey_hash(key)}).fetchone()
                    assert row is not None  # INSERT ... RETURNING gives one row
                    return dataclasses.replace(row, apikey=key)
                except pgerrors.UniqueViolation as exc:
                    retry = exc.diag.constraint_name == key_constraint and given is None
                    if not retry or attempt + 1 == _KEY_ATTEMPTS:
                        raise _constraint_error(exc) from None
                except pgerrors.IntegrityError as exc:
                    raise _constraint_error(exc) from None
        raise AssertionError("unreachable")


def _check_key(what: str, apikey: object) -> bytes:
    """The digest to look ``apikey`` up by. Anything but a well-formed string is refused here with
    the same error as an unknown key; every well-formed wrong key, whatever it shares with a real
    one, becomes an unrelated digest and takes the same path: one index probe that finds nothing."""
    if not isinstance(apikey, str):
        raise InvalidArgumentError("apikey", f"expected a string, got {type(apikey).__name__}")
    if not apikey or len(apikey) > MAX_APIKEY_LENGTH or "\x00" in apikey:
        raise InvalidApiKeyError(f"unknown {what}")
    try:
        return apikey_hash(apikey)
    except UnicodeEncodeError:  # a lone surrogate: no stored key can be it
        raise InvalidApiKeyError(f"unknown {what}") from None


def _digest_or_none(apikey: object) -> bytes | None:
    try:
        return _check_key("API key", apikey)
    except (InvalidApiKeyError, InvalidArgumentError):
        return None


def _check_given_key(apikey: object) -> str:
    key = check_text("apikey", apikey, max_length=MAX_APIKEY_LENGTH)
    if not key.isprintable() or key != key.strip():
        raise InvalidArgumentError("apikey", "must be printable, without spaces at either end")
    return key


def _check_email(email: object) -> str | None:
    value = check_optional_text("email", email, max_length=255)
    if value is not None and ("@" not in value or any(c.isspace() for c in value)):
        raise InvalidArgumentError("email", "is not an email address")
    return value


def _check_website(website: object) -> str | None:
    value = check_optional_text("website", website, max_length=1000)
    if value is not None and not value.startswith(("http://", "https://")):
        raise InvalidArgumentError("website", "must be an http:// or https:// URL")
    return value


_CONSTRAINTS: Final = {  # constraint -> (error class, field, problem)
    "account_mbuser_key": (InvalidArgumentError, "mbuser", "already belongs to another account"),
    "account_application_id_fkey": (NotFoundError, "application_id", "no such application"),
    "application_account_id_fkey": (NotFoundError, "account_id", "no such account"),
    "application_apikey_hash_key": (InvalidArgumentError, "apikey", "already belongs to another application"),
}


def _constraint_error(exc: psycopg.Error) -> Exception:
    known = _CONSTRAINTS.get(exc.diag.constraint_name or "")
    if known is None:
        return exc
    error_class, field_name, problem = known
    return error_class(field_name, problem)
