/*
 * codec.c
 *		Chromaprint's compressed fingerprint strings (what fpcalc prints).
 *
 * Layout: URL-safe base64 without padding of
 *   [algorithm][item count, 24-bit big-endian][3-bit values][5-bit values]
 * where each item is the xor with its predecessor, written as the gaps
 * between its set bits.  Every read is bounds-checked: the decoder sees
 * hostile text, and it neither allocates nor trusts the header's count.
 */
#include <string.h>

#include "acoustid_core.h"

#define HEADER_SIZE 4
#define NORMAL_BITS 3
#define EXCEPTION_BITS 5
#define MAX_NORMAL_VALUE 7

static const char base64_alphabet[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ---------- reading ---------- */

/* Value of each base64 character, or -1 outside the alphabet. */
static const int8_t sextet_table[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static inline unsigned
sextet(char c)
{
	return (unsigned) sextet_table[(unsigned char) c] & 63;
}

/* The decoded bytes of a base64 text, read on demand. */
typedef struct byte_source
{
	const char *text;
	size_t		nbytes;
} byte_source;

static acoustid_status
open_source(const char *text, size_t len, byte_source *src)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		if (sextet_table[(unsigned char) text[i]] < 0)
			return ACOUSTID_ERR_BAD_CHARACTER;
	}
	if (len % 4 == 1)
		return ACOUSTID_ERR_BAD_LENGTH;
	src->text = text;
	src->nbytes = len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
	return ACOUSTID_OK;
}

/* Byte k of the decoded data; k < nbytes (so every character read exists). */
static unsigned
byte_at(const byte_source *src, size_t k)
{
	const char *group = src->text + k / 3 * 4;

	switch (k % 3)
	{
		case 0:
			return ((sextet(group[0]) << 2) | (sextet(group[1]) >> 4)) & 0xFF;
		case 1:
			return ((sextet(group[1]) << 4) | (sextet(group[2]) >> 2)) & 0xFF;
		default:
			return ((sextet(group[2]) << 6) | sextet(group[3])) & 0xFF;
	}
}

/* Number of whole width-bit values in the bytes from base on. */
static size_t
values_available(const byte_source *src, size_t base, int width)
{
	if (base >= src->nbytes)
		return 0;
	return (src->nbytes - base) * 8 / (size_t) width;
}

/*
 * Sequential reader of values packed least significant bit first.  The
 * caller checks with values_available that every value it reads exists.
 */
typedef struct bit_reader
{
	const byte_source *src;
	size_t		next_byte;
	uint32_t	bits;
	int			nbits;
} bit_reader;

static void
open_reader(bit_reader *reader, const byte_source *src, size_t base)
{
	reader->src = src;
	reader->next_byte = base;
	reader->bits = 0;
	reader->nbits = 0;
}

static inline unsigned
read_value(bit_reader *reader, int width)
{
	unsigned	value;

	if (reader->nbits < width)
	{
		reader->bits |= byte_at(reader->src, reader->next_byte++) << reader->nbits;
		reader->nbits += 8;
	}
	value = reader->bits & ((1u << width) - 1);
	reader->bits >>= width;
	reader->nbits -= width;
	return value;
}

acoustid_status
acoustid_core_decode_header(const char *text, size_t len, int *algorithm,
					   size_t *count)
{
	byte_source src;
	acoustid_status status = open_source(text, len, &src);

	if (status != ACOUSTID_OK)
		return status;
	if (src.nbytes < HEADER_SIZE)
		return ACOUSTID_ERR_SHORT_HEADER;
	*algorithm = (int) byte_at(&src, 0);
	*count = ((size_t) byte_at(&src, 1) << 16) |
		((size_t) byte_at(&src, 2) << 8) |
		(size_t) byte_at(&src, 3);
	/* each item needs at least one 3-bit value: refuse a count the text cannot hold */
	if (*count > values_available(&src, HEADER_SIZE, NORMAL_BITS))
		return ACOUSTID_ERR_MISSING_ZEROS;
	return ACOUSTID_OK;
}

