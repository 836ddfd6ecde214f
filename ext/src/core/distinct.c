/*
 * distinct.c
 *		Counting the distinct items of a fingerprint.
 *
 * The import refuses fingerprints with too few distinct items.  Sorting a
 * copy (intarray's sort and uniq) costs about 80 microseconds for 950
 * items; an open-addressing hash set over a zeroed table costs a few.
 */
#include "acoustid_core.h"

/* Knuth's multiplicative constant: spreads consecutive items apart. */
#define DISTINCT_HASH_MULTIPLIER 0x9E3779B1u

size_t
acoustid_core_distinct_table_size(size_t count)
{
	size_t		size = 16;

	while (size < 2 * count)
		size *= 2;
	return size;
}

/*
 * table must hold acoustid_core_distinct_table_size(count) zeroed entries.
 * An entry holds item + 1 (so that zero means "empty"), and item -1, whose
 * entry would be zero too, is counted apart.
 */
size_t
acoustid_core_distinct_items(const int32_t *items, size_t count,
							 uint32_t *table, size_t table_size)
{
	size_t		distinct = 0;
	size_t		mask = table_size - 1;
	int			seen_minus_one = 0;
	size_t		i;

	for (i = 0; i < count; i++)
	{
		uint32_t	entry = (uint32_t) items[i] + 1;
		size_t		slot;

		if (entry == 0)
		{
			distinct += !seen_minus_one;
			seen_minus_one = 1;
			continue;
		}
		slot = (size_t) ((entry * DISTINCT_HASH_MULTIPLIER) & mask);
		while (table[slot] != 0 && table[slot] != entry)
			slot = (slot + 1) & mask;
		if (table[slot] == 0)
		{
			table[slot] = entry;
			distinct++;
		}
	}
	return distinct;
}
