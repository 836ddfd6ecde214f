/*
 * compare2_parts.h
 *		The steps of compare2 that both of its implementations share (the
 *		general one in compare2.c and the one for short arrays and bounded
 *		offsets in compare2_short.c).  Internal to the core.
 */
#ifndef ACOUSTID_COMPARE2_PARTS_H
#define ACOUSTID_COMPARE2_PARTS_H

#include "acoustid_core.h"

#define ACOUSTID_KEY_OF(x) ((uint32_t) (x) >> (32 - ACOUSTID_KEY_BITS))

/* The reference's key walk stops before the last key: it never votes. */
#define ACOUSTID_UNWALKED_KEY (ACOUSTID_KEY_COUNT - 1)

/*
 * Key whose stale position byte leaks into the reference's "seen" flag for
 * the unwalked key (the byte table shares memory with a's 16-bit positions).
 */
#define ACOUSTID_ALIASED_KEY (ACOUSTID_KEY_COUNT / 2 - 1)

/*
 * Where the aligned runs start once the winning offset is known (steps 3-4).
 * Returns 0 when they leave nothing to compare, and the score is then 0.
 */
extern int	acoustid_compare2_align(size_t asize, size_t bsize, int64_t topoffset,
									size_t *a_start, size_t *b_start);

/*
 * Steps 5-7 from the distinct key counts of the aligned runs: the
 * reference's quirk for the unwalked key (stale: a's position of the aliased
 * key leaks into its flag; a_has_last_key, b_has_last_key: the unwalked key
 * occurs in the aligned run), diversity, the vote threshold, and the bit
 * errors.
 */
extern float acoustid_compare2_score(const int32_t *a, size_t asize,
									 const int32_t *b, size_t bsize,
									 size_t a_start, size_t b_start,
									 uint32_t topcount, int auniq, int buniq,
									 int stale, int a_has_last_key,
									 int b_has_last_key);

/*
 * compare2 when both arrays are shorter than ACOUSTID_SHORT_ITEMS items and
 * 0 < maxoffset < ACOUSTID_KEY_COUNT: AcoustID's case.
 */
extern float acoustid_compare2_short(const int32_t *a, size_t asize,
									 const int32_t *b, size_t bsize,
									 int32_t maxoffset, acoustid_workspace *ws);

#endif							/* ACOUSTID_COMPARE2_PARTS_H */
