-- Drops the per-recording summaries; lookups read the MusicBrainz tables themselves again.
DROP TABLE musicbrainz.acoustid_recording_summary;
