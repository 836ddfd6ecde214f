/*
 * compare2_short.c
 *		compare2 for arrays shorter than 65,536 items with 0 < maxoffset <
 *		16,384 (AcoustID always passes 80).
 *
 * The general implementation keeps a 256 KiB slot table (the L2 cache), walks
 * the shared keys in key order and re-reads the slots.  Here one 32 KiB table
 * of 16-bit positions serves both sides in turn, so that everything a call
 * touches stays in the L1 cache: it takes b's last position of each key, the
 * items of b that are their key's last are listed, then it takes a's; each
 * listed key votes for a's last position minus b's if a has the key.  The
 * table is never cleared: an entry is trusted only when the item at that
 * position has that key (a stale entry points at an item with another key).
 * Apart from the table's stores, every pass is a run of independent loads,
 * which AVX-512 does sixteen at a time with gathers when the CPU has it
 * (chosen once at run time with the bit-error step; ACOUSTID_CORE_PORTABLE=1
 * keeps the plain loops, which give the same lists and counts).
 *
 * Votes arrive in b's order instead of the reference's key order, which
 * decides ties: the reference keeps the first offset whose tally becomes the
 * largest, that is, among the offsets with the most votes, the one whose
 * last vote (its largest key) comes first.  The tally counts votes whatever
 * their order, and only when several offsets share the top count are their
 * largest keys compared.
 */
#include <string.h>

#include "compare2_parts.h"

#ifdef ACOUSTID_HAVE_AVX512_PATH
#include <immintrin.h>
#define AVX512_TARGET __attribute__((target("avx512f,popcnt")))
#endif

#define VOTE_OFFSET(vote) ((vote) >> ACOUSTID_KEY_BITS)
#define VOTE_KEY(vote) ((vote) & (ACOUSTID_KEY_COUNT - 1))
#define LISTED_KEY(entry) ((entry) >> 16)
#define LISTED_POS(entry) ((entry) & 0xFFFF)

/* A key's entry in last[] when the side in it lacks the key (positions are smaller). */
#define ABSENT 0xFFFF

/* The last position of each key of items in last (stores only). */
static void
record_last(uint16_t *last, const int32_t *items, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		last[ACOUSTID_KEY_OF(items[i])] = (uint16_t) i;
}

/*
 * Position of key's last occurrence in items, or -1 when key is not there.
 * last must hold items' positions.
 */
static inline int64_t
find_last(const uint16_t *last, const int32_t *items, size_t n, uint32_t key)
{
	size_t		pos = last[key] < n ? last[key] : n - 1;

	return ACOUSTID_KEY_OF(items[pos]) == key ? (int64_t) pos : -1;
}

/*
 * Number of items in items[from..n) that are their key's last, that is, of
 * distinct keys there.  last must hold items' positions.
 */
static size_t
count_last_plain(const uint16_t *last, const int32_t *items, size_t from, size_t n)
{
	size_t		distinct = 0;
	size_t		i;

	for (i = from; i < n; i++)
		distinct += last[ACOUSTID_KEY_OF(items[i])] == i;
	return distinct;
}

/*
 * Lists b's items from position from on that are their key's last, as key <<
 * 16 | position, in b's order, from list[listed] on; returns the new count.
 * Branch-free, as the keys are random: an entry is always written and kept
 * only when it is one.  last must hold b's positions.
 */
static size_t
list_last_plain(const uint16_t *last, const int32_t *b, size_t from, size_t bsize,
				uint32_t *list, size_t listed)
{
	size_t		i;

	for (i = from; i < bsize; i++)
	{
		uint32_t	key = ACOUSTID_KEY_OF(b[i]);

		list[listed] = key << 16 | (uint32_t) i;
		listed += last[key] == i;
	}
	return listed;
}

/* Marks the listed keys ABSENT in last, from list[from] on. */
static void
forget_listed_plain(uint16_t *last, const uint32_t *list, size_t from, size_t listed)
{
	size_t		j;

	for (j = from; j < listed; j++)
		last[LISTED_KEY(list[j])] = ABSENT;
}

/*
 * The votes of the listed keys (from list[from] on) that a holds too: a's
 * last position minus b's, if within maxoffset, as offset index << 14 | key,
 * from vote[votes] on; returns the new count.  last must hold a's positions,
 * and ABSENT for the listed keys that a lacks; position 0 in a reads as
 * "absent" too (as in the reference).
 */
