/*
 * test_core.c
 *		Unit tests of the pure-C core, run under AddressSanitizer and
 *		UndefinedBehaviorSanitizer by `make test`.
 *
 * The sparse compare2 is checked against the spec-literal dense version on
 * seeded random input of every shape we could think of; the codec is checked
 * by round trips and by decoding random and mutated text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acoustid_core.h"
#include "dense_compare2.h"

static int	failures = 0;
static int	checks = 0;
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

#define CHECK(cond, ...) \
	do { \
		checks++; \
		if (!(cond)) \
		{ \
			failures++; \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
		} \
	} while (0)

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t) (rng_state >> 16);
}

static uint32_t
rnd_below(uint32_t n)
{
	return n == 0 ? 0 : rnd() % n;
}

/* A Chromaprint-like random walk: each item flips 0..6 bits of the last. */
static void
random_walk(int32_t *out, size_t n)
{
	uint32_t	x = rnd();
	size_t		i;

	for (i = 0; i < n; i++)
	{
		int			flips = (int) rnd_below(7);

		while (flips-- > 0)
			x ^= UINT32_C(1) << rnd_below(32);
		out[i] = (int32_t) x;
	}
}

/* Shapes that stress the quirks: few values, silence, keys 8191 and 16383. */
static void
random_shape(int32_t *out, size_t n, int shape)
{
	size_t		i;

	random_walk(out, n);
	for (i = 0; i < n; i++)
	{
		switch (shape)
		{
			case 1:				/* low diversity */
				out[i] = (int32_t) (rnd_below(5) << 28 | rnd_below(3));
				break;
			case 2:				/* silence-heavy */
				if (rnd_below(3) != 0)
					out[i] = ACOUSTID_SILENCE;
				break;
			case 3:				/* keys 8191 and 16383 sprinkled in */
				if (rnd_below(4) == 0)
					out[i] = (int32_t) ((rnd_below(2) ? UINT32_C(0xFFFC0000) : UINT32_C(0x7FFC0000)) | rnd_below(1 << 18));
				break;
			default:
				break;
		}
	}
}

/* b = a with a trimmed start, bit noise, and maybe a tail cut. */
static void
make_variant(const int32_t *a, size_t an, int32_t *b, size_t *bn)
{
	size_t		drop = rnd_below(12);
	size_t		i;

	if (drop > an)
		drop = an;
	*bn = an - drop - rnd_below((uint32_t) (an - drop) / 4 + 1);
	for (i = 0; i < *bn; i++)
	{
		uint32_t	x = (uint32_t) a[i + drop];
		int			bit;

		for (bit = 0; bit < 32; bit++)
			if (rnd_below(100) < 3)
				x ^= UINT32_C(1) << bit;
		b[i] = (int32_t) x;
	}
}

static void
test_compare2_matches_dense(void)
{
	static acoustid_workspace ws;
	static const int32_t offsets[] = {0, 80, 1, 5, -1, -80, 1000, 2147483647, -2147483647 - 1};
	enum
	{
	MAXN = 1300};
	int32_t    *a = malloc(MAXN * sizeof(int32_t));
	int32_t    *b = malloc(MAXN * sizeof(int32_t));
	int			round;
	int			mismatches = 0;

	for (round = 0; round < 6000; round++)
	{
		size_t		an = rnd_below(round % 7 == 0 ? 8 : MAXN) + (round % 5 == 0 ? 0 : 1);
		size_t		bn;
		size_t		k;
		int			shape = (int) rnd_below(4);

		random_shape(a, an, shape);
		if (rnd_below(2))
			make_variant(a, an, b, &bn);
		else
		{
			bn = rnd_below(MAXN);
			random_shape(b, bn, shape);
		}
		for (k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++)
		{
			float		fast = acoustid_core_compare2(a, an, b, bn, offsets[k], &ws);
			float		slow = dense_compare2(a, (int) an, b, (int) bn, offsets[k]);
			float		plain;

			/* the same pair on the portable path: the same bits, whatever the CPU */
			acoustid_core_force_portable(1);
			plain = acoustid_core_compare2(a, an, b, bn, offsets[k], &ws);
			acoustid_core_force_portable(0);
			if (memcmp(&fast, &slow, sizeof(float)) != 0 || memcmp(&fast, &plain, sizeof(float)) != 0)
			{
				if (mismatches++ < 5)
					fprintf(stderr, "compare2 round %d shape %d sizes %zu/%zu maxoffset %d: sparse %.9g portable %.9g dense %.9g\n",
							round, shape, an, bn, offsets[k], fast, plain, slow);
			}
		}
	}
	CHECK(mismatches == 0, "%d compare2 results differ from the dense reference", mismatches);
	free(a);
	free(b);
}

