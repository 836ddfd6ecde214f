/* dense_compare2.h: the spec-literal compare2 used as a test yardstick. */
#ifndef DENSE_COMPARE2_H
#define DENSE_COMPARE2_H

#include <stdint.h>

extern float dense_compare2(const int32_t *a, int asize, const int32_t *b,
							int bsize, int maxoffset);

#endif
