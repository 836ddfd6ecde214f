/*
 * simhash.c
 *		acoustid_simhash: a 32-bit majority vote over a fingerprint's items,
 *		so that near-identical fingerprints share (most of) one hash.
 */
#include "acoustid_core.h"

/*
 * Bits are counted eight at a time: lanes[b] holds four byte-wide counters,
 * of bits b, b + 8, b + 16 and b + 24, emptied into the totals every 255
 * items before a byte can overflow (a bit at a time took ~30 us for 950 items,
 * a third of a bulk load's client time).
 */
#define LANE_ITEMS 255

int32_t
acoustid_core_simhash(const int32_t *fp, size_t size)
{
	size_t		ones[ACOUSTID_SIMHASH_BITS] = {0};
	uint32_t	hash = 0;
	size_t		i = 0;
	int			bit;

	while (i < size)
	{
		uint32_t	lanes[8] = {0};
		size_t		stop = size - i > LANE_ITEMS ? i + LANE_ITEMS : size;
		int			b;

		for (; i < stop; i++)
		{
			uint32_t	item = (uint32_t) fp[i];

			for (b = 0; b < 8; b++)
				lanes[b] += (item >> b) & UINT32_C(0x01010101);
		}
		for (b = 0; b < 8; b++)
		{
			ones[b] += lanes[b] & 0xFF;
			ones[b + 8] += (lanes[b] >> 8) & 0xFF;
			ones[b + 16] += (lanes[b] >> 16) & 0xFF;
			ones[b + 24] += lanes[b] >> 24;
		}
	}
	for (bit = 0; bit < ACOUSTID_SIMHASH_BITS; bit++)
	{
		if (ones[bit] > size / 2)
			hash |= UINT32_C(1) << bit;
	}
	return (int32_t) hash;
}
