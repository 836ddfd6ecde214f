/*
 * compare2.c
 *		acoustid_compare2: AcoustID's production scorer, bit for bit.
 *
 * The reference clears a 64 KiB table and walks all 16,383 key slots on
 * every call.  AcoustID's calls (arrays under 65,536 items, maxoffset 80)
 * take the short path in compare2_short.c.  The general one here, for the
 * rest, stamps its key table with a generation number and visits only the
 * keys that occur in both fingerprints (through a 2 KiB bitmap, in
 * increasing key order), which gives the same votes in the same order and
 * therefore the same winning offset and the same float result.
 *
 * Positions are kept in 32 bits, so arrays longer than 65,535 items get the
 * true offsets instead of the reference's 16-bit wrap-around.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare2_parts.h"

size_t
acoustid_core_workspace_size(void)
{
	return sizeof(acoustid_workspace);
}

/*
 * Starts a call: returns a generation that no slot carries yet, so that
 * stamps from earlier calls read as "absent".
 */
static uint32_t
begin_generation(acoustid_workspace *ws)
{
	if (ws->generation == UINT32_MAX)
	{
		memset(ws->slot, 0, sizeof(ws->slot));
		ws->generation = 0;
	}
	return ++ws->generation;
}

static int
compare_int64(const void *x, const void *y)
{
	int64_t		a = *(const int64_t *) x;
	int64_t		b = *(const int64_t *) y;

	return (a > b) - (a < b);
}

/*
 * Picks the winning offset among nvotes votes (in walk order): the first
 * offset whose tally becomes strictly larger than every tally before it.
 * A direct tally table is used when the offsets fit in it, else a sort.
 */
static void
pick_offset(acoustid_workspace *ws, size_t nvotes, int64_t lowest,
			int64_t highest, int64_t *topoffset, uint32_t *topcount)
{
	size_t		i;

	*topcount = 0;
	*topoffset = 0;
	if (nvotes == 0)
		return;

	if (highest - lowest < 2 * ACOUSTID_KEY_COUNT)
	{
		for (i = 0; i < nvotes; i++)
		{
			uint32_t	count = ++ws->tally[ws->vote[i] - lowest];

			if (count > *topcount)
			{
				*topcount = count;
				*topoffset = ws->vote[i];
			}
		}
		for (i = 0; i < nvotes; i++)
			ws->tally[ws->vote[i] - lowest] = 0;
		return;
	}

	/*
	 * Offsets too far apart for the table (arrays of tens of thousands of
	 * items without maxoffset).  Sort (offset, walk index) pairs: within an
	 * offset's run the last entry is the vote that brought it to its final
	 * tally, and the winner is the largest tally reached earliest.
	 */
	{
		size_t		run_start = 0;
		int64_t		winner_reached = 0;

		for (i = 0; i < nvotes; i++)
			ws->vote[i] = (ws->vote[i] - lowest) * (int64_t) ACOUSTID_KEY_COUNT + (int64_t) i;
		qsort(ws->vote, nvotes, sizeof(int64_t), compare_int64);
		for (i = 1; i <= nvotes; i++)
		{
			int64_t		offset = ws->vote[run_start] / ACOUSTID_KEY_COUNT;

			if (i < nvotes && ws->vote[i] / ACOUSTID_KEY_COUNT == offset)
				continue;
			{
				uint32_t	count = (uint32_t) (i - run_start);
				int64_t		reached = ws->vote[i - 1] % ACOUSTID_KEY_COUNT;

				if (count > *topcount ||
					(count == *topcount && reached < winner_reached))
				{
					*topcount = count;
					*topoffset = offset + lowest;
					winner_reached = reached;
				}
			}
			run_start = i;
		}
	}
}

/*
 * Votes when offsets are bounded by maxoffset (AcoustID always passes 80):
 * the tally is indexed directly and the winner tracked as votes arrive.
 */