/* compare2 on both paths against the dense reference; returns 1 when all agree. */
static int
compare2_agrees(const int32_t *a, size_t an, const int32_t *b, size_t bn,
				int32_t maxoffset, acoustid_workspace *ws)
{
	float		fast = acoustid_core_compare2(a, an, b, bn, maxoffset, ws);
	float		slow = dense_compare2(a, (int) an, b, (int) bn, maxoffset);
	float		plain;

	acoustid_core_force_portable(1);
	plain = acoustid_core_compare2(a, an, b, bn, maxoffset, ws);
	acoustid_core_force_portable(0);
	return memcmp(&fast, &slow, sizeof(float)) == 0 && memcmp(&plain, &slow, sizeof(float)) == 0;
}

/*
 * Tied offsets: short arrays over a handful of keys give several offsets the
 * same vote count, and the reference's key order must pick among them.
 */
static void
test_compare2_ties(void)
{
	static acoustid_workspace ws;
	int32_t		a[48];
	int32_t		b[48];
	int			round;
	int			mismatches = 0;

	for (round = 0; round < 20000; round++)
	{
		size_t		an = rnd_below(47) + 2;
		size_t		bn = rnd_below(47) + 2;
		uint32_t	keys = rnd_below(12) + 2;
		int32_t		maxoffset = (int32_t) rnd_below(50) + 1;
		size_t		i;

		for (i = 0; i < an; i++)
			a[i] = (int32_t) (rnd_below(keys) * 1300u << 18 | rnd_below(1 << 18));
		for (i = 0; i < bn; i++)
			b[i] = (int32_t) (rnd_below(keys) * 1300u << 18 | rnd_below(1 << 18));
		if (!compare2_agrees(a, an, b, bn, maxoffset, &ws) && mismatches++ < 5)
			fprintf(stderr, "compare2 tie round %d sizes %zu/%zu maxoffset %d differs\n",
					round, an, bn, maxoffset);
	}
	CHECK(mismatches == 0, "%d tied compare2 results differ from the dense reference", mismatches);
}

/*
 * Where the short path ends: 65,535 items (the longest it takes, and the
 * longest the dense reference's 16-bit positions hold) and maxoffset 16,383
 * against 16,384 (the general path), with the quirk keys sprinkled in.
 */
static void
test_compare2_short_path_edges(void)
{
	static acoustid_workspace ws;
	static const int32_t offsets[] = {1, 80, 16383, 16384};
	static const size_t lengths[] = {65535, 20000, 17};
	int32_t    *a = malloc(65535 * sizeof(int32_t));
	int32_t    *b = malloc(65535 * sizeof(int32_t));
	size_t		n;
	size_t		k;
	size_t		bn;

	for (n = 0; n < sizeof(lengths) / sizeof(lengths[0]); n++)
		for (k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++)
		{
			random_shape(a, lengths[n], (int) (k % 2) * 3);
			make_variant(a, lengths[n], b, &bn);
			CHECK(compare2_agrees(a, lengths[n], b, bn, offsets[k], &ws),
				  "variant of %zu items, maxoffset %d", lengths[n], offsets[k]);
			random_shape(b, lengths[n], 3);
			CHECK(compare2_agrees(a, lengths[n], b, lengths[n], offsets[k], &ws),
				  "unrelated %zu items, maxoffset %d", lengths[n], offsets[k]);
		}
	free(a);
	free(b);
}

