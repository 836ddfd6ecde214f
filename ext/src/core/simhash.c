/*
 * simhash.c
 *		acoustid_simhash: a 32-bit majority vote over a fingerprint's items,
 *		so that near-identical fingerprints share (most of) one hash.
 */
#include "acoustid_core.h"

int32_t
acoustid_core_simhash(const int32_t *fp, size_t size)
{
	size_t		ones[ACOUSTID_SIMHASH_BITS] = {0};
	uint32_t	hash = 0;
	size_t		i;
	int			bit;

	for (i = 0; i < size; i++)
	{
		uint32_t	item = (uint32_t) fp[i];

		for (bit = 0; bit < ACOUSTID_SIMHASH_BITS; bit++)
			ones[bit] += (item >> bit) & 1;
	}
	for (bit = 0; bit < ACOUSTID_SIMHASH_BITS; bit++)
	{
		if (ones[bit] > size / 2)
			hash |= UINT32_C(1) << bit;
	}
	return (int32_t) hash;
}
