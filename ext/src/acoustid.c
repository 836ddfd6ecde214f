/*
 * acoustid.c
 *		SQL-callable wrappers around the pure-C core: argument checks, memory,
 *		and turning core status codes into ERRORs with proper SQLSTATEs.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "core/acoustid_core.h"
#include "extension/cube/cubedata.h"

PG_MODULE_MAGIC;

/* compare2 scratch tables; a backend runs one query at a time */
static acoustid_workspace compare2_workspace;

void		_PG_init(void);

static void
check_for_interrupts(void)
{
	CHECK_FOR_INTERRUPTS();
}

void
_PG_init(void)
{
	acoustid_interrupt_hook = check_for_interrupts;
}

/*
 * The items of a fingerprint argument.  Lower bounds are ignored; NULL
 * elements and more than one dimension are refused.
 */
static int32 *
fingerprint_items(ArrayType *array, size_t *nitems)
{
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("array must be one-dimensional")));
	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls")));
	if (ARR_ELEMTYPE(array) != INT4OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("fingerprint must be an int4[] array")));
	*nitems = (size_t) ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));
	return (int32 *) ARR_DATA_PTR(array);
}

/* A one-dimensional int4[] holding a copy of items ('{}' when empty). */
static ArrayType *
int4_array(const int32 *items, size_t nitems)
{
	ArrayType  *result;
	Size		nbytes;

	if (nitems == 0)
		return construct_empty_array(INT4OID);
	nbytes = ARR_OVERHEAD_NONULLS(1) + sizeof(int32) * nitems;
	result = (ArrayType *) palloc0(nbytes);
	SET_VARSIZE(result, nbytes);
	result->ndim = 1;
	result->dataoffset = 0;
	result->elemtype = INT4OID;
	ARR_DIMS(result)[0] = (int) nitems;
	ARR_LBOUND(result)[0] = 1;
	memcpy(ARR_DATA_PTR(result), items, sizeof(int32) * nitems);
	return result;
}

static void
report_decode_error(acoustid_status status)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid compressed fingerprint: %s",
					acoustid_core_status_message(status))));
}

/* acoustid_compare(a, b): share of items matching within 120 positions */
PG_FUNCTION_INFO_V1(acoustid_compare);
Datum
acoustid_compare(PG_FUNCTION_ARGS)
{
	size_t		asize,
				bsize;
	int32	   *a = fingerprint_items(PG_GETARG_ARRAYTYPE_P(0), &asize);
	int32	   *b = fingerprint_items(PG_GETARG_ARRAYTYPE_P(1), &bsize);

	PG_RETURN_FLOAT4(acoustid_core_compare(a, asize, b, bsize));
}

/* acoustid_compare2(a, b, maxoffset): AcoustID's production similarity */
PG_FUNCTION_INFO_V1(acoustid_compare2);
Datum
acoustid_compare2(PG_FUNCTION_ARGS)
{
	size_t		asize,
				bsize;
	int32	   *a = fingerprint_items(PG_GETARG_ARRAYTYPE_P(0), &asize);
	int32	   *b = fingerprint_items(PG_GETARG_ARRAYTYPE_P(1), &bsize);
	int32		maxoffset = PG_NARGS() > 2 ? PG_GETARG_INT32(2) : 0;

	PG_RETURN_FLOAT4(acoustid_core_compare2(a, asize, b, bsize, maxoffset,
									   &compare2_workspace));
}