/* Both bit-error paths against a popcount an item at a time, on lengths around the vector width. */
static void
test_bit_errors_paths(void)
{
	enum
	{
	MAXN = 200};
	int32_t    *a = malloc(MAXN * sizeof(int32_t));
	int32_t    *b = malloc(MAXN * sizeof(int32_t));
	int			round;

	printf("# bit_errors: %s path on this CPU\n", acoustid_core_simd_path() ? "AVX-512" : "plain");
	for (round = 0; round < 2000; round++)
	{
		size_t		n = rnd_below(MAXN);
		size_t		i;
		int64_t		expected = 0;
		int64_t		chosen;
		int64_t		plain;

		for (i = 0; i < n; i++)
		{
			a[i] = (int32_t) rnd();
			b[i] = round % 3 == 0 ? a[i] : (int32_t) rnd();
			expected += __builtin_popcount((uint32_t) a[i] ^ (uint32_t) b[i]);
		}
		chosen = acoustid_core_bit_errors(a, b, n);
		acoustid_core_force_portable(1);
		CHECK(!acoustid_core_simd_path(), "forced portable");
		plain = acoustid_core_bit_errors(a, b, n);
		acoustid_core_force_portable(0);
		CHECK(chosen == expected && plain == expected, "bit errors n=%zu: %lld, plain %lld, expected %lld",
			  n, (long long) chosen, (long long) plain, (long long) expected);
	}
	free(a);
	free(b);
}

static void
test_compare2_known_values(void)
{
	static acoustid_workspace ws;
	int32_t		fp[950];
	int32_t		two[2] = {1, 2};

	random_walk(fp, 950);
	CHECK(acoustid_core_compare2(fp, 950, fp, 950, 80, &ws) == 1.0f, "self score is 1");
	CHECK(acoustid_core_compare2(fp, 950, fp, 0, 80, &ws) == 0.0f, "empty scores 0");
	CHECK(acoustid_core_compare2(two, 1, two, 1, 0, &ws) == 0.0f, "one item scores 0");
	CHECK(acoustid_core_compare2(fp, 950, fp, 950, -1, &ws) == 0.0f, "negative maxoffset skips all votes");
}

static void
test_compare2_long_arrays(void)
{
	static acoustid_workspace ws;
	size_t		n = 200000;
	int32_t    *a = malloc(n * sizeof(int32_t));
	int32_t    *b = malloc(n * sizeof(int32_t));
	float		score;

	random_walk(a, n);
	memcpy(b, a + 7, (n - 7) * sizeof(int32_t));
	score = acoustid_core_compare2(a, n, b, n - 7, 0, &ws);
	CHECK(score > 0.99f, "long arrays align on the true offset (score %g)", score);
	random_walk(b, n);
	score = acoustid_core_compare2(a, n, b, n, 0, &ws);
	CHECK(score >= 0.0f && score <= 1.0f, "long unrelated arrays give a sane score (%g)", score);
	free(a);
	free(b);
}

static void
test_compare_and_compare3(void)
{
	int32_t		fp[300];
	int64_t    *counts = calloc(acoustid_core_compare3_counts_size(300, 300), sizeof(int64_t));
	float		score = -1.0f;

	random_walk(fp, 300);
	CHECK(acoustid_core_compare(fp, 300, fp, 300) == 1.0f, "compare self is 1");
	CHECK(acoustid_core_compare(fp, 300, fp, 0) == 0.0f, "compare empty is 0");
	CHECK(acoustid_core_compare3(fp, 300, fp, 300, -1, counts, &score) == ACOUSTID_OK && score == 1.0f,
		  "compare3 self is 1 (%g)", score);
	memset(counts, 0, acoustid_core_compare3_counts_size(300, 300) * sizeof(int64_t));
	CHECK(acoustid_core_compare3(fp, 300, fp, 300, 0, counts, &score) == ACOUSTID_OK && score == 0.0f,
		  "compare3 maxoffset 0 is 0");
	CHECK(acoustid_core_compare3(fp, 100000, fp, 100000, -1, counts, &score) == ACOUSTID_ERR_TOO_MUCH_WORK,
		  "compare3 refuses 1e10 pairs");
	free(counts);
}