static size_t
collect_votes_plain(const uint16_t *last, const uint32_t *list, size_t from,
					size_t listed, int32_t maxoffset, uint32_t *vote, size_t votes)
{
	uint32_t	span = 2 * (uint32_t) maxoffset;
	size_t		j;

	for (j = from; j < listed; j++)
	{
		uint32_t	key = LISTED_KEY(list[j]);
		uint32_t	apos = last[key];
		uint32_t	index = apos - LISTED_POS(list[j]) + (uint32_t) maxoffset;

		vote[votes] = index << ACOUSTID_KEY_BITS | key;
		votes += (apos - 1 < ABSENT - 1) & (index <= span);
	}
	return votes;
}

/* Number of votes, from vote[from] on, for offset index. */
static size_t
votes_for_plain(const uint32_t *vote, size_t from, size_t nvotes, uint32_t index)
{
	size_t		count = 0;
	size_t		v;

	for (v = from; v < nvotes; v++)
		count += VOTE_OFFSET(vote[v]) == index;
	return count;
}

#ifdef ACOUSTID_HAVE_AVX512_PATH

/*
 * The same passes sixteen items at a time.  A 32-bit gather at
 * last + 2 * key reads the key's 16-bit entry (and the next, masked off).
 */
AVX512_TARGET
static inline __m512i
gather_last(const uint16_t *last, __m512i keys)
{
	return _mm512_and_si512(_mm512_i32gather_epi32(keys, (const void *) last, 2),
							_mm512_set1_epi32(0xFFFF));
}

AVX512_TARGET
static inline __m512i
keys_at(const int32_t *items)
{
	return _mm512_srli_epi32(_mm512_loadu_si512((const void *) items),
							 32 - ACOUSTID_KEY_BITS);
}

AVX512_TARGET
static size_t
count_last_avx512(const uint16_t *last, const int32_t *items, size_t from, size_t n)
{
	const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	size_t		distinct = 0;
	size_t		i;

	for (i = from; i + 16 <= n; i += 16)
	{
		__m512i		pos = _mm512_add_epi32(lanes, _mm512_set1_epi32((int) i));
		__mmask16	is_last = _mm512_cmpeq_epi32_mask(gather_last(last, keys_at(items + i)), pos);

		distinct += (size_t) __builtin_popcount(is_last);
	}
	return distinct + count_last_plain(last, items, i, n);
}

AVX512_TARGET
static size_t
list_last_avx512(const uint16_t *last, const int32_t *b, size_t bsize, uint32_t *list)
{
	const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	size_t		listed = 0;
	size_t		i;

	for (i = 0; i + 16 <= bsize; i += 16)
	{
		__m512i		keys = keys_at(b + i);
		__m512i		pos = _mm512_add_epi32(lanes, _mm512_set1_epi32((int) i));
		__mmask16	is_last = _mm512_cmpeq_epi32_mask(gather_last(last, keys), pos);
		__m512i		entries = _mm512_or_si512(_mm512_slli_epi32(keys, 16), pos);

		/* a full vector is stored; the list has room for it past its end */
		_mm512_storeu_si512((void *) (list + listed), _mm512_maskz_compress_epi32(is_last, entries));
		listed += (size_t) __builtin_popcount(is_last);
	}
	return list_last_plain(last, b, i, bsize, list, listed);
}

/*
 * A 32-bit scatter marks the next key ABSENT as well: harmless once the
 * list is made, as a's pass then rewrites every key a holds.
 */
AVX512_TARGET
static void
forget_listed_avx512(uint16_t *last, const uint32_t *list, size_t listed)
{
	size_t		j;

	for (j = 0; j + 16 <= listed; j += 16)
	{
		__m512i		keys = _mm512_srli_epi32(_mm512_loadu_si512((const void *) (list + j)), 16);

		_mm512_i32scatter_epi32((void *) last, keys, _mm512_set1_epi32(-1), 2);
	}
	forget_listed_plain(last, list, j, listed);
}