acoustid_status
acoustid_core_decode(const char *text, size_t len, int32_t *items, size_t count)
{
	byte_source src;
	acoustid_status status = open_source(text, len, &src);
	size_t		available = values_available(&src, HEADER_SIZE, NORMAL_BITS);
	size_t		nnormal = 0;
	size_t		nexceptions = 0;
	size_t		zeros = 0;
	size_t		exception_base;
	bit_reader	normals;
	bit_reader	exceptions;
	size_t		item = 0;
	size_t		v;
	uint32_t	previous = 0;
	uint32_t	value = 0;
	unsigned	last_bit = 0;

	if (status != ACOUSTID_OK)
		return status;
	if (src.nbytes < HEADER_SIZE)
		return ACOUSTID_ERR_SHORT_HEADER;

	/* find where the 3-bit stream ends, counting the escapes it holds */
	open_reader(&normals, &src, HEADER_SIZE);
	while (zeros < count)
	{
		unsigned	normal;

		if (nnormal == available)
			return ACOUSTID_ERR_MISSING_ZEROS;
		normal = read_value(&normals, NORMAL_BITS);
		nnormal++;
		if (normal == 0)
			zeros++;
		else if (normal == MAX_NORMAL_VALUE)
			nexceptions++;
	}
	exception_base = HEADER_SIZE + (nnormal * NORMAL_BITS + 7) / 8;
	if (nexceptions > values_available(&src, exception_base, EXCEPTION_BITS))
		return ACOUSTID_ERR_MISSING_EXCEPTIONS;

	/* rebuild the items from the gaps between their set bits */
	open_reader(&normals, &src, HEADER_SIZE);
	open_reader(&exceptions, &src, exception_base);
	for (v = 0; v < nnormal; v++)
	{
		unsigned	gap = read_value(&normals, NORMAL_BITS);

		if (gap == 0)
		{
			previous ^= value;
			items[item++] = (int32_t) previous;
			value = 0;
			last_bit = 0;
			continue;
		}
		if (gap == MAX_NORMAL_VALUE)
			gap += read_value(&exceptions, EXCEPTION_BITS);
		last_bit += gap;
		if (last_bit > 32)
			return ACOUSTID_ERR_BIT_OVERFLOW;
		value |= UINT32_C(1) << (last_bit - 1);
	}
	return ACOUSTID_OK;
}

/* ---------- writing ---------- */

/* Turns bytes into base64 text, three bytes at a time (or keeps them as they are: raw). */
typedef struct text_sink
{
	char	   *out;
	size_t		len;
	uint32_t	pending;
	int			npending;
	uint64_t	bits;			/* bit packer feeding the sink, least significant first */
	int			nbits;
	int			raw;
} text_sink;

static void
sink_byte(text_sink *sink, unsigned byte)
{
	if (sink->raw)
	{
		sink->out[sink->len++] = (char) (byte & 0xFF);
		return;
	}
	sink->pending = (sink->pending << 8) | (byte & 0xFF);
	if (++sink->npending < 3)
		return;
	sink->out[sink->len++] = base64_alphabet[(sink->pending >> 18) & 63];
	sink->out[sink->len++] = base64_alphabet[(sink->pending >> 12) & 63];
	sink->out[sink->len++] = base64_alphabet[(sink->pending >> 6) & 63];
	sink->out[sink->len++] = base64_alphabet[sink->pending & 63];
	sink->pending = 0;
	sink->npending = 0;
}

static void
sink_finish(text_sink *sink)
{
	uint32_t	group = sink->pending << (8 * (3 - sink->npending));
	int			nchars = sink->npending + 1;
	int			i;

	if (sink->npending == 0)
		return;
	for (i = 0; i < nchars; i++)
		sink->out[sink->len++] = base64_alphabet[(group >> (18 - 6 * i)) & 63];
}