static void
test_extract_query(void)
{
	int32_t		fp[400];
	int32_t		query[ACOUSTID_QUERY_LENGTH];
	int32_t		silence[3] = {ACOUSTID_SILENCE, ACOUSTID_SILENCE, ACOUSTID_SILENCE};
	size_t		n,
				i;

	CHECK(acoustid_core_extract_query(silence, 3, query) == 0, "all silence gives no terms");
	for (i = 0; i < 400; i++)
		fp[i] = (int32_t) (i << 4);
	n = acoustid_core_extract_query(fp, 400, query);
	CHECK(n == 120 && query[0] == 80 << 4, "long prints start at 80 (%zu, %d)", n, query[0]);
	n = acoustid_core_extract_query(fp, 150, query);
	CHECK(n == 120 && query[0] == 30 << 4, "start is clean count - 120");
	fp[0] = 0x12345678;
	fp[1] = 0x1234567F;
	n = acoustid_core_extract_query(fp, 2, query);
	CHECK(n == 1 && query[0] == 0x12345670, "masked duplicates are dropped");
}

/* extract_query as the spec words it: each term compared with every term already taken. */
static size_t
literal_extract_query(const int32_t *fp, size_t size, int32_t *query)
{
	size_t		clean = 0;
	size_t		start;
	size_t		nterms = 0;
	size_t		i;

	for (i = 0; i < size; i++)
		clean += fp[i] != ACOUSTID_SILENCE;
	if (clean == 0)
		return 0;
	start = clean > ACOUSTID_QUERY_LENGTH ? clean - ACOUSTID_QUERY_LENGTH : 0;
	if (start > 80)
		start = 80;
	for (i = start; i < size && nterms < ACOUSTID_QUERY_LENGTH; i++)
	{
		int32_t		term = (int32_t) ((uint32_t) fp[i] & 0xFFFFFFF0u);
		size_t		k;

		if (fp[i] == ACOUSTID_SILENCE)
			continue;
		for (k = 0; k < nterms && query[k] != term; k++)
			;
		if (k == nterms)
			query[nterms++] = term;
	}
	return nterms;
}

/*
 * The hash set of taken terms against the literal version, on shapes that
 * stress it: few distinct values (long probe runs), terms that share their
 * hash's top bits, silence, the all-ones and zero items, and random walks.
 */
static void
test_extract_query_matches_literal(void)
{
	int32_t		fp[1200];
	int32_t		got[ACOUSTID_QUERY_LENGTH];
	int32_t		want[ACOUSTID_QUERY_LENGTH];
	int			mismatches = 0;
	int			round;

	for (round = 0; round < 3000; round++)
	{
		size_t		size = 1 + rnd_below(1200);
		uint32_t	values = 1 + rnd_below(round % 3 == 0 ? 300 : 1u << 20);
		uint32_t	walk = rnd();
		size_t		i,
					ngot,
					nwant;

		for (i = 0; i < size; i++)
		{
			switch (round % 5)
			{
				case 0:			/* few values, spread: many repeats */
					fp[i] = (int32_t) (rnd_below(values) * 0x10001u);
					break;
				case 1:			/* values 2^24 apart: equal low hash bits */
					fp[i] = (int32_t) (rnd_below(256) << 24 | rnd_below(16));
					break;
				case 2:			/* silence, zero and all ones among walk items */
					walk ^= UINT32_C(1) << rnd_below(32);
					fp[i] = rnd_below(4) == 0 ? ACOUSTID_SILENCE :
						rnd_below(4) == 0 ? (int32_t) rnd_below(2) * -1 : (int32_t) walk;
					break;
				default:		/* a Chromaprint-like walk */
					walk ^= UINT32_C(1) << rnd_below(32);
					fp[i] = (int32_t) walk;
					break;
			}
		}
		ngot = acoustid_core_extract_query(fp, size, got);
		nwant = literal_extract_query(fp, size, want);
		if (ngot != nwant || memcmp(got, want, nwant * sizeof(int32_t)) != 0)
			mismatches++;
	}
	CHECK(mismatches == 0, "%d of 3000 queries differ from the literal version", mismatches);
}

/* The simhash a bit at a time, as the spec words it, to check the byte-lane counters against. */
static int32_t
bitwise_simhash(const int32_t *fp, size_t size)
{
	uint32_t	hash = 0;
	int			bit;

	for (bit = 0; bit < 32; bit++)
	{
		size_t		ones = 0;
		size_t		i;

		for (i = 0; i < size; i++)
			ones += ((uint32_t) fp[i] >> bit) & 1;
		if (ones > size / 2)
			hash |= UINT32_C(1) << bit;
	}
	return (int32_t) hash;
}

