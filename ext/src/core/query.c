/*
 * query.c
 *		acoustid_extract_query: the index terms of a fingerprint.
 */
#include "acoustid_core.h"

/* Terms are taken from this raw position on (when the print is long). */
#define QUERY_START 80
/* Terms keep the top 28 bits of an item. */
#define QUERY_MASK UINT32_C(0xFFFFFFF0)

size_t
acoustid_core_extract_query(const int32_t *fp, size_t size, int32_t *query)
{
	size_t		clean = 0;
	size_t		start;
	size_t		nterms = 0;
	size_t		i;

	for (i = 0; i < size; i++)
	{
		if (fp[i] != ACOUSTID_SILENCE)
			clean++;
	}
	if (clean == 0)
		return 0;

	/* the start is derived from the clean count but applied to raw positions */
	start = clean > ACOUSTID_QUERY_LENGTH ? clean - ACOUSTID_QUERY_LENGTH : 0;
	if (start > QUERY_START)
		start = QUERY_START;

	for (i = start; i < size && nterms < ACOUSTID_QUERY_LENGTH; i++)
	{
		int32_t		term = (int32_t) ((uint32_t) fp[i] & QUERY_MASK);
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
