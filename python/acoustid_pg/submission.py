"""A submission as the driver takes it: every field checked, each problem named, before any write."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Union

from .checks import check_id, check_int, check_optional_text, check_text, check_uuid
from .errors import InvalidArgumentError
from .fingerprint_input import Fingerprint, check_duration, to_items

META_TEXT_FIELDS: Final = ("track", "artist", "album", "album_artist")
META_NUMBER_FIELDS: Final = ("track_no", "disc_no", "year")
MAX_META_TEXT: Final = 255  # meta's varchar(255) columns
MAX_KBPS: Final = 32767  # bitrate columns are smallints
_FORMAT_NAME = re.compile(r"[a-z0-9][a-z0-9._+-]{0,19}")  # format.name is varchar(20)
_VENDOR_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,254}")

MetaValue = Union[str, int, None]


@dataclass(frozen=True)
class Submission:
    """One fingerprint with what its submitter says it is; ``Submission.create`` checks it.

    ``mbids`` may hold several recordings: each becomes one submission row.
    """

    fingerprint: list[int]
    duration: int
    account_id: int
    application_id: int
    application_version: str | None = None
    mbids: tuple[uuid.UUID, ...] = ()
    puid: uuid.UUID | None = None
    foreignid: str | None = None
    meta: Mapping[str, MetaValue] | None = None
    bitrate: int | None = None
    format: str | None = None

    @classmethod
    def create(
        cls,
        fingerprint: Fingerprint,
        duration: int,
        *,
        account_id: int,
        application_id: int,
        application_version: str | None = None,
        mbids: Sequence[uuid.UUID | str] | uuid.UUID | str = (),
        puid: uuid.UUID | str | None = None,
        foreignid: str | None = None,
        meta: Mapping[str, MetaValue] | None = None,
        bitrate: int | None = None,
        format: str | None = None,
    ) -> Submission:
        checked_meta = check_meta(meta)
        checked_mbids = check_mbids(mbids)
        checked_puid = None if puid is None else check_uuid("puid", puid)
        if not checked_mbids and checked_puid is None and checked_meta is None:
            raise InvalidArgumentError(
                "mbids", "a submission needs at least one MBID, a PUID or metadata (none was given)"
            )
        return cls(
            fingerprint=to_items("fingerprint", fingerprint),
            duration=check_duration("duration", duration),
            account_id=check_id("account_id", account_id),
            application_id=check_id("application_id", application_id),
            application_version=check_optional_text(
                "application_version", application_version, max_length=255
            ),
            mbids=checked_mbids,
            puid=checked_puid,
            foreignid=None if foreignid is None else check_foreignid(foreignid),
            meta=checked_meta,
            bitrate=None if bitrate is None else check_int("bitrate", bitrate, minimum=1, maximum=MAX_KBPS),
            format=None if format is None else check_format(format),
        )


def check_mbids(value: object) -> tuple[uuid.UUID, ...]:
    """Distinct MBIDs in the order given (a repeated one would count twice)."""
    if isinstance(value, (str, uuid.UUID)):
        value = [value]
    if not isinstance(value, Sequence):
        raise InvalidArgumentError("mbids", f"expected a sequence of UUIDs, got {type(value).__name__}")
    checked = [check_uuid(f"mbids[{n}]", mbid) for n, mbid in enumerate(value)]
    return tuple(dict.fromkeys(checked))


def check_foreignid(value: object) -> str:
    text = check_text("foreignid", value, max_length=512)
    vendor, colon, name = text.partition(":")
    if not colon or not name:
        raise InvalidArgumentError("foreignid", f"expected vendor:id, got {text[:60]!r}")
    if not _VENDOR_NAME.fullmatch(vendor):
        raise InvalidArgumentError(
            "foreignid", f"vendor {vendor[:60]!r} must be lower-case letters, digits, '.', '_' or '-'"
        )
    if len(name) > 255 or not name.isprintable() or name != name.strip():
        raise InvalidArgumentError(
            "foreignid", "the id after the vendor must be 1 to 255 printable characters, no edge spaces"
        )
    return text


def check_format(value: object) -> str:
    name = check_text("format", value, max_length=20).lower()
    if not _FORMAT_NAME.fullmatch(name):
        raise InvalidArgumentError(
            "format", f"{name!r} is not a format name (letters, digits, '.', '_', '+' or '-'; e.g. mp3)"
        )
    return name


def check_meta(value: object) -> dict[str, MetaValue] | None:
    """The metadata fields given (None when there are none); unknown fields are refused."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidArgumentError("meta", f"expected a mapping of fields, got {type(value).__name__}")
    known = META_TEXT_FIELDS + META_NUMBER_FIELDS
    checked: dict[str, MetaValue] = {}
    for key, item in value.items():
        if key not in known:
            raise InvalidArgumentError("meta", f"unknown field {str(key)[:40]!r}; known: {', '.join(known)}")
        if item is None:
            continue
        if key in META_TEXT_FIELDS:
            checked[key] = check_text(f"meta.{key}", item, max_length=MAX_META_TEXT).strip()
        else:
            checked[key] = check_int(f"meta.{key}", item, minimum=1, maximum=2**31 - 1)
    return checked or None