static void
test_simhash_matches_bitwise(void)
{
	enum
	{
	MAXN = 2000};
	int32_t    *items = malloc(MAXN * sizeof(int32_t));
	int			round;

	for (round = 0; round < 300; round++)
	{
		/* lengths around the 255-item lane flush, and long ones */
		size_t		n = round < 40 ? (size_t) (250 + round % 12) + 255 * (size_t) (round / 12) : rnd_below(MAXN);
		size_t		i;

		random_shape(items, n, (int) rnd_below(4));
		if (round % 3 == 0)
			for (i = 0; i < n; i++)
				items[i] = round % 2 ? -1 : (int32_t) rnd();
		CHECK(acoustid_core_simhash(items, n) == bitwise_simhash(items, n), "simhash (n=%zu)", n);
	}
	free(items);
}

static void
test_simhash(void)
{
	int32_t		items[3] = {1, 3, -1};

	CHECK(acoustid_core_simhash(items, 0) == 0, "empty simhash is 0");
	CHECK(acoustid_core_simhash(items, 3) == 3, "majority bits (%d)", acoustid_core_simhash(items, 3));
	CHECK(acoustid_core_simhash(items, 2) == 1, "ties are not a majority");
	test_simhash_matches_bitwise();
}

/* URL-safe base64 without padding, written independently of the codec's. */
static size_t
url_base64(const unsigned char *bytes, size_t n, char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t		len = 0;
	size_t		i;

	for (i = 0; i < n; i += 3)
	{
		uint32_t	group = (uint32_t) bytes[i] << 16;
		size_t		have = n - i < 3 ? n - i : 3;
		size_t		k;

		if (have > 1)
			group |= (uint32_t) bytes[i + 1] << 8;
		if (have > 2)
			group |= bytes[i + 2];
		for (k = 0; k < have + 1; k++)
			out[len++] = alphabet[(group >> (18 - 6 * k)) & 63];
	}
	return len;
}

static void
test_codec_round_trip(void)
{
	enum
	{
	MAXN = 2000};
	int32_t    *items = malloc(MAXN * sizeof(int32_t));
	int32_t    *back = malloc(MAXN * sizeof(int32_t));
	char	   *text = malloc(acoustid_core_encoded_size_bound(MAXN) + 1);
	unsigned char *raw = malloc(acoustid_core_encoded_bytes_bound(MAXN));
	char	   *text64 = malloc(acoustid_core_encoded_size_bound(MAXN) + 4);
	int			round;

	for (round = 0; round < 500; round++)
	{
		size_t		n = rnd_below(MAXN);
		size_t		len;
		size_t		raw_len;
		size_t		count = 0;
		int			algorithm = -1;
		size_t		i;

		random_shape(items, n, (int) rnd_below(4));
		if (round % 10 == 0)
			for (i = 0; i < n; i++)
				items[i] = (int32_t) rnd();
		CHECK(acoustid_core_encode(items, n, round % 3, text, &len) == ACOUSTID_OK, "encode");
		CHECK(len <= acoustid_core_encoded_size_bound(n), "size bound holds");
		CHECK(acoustid_core_decode_header(text, len, &algorithm, &count) == ACOUSTID_OK &&
			  count == n && algorithm == round % 3, "header round trip");
		CHECK(acoustid_core_decode(text, len, back, count) == ACOUSTID_OK &&
			  memcmp(items, back, n * sizeof(int32_t)) == 0, "items round trip (n=%zu)", n);
		CHECK(acoustid_core_encode_bytes(items, n, round % 3, raw, &raw_len) == ACOUSTID_OK &&
			  raw_len <= acoustid_core_encoded_bytes_bound(n), "encode bytes");
		CHECK(url_base64(raw, raw_len, text64) == len && memcmp(text64, text, len) == 0,
			  "the bytes are the string without its base64 (n=%zu)", n);
	}
	free(items);
	free(back);
	free(text);
	free(raw);
	free(text64);
}

