"""cffi build script: compiles the extension's pure-C core into acoustid_pg._core.

The sources are the very files the PostgreSQL module is built from, so SQL and
Python run one implementation of every algorithm; ``_copy_rows.c`` (the bulk
loader's binary COPY rows) is the package's own.
"""

from __future__ import annotations

from pathlib import Path

from cffi import FFI

ROOT = Path(__file__).resolve().parents[2]
CORE_DIR = ROOT / "ext" / "src" / "core"
PACKAGE_DIR = ROOT / "python" / "acoustid_pg"

CDEF = """
typedef enum acoustid_status {
    ACOUSTID_OK, ACOUSTID_ERR_BAD_CHARACTER, ACOUSTID_ERR_BAD_LENGTH, ACOUSTID_ERR_SHORT_HEADER,
    ACOUSTID_ERR_MISSING_ZEROS, ACOUSTID_ERR_MISSING_EXCEPTIONS, ACOUSTID_ERR_BIT_OVERFLOW,
    ACOUSTID_ERR_BAD_ALGORITHM, ACOUSTID_ERR_TOO_LONG, ACOUSTID_ERR_TOO_MUCH_WORK,
    ACOUSTID_ERR_NO_MEMORY, ...
} acoustid_status;
typedef struct acoustid_workspace acoustid_workspace;
#define ACOUSTID_QUERY_LENGTH ...
#define ACOUSTID_MAX_ALGORITHM ...
#define ACOUSTID_MAX_ITEMS ...
#define ACOUSTID_SIMHASH_BITS ...
#define ACOUSTID_COMPARE3_MAX_PAIRS ...

const char *acoustid_core_status_message(acoustid_status status);
size_t acoustid_core_workspace_size(void);
float acoustid_core_compare(const int32_t *a, size_t asize, const int32_t *b, size_t bsize);
float acoustid_core_compare2(const int32_t *a, size_t asize, const int32_t *b, size_t bsize,
                             int32_t maxoffset, acoustid_workspace *ws);
size_t acoustid_core_compare3_counts_size(size_t asize, size_t bsize);
int64_t acoustid_core_compare3_pairs(size_t asize, size_t bsize, int32_t maxoffset);
acoustid_status acoustid_core_compare3(const int32_t *a, size_t asize, const int32_t *b,
                                       size_t bsize, int32_t maxoffset, int64_t *counts,
                                       float *score);
size_t acoustid_core_extract_query(const int32_t *fp, size_t size, int32_t *query);
int32_t acoustid_core_simhash(const int32_t *fp, size_t size);
acoustid_status acoustid_core_decode_header(const char *text, size_t len, int *algorithm,
                                            size_t *count);
acoustid_status acoustid_core_decode(const char *text, size_t len, int32_t *items, size_t count);
size_t acoustid_core_encoded_size_bound(size_t count);
acoustid_status acoustid_core_encode(const int32_t *items, size_t count, int algorithm,
                                     char *out, size_t *out_len);
size_t acoustid_core_encoded_bytes_bound(size_t count);
acoustid_status acoustid_core_encode_bytes(const int32_t *items, size_t count, int algorithm,
                                           unsigned char *out, size_t *out_len);

size_t acoustid_copy_fingerprint_bound(size_t count);
size_t acoustid_copy_data_bound(size_t count);
acoustid_status acoustid_copy_rows(const int32_t *items, const uint64_t *offsets, size_t nrows,
                                   const int32_t *ids, const int32_t *track_ids,
                                   const int16_t *lengths, const int16_t *bitrates,
                                   unsigned char *fingerprint_out, size_t *fingerprint_len,
                                   unsigned char *data_out, size_t *data_len);
"""

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source(
    "acoustid_pg._core",
    '#include "acoustid_core.h"\n#include "_copy_rows.h"',
    sources=[
        *(str(path.relative_to(ROOT)) for path in sorted(CORE_DIR.glob("*.c"))),
        str((PACKAGE_DIR / "_copy_rows.c").relative_to(ROOT)),
    ],
    include_dirs=[str(CORE_DIR.relative_to(ROOT)), str(PACKAGE_DIR.relative_to(ROOT))],
    extra_compile_args=["-std=c99", "-O2"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