static void
vote_within(acoustid_workspace *ws, int32_t maxoffset, int64_t *topoffset,
			uint32_t *topcount)
{
	unsigned	w;

	*topcount = 0;
	*topoffset = 0;
	for (w = 0; w < ACOUSTID_KEY_COUNT / 64; w++)
	{
		uint64_t	bits = ws->common[w];

		while (bits != 0)
		{
			const acoustid_key_slot *slot = &ws->slot[w * 64 + (uint32_t) __builtin_ctzll(bits)];
			int64_t		d = (int64_t) slot->a_pos - (int64_t) slot->b_pos;
			uint32_t	count;

			bits &= bits - 1;
			if (slot->a_pos == 0 || slot->b_pos == 0 || d < -maxoffset || d > maxoffset)
				continue;
			count = ++ws->tally[d + maxoffset];
			if (count > *topcount)
			{
				*topcount = count;
				*topoffset = d;
			}
		}
	}
	memset(ws->tally, 0, sizeof(uint32_t) * (2 * (size_t) maxoffset + 1));
}

/* Votes with no bound (maxoffset 0, or one so large nothing is excluded). */
static void
vote_anywhere(acoustid_workspace *ws, int32_t maxoffset, int64_t *topoffset,
			  uint32_t *topcount)
{
	size_t		nvotes = 0;
	int64_t		lowest = INT64_MAX;
	int64_t		highest = INT64_MIN;
	unsigned	w;

	for (w = 0; w < ACOUSTID_KEY_COUNT / 64; w++)
	{
		uint64_t	bits = ws->common[w];

		while (bits != 0)
		{
			const acoustid_key_slot *slot = &ws->slot[w * 64 + (uint32_t) __builtin_ctzll(bits)];
			int64_t		d = (int64_t) slot->a_pos - (int64_t) slot->b_pos;

			bits &= bits - 1;
			if (slot->a_pos == 0 || slot->b_pos == 0)
				continue;
			if (maxoffset != 0 && (d < -(int64_t) maxoffset || d > (int64_t) maxoffset))
				continue;
			ws->vote[nvotes++] = d;
			if (d < lowest)
				lowest = d;
			if (d > highest)
				highest = d;
		}
	}
	pick_offset(ws, nvotes, lowest, highest, topoffset, topcount);
}

/*
 * Number of distinct keys among items[start..]: all distinct keys minus those
 * whose last occurrence lies before start.  Each such key is counted once, at
 * its last occurrence, so only the first start items are read.
 */
static int
distinct_from(const acoustid_workspace *ws, const int32_t *items, size_t ndistinct,
			  int use_b, size_t start)
{
	size_t		dropped = 0;
	size_t		i;

	for (i = 0; i < start; i++)
	{
		const acoustid_key_slot *slot = &ws->slot[ACOUSTID_KEY_OF(items[i])];

		dropped += (use_b ? slot->b_pos : slot->a_pos) == i;
	}
	return (int) (ndistinct - dropped);
}

int
acoustid_compare2_align(size_t asize, size_t bsize, int64_t topoffset,
						size_t *a_start, size_t *b_start)
{
	size_t		a_left;
	size_t		b_left;

	*a_start = topoffset > 0 ? (size_t) topoffset : 0;
	*b_start = topoffset < 0 ? (size_t) -topoffset : 0;
	a_left = asize - *a_start;
	b_left = bsize - *b_start;

	/* fewer than two aligned items (this also covers minsize == 0) */
	return (a_left < b_left ? a_left : b_left) / 2 != 0;
}

float
acoustid_compare2_score(const int32_t *a, size_t asize,
						const int32_t *b, size_t bsize,
						size_t a_start, size_t b_start,
						uint32_t topcount, int auniq, int buniq,
						int stale, int a_has_last_key, int b_has_last_key)
{
	int64_t		minsize = (int64_t) (asize < bsize ? asize : bsize) & ~(int64_t) 1;
	size_t		a_left = asize - a_start;
	size_t		b_left = bsize - b_start;
	int64_t		size = (int64_t) (a_left < b_left ? a_left : b_left) / 2;
	int64_t		biterror;
	float		diversity;
	float		score;

	if (stale && a_has_last_key)
		auniq--;
	if (b_has_last_key && (stale || a_has_last_key))
		buniq--;

	/* Same expression and types as the reference, for the same rounding. */
	diversity = fmin(fmin(1.0, (float) (auniq + 10) / (int) a_left + 0.5),
					 fmin(1.0, (float) (buniq + 10) / (int) b_left + 0.5));

	/* 6. too few votes for the fingerprints' diversity */
	if (topcount < (auniq > buniq ? auniq : buniq) * 0.02)
		return 0.0f;

	/* 7. bit errors over the aligned 64-bit words */
	biterror = acoustid_core_bit_errors(a + a_start, b + b_start, (size_t) size * 2);

	score = (size * 2.0 / minsize) * (1.0 - 2.0 * (float) biterror / (double) (64 * size));
	if (score < 0.0)
		score = 0.0f;
	if (diversity < 1.0)
		score = pow(score, 8.0 - 7.0 * diversity);
	return score;
}

