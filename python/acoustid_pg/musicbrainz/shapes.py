"""The metadata of a lookup result, shaped as the AcoustID web service's ``meta`` levels.

``result_metadata(levels, mbids, metas, data)`` gives the keys to merge into one result
(``recordings``, or ``releasegroups`` / ``releases`` when no recording level is asked),
from a track's MBIDs, its user-submitted metadata and what the mirror holds.

The shapes are the AcoustID server's (acoustid/api/v2), with these of its bugs fixed:
- ``compress`` drops a release group's artists equal to the recording's for every
  release group of a recording, not only the last one;
- ``usermeta`` artists are objects ``{"name": ...}``, as everywhere else, not plain
  strings, and its recordings carry ``"id": null`` instead of no ``id`` (pyacoustid's
  ``parse_lookup_result`` cannot read either);
- ``m2`` omits the duration of a track whose length MusicBrainz does not know instead of
  failing the whole request;
- a recording that is on no release keeps its title, duration and artists when releases
  are asked for (it gets an empty ``releases``/``releasegroups`` list);
- an MBID that MusicBrainz merged into another recording is answered with that recording
  (its current MBID); two MBIDs of a track that now name one recording become one entry,
  their ``sources`` added up;
- ``usermeta`` applies per track (to a track none of whose MBIDs MusicBrainz knows), not
  only when no MBID of the whole request is known.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, Final, Protocol

from ..errors import InvalidArgumentError
from .mirror_read import MirrorData, Recording, Release, TrackRow

LEVELS: Final = frozenset(
    {
        "recordings", "recordingids", "releasegroups", "releasegroupids", "releases", "releaseids",
        "tracks", "compress", "usermeta", "sources", "isrcs", "m2",
    }
)  # fmt: skip
MAX_USER_META: Final = 10
Json = dict[str, Any]


class MbidLink(Protocol):
    """An MBID linked to a track (acoustid_pg.lookup.Mbid has this shape)."""

    @property
    def mbid(self) -> uuid.UUID: ...

    @property
    def submission_count(self) -> int: ...


class UserMeta(Protocol):
    """Submitted metadata linked to a track (acoustid_pg.lookup.Meta has this shape)."""

    @property
    def track(self) -> str | None: ...
    @property
    def artist(self) -> str | None: ...
    @property
    def album(self) -> str | None: ...
    @property
    def album_artist(self) -> str | None: ...
    @property
    def track_no(self) -> int | None: ...
    @property
    def disc_no(self) -> int | None: ...
    @property
    def year(self) -> int | None: ...


def parse_meta(value: str | Iterable[str] | None, *, strict: bool = True) -> frozenset[str]:
    """Meta levels from the web service's ``meta`` value ("1" and "2" are its old shorthands).

    Levels are separated by spaces, ``+`` or commas. ``strict`` refuses unknown names
    (the web service, like AcoustID's, ignores them instead).
    """
    if value is None:
        return frozenset()
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "0"):
            return frozenset()
        if text == "1":
            return frozenset({"recordingids"})
        if text == "2":
            return frozenset({"m2"})
        names = text.replace("+", " ").replace(",", " ").split()
    else:
        names = [str(name) for name in value]
    unknown = sorted(set(names) - LEVELS)
    if unknown and strict:
        raise InvalidArgumentError(
            "meta", f"unknown level(s) {', '.join(unknown)}: choose from {', '.join(sorted(LEVELS))}"
        )
    return frozenset(names) & LEVELS


def needs(levels: frozenset[str]) -> tuple[bool, bool, bool]:
    """What to read from the mirror for ``levels``: (releases, release groups, ISRCs)."""
    groups = "m2" not in levels and bool(levels & {"releasegroups", "releasegroupids"})
    releases = groups or "m2" in levels or bool(levels & {"releases", "releaseids"})
    return releases, groups, "isrcs" in levels


def wants_mirror(levels: frozenset[str]) -> bool:
    """Whether ``levels`` read the mirror (even ids do: a merged MBID answers as its target)."""
    return bool(levels - {"compress", "usermeta", "sources", "tracks"})


def result_metadata(
    levels: frozenset[str], mbids: Sequence[MbidLink], metas: Sequence[UserMeta], data: MirrorData
) -> Json:
    """The metadata keys of one lookup result (an empty dict when ``levels`` asks for none)."""
    if "m2" in levels:
        return {"recordings": _m2(mbids, data)}
    if levels & {"recordings", "recordingids", "isrcs"}:
        return {"recordings": _recordings(levels, mbids, metas, data)}
    rows = _rows_of(mbids, data)
    if levels & {"releasegroups", "releasegroupids"}:
        return {"releasegroups": _release_groups(levels, rows, data)}
    if levels & {"releases", "releaseids"}:
        return {"releases": _releases(levels, rows, data)}
    return {}


def _rows_of(mbids: Sequence[MbidLink], data: MirrorData) -> list[TrackRow]:
    rows: list[TrackRow] = []
    seen: set[int] = set()
    for link in mbids:
        recording = data.recordings.get(link.mbid)
        if recording is not None and recording.id not in seen:
            seen.add(recording.id)
            rows.extend(data.tracks.get(recording.id, []))
    return rows


def _recordings(
    levels: frozenset[str], mbids: Sequence[MbidLink], metas: Sequence[UserMeta], data: MirrorData
) -> list[Json]:
    sources = "sources" in levels
    ids_only = "recordingids" in levels and not levels & {"recordings", "isrcs"}
    out: list[Json] = []
    by_recording: dict[int, Json] = {}
    for link in mbids:
        recording = data.recordings.get(link.mbid)
        if recording is not None and recording.id in by_recording:
            if sources:
                by_recording[recording.id]["sources"] += link.submission_count
            continue
        item: Json = {"id": recording.gid if recording else str(link.mbid)}
        if sources:
            item["sources"] = link.submission_count
        out.append(item)
        if recording is None:
            continue
        by_recording[recording.id] = item
        if not ids_only:
            item.update(_recording_fields(recording, data, "isrcs" in levels))
        rows = data.tracks.get(recording.id, [])
        if levels & {"releasegroups", "releasegroupids"}:
            item["releasegroups"] = _release_groups(levels, rows, data)
            if "compress" in levels:
                for group in item["releasegroups"]:
                    _compress_under_recording(item, group.get("releases", []))
                    _drop_if_equal(group, "artists", item)
        elif levels & {"releases", "releaseids"}:
            item["releases"] = _releases(levels, rows, data)
            if "compress" in levels:
                _compress_under_recording(item, item["releases"])
                for release in item["releases"]:
                    _drop_if_equal(release, "artists", item)
    if "usermeta" in levels and not any(link.mbid in data.recordings for link in mbids):
        out.extend(_user_recordings(levels, metas))
    return out


def _recording_fields(recording: Recording, data: MirrorData, isrcs: bool) -> Json:
    fields: Json = {"title": recording.title or ""}
    if recording.length:
        fields["duration"] = float(recording.length // 1000)
    artists = data.credit(recording.artist_credit)
    if artists:
        fields["artists"] = artists
    if isrcs and recording.isrcs:
        fields["isrcs"] = sorted(recording.isrcs)
    return fields


def _compress_under_recording(recording: Json, releases: list[Json]) -> None:
    for release in releases:
        for medium in release.get("mediums", []):
            for track in medium["tracks"]:
                _drop_if_equal(track, "title", recording)


def _drop_if_equal(item: Json, key: str, other: Json) -> None:
    if key in item and item[key] == other.get(key):
        del item[key]


def _release_groups(levels: frozenset[str], rows: list[TrackRow], data: MirrorData) -> list[Json]:
    ids_only = "releasegroupids" in levels and "releasegroups" not in levels
    groups: dict[int, tuple[Json, list[TrackRow]]] = {}
    for row in rows:
        release = data.releases.get(row.release)
        if release is None or release.release_group not in data.release_groups:
            continue
        if release.release_group not in groups:
            group = data.release_groups[release.release_group]
            item: Json = {"id": group.gid}
            if not ids_only:
                item["title"] = group.title or ""
                if group.type:
                    item["type"] = group.type
                if group.secondary_types:
                    item["secondarytypes"] = group.secondary_types
                artists = data.credit(group.artist_credit)
                if artists:
                    item["artists"] = artists
            groups[release.release_group] = (item, [])
        groups[release.release_group][1].append(row)
    out = []
    for item, group_rows in groups.values():
        if levels & {"releases", "releaseids"}:
            item["releases"] = _releases(levels, group_rows, data)
            if "compress" in levels:
                for release in item["releases"]:
                    _drop_if_equal(release, "artists", item)
                    _drop_if_equal(release, "title", item)
        out.append(item)
    return out


def _releases(levels: frozenset[str], rows: list[TrackRow], data: MirrorData) -> list[Json]:
    ids_only = "releaseids" in levels and "releases" not in levels
    releases: dict[int, tuple[Json, list[TrackRow]]] = {}
    for row in rows:
        release = data.releases.get(row.release)
        if release is None:
            continue
        if release.id not in releases:
            releases[release.id] = (_release(release, data, ids_only), [])
        releases[release.id][1].append(row)
    out = []
    for item, release_rows in releases.values():
        if "tracks" in levels:
            item["mediums"] = _mediums(release_rows, data)
            if "compress" in levels:
                for medium in item["mediums"]:
                    for track in medium["tracks"]:
                        _drop_if_equal(track, "artists", item)
        out.append(item)
    return out


def _release(release: Release, data: MirrorData, ids_only: bool) -> Json:
    item: Json = {"id": release.gid}
    if ids_only:
        return item
    item["title"] = release.title or ""
    if release.medium_count:
        item["medium_count"] = release.medium_count
    if release.track_count:
        item["track_count"] = release.track_count
    artists = data.credit(release.artist_credit)
    if artists:
        item["artists"] = artists
    events = []
    for event in release.events:
        shaped: Json = {}
        if event.country:
            shaped["country"] = event.country
        date = {k: v for k, v in (("year", event.year), ("month", event.month), ("day", event.day)) if v}
        if date:
            shaped["date"] = date
        events.append(shaped)
    if events:
        item["releaseevents"] = events
        item.update(events[0])
    return item


def _mediums(rows: list[TrackRow], data: MirrorData) -> list[Json]:
    mediums: dict[int, Json] = {}
    for row in rows:
        medium = mediums.get(row.medium_position)
        if medium is None:
            medium = {"position": row.medium_position, "track_count": row.medium_track_count, "tracks": []}
            if row.medium_format:
                medium["format"] = row.medium_format
            if row.medium_title:
                medium["title"] = row.medium_title
            mediums[row.medium_position] = medium
        medium["tracks"].append(
            {
                "id": row.gid,
                "position": row.position,
                "title": row.title,
                "artists": data.credit(row.artist_credit),
            }
        )
    return list(mediums.values())


def _m2(mbids: Sequence[MbidLink], data: MirrorData) -> list[Json]:
    out: list[Json] = []
    seen: set[int] = set()
    for link in mbids:
        recording = data.recordings.get(link.mbid)
        if recording is None:
            out.append({"id": str(link.mbid)})
            continue
        if recording.id in seen:
            continue
        seen.add(recording.id)
        item: Json = {"id": recording.gid}
        if recording.length:
            item["duration"] = float(recording.length // 1000)
        rows = sorted(
            data.tracks.get(recording.id, []),
            key=lambda r: (data.releases[r.release].gid, r.medium_position, r.position),
        )
        item["tracks"] = [_m2_track(row, data) for row in rows if row.release in data.releases]
        out.append(item)
    return out


def _m2_track(row: TrackRow, data: MirrorData) -> Json:
    release = data.releases[row.release]
    medium: Json = {
        "track_count": row.medium_track_count,
        "position": row.medium_position,
        "release": {"id": release.gid, "title": release.title},
    }
    if row.medium_format:
        medium["format"] = row.medium_format
    track: Json = {"title": row.title, "artists": data.credit(row.artist_credit), "position": row.position}
    if row.length:
        track["duration"] = float(row.length // 1000)
    track["medium"] = medium
    return track


def _user_recordings(levels: frozenset[str], metas: Sequence[UserMeta]) -> list[Json]:
    """Submitted metadata as recordings with a null id (only for tracks MusicBrainz knows nothing of)."""
    out = []
    for meta in metas[:MAX_USER_META]:
        item: Json = {"id": None}
        if meta.track:
            item["title"] = meta.track
        if meta.artist:
            item["artists"] = [{"name": meta.artist}]
        release: Json = {}
        if meta.album:
            release["title"] = meta.album
        if meta.album_artist:
            release["artists"] = [{"name": meta.album_artist}]
        if meta.year:
            event: Json = {"date": {"year": meta.year}}
            release["releaseevents"] = [event]
            release.update(event)
        if "tracks" in levels and (meta.track_no or meta.disc_no):
            track: Json = {}
            if meta.track_no:
                track["position"] = meta.track_no
            if meta.track:
                track["title"] = meta.track
            if meta.artist:
                track["artists"] = [{"name": meta.artist}]
            medium: Json = {"tracks": [track]}
            if meta.disc_no:
                medium["position"] = meta.disc_no
            release["mediums"] = [medium]
        if levels & {"releasegroups", "releasegroupids"} and meta.album:
            group: Json = {"title": meta.album}
            if meta.album_artist:
                group["artists"] = [{"name": meta.album_artist}]
            if levels & {"releases", "releaseids"} and release:
                group["releases"] = [release]
            item["releasegroups"] = [group]
        elif levels & {"releases", "releaseids"} and release:
            item["releases"] = [release]
        if len(item) > 1:
            out.append(item)
    return out
