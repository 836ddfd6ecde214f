/*
 * simhash.c
 *		acoustid_simhash: a 32-bit majority vote over a fingerprint's items,
 *		so that near-identical fingerprints share (most of) one hash.
 */
#include "acoustid_core.h"

int32_t
acoustid_core_simhash(const int32_t *fp, size_t size)
{
	size_t		ones[32] = {0};
	uint32_t	hash = 0;
	size_t		i;
	int			bit;

	for (i = 0; i < size; i++)
	{
		uint32_t	item = (uint32_t) fp[i];

		for (bit = 0; bit < 32; bit++)
			ones[bit] += (item >> bit) & 1;
	}
	for (bit = 0; bit < 32; bit++)
	{
		if (ones[bit] > size / 2)
			hash |= UINT32_C(1) << bit;
	}
	return (int32_t) hash;
}