AVX512_TARGET
static size_t
collect_votes_avx512(const uint16_t *last, const uint32_t *list, size_t listed,
					 int32_t maxoffset, uint32_t *vote)
{
	const __m512i one = _mm512_set1_epi32(1);
	const __m512i low16 = _mm512_set1_epi32(0xFFFF);
	const __m512i offset = _mm512_set1_epi32(maxoffset);
	const __m512i span = _mm512_set1_epi32(2 * maxoffset);
	size_t		votes = 0;
	size_t		j;

	for (j = 0; j + 16 <= listed; j += 16)
	{
		__m512i		entries = _mm512_loadu_si512((const void *) (list + j));
		__m512i		keys = _mm512_srli_epi32(entries, 16);
		__m512i		bpos = _mm512_and_si512(entries, low16);
		__m512i		apos = gather_last(last, keys);
		__m512i		index = _mm512_add_epi32(_mm512_sub_epi32(apos, bpos), offset);
		__mmask16	ok = _mm512_cmplt_epu32_mask(_mm512_sub_epi32(apos, one), _mm512_sub_epi32(low16, one));

		ok = _mm512_mask_cmple_epu32_mask(ok, index, span);
		_mm512_storeu_si512((void *) (vote + votes),
							_mm512_maskz_compress_epi32(ok, _mm512_or_si512(_mm512_slli_epi32(index, ACOUSTID_KEY_BITS), keys)));
		votes += (size_t) __builtin_popcount(ok);
	}
	return collect_votes_plain(last, list, j, listed, maxoffset, vote, votes);
}

AVX512_TARGET
static size_t
votes_for_avx512(const uint32_t *vote, size_t nvotes, uint32_t index)
{
	const __m512i wanted = _mm512_set1_epi32((int) index);
	size_t		count = 0;
	size_t		v;

	for (v = 0; v + 16 <= nvotes; v += 16)
	{
		__m512i		offsets = _mm512_srli_epi32(_mm512_loadu_si512((const void *) (vote + v)),
												ACOUSTID_KEY_BITS);

		count += (size_t) __builtin_popcount(_mm512_cmpeq_epi32_mask(offsets, wanted));
	}
	return count + votes_for_plain(vote, v, nvotes, index);
}
#endif							/* ACOUSTID_HAVE_AVX512_PATH */

static size_t
count_last(const uint16_t *last, const int32_t *items, size_t from, size_t n, int simd)
{
#ifdef ACOUSTID_HAVE_AVX512_PATH
	if (simd)
		return count_last_avx512(last, items, from, n);
#endif
	return count_last_plain(last, items, from, n);
}

static size_t
list_last(const uint16_t *last, const int32_t *b, size_t bsize, uint32_t *list, int simd)
{
#ifdef ACOUSTID_HAVE_AVX512_PATH
	if (simd)
		return list_last_avx512(last, b, bsize, list);
#endif
	return list_last_plain(last, b, 0, bsize, list, 0);
}

static void
forget_listed(uint16_t *last, const uint32_t *list, size_t listed, int simd)
{
#ifdef ACOUSTID_HAVE_AVX512_PATH
	if (simd)
	{
		forget_listed_avx512(last, list, listed);
		return;
	}
#endif
	forget_listed_plain(last, list, 0, listed);
}

static size_t
collect_votes(const uint16_t *last, const uint32_t *list, size_t listed,
			  int32_t maxoffset, uint32_t *vote, int simd)
{
#ifdef ACOUSTID_HAVE_AVX512_PATH
	if (simd)
		return collect_votes_avx512(last, list, listed, maxoffset, vote);
#endif
	return collect_votes_plain(last, list, 0, listed, maxoffset, vote, 0);
}

static size_t
votes_for(const uint32_t *vote, size_t nvotes, uint32_t index, int simd)
{
#ifdef ACOUSTID_HAVE_AVX512_PATH
	if (simd)
		return votes_for_avx512(vote, nvotes, index);
#endif
	return votes_for_plain(vote, 0, nvotes, index);
}

/*
 * The winning offset index among the votes, and its count (0 without votes);
 * leaves the tally tables zero.  An offset holding more than half of the
 * votes wins whatever the order (no other can reach its count), which
 * settles matching fingerprints without a tally: their votes nearly all fall
 * on one offset, and the middle vote is taken to be it.
 */
