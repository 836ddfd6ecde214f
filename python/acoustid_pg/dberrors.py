"""psycopg's errors as acoustid_pg's typed exceptions: ``Pools.connection`` applies ``translated`` to every
connection it hands out, so this is the one place a database error gets its type."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors

from .errors import ConnectionLost, PermissionDeniedError, ResourceExhausted, SchemaError, StatementCancelled

# What a database without the extension or without our migrations answers.
_MISSING_OBJECT = (errors.UndefinedFunction, errors.UndefinedTable, errors.UndefinedObject)
# A connection that broke: no SQLSTATE (the client saw it), connection exceptions (class 08),
# or the server shutting down or restarting (57P01..57P03).
_SHUTDOWN = ("57P01", "57P02", "57P03")


def connection_broke(exc: psycopg.OperationalError) -> bool:
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in _SHUTDOWN


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (psycopg adds DETAIL and HINT lines below it)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


@contextmanager
def translated(dbname: str, operation: str) -> Iterator[None]:
    """Raise SchemaError for a missing function or table, PermissionDeniedError for a privilege the
    role lacks, ConnectionLost for a broken connection, ResourceExhausted for a full disk (or no
    memory), StatementCancelled for a cancelled statement.

    Callers that set a time budget catch ``psycopg.errors.QueryCanceled`` inside this block
    and say what ran out of time.
    """
    try:
        yield
    except _MISSING_OBJECT as exc:
        raise SchemaError(
            f"{operation}: database {dbname!r} lacks the acoustid schema ({first_line(exc)}); "
            "run `acoustid-pg init` or `acoustid-pg migrate`"
        ) from exc
    except errors.InsufficientPrivilege as exc:
        raise PermissionDeniedError(
            f"{operation}: permission denied in database {dbname!r} ({first_line(exc)})"
        ) from exc
    except errors.QueryCanceled as exc:
        raise StatementCancelled(
            f"{operation}: database {dbname!r} cancelled the statement ({first_line(exc)}); "
            "its transaction was rolled back"
        ) from exc
    except psycopg.OperationalError as exc:
        if (exc.sqlstate or "").startswith("53"):  # disk full, out of memory: the connection is fine
            raise ResourceExhausted(
                f"{operation}: database {dbname!r} is out of resources ({first_line(exc)}); "
                "its transaction was rolled back"
            ) from exc
        if not connection_broke(exc):
            raise  # a deadlock or a lock timeout: the connection is fine, the caller may retry
        raise ConnectionLost(
            f"{operation}: lost the connection to database {dbname!r} ({first_line(exc)}); "
            "the next call reconnects"
        ) from exc
