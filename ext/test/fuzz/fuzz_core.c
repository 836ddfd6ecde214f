/*
 * fuzz_core.c
 *		libFuzzer harness for the pure-C core, built with AddressSanitizer and
 *		UndefinedBehaviorSanitizer.  The first input byte picks a target; the
 *		rest is a compressed string or two fingerprints.  Besides crashes and
 *		sanitizer reports it fails on broken invariants: a decoded string must
 *		re-encode to something that decodes to the same items, any items
 *		must encode (with any algorithm) and decode back unchanged, scores
 *		must lie in [0, 1], and simhash must be a majority vote (unchanged
 *		when every item is repeated, inverted when an odd count is inverted).
 */
#include <stdlib.h>
#include <string.h>

#include "acoustid_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static acoustid_workspace workspace;

static void
check(int condition)
{
	if (!condition)
		abort();
}

static void
fuzz_decode(const char *text, size_t len)
{
	int			algorithm;
	size_t		count;
	int32_t    *items;
	char	   *again;
	int32_t    *back;
	size_t		again_len;

	if (acoustid_core_decode_header(text, len, &algorithm, &count) != ACOUSTID_OK)
		return;
	items = malloc((count + 1) * sizeof(int32_t));
	if (acoustid_core_decode(text, len, items, count) == ACOUSTID_OK)
	{
		again = malloc(acoustid_core_encoded_size_bound(count) + 1);
		back = malloc((count + 1) * sizeof(int32_t));
		check(acoustid_core_encode(items, count, algorithm, again, &again_len) == ACOUSTID_OK);
		check(acoustid_core_decode(again, again_len, back, count) == ACOUSTID_OK);
		check(memcmp(items, back, count * sizeof(int32_t)) == 0);
		free(again);
		free(back);
	}
	free(items);
}

static void
fuzz_encode(const uint8_t *data, size_t size)
{
	int			algorithm = size == 0 ? 0 : data[0];
	size_t		count = size <= 1 ? 0 : (size - 1) / 4;
	int32_t    *items = malloc((count + 1) * sizeof(int32_t));
	int32_t    *back = malloc((count + 1) * sizeof(int32_t));
	char	   *text = malloc(acoustid_core_encoded_size_bound(count) + 1);
	size_t		len;
	int			decoded_algorithm;
	size_t		decoded_count;

	if (count > 0)
		memcpy(items, data + 1, count * sizeof(int32_t));
	check(acoustid_core_encode(items, count, algorithm, text, &len) == ACOUSTID_OK);
	check(len <= acoustid_core_encoded_size_bound(count));
	check(acoustid_core_decode_header(text, len, &decoded_algorithm, &decoded_count) == ACOUSTID_OK);
	check(decoded_algorithm == algorithm && decoded_count == count);
	check(acoustid_core_decode(text, len, back, count) == ACOUSTID_OK);
	check(count == 0 || memcmp(items, back, count * sizeof(int32_t)) == 0);
	{
		/* the raw bytes: within their bound, 3 bytes for every 4 characters of the string */
		unsigned char *raw = malloc(acoustid_core_encoded_bytes_bound(count));
		size_t		raw_len;

		check(acoustid_core_encode_bytes(items, count, algorithm, raw, &raw_len) == ACOUSTID_OK);
		check(raw_len <= acoustid_core_encoded_bytes_bound(count));
		check(len == raw_len / 3 * 4 + (raw_len % 3 ? raw_len % 3 + 1 : 0));
		check(raw_len == 0 || raw[0] == (unsigned char) algorithm);
		free(raw);
	}
	free(items);
	free(back);
	free(text);
}

static void
check_simhash(const int32_t *items, size_t count)
{
	int32_t    *twice = malloc((2 * count + 1) * sizeof(int32_t));
	int32_t		hash = acoustid_core_simhash(items, count);
	size_t		i;

	for (i = 0; i < count; i++)
		twice[i] = twice[count + i] = items[i];
	check(acoustid_core_simhash(twice, 2 * count) == hash);
	if (count % 2 == 1)
	{
		for (i = 0; i < count; i++)
			twice[i] = ~items[i];
		check(acoustid_core_simhash(twice, count) == ~hash);
	}
	free(twice);
}

static void
fuzz_compare(const uint8_t *data, size_t size, int which)
{
	size_t		nitems = size / 4;
	size_t		asize = nitems == 0 ? 0 : data[0] % (nitems + 1);
	int32_t    *items = malloc((nitems + 1) * sizeof(int32_t));
	int32_t		maxoffset = size >= 2 ? (int8_t) data[1] * (data[0] & 1 ? 1 : 300) : 0;
	const int32_t *a = items;
	const int32_t *b = items + asize;
	size_t		bsize = nitems - asize;
	float		score = 0.0f;
	int32_t		query[ACOUSTID_QUERY_LENGTH];
	int64_t    *counts;

	memcpy(items, data, nitems * sizeof(int32_t));
	switch (which)
	{
		case 1:
			score = acoustid_core_compare2(a, asize, b, bsize, maxoffset, &workspace);
			break;
		case 2:
			score = acoustid_core_compare(a, asize, b, bsize);
			break;
		case 3:
			counts = calloc(acoustid_core_compare3_counts_size(asize, bsize), sizeof(int64_t));
			check(acoustid_core_compare3(a, asize, b, bsize, maxoffset, counts, &score) == ACOUSTID_OK);
			free(counts);
			break;
		default:
			check(acoustid_core_extract_query(a, nitems, query) <= ACOUSTID_QUERY_LENGTH);
			check_simhash(a, nitems);
			break;
	}
	check(score >= 0.0f && score <= 1.0f);
	free(items);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 6 == 0)
		fuzz_decode((const char *) data + 1, size - 1);
	else if (data[0] % 6 == 5)
		fuzz_encode(data + 1, size - 1);
	else
		fuzz_compare(data + 1, size - 1, data[0] % 6);
	return 0;
}
