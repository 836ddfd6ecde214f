/*
 * bit_errors.c
 *		The differing bits of two aligned item runs (compare2's step 7), with
 *		AVX-512 when the CPU has VPOPCNTQ, chosen once at run time.
 *
 * Both paths return the same count: a popcount over the xor of the items.
 * ACOUSTID_CORE_PORTABLE=1 in the environment (or acoustid_core_force_portable)
 * keeps the plain path, so that tests can run both on the same inputs and
 * machines without AVX-512 are covered too.  compare2's short path takes
 * the same choice for its gathers (acoustid_core_simd_path).  Measured on
 * 950-item pairs the vector loop saves a few percent of compare2 (the
 * popcounts were already POPCNT instructions).
 */
#include <stdlib.h>

#include "acoustid_core.h"

#ifdef ACOUSTID_HAVE_AVX512_PATH
#include <immintrin.h>
#endif

/* 0: not chosen yet; 1: plain; 2: AVX-512 */
static int	chosen_path;

void
acoustid_core_force_portable(int portable)
{
	chosen_path = portable ? 1 : 0;
}

ACOUSTID_POPCNT_CLONES
static int64_t
bit_errors_plain(const int32_t *a, const int32_t *b, size_t n)
{
	int64_t		errors = 0;
	size_t		i;

	for (i = 0; i + 1 < n; i += 2)
	{
		uint64_t	aw = (uint64_t) (uint32_t) a[i] | (uint64_t) (uint32_t) a[i + 1] << 32;
		uint64_t	bw = (uint64_t) (uint32_t) b[i] | (uint64_t) (uint32_t) b[i + 1] << 32;

		errors += __builtin_popcountll(aw ^ bw);
	}
	if (i < n)
		errors += __builtin_popcount((uint32_t) a[i] ^ (uint32_t) b[i]);
	return errors;
}

#ifdef ACOUSTID_HAVE_AVX512_PATH
__attribute__((target("avx512f,avx512vpopcntdq")))
static int64_t
bit_errors_avx512(const int32_t *a, const int32_t *b, size_t n)
{
	__m512i		total = _mm512_setzero_si512();
	size_t		i = 0;
	int64_t		errors;

	for (; i + 16 <= n; i += 16)
	{
		__m512i		x = _mm512_xor_si512(_mm512_loadu_si512((const void *) (a + i)),
										 _mm512_loadu_si512((const void *) (b + i)));

		total = _mm512_add_epi64(total, _mm512_popcnt_epi64(x));
	}
	errors = _mm512_reduce_add_epi64(total);
	return errors + bit_errors_plain(a + i, b + i, n - i);
}
#endif

static int
choose_path(void)
{
	const char *portable = getenv("ACOUSTID_CORE_PORTABLE");

	if (portable != NULL && portable[0] != '\0' && portable[0] != '0')
		return 1;
#ifdef ACOUSTID_HAVE_AVX512_PATH
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq") &&
		__builtin_cpu_supports("popcnt"))
		return 2;
#endif
	return 1;
}

int
acoustid_core_simd_path(void)
{
	if (chosen_path == 0)
		chosen_path = choose_path();
	return chosen_path == 2;
}

int64_t
acoustid_core_bit_errors(const int32_t *a, const int32_t *b, size_t n)
{
#ifdef ACOUSTID_HAVE_AVX512_PATH
	if (acoustid_core_simd_path())
		return bit_errors_avx512(a, b, n);
#endif
	return bit_errors_plain(a, b, n);
}
