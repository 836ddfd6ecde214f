/*
 * query.c
 *		acoustid_extract_query: the index terms of a fingerprint.
 */
#include <string.h>

#include "acoustid_core.h"

/* Terms are taken from this raw position on (when the print is long). */
#define QUERY_START 80
/* Terms keep the top 28 bits of an item. */
#define QUERY_MASK UINT32_C(0xFFFFFFF0)

/*
 * Terms already taken live in an open-addressing table: comparing each new
 * term with every earlier one cost most of a call (5 us for 950 items).  A
 * slot is the top bits of a multiplicative hash (a term's low four bits are
 * always zero, so low bits would crowd a sixteenth of the table), and no term
 * has its lowest bit set, which makes all ones the empty slot.
 */
#define QUERY_TABLE_BITS 8
#define QUERY_TABLE_SIZE (1 << QUERY_TABLE_BITS)
#define QUERY_EMPTY UINT32_MAX
#define QUERY_HASH_MULTIPLIER UINT32_C(0x9E3779B1)

/* the table stays under half full */
typedef char query_table_is_large_enough[2 * ACOUSTID_QUERY_LENGTH <= QUERY_TABLE_SIZE ? 1 : -1];

size_t
acoustid_core_extract_query(const int32_t *fp, size_t size, int32_t *query)
{
	size_t		clean = 0;
	size_t		start;
	size_t		nterms = 0;
	size_t		i;
	uint32_t	taken[QUERY_TABLE_SIZE];

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

	memset(taken, 0xFF, sizeof(taken));
	for (i = start; i < size && nterms < ACOUSTID_QUERY_LENGTH; i++)
	{
		uint32_t	term = (uint32_t) fp[i] & QUERY_MASK;
		size_t		slot;

		if (fp[i] == ACOUSTID_SILENCE)
			continue;
		slot = (size_t) ((term * QUERY_HASH_MULTIPLIER) >> (32 - QUERY_TABLE_BITS));
		while (taken[slot] != QUERY_EMPTY && taken[slot] != term)
			slot = (slot + 1) & (QUERY_TABLE_SIZE - 1);
		if (taken[slot] == QUERY_EMPTY)
		{
			taken[slot] = term;
			query[nterms++] = (int32_t) term;
		}
	}
	return nterms;
}
