/*
 * acoustid_core.h
 *		Fingerprint algorithms shared by the PostgreSQL module and the Python
 *		package.  No PostgreSQL headers here: the same object files are linked
 *		into the backend and into a cffi extension.
 */
#ifndef ACOUSTID_CORE_H
#define ACOUSTID_CORE_H

#include <stddef.h>
#include <stdint.h>

/* Chromaprint's item for digital silence. */
#define ACOUSTID_SILENCE 627964279

/* acoustid_extract_query returns at most this many terms. */
#define ACOUSTID_QUERY_LENGTH 120

/* Keys are the top 14 bits of an item. */
#define ACOUSTID_KEY_BITS 14
#define ACOUSTID_KEY_COUNT (1 << ACOUSTID_KEY_BITS)

/*
 * Limits of the compressed string: its header holds the algorithm in one byte
 * and the item count in three (0xFFFFFF).  Decimal, so that messages can quote
 * them with ACOUSTID_STRINGIFY.
 */
#define ACOUSTID_MAX_ALGORITHM 255
#define ACOUSTID_MAX_ITEMS 16777215

/* A simhash has one bit per item bit; its cube point one dimension per bit. */
#define ACOUSTID_SIMHASH_BITS 32

#define ACOUSTID_STRINGIFY_(x) #x
#define ACOUSTID_STRINGIFY(x) ACOUSTID_STRINGIFY_(x)

/* Upper bound on item pairs acoustid_compare3 examines in one call. */
#define ACOUSTID_COMPARE3_MAX_PAIRS ((int64_t) 4000000000LL)

/* Status codes returned by the core; the front ends turn them into errors. */
typedef enum acoustid_status
{
	ACOUSTID_OK = 0,
	ACOUSTID_ERR_BAD_CHARACTER,		/* character outside the base64 alphabet */
	ACOUSTID_ERR_BAD_LENGTH,		/* base64 text of impossible length */
	ACOUSTID_ERR_SHORT_HEADER,		/* fewer than 4 header bytes */
	ACOUSTID_ERR_MISSING_ZEROS,		/* 3-bit stream ends before N items */
	ACOUSTID_ERR_MISSING_EXCEPTIONS,	/* 5-bit stream shorter than needed */
	ACOUSTID_ERR_BIT_OVERFLOW,		/* a bit position past 32 */
	ACOUSTID_ERR_BAD_ALGORITHM,		/* algorithm outside 0..255 */
	ACOUSTID_ERR_TOO_LONG,			/* input beyond what the format can hold */
	ACOUSTID_ERR_TOO_MUCH_WORK,		/* compare3 input over the pair limit */
	ACOUSTID_ERR_NO_MEMORY
} acoustid_status;

/*
 * Hot loops that count bits are compiled twice on x86-64 Linux, with and
 * without the POPCNT instruction, and the loader picks one for the CPU (GCC
 * only: clang 14 leaves such functions undefined when it builds with
 * sanitizers, and its JIT bitcode has no use for them).
 */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define ACOUSTID_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
/* ... and some have a second, AVX-512 version, chosen at run time. */
#define ACOUSTID_HAVE_AVX512_PATH 1
#else
#define ACOUSTID_POPCNT_CLONES
#endif

/* Human-readable text for a status, lower case, no trailing period. */
extern const char *acoustid_core_status_message(acoustid_status status);

/*
 * Scratch tables for acoustid_compare2.  They are stamped with a generation
 * number, or trusted only where the items confirm them, instead of being
 * cleared on every call.  One workspace per thread; zero-initialise it
 * (static storage or calloc) before first use.
 */
typedef struct acoustid_key_slot
{
	uint32_t	a_stamp;		/* generation in which a_pos was written */
	uint32_t	a_pos;			/* last index of this key in a */
	uint32_t	b_stamp;		/* generation in which b_pos was written */
	uint32_t	b_pos;			/* last index of this key in b */
} acoustid_key_slot;

/* compare2 takes its short path when both arrays are shorter than this. */
#define ACOUSTID_SHORT_ITEMS 65536

/*
 * The short path's tables.  last[] holds the last position of each key,
 * first of b's keys, then of a's; it is never cleared: an entry is trusted
 * only when the item at that position has that key, or when the call itself
 * wrote it.  With the lists, about 40 KiB for 950-item arrays: the L1 cache
 * holds them between calls.  The spare entries take the vector code's whole
 * 32-bit (last) and 16-lane (lists) accesses past the end.
 */