static uint32_t
pick_offset(acoustid_short_tables *t, size_t nvotes, uint32_t *topindex, int simd)
{
	uint32_t	lowest = UINT32_MAX;
	uint32_t	highest = 0;
	uint32_t	topcount = 0;
	uint32_t	winner_key = ACOUSTID_KEY_COUNT;
	size_t		tied = 0;
	size_t		v;
	uint32_t	x;

	if (nvotes == 0)
		return 0;
	*topindex = VOTE_OFFSET(t->vote[nvotes / 2]);
	topcount = (uint32_t) votes_for(t->vote, nvotes, *topindex, simd);
	if (2 * (size_t) topcount > nvotes)
		return topcount;
	topcount = 0;
	for (v = 0; v < nvotes; v++)
	{
		uint32_t	index = VOTE_OFFSET(t->vote[v]);

		t->tally[index]++;
		lowest = index < lowest ? index : lowest;
		highest = index > highest ? index : highest;
	}
	for (x = lowest; x <= highest; x++)
	{
		uint32_t	count = t->tally[x];

		if (count > topcount)
		{
			topcount = count;
			*topindex = x;
			tied = 0;
		}
		else if (count == topcount)
			tied++;
	}
	if (tied > 0)
	{
		/* the tied offset whose largest key is smallest */
		for (v = 0; v < nvotes; v++)
		{
			uint32_t	index = VOTE_OFFSET(t->vote[v]);
			uint32_t	key = VOTE_KEY(t->vote[v]);

			if (key > t->last_vote_key[index])
				t->last_vote_key[index] = (uint16_t) key;
		}
		for (x = lowest; x <= highest; x++)
		{
			if (t->tally[x] == topcount && t->last_vote_key[x] < winner_key)
			{
				winner_key = t->last_vote_key[x];
				*topindex = x;
			}
		}
		memset(&t->last_vote_key[lowest], 0, sizeof(t->last_vote_key[0]) * (highest - lowest + 1));
	}
	memset(&t->tally[lowest], 0, sizeof(t->tally[0]) * (highest - lowest + 1));
	return topcount;
}

float
acoustid_compare2_short(const int32_t *a, size_t asize,
						const int32_t *b, size_t bsize,
						int32_t maxoffset, acoustid_workspace *ws)
{
	acoustid_short_tables *t = &ws->short_path;
	int			simd = acoustid_core_simd_path();
	size_t		na;
	size_t		nb;
	size_t		nvotes;
	uint32_t	topindex = 0;
	uint32_t	topcount;
	size_t		a_start;
	size_t		b_start;
	size_t		j;
	size_t		first_listed;
	int			stale;
	int64_t		a_last_key_pos;
	int64_t		b_last_key_pos;
	int			auniq;
	int			buniq;

	/* 1. b's keys, then a's, and the votes */
	record_last(t->last, b, bsize);
	nb = list_last(t->last, b, bsize, t->b_key, simd);
	b_last_key_pos = find_last(t->last, b, bsize, ACOUSTID_UNWALKED_KEY);

	forget_listed(t->last, t->b_key, nb, simd);
	record_last(t->last, a, asize);
	na = count_last(t->last, a, 0, asize, simd);
	stale = find_last(t->last, a, asize, ACOUSTID_ALIASED_KEY) >= 256;
	a_last_key_pos = find_last(t->last, a, asize, ACOUSTID_UNWALKED_KEY);

	/*
	 * The keys that cannot vote: position 0 reads as "absent" in the
	 * reference, and b's is the first listed if it is listed; the unwalked
	 * key points at position 0 while the votes are collected.
	 */
	first_listed = nb > 0 && LISTED_POS(t->b_key[0]) == 0;
	t->last[ACOUSTID_UNWALKED_KEY] = 0;
	nvotes = collect_votes(t->last, t->b_key + first_listed, nb - first_listed,
						   maxoffset, t->vote, simd);
	t->last[ACOUSTID_UNWALKED_KEY] = a_last_key_pos >= 0 ? (uint16_t) a_last_key_pos : ABSENT;

	/* 2-4. the winning offset, and the alignment */
	topcount = pick_offset(t, nvotes, &topindex, simd);
	if (topcount == 0)
		return 0.0f;
	if (!acoustid_compare2_align(asize, bsize, (int64_t) topindex - maxoffset,
								 &a_start, &b_start))
		return 0.0f;

	/*
	 * 5. distinct keys of the aligned items: those not last seen before
	 * them.  The reference's flag for the unwalked key: see compare2.c.
	 */
	auniq = (int) na - (int) count_last_plain(t->last, a, 0, a_start);
	buniq = (int) nb;
	for (j = 0; j < nb && LISTED_POS(t->b_key[j]) < b_start; j++)
		buniq--;
	return acoustid_compare2_score(a, asize, b, bsize, a_start, b_start,
								   topcount, auniq, buniq, stale,
								   a_last_key_pos >= (int64_t) a_start,
								   b_last_key_pos >= (int64_t) b_start);
}