/* Decodes text the way a front end does; returns the status. */
static acoustid_status
decode_any(const char *text, size_t len)
{
	int			algorithm;
	size_t		count;
	int32_t    *items;
	acoustid_status status = acoustid_core_decode_header(text, len, &algorithm, &count);

	if (status != ACOUSTID_OK)
		return status;
	items = malloc((count ? count : 1) * sizeof(int32_t));
	status = acoustid_core_decode(text, len, items, count);
	free(items);
	return status;
}

static void
test_codec_hostile(void)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	int32_t		items[500];
	char		good[4096];
	char		text[4096];
	size_t		len;
	int			round;
	long		errors = 0;

	CHECK(decode_any("AQA", 3) == ACOUSTID_ERR_SHORT_HEADER, "short header");
	CHECK(decode_any("AQAAAA", 6) == ACOUSTID_OK, "zero items");
	CHECK(decode_any("AQAAA", 5) == ACOUSTID_ERR_BAD_LENGTH, "length 5");
	CHECK(decode_any("AQ=AAA", 6) == ACOUSTID_ERR_BAD_CHARACTER, "padding is refused");
	CHECK(decode_any("AP___w", 6) == ACOUSTID_ERR_MISSING_ZEROS, "huge count, no body");

	random_walk(items, 500);
	acoustid_core_encode(items, 500, 1, good, &len);
	for (round = 0; round < 20000; round++)
	{
		size_t		n = len;
		int			edits = (int) rnd_below(4) + 1;

		memcpy(text, good, len);
		if (round % 4 == 0)
			n = rnd_below((uint32_t) len + 1);	/* truncation */
		while (edits-- > 0 && n > 0)
			text[rnd_below((uint32_t) n)] = alphabet[rnd_below(64)];
		if (round % 50 == 0)
			for (n = 0; n < 200; n++)
				text[n] = alphabet[rnd_below(64)];
		if (decode_any(text, n) != ACOUSTID_OK)
			errors++;
	}
	CHECK(errors > 0, "some mutated strings are refused");
	CHECK(decode_any("_____________", 12) != ACOUSTID_OK, "all-ones text is refused");
}

static int
compare_int32(const void *x, const void *y)
{
	int32_t		a = *(const int32_t *) x;
	int32_t		b = *(const int32_t *) y;

	return (a > b) - (a < b);
}

/* The hash-set count agrees with sorting, on walks, few values, 0 and -1. */
static void
test_distinct_items(void)
{
	static int32_t fp[4096];
	static int32_t sorted[4096];
	static uint32_t table[8192];
	int			round;
	int			mismatches = 0;

	for (round = 0; round < 2000; round++)
	{
		size_t		n = rnd_below(4096);
		size_t		expected = 0;
		size_t		size = acoustid_core_distinct_table_size(n);
		size_t		i;

		if (round % 3 == 0)
			random_walk(fp, n);
		else
			for (i = 0; i < n; i++)
				fp[i] = (int32_t) rnd_below(round % 3 == 1 ? 5 : 300) - 2;	/* -2 .. */
		memcpy(sorted, fp, n * sizeof(int32_t));
		qsort(sorted, n, sizeof(int32_t), compare_int32);
		for (i = 0; i < n; i++)
			expected += i == 0 || sorted[i] != sorted[i - 1];
		memset(table, 0, sizeof(table));
		if (size > 8192 || acoustid_core_distinct_items(fp, n, table, size) != expected)
			mismatches++;
	}
	CHECK(mismatches == 0, "%d distinct counts differ from sorting", mismatches);
	CHECK(acoustid_core_distinct_table_size(0) == 16 && acoustid_core_distinct_table_size(950) == 2048,
		  "table sizes are powers of two at least twice the count");
}

int
main(void)
{
	test_compare2_known_values();
	test_compare2_matches_dense();
	test_compare2_ties();
	test_compare2_short_path_edges();
	test_bit_errors_paths();
	test_compare2_long_arrays();
	test_compare_and_compare3();
	test_extract_query();
	test_simhash();
	test_codec_round_trip();
	test_codec_hostile();
	test_distinct_items();
	test_extract_query_matches_literal();
	printf("%d passed, %d failed\n", checks - failures, failures);
	return failures == 0 ? 0 : 1;
}