typedef struct acoustid_short_tables
{
	uint16_t	last[ACOUSTID_KEY_COUNT + 2];
	uint32_t	b_key[ACOUSTID_KEY_COUNT + 16]; /* key << 16 | b's last position */
	uint32_t	vote[ACOUSTID_KEY_COUNT + 16];	/* offset index << 14 | key */
	uint16_t	tally[2 * ACOUSTID_KEY_COUNT];	/* votes per offset; kept zero */
	uint16_t	last_vote_key[2 * ACOUSTID_KEY_COUNT];	/* for ties; kept zero */
} acoustid_short_tables;

typedef struct acoustid_workspace
{
	uint32_t	generation;
	acoustid_key_slot slot[ACOUSTID_KEY_COUNT];
	uint64_t	common[ACOUSTID_KEY_COUNT / 64];	/* keys in both a and b */
	int64_t		vote[ACOUSTID_KEY_COUNT];	/* offsets voted for, walk order */
	uint32_t	tally[2 * ACOUSTID_KEY_COUNT];	/* votes per offset; kept zero */
	acoustid_short_tables short_path;
} acoustid_workspace;

extern size_t acoustid_core_workspace_size(void);

/* The four functions AcoustID's server calls; results are bit-identical. */
extern float acoustid_core_compare(const int32_t *a, size_t asize,
							  const int32_t *b, size_t bsize);
extern float acoustid_core_compare2(const int32_t *a, size_t asize,
							   const int32_t *b, size_t bsize,
							   int32_t maxoffset, acoustid_workspace *ws);

/*
 * counts must hold acoustid_core_compare3_counts_size(asize, bsize) zeroed
 * entries; the caller allocates it so that the core never allocates.
 */
extern size_t acoustid_core_compare3_counts_size(size_t asize, size_t bsize);

/* Item pairs compare3 examines; over ACOUSTID_COMPARE3_MAX_PAIRS it refuses. */
extern int64_t acoustid_core_compare3_pairs(size_t asize, size_t bsize,
									   int32_t maxoffset);
extern acoustid_status acoustid_core_compare3(const int32_t *a, size_t asize,
										 const int32_t *b, size_t bsize,
										 int32_t maxoffset, int64_t *counts,
										 float *score);

/*
 * Differing bits between items a[0..n) and b[0..n): AVX-512 (VPOPCNTQ) when
 * the CPU has it, else the plain loop; compare2's short path follows the
 * same choice.  acoustid_core_simd_path says which runs;
 * acoustid_core_force_portable(1), or ACOUSTID_CORE_PORTABLE=1 in the
 * environment, keeps the plain one (tests run both on the same inputs);
 * acoustid_core_force_portable(0) lets the CPU choose again.
 */
extern int64_t acoustid_core_bit_errors(const int32_t *a, const int32_t *b, size_t n);
extern int	acoustid_core_simd_path(void);
extern void acoustid_core_force_portable(int portable);

/* Writes at most ACOUSTID_QUERY_LENGTH terms into query; returns how many. */
extern size_t acoustid_core_extract_query(const int32_t *fp, size_t size,
									 int32_t *query);

/* Majority vote of every bit over the items; 0 for an empty array. */
extern int32_t acoustid_core_simhash(const int32_t *fp, size_t size);

/*
 * Chromaprint's compressed fingerprint strings.
 *
 * acoustid_decode_header validates the text far enough to report the
 * algorithm and the item count, so that the caller can size the output
 * buffer; acoustid_decode then fills it.
 */
extern acoustid_status acoustid_core_decode_header(const char *text, size_t len,
											  int *algorithm, size_t *count);
extern acoustid_status acoustid_core_decode(const char *text, size_t len,
									   int32_t *items, size_t count);

/* Upper bound of the encoded length (without a terminating zero). */
extern size_t acoustid_core_encoded_size_bound(size_t count);
extern acoustid_status acoustid_core_encode(const int32_t *items, size_t count,
									   int algorithm, char *out,
									   size_t *out_len);

/*
 * The same, without the base64: Chromaprint's compressed bytes (what
 * fingerprint_data stores; the string is their URL-safe base64).
 */
extern size_t acoustid_core_encoded_bytes_bound(size_t count);
extern acoustid_status acoustid_core_encode_bytes(const int32_t *items, size_t count,
											 int algorithm, unsigned char *out,
											 size_t *out_len);

/*
 * The number of distinct items.  table must hold
 * acoustid_core_distinct_table_size(count) zeroed entries (a power of two at
 * least twice count), so that the core never allocates.
 */
extern size_t acoustid_core_distinct_table_size(size_t count);
extern size_t acoustid_core_distinct_items(const int32_t *items, size_t count,
										   uint32_t *table, size_t table_size);

/*
 * Optional hook called now and then during long loops, so that the backend
 * can honour query cancellation.  It may not return (PostgreSQL longjmps):
 * the core holds no resources of its own while it is called.
 */
extern void (*acoustid_interrupt_hook) (void);

#endif							/* ACOUSTID_CORE_H */