/* Packs a value; whole bytes leave four at a time (a byte at a time cost half the encoding). */
static inline void
sink_value(text_sink *sink, unsigned value, int width)
{
	sink->bits |= (uint64_t) value << sink->nbits;
	sink->nbits += width;
	if (sink->nbits >= 32)
	{
		uint32_t	word = (uint32_t) sink->bits;

		if (sink->raw)
		{
			char	   *out = sink->out + sink->len;

			out[0] = (char) (word & 0xFF);
			out[1] = (char) ((word >> 8) & 0xFF);
			out[2] = (char) ((word >> 16) & 0xFF);
			out[3] = (char) (word >> 24);
			sink->len += 4;
		}
		else
		{
			sink_byte(sink, word & 0xFF);
			sink_byte(sink, (word >> 8) & 0xFF);
			sink_byte(sink, (word >> 16) & 0xFF);
			sink_byte(sink, word >> 24);
		}
		sink->bits >>= 32;
		sink->nbits -= 32;
	}
}

/* Pads the current packed stream to a whole byte. */
static void
sink_align(text_sink *sink)
{
	while (sink->nbits > 0)
	{
		sink_byte(sink, (unsigned) (sink->bits & 0xFF));
		sink->bits >>= 8;
		sink->nbits -= 8;
	}
	sink->bits = 0;
	sink->nbits = 0;
}

/*
 * Writes one stream: the 3-bit gaps (escaping gaps of 7 or more as 7), or
 * the 5-bit remainders of the escaped gaps.
 */
static void
sink_stream(text_sink *sink, const int32_t *items, size_t count, int exceptions)
{
	uint32_t	previous = 0;
	size_t		i;

	for (i = 0; i < count; i++)
	{
		uint32_t	diff = (uint32_t) items[i] ^ previous;
		unsigned	last_bit = 0;

		previous = (uint32_t) items[i];
		while (diff != 0)
		{
			unsigned	bit = (unsigned) __builtin_ctz(diff) + 1;
			unsigned	gap = bit - last_bit;

			if (!exceptions)
				sink_value(sink, gap < MAX_NORMAL_VALUE ? gap : MAX_NORMAL_VALUE, NORMAL_BITS);
			else if (gap >= MAX_NORMAL_VALUE)
				sink_value(sink, gap - MAX_NORMAL_VALUE, EXCEPTION_BITS);
			last_bit = bit;
			diff &= diff - 1;
		}
		if (!exceptions)
			sink_value(sink, 0, NORMAL_BITS);
	}
	sink_align(sink);
}

size_t
acoustid_core_encoded_size_bound(size_t count)
{
	/* per item: at most 33 3-bit values and 4 escapes (gaps sum to <= 32) */
	size_t		nbytes = HEADER_SIZE + (count * 33 * NORMAL_BITS + 7) / 8 +
		(count * 4 * EXCEPTION_BITS + 7) / 8;

	return (nbytes + 2) / 3 * 4;
}

size_t
acoustid_core_encoded_bytes_bound(size_t count)
{
	return HEADER_SIZE + (count * 33 * NORMAL_BITS + 7) / 8 + (count * 4 * EXCEPTION_BITS + 7) / 8;
}

static acoustid_status
encode_into(const int32_t *items, size_t count, int algorithm, char *out, size_t *out_len,
			int raw)
{
	text_sink	sink;

	if (algorithm < 0 || algorithm > ACOUSTID_MAX_ALGORITHM)
		return ACOUSTID_ERR_BAD_ALGORITHM;
	if (count > ACOUSTID_MAX_ITEMS)
		return ACOUSTID_ERR_TOO_LONG;

	memset(&sink, 0, sizeof(sink));
	sink.out = out;
	sink.raw = raw;
	sink_byte(&sink, (unsigned) algorithm);
	sink_byte(&sink, (unsigned) (count >> 16));
	sink_byte(&sink, (unsigned) (count >> 8));
	sink_byte(&sink, (unsigned) count);
	sink_stream(&sink, items, count, 0);
	sink_stream(&sink, items, count, 1);
	sink_finish(&sink);
	*out_len = sink.len;
	return ACOUSTID_OK;
}

acoustid_status
acoustid_core_encode(const int32_t *items, size_t count, int algorithm,
				char *out, size_t *out_len)
{
	return encode_into(items, count, algorithm, out, out_len, 0);
}

acoustid_status
acoustid_core_encode_bytes(const int32_t *items, size_t count, int algorithm,
					  unsigned char *out, size_t *out_len)
{
	return encode_into(items, count, algorithm, (char *) out, out_len, 1);
}