/* acoustid_compare3(a, b, maxoffset): weighted bit agreement per offset */
PG_FUNCTION_INFO_V1(acoustid_compare3);
Datum
acoustid_compare3(PG_FUNCTION_ARGS)
{
	size_t		asize,
				bsize;
	int32	   *a = fingerprint_items(PG_GETARG_ARRAYTYPE_P(0), &asize);
	int32	   *b = fingerprint_items(PG_GETARG_ARRAYTYPE_P(1), &bsize);
	int32		maxoffset = PG_NARGS() > 2 ? PG_GETARG_INT32(2) : -1;
	int64	   *counts;
	float		score;
	acoustid_status status;

	/* refuse oversized work before allocating for it */
	if (acoustid_core_compare3_pairs(asize, bsize, maxoffset) > ACOUSTID_COMPARE3_MAX_PAIRS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s", acoustid_core_status_message(ACOUSTID_ERR_TOO_MUCH_WORK))));
	counts = palloc_extended(acoustid_core_compare3_counts_size(asize, bsize) * sizeof(int64),
							 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	status = acoustid_core_compare3(a, asize, b, bsize, maxoffset, counts, &score);
	pfree(counts);
	if (status != ACOUSTID_OK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s", acoustid_core_status_message(status))));
	PG_RETURN_FLOAT4(score);
}

/* acoustid_extract_query(fp): the at most 120 index terms of a fingerprint */
PG_FUNCTION_INFO_V1(acoustid_extract_query);
Datum
acoustid_extract_query(PG_FUNCTION_ARGS)
{
	size_t		size;
	int32	   *fp = fingerprint_items(PG_GETARG_ARRAYTYPE_P(0), &size);
	int32		query[ACOUSTID_QUERY_LENGTH];
	size_t		nterms = acoustid_core_extract_query(fp, size, query);

	PG_RETURN_ARRAYTYPE_P(int4_array(query, nterms));
}

/* acoustid_simhash(fp): majority vote of each bit over the items */
PG_FUNCTION_INFO_V1(acoustid_simhash);
Datum
acoustid_simhash(PG_FUNCTION_ARGS)
{
	size_t		size;
	int32	   *fp = fingerprint_items(PG_GETARG_ARRAYTYPE_P(0), &size);

	PG_RETURN_INT32(acoustid_core_simhash(fp, size));
}

/*
 * acoustid_simhash_cube(fp): the simhash as a 32-dimensional 0/1 point.
 * Declared by the companion extension acoustid_cube (it needs cube's type);
 * the code lives here so that one library serves both.
 */
PG_FUNCTION_INFO_V1(acoustid_simhash_cube);
Datum
acoustid_simhash_cube(PG_FUNCTION_ARGS)
{
	size_t		size;
	int32	   *fp = fingerprint_items(PG_GETARG_ARRAYTYPE_P(0), &size);
	uint32		hash = (uint32) acoustid_core_simhash(fp, size);
	Size		nbytes = POINT_SIZE(ACOUSTID_SIMHASH_BITS);
	NDBOX	   *point = palloc0(nbytes);
	int			bit;

	SET_VARSIZE(point, nbytes);
	SET_POINT_BIT(point);
	SET_DIM(point, ACOUSTID_SIMHASH_BITS);
	for (bit = 0; bit < ACOUSTID_SIMHASH_BITS; bit++)
		point->x[bit] = (hash >> bit) & 1;
	PG_RETURN_NDBOX_P(point);
}

/* acoustid_decode_fingerprint(text): fpcalc's compressed string to int4[] */
PG_FUNCTION_INFO_V1(acoustid_decode_fingerprint);
Datum
acoustid_decode_fingerprint(PG_FUNCTION_ARGS)
{
	text	   *input = PG_GETARG_TEXT_PP(0);
	const char *chars = VARDATA_ANY(input);
	size_t		len = VARSIZE_ANY_EXHDR(input);
	int			algorithm;
	size_t		count;
	int32	   *items;
	ArrayType  *result;
	acoustid_status status = acoustid_core_decode_header(chars, len, &algorithm, &count);

	if (status != ACOUSTID_OK)
		report_decode_error(status);
	if (count == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT4OID));
	items = palloc(sizeof(int32) * count);
	status = acoustid_core_decode(chars, len, items, count);
	if (status != ACOUSTID_OK)
		report_decode_error(status);
	result = int4_array(items, count);
	pfree(items);
	PG_RETURN_ARRAYTYPE_P(result);
}

/* More items than the compressed format's header can count: refused (54000). */
static void
check_item_count(size_t size)
{
	if (size > ACOUSTID_MAX_ITEMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s", acoustid_core_status_message(ACOUSTID_ERR_TOO_LONG))));
}

/* What both encoders refuse: an algorithm the header cannot hold, too many items. */
static void
check_encodable(int32 algorithm, size_t size)
{
	if (algorithm < 0 || algorithm > ACOUSTID_MAX_ALGORITHM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fingerprint algorithm must be between 0 and %d, not %d",
						ACOUSTID_MAX_ALGORITHM, algorithm)));
	check_item_count(size);
}

/* acoustid_encode_fingerprint(fp, algorithm): int4[] to fpcalc's string */
PG_FUNCTION_INFO_V1(acoustid_encode_fingerprint);
Datum
acoustid_encode_fingerprint(PG_FUNCTION_ARGS)
{
	size_t		size;
	int32	   *fp = fingerprint_items(PG_GETARG_ARRAYTYPE_P(0), &size);
	int32		algorithm = PG_NARGS() > 1 ? PG_GETARG_INT32(1) : 1;
	text	   *result;
	size_t		len = 0;
	acoustid_status status;

	check_encodable(algorithm, size);
	result = palloc(VARHDRSZ + acoustid_core_encoded_size_bound(size));
	status = acoustid_core_encode(fp, size, algorithm, VARDATA(result), &len);
	if (status != ACOUSTID_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", acoustid_core_status_message(status))));
	SET_VARSIZE(result, VARHDRSZ + len);
	PG_RETURN_TEXT_P(result);
}

/* acoustid_fingerprint_algorithm(text): the algorithm byte of a string */
PG_FUNCTION_INFO_V1(acoustid_fingerprint_algorithm);
Datum
acoustid_fingerprint_algorithm(PG_FUNCTION_ARGS)
{
	text	   *input = PG_GETARG_TEXT_PP(0);
	int			algorithm;
	size_t		count;
	acoustid_status status = acoustid_core_decode_header(VARDATA_ANY(input),
													VARSIZE_ANY_EXHDR(input),
													&algorithm, &count);

	if (status != ACOUSTID_OK)
		report_decode_error(status);
	PG_RETURN_INT32(algorithm);
}

/*
 * acoustid_encode_fingerprint_bytes(fp, algorithm): int4[] to Chromaprint's
 * compressed bytes, the string without its base64 (what fingerprint_data
 * stores), without a round trip through text.
 */
PG_FUNCTION_INFO_V1(acoustid_encode_fingerprint_bytes);
Datum
acoustid_encode_fingerprint_bytes(PG_FUNCTION_ARGS)
{
	size_t		size;
	int32	   *fp = fingerprint_items(PG_GETARG_ARRAYTYPE_P(0), &size);
	int32		algorithm = PG_GETARG_INT32(1);
	bytea	   *result;
	size_t		len = 0;
	acoustid_status status;

	check_encodable(algorithm, size);
	result = palloc(VARHDRSZ + acoustid_core_encoded_bytes_bound(size));
	status = acoustid_core_encode_bytes(fp, size, algorithm,
										(unsigned char *) VARDATA(result), &len);
	if (status != ACOUSTID_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", acoustid_core_status_message(status))));
	SET_VARSIZE(result, VARHDRSZ + len);
	PG_RETURN_BYTEA_P(result);
}

/* acoustid_distinct_items(fp): how many different items fp holds */
PG_FUNCTION_INFO_V1(acoustid_distinct_items);
Datum
acoustid_distinct_items(PG_FUNCTION_ARGS)
{
	size_t		size;
	int32	   *fp = fingerprint_items(PG_GETARG_ARRAYTYPE_P(0), &size);
	size_t		table_size;
	uint32	   *table;
	size_t		distinct;

	check_item_count(size);
	table_size = acoustid_core_distinct_table_size(size);
	table = palloc0(sizeof(uint32) * table_size);
	distinct = acoustid_core_distinct_items(fp, size, table, table_size);
	pfree(table);
	PG_RETURN_INT32((int32) distinct);
}
