/*
 * dense_module.c
 *		Benchmark-only SQL wrapper around the spec-literal dense compare2
 *		(ext/test/core/dense_compare2.c), so that the reference algorithm's
 *		speed is measured in the same backend, in the same run, as ours.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"

#include "dense_compare2.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(dense_compare2_sql);
Datum
dense_compare2_sql(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);

	PG_RETURN_FLOAT4(dense_compare2((int32 *) ARR_DATA_PTR(a),
									ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a)),
									(int32 *) ARR_DATA_PTR(b),
									ArrayGetNItems(ARR_NDIM(b), ARR_DIMS(b)),
									PG_GETARG_INT32(2)));
}
