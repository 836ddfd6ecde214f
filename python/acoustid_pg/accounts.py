"""Accounts, applications and API keys (app database).

Keys are made by pgcrypto in the INSERT itself, so a key never exists outside
the row that owns it; objects returned here hide their key from ``repr``, and
error messages never contain one.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import class_row

from .apikeys import API_KEY_CACHE_TTL, MAX_APIKEY_LENGTH, NEW_APIKEY_SQL, ApiKeyCache
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


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    apikey: str = field(repr=False)
    mbuser: str | None
    created: dt.datetime
    lastlogin: dt.datetime | None
    submission_count: int
    application_id: int | None
    application_version: str | None
    created_from: IpAddress | None
    is_admin: bool


@dataclass(frozen=True)
class Application:
    id: int
    name: str
    version: str | None
    apikey: str = field(repr=False)
    created: dt.datetime
    active: bool
    account_id: int | None
    email: str | None
    website: str | None
    rate_limit: int | None


ACCOUNT_COLUMNS: Final = """id, name, apikey, mbuser, created, lastlogin, submission_count,
    application_id, application_version, host(created_from)::inet AS created_from, is_admin"""
APPLICATION_COLUMNS: Final = (
    "id, name, version, apikey, created, active, account_id, email, website, rate_limit"
)


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
            (name, apikey, mbuser, application_id, application_version, created_from, is_admin)
            VALUES (%(name)s, {NEW_APIKEY_SQL}, %(mbuser)s, %(application_id)s,
                %(application_version)s, %(created_from)s, %(is_admin)s)
            RETURNING {ACCOUNT_COLUMNS}"""
        return self._insert_with_key(query, values, Account, "account_apikey_key")

    def get_account(self, account_id: int) -> Account:
        account_id = check_id("account_id", account_id)
        row = self._one(Account, f"SELECT {ACCOUNT_COLUMNS} FROM account WHERE id = %s", [account_id])
        if row is None:
            raise NotFoundError("account_id", f"no account {account_id}")
        return row

    def validate_user_key(self, apikey: str) -> Account:
        """The account whose user API key this is; raises InvalidApiKeyError if none."""
        key = _check_key("user API key", apikey)
        return self.key_cache.accounts.get_or_load(key, self._account_by_key)

    def _account_by_key(self, key: str) -> Account:
        account = self._one(Account, f"SELECT {ACCOUNT_COLUMNS} FROM account WHERE apikey = %s", [key])
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
            "apikey": None if apikey is None else _check_given_key(apikey),
            "name": check_text("name", name, max_length=255),
            "account_id": check_id("account_id", account_id),
            "version": check_optional_text("version", version, max_length=255),
            "email": _check_email(email),
            "website": _check_website(website),
            "rate_limit": None
            if rate_limit is None
            else check_int("rate_limit", rate_limit, minimum=1, maximum=MAX_ID),
        }
        query = f"""INSERT INTO application (name, apikey, account_id, version, email, website, rate_limit)
            VALUES (%(name)s, coalesce(%(apikey)s, {NEW_APIKEY_SQL}), %(account_id)s, %(version)s, %(email)s,
                %(website)s, %(rate_limit)s)
            RETURNING {APPLICATION_COLUMNS}"""
        return self._insert_with_key(query, values, Application, "application_apikey_key")

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
        key = _check_key("application API key", apikey)
        return self.key_cache.applications.get_or_load(key, self._application_by_key)

    def _application_by_key(self, key: str) -> Application:
        query = f"SELECT {APPLICATION_COLUMNS} FROM application WHERE apikey = %s"
        application = self._one(Application, query, [key])
        if application is None:
            raise InvalidApiKeyError("unknown application API key")
        if not application.active:
            raise InactiveApplicationError(f"application {application.id} ({application.name!r}) is inactive")
        return application

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
        query = f"UPDATE application SET active = %s WHERE id = %s RETURNING {APPLICATION_COLUMNS}"
        row = self._one(Application, query, [active, application_id])
        if row is None:
            raise NotFoundError("application_id", f"no application {application_id}")
        self.key_cache.applications.invalidate(row.apikey)
        return row

    def _insert_with_key(
        self, query: str, values: dict[str, Any], row_type: type[R], key_constraint: str
    ) -> R:
        with self._pools.connection("app", "accounts") as conn:
            cur = conn.cursor(row_factory=class_row(row_type))
            for attempt in range(_KEY_ATTEMPTS):
                try:
                    row = cur.execute(query, values).fetchone()
                    assert row is not None  # INSERT ... RETURNING gives one row
                    return row
                except pgerrors.UniqueViolation as exc:
                    if exc.diag.constraint_name != key_constraint or attempt + 1 == _KEY_ATTEMPTS:
                        raise _constraint_error(exc) from None
                except pgerrors.IntegrityError as exc:
                    raise _constraint_error(exc) from None
        raise AssertionError("unreachable")


def _check_key(what: str, apikey: object) -> str:
    if not isinstance(apikey, str):
        raise InvalidArgumentError("apikey", f"expected a string, got {type(apikey).__name__}")
    if not apikey or len(apikey) > MAX_APIKEY_LENGTH or "\x00" in apikey:
        raise InvalidApiKeyError(f"unknown {what}")
    return apikey


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
    "application_apikey_key": (InvalidArgumentError, "apikey", "already belongs to another application"),
}


def _constraint_error(exc: psycopg.Error) -> Exception:
    known = _CONSTRAINTS.get(exc.diag.constraint_name or "")
    if known is None:
        return exc
    error_class, field_name, problem = known
    return error_class(field_name, problem)
