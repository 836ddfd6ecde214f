"""fingerprint_data is kept for every fingerprint: the compressed fingerprint (Chromaprint's
bytes, fpcalc's string without its base64) and the simhash cube, so the GiST index finds
near-identical fingerprints."""

from __future__ import annotations

import random

import psycopg

from acoustid_pg import fingerprint, synthetic


def test_every_fingerprint_gets_its_data_and_is_found_by_simhash(schema_conn: psycopg.Connection) -> None:
    rng = random.Random(5)
    prints = [synthetic.walk(rng, 400) for _ in range(30)]
    track = schema_conn.execute("INSERT INTO track DEFAULT VALUES RETURNING id").fetchone()[0]  # type: ignore[index]
    ids = [
        schema_conn.execute(
            "INSERT INTO fingerprint (track_id, fingerprint, length) VALUES (%s, %s, 50) RETURNING id",
            [track, items],
        ).fetchone()[0]  # type: ignore[index]
        for items in prints
    ]
    for fingerprint_id, items in zip(ids, prints):
        stored, simhash = schema_conn.execute(
            "SELECT fingerprint, simhash::text FROM fingerprint_data WHERE fingerprint_id = %s",
            [fingerprint_id],
        ).fetchone()  # type: ignore[misc]
        assert stored == fingerprint.compressed_bytes(items)
        text = schema_conn.execute("SELECT acoustid_fingerprint_text(%s)", [stored]).fetchone()
        assert text == (fingerprint.encode_fingerprint(items),)
        assert fingerprint.decode_fingerprint(text[0]) == items
        assert len(stored) == len(text[0]) * 3 // 4  # base64's quarter saved
        assert simhash == "(" + ", ".join(str(int(c)) for c in fingerprint.simhash_cube(items)) + ")"

    # a noisy copy's nearest neighbour by simhash is its own fingerprint
    query = synthetic.noisy_query(rng, prints[7], flip_probability=0.01)
    with schema_conn.transaction():
        schema_conn.execute("SET LOCAL enable_seqscan = off")
        nearest = schema_conn.execute(
            "SELECT fingerprint_id FROM fingerprint_data"
            " ORDER BY simhash <-> acoustid_simhash_cube(%s) LIMIT 1",
            [query],
        ).fetchone()
    assert nearest == (ids[7],)

    # new items rewrite the data; a deleted fingerprint takes its data with it
    schema_conn.execute("UPDATE fingerprint SET fingerprint = %s WHERE id = %s", [prints[0], ids[1]])
    row = schema_conn.execute(
        "SELECT fingerprint FROM fingerprint_data WHERE fingerprint_id = %s", [ids[1]]
    ).fetchone()
    assert row == (fingerprint.compressed_bytes(prints[0]),)
    schema_conn.execute("DELETE FROM fingerprint WHERE id = %s", [ids[2]])
    left = schema_conn.execute("SELECT count(*) FROM fingerprint_data").fetchone()
    assert left == (len(ids) - 1,)


def test_one_statement_of_many_rows_fills_them_all(schema_conn: psycopg.Connection) -> None:
    """Inserts are handled once per statement (a transition table): every row still gets its data."""
    rng = random.Random(6)
    prints = [synthetic.walk(rng, 100 + n) for n in range(50)]
    track = schema_conn.execute("INSERT INTO track DEFAULT VALUES RETURNING id").fetchone()[0]  # type: ignore[index]
    schema_conn.execute(
        "INSERT INTO fingerprint (track_id, fingerprint, length)"
        " SELECT %s, p.items, 60 FROM jsonb_array_elements(%s::jsonb) AS e,"
        " LATERAL (SELECT array_agg(x::int4) AS items FROM jsonb_array_elements_text(e) AS x) AS p",
        [track, psycopg.types.json.Jsonb(prints)],
    )
    stored = schema_conn.execute(
        "SELECT f.fingerprint, d.fingerprint, d.simhash = acoustid_simhash_cube(f.fingerprint)"
        " FROM fingerprint AS f JOIN fingerprint_data AS d ON d.fingerprint_id = f.id ORDER BY f.id"
    ).fetchall()
    assert len(stored) == len(prints)
    for (items, data, same_simhash), expected in zip(stored, prints):
        assert items == expected and data == fingerprint.compressed_bytes(expected) and same_simhash
