/*
 * dense_compare2.c
 *		A literal, table-clearing transcription of the compare2 rules in the
 *		spec (16-bit positions, a 64 KiB table, the byte table sharing memory
 *		with a's positions).  Test and benchmark use only: it is the yardstick
 *		that the sparse implementation must match bit for bit, and the
 *		"reference" speed that the benchmarks compare against.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dense_compare2.h"

#define KEY_OF(x) ((uint32_t) (x) >> 18)
#define KEY_COUNT 16384

float
dense_compare2(const int32_t *a, int asize, const int32_t *b, int bsize,
			   int maxoffset)
{
	uint16_t   *positions = calloc(2 * KEY_COUNT, sizeof(uint16_t));
	uint16_t   *apos = positions;
	uint16_t   *bpos = positions + KEY_COUNT;
	uint8_t    *seen = (uint8_t *) positions;
	unsigned short *counts = calloc((size_t) asize + bsize + 1, sizeof(unsigned short));
	int			i,
				topcount = 0,
				topoffset = 0,
				minsize,
				size,
				auniq = 0,
				buniq = 0;
	long long	biterror = 0;
	float		diversity,
				score = 0.0f;

	if (asize == 0 || bsize == 0)
		goto done;
	for (i = 0; i < asize; i++)
		apos[KEY_OF(a[i])] = (uint16_t) i;
	for (i = 0; i < bsize; i++)
		bpos[KEY_OF(b[i])] = (uint16_t) i;
	for (i = 0; i < KEY_COUNT - 1; i++)
	{
		if (apos[i] && bpos[i])
		{
			int			d = apos[i] - bpos[i];

			if (maxoffset == 0 || (-(long long) maxoffset <= d && d <= maxoffset))
			{
				d += bsize;
				if (++counts[d] > topcount)
				{
					topcount = counts[d];
					topoffset = d;
				}
			}
		}
	}
	topoffset -= bsize;
	minsize = (asize < bsize ? asize : bsize) & ~1;
	if (topoffset < 0)
	{
		b -= topoffset;
		bsize = bsize + topoffset > 0 ? bsize + topoffset : 0;
	}
	else
	{
		a += topoffset;
		asize = asize - topoffset > 0 ? asize - topoffset : 0;
	}
	size = (asize < bsize ? asize : bsize) / 2;
	if (!size || !minsize)
		goto done;
	memset(seen, 0, KEY_COUNT - 1);
	for (i = 0; i < asize; i++)
	{
		if (!seen[KEY_OF(a[i])])
		{
			auniq++;
			seen[KEY_OF(a[i])] = 1;
		}
	}
	memset(seen, 0, KEY_COUNT - 1);
	for (i = 0; i < bsize; i++)
	{
		if (!seen[KEY_OF(b[i])])
		{
			buniq++;
			seen[KEY_OF(b[i])] = 1;
		}
	}
	diversity = fmin(fmin(1.0, (float) (auniq + 10) / asize + 0.5),
					 fmin(1.0, (float) (buniq + 10) / bsize + 0.5));
	if (topcount < (auniq > buniq ? auniq : buniq) * 0.02)
		goto done;
	for (i = 0; i < size * 2; i++)
		biterror += __builtin_popcount((uint32_t) a[i] ^ (uint32_t) b[i]);
	score = (size * 2.0 / minsize) * (1.0 - 2.0 * (float) biterror / (64 * size));
	if (score < 0.0)
		score = 0.0f;
	if (diversity < 1.0)
		score = pow(score, 8.0 - 7.0 * diversity);
done:
	free(positions);
	free(counts);
	return score;
}
