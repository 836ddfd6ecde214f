/*
 * _copy_rows.c
 *		The bulk loader's binary COPY rows, written in C: in Python, checking,
 *		packing, compressing and hashing a 950-item fingerprint took about
 *		230 us a row, ten times what the server needs to store it.
 *
 * One call writes a run of rows of both streams the loader sends:
 *   fingerprint (id, track_id, fingerprint int4[], length int2, bitrate int2)
 *   fingerprint_data (fingerprint_id, fingerprint bytea, simhash cube)
 * in PostgreSQL's binary COPY format (big-endian; each field is its byte
 * length, -1 for NULL, then its bytes).  Part of the Python package only: the
 * backend has no use for it.
 */
#include <stdint.h>
#include <string.h>

#include "acoustid_core.h"
#include "_copy_rows.h"

#define INT4OID 23
#define CUBE_POINT_BIT 0x80000000u
#define ARRAY_HEADER_SIZE 20	/* ndim, has-nulls, element type, size, lower bound */
#define CUBE_SIZE (4 + ACOUSTID_SIMHASH_BITS * 8)

static unsigned char *
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
	return p + 4;
}

/* A 32-bit value in network order, as a native word (so that 950 items are stored word-wise). */
static inline uint32_t
big_endian(uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(v);
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return v;
#else
	unsigned char b[4];
	uint32_t	word;

	put32(b, v);
	memcpy(&word, b, 4);
	return word;
#endif
}

static unsigned char *
put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char) (v >> 8);
	p[1] = (unsigned char) v;
	return p + 2;
}

size_t
acoustid_copy_fingerprint_bound(size_t count)
{
	/* field count; id; track_id; the array; length; bitrate */
	return 2 + 8 + 8 + 4 + ARRAY_HEADER_SIZE + 8 * count + 6 + 6;
}

size_t
acoustid_copy_data_bound(size_t count)
{
	/* field count; fingerprint_id; the compressed bytes; the cube */
	return 2 + 8 + 4 + acoustid_core_encoded_bytes_bound(count) + 4 + CUBE_SIZE;
}

acoustid_status
acoustid_copy_rows(const int32_t *items, const uint64_t *offsets, size_t nrows,
				   const int32_t *ids, const int32_t *track_ids, const int16_t *lengths,
				   const int16_t *bitrates, unsigned char *fingerprint_out,
				   size_t *fingerprint_len, unsigned char *data_out, size_t *data_len)
{
	unsigned char *f = fingerprint_out;
	unsigned char *d = data_out;
	size_t		row;

	for (row = 0; row < nrows; row++)
	{
		const int32_t *fp = items + offsets[row];
		size_t		count = offsets[row + 1] - offsets[row];
		size_t		i;
		size_t		compressed;
		uint32_t	simhash;
		acoustid_status status;

		f = put16(f, 5);
		f = put32(put32(f, 4), (uint32_t) ids[row]);
		f = put32(put32(f, 4), (uint32_t) track_ids[row]);
		f = put32(f, (uint32_t) (ARRAY_HEADER_SIZE + 8 * count));
		f = put32(put32(put32(f, 1), 0), INT4OID);
		f = put32(put32(f, (uint32_t) count), 1);
		for (i = 0; i < count; i++)
		{
			uint32_t	element[2] = {big_endian(4), big_endian((uint32_t) fp[i])};

			memcpy(f, element, sizeof(element));
			f += sizeof(element);
		}
		f = put16(put32(f, 2), (uint16_t) lengths[row]);
		if (bitrates[row] > 0)
			f = put16(put32(f, 2), (uint16_t) bitrates[row]);
		else
			f = put32(f, UINT32_MAX);	/* -1: NULL */

		d = put16(d, 3);
		d = put32(put32(d, 4), (uint32_t) ids[row]);
		status = acoustid_core_encode_bytes(fp, count, 1, d + 4, &compressed);
		if (status != ACOUSTID_OK)
			return status;
		d = put32(d, (uint32_t) compressed) + compressed;
		simhash = (uint32_t) acoustid_core_simhash(fp, count);
		d = put32(put32(d, CUBE_SIZE), CUBE_POINT_BIT | ACOUSTID_SIMHASH_BITS);
		for (i = 0; i < ACOUSTID_SIMHASH_BITS; i++)
		{
			/* float8 1.0 is 0x3FF0000000000000, 0.0 is all zeros */
			d = put32(put32(d, (simhash >> i) & 1 ? 0x3FF00000u : 0), 0);
		}
	}
	*fingerprint_len = (size_t) (f - fingerprint_out);
	*data_len = (size_t) (d - data_out);
	return ACOUSTID_OK;
}
