/*
 * compare.c
 *		acoustid_compare and acoustid_compare3: the older, exhaustive scorers
 *		that count matching item pairs per alignment offset.
 */
#include <string.h>

#include "acoustid_core.h"

/* acoustid_compare counts pairs at most this far apart ... */
#define COMPARE_MAX_ALIGN_OFFSET 120
/* ... that differ in at most this many bits. */
#define COMPARE_MAX_BIT_ERROR 2

/* Rows of the pair matrix between two calls of the interrupt hook. */
#define ROWS_PER_CHECK 1024

void		(*acoustid_interrupt_hook) (void) = NULL;

static inline void
check_interrupts(size_t row)
{
	if (acoustid_interrupt_hook != NULL && row % ROWS_PER_CHECK == 0)
		acoustid_interrupt_hook();
}

ACOUSTID_POPCNT_CLONES
float
acoustid_core_compare(const int32_t *a, size_t asize,
				 const int32_t *b, size_t bsize)
{
	/* offsets i - j lie in [-119, 120]; tally them at i - j + 120 */
	int			counts[2 * COMPARE_MAX_ALIGN_OFFSET + 1];
	int			topcount = 0;
	int			minsize;
	size_t		i;
	size_t		j;

	if (asize == 0 || bsize == 0)
		return 0.0f;

	memset(counts, 0, sizeof(counts));
	for (i = 0; i < asize; i++)
	{
		size_t		jbegin = i > COMPARE_MAX_ALIGN_OFFSET ? i - COMPARE_MAX_ALIGN_OFFSET : 0;
		size_t		jend = i + COMPARE_MAX_ALIGN_OFFSET < bsize ? i + COMPARE_MAX_ALIGN_OFFSET : bsize;

		check_interrupts(i);
		for (j = jbegin; j < jend; j++)
		{
			if (__builtin_popcount((uint32_t) a[i] ^ (uint32_t) b[j]) <= COMPARE_MAX_BIT_ERROR)
				counts[i - j + COMPARE_MAX_ALIGN_OFFSET]++;
		}
	}
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
	{
		if (counts[i] > topcount)
			topcount = counts[i];
	}
	minsize = (int) (asize < bsize ? asize : bsize);
	return (float) topcount / minsize;
}

size_t
acoustid_core_compare3_counts_size(size_t asize, size_t bsize)
{
	return asize + bsize + 1;
}

int64_t
acoustid_core_compare3_pairs(size_t asize, size_t bsize, int32_t maxoffset)
{
	int64_t		width = (int64_t) bsize;

	if (maxoffset > -1 && 2 * (int64_t) maxoffset < width)
		width = 2 * (int64_t) maxoffset;
	return (int64_t) asize * width;
}

ACOUSTID_POPCNT_CLONES
acoustid_status
acoustid_core_compare3(const int32_t *a, size_t asize,
				  const int32_t *b, size_t bsize,
				  int32_t maxoffset, int64_t *counts, float *score)
{
	int64_t		topcount = 0;
	size_t		ncounts = acoustid_core_compare3_counts_size(asize, bsize);
	size_t		i;

	*score = 0.0f;
	if (asize == 0 || bsize == 0)
		return ACOUSTID_OK;
	if (acoustid_core_compare3_pairs(asize, bsize, maxoffset) > ACOUSTID_COMPARE3_MAX_PAIRS)
		return ACOUSTID_ERR_TOO_MUCH_WORK;

	for (i = 0; i < asize; i++)
	{
		int64_t		jbegin = 0;
		int64_t		jend = (int64_t) bsize;
		int64_t		j;

		if (maxoffset > -1)
		{
			jbegin = (int64_t) i - maxoffset;
			if (jbegin < 0)
				jbegin = 0;
			if ((int64_t) i + maxoffset < jend)
				jend = (int64_t) i + maxoffset;
		}
		check_interrupts(i);
		for (j = jbegin; j < jend; j++)
		{
			/* random items share about half their bits: count only closer */
			int			biterror = __builtin_popcount((uint32_t) a[i] ^ (uint32_t) b[j]);

			if (biterror < 16)
				counts[(int64_t) i - j + (int64_t) bsize] += 16 - biterror;
		}
	}
	for (i = 0; i < ncounts; i++)
	{
		if (counts[i] > topcount)
			topcount = counts[i];
	}
	*score = (float) topcount / (16.0 * (int) (asize < bsize ? asize : bsize));
	return ACOUSTID_OK;
}
