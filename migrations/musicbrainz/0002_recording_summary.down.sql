-- Drops the per-recording summaries: lookups read MusicBrainz's own tables again,
-- as they do from a MusicBrainz database that is not our mirror.
DROP TABLE musicbrainz.acoustid_recording_summary;
