/*
 * _copy_rows.h
 *		The bulk loader's binary COPY rows (see _copy_rows.c): bounds, and the
 *		one call that writes a run of rows of both streams.
 */
#ifndef ACOUSTID_COPY_ROWS_H
#define ACOUSTID_COPY_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "acoustid_core.h"

/* Most bytes one row of `count` items takes in each stream. */
extern size_t acoustid_copy_fingerprint_bound(size_t count);
extern size_t acoustid_copy_data_bound(size_t count);

/*
 * Rows 0..nrows-1: row r's items are items[offsets[r] .. offsets[r+1]); a
 * bitrate of 0 is written as NULL.  The outputs must hold the sum of the
 * bounds; the lengths written come back in *fingerprint_len and *data_len.
 */
extern acoustid_status acoustid_copy_rows(const int32_t *items, const uint64_t *offsets,
										  size_t nrows, const int32_t *ids,
										  const int32_t *track_ids, const int16_t *lengths,
										  const int16_t *bitrates,
										  unsigned char *fingerprint_out,
										  size_t *fingerprint_len, unsigned char *data_out,
										  size_t *data_len);

#endif							/* ACOUSTID_COPY_ROWS_H */
