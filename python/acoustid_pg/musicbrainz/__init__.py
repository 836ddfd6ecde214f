"""The MusicBrainz mirror: its tables, the public data dump's reader and the import."""