/* The general implementation: any lengths, any maxoffset. */
static float
compare2_general(const int32_t *a, size_t asize,
				 const int32_t *b, size_t bsize,
				 int32_t maxoffset, acoustid_workspace *ws)
{
	uint32_t	g;
	size_t		i;
	size_t		na = 0;
	size_t		nb = 0;
	size_t		a_start;
	size_t		b_start;
	int64_t		topoffset;
	uint32_t	topcount;
	int			auniq;
	int			buniq;
	int			stale;
	int			a_has_last_key;
	int			b_has_last_key;
	const acoustid_key_slot *last_slot = &ws->slot[ACOUSTID_UNWALKED_KEY];
	const acoustid_key_slot *aliased_slot = &ws->slot[ACOUSTID_ALIASED_KEY];

	g = begin_generation(ws);

	/*
	 * 1. last position of each key, the number of distinct keys on each
	 * side, and the keys both share.  Branch-free: the keys are random,
	 * branches on them would mispredict half the time.
	 */
	for (i = 0; i < asize; i++)
	{
		uint32_t	key = ACOUSTID_KEY_OF(a[i]);
		acoustid_key_slot *slot = &ws->slot[key];

		na += slot->a_stamp != g;
		slot->a_stamp = g;
		slot->a_pos = (uint32_t) i;
	}
	memset(ws->common, 0, sizeof(ws->common));
	for (i = 0; i < bsize; i++)
	{
		uint32_t	key = ACOUSTID_KEY_OF(b[i]);
		acoustid_key_slot *slot = &ws->slot[key];

		nb += slot->b_stamp != g;
		slot->b_stamp = g;
		slot->b_pos = (uint32_t) i;
		ws->common[key / 64] |= (uint64_t) (slot->a_stamp == g) << (key % 64);
	}

	/* 2. votes, in increasing key order; position 0 means "absent" */
	ws->common[ACOUSTID_UNWALKED_KEY / 64] &= ~(UINT64_C(1) << (ACOUSTID_UNWALKED_KEY % 64));
	if (maxoffset > 0 && maxoffset < ACOUSTID_KEY_COUNT)
		vote_within(ws, maxoffset, &topoffset, &topcount);
	else
		vote_anywhere(ws, maxoffset, &topoffset, &topcount);
	if (topcount == 0)
		return 0.0f;

	/* 3-4. align on the winning offset */
	if (!acoustid_compare2_align(asize, bsize, topoffset, &a_start, &b_start))
		return 0.0f;

	/*
	 * 5. distinct keys of the aligned items.  The reference's flag for key
	 * 16383 is the high byte of the 16-bit position of key 8191 in a, and it
	 * survives the clear between the two counts.
	 */
	auniq = distinct_from(ws, a, na, 0, a_start);
	buniq = distinct_from(ws, b, nb, 1, b_start);
	stale = aliased_slot->a_stamp == g &&
		aliased_slot->a_pos >= 256 && aliased_slot->a_pos < 65536;
	a_has_last_key = last_slot->a_stamp == g && last_slot->a_pos >= a_start;
	b_has_last_key = last_slot->b_stamp == g && last_slot->b_pos >= b_start;
	return acoustid_compare2_score(a, asize, b, bsize, a_start, b_start,
								   topcount, auniq, buniq,
								   stale, a_has_last_key, b_has_last_key);
}

float
acoustid_core_compare2(const int32_t *a, size_t asize,
					   const int32_t *b, size_t bsize,
					   int32_t maxoffset, acoustid_workspace *ws)
{
	if (asize == 0 || bsize == 0)
		return 0.0f;
	if (asize < ACOUSTID_SHORT_ITEMS && bsize < ACOUSTID_SHORT_ITEMS &&
		maxoffset > 0 && maxoffset < ACOUSTID_KEY_COUNT)
		return acoustid_compare2_short(a, asize, b, bsize, maxoffset, ws);
	return compare2_general(a, asize, b, bsize, maxoffset, ws);
}
