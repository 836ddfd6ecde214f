"""Coverage-guided fuzzing (atheris, libFuzzer) of what faces the network: the web service's
request decoding and parameter checks, and the MusicBrainz dump reader.

``python -m tests.fuzz [--seconds N] [target ...]`` runs each target for a bounded time
(``make fuzz-py``); ``test_fuzz_corpus.py`` replays the committed corpus through the same
properties on every test run.
"""
