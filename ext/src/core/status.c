/*
 * status.c
 *		Messages for the core's status codes, shared by SQL and Python so that
 *		both report a bad input in the same words.
 */
#include "acoustid_core.h"

const char *
acoustid_core_status_message(acoustid_status status)
{
	switch (status)
	{
		case ACOUSTID_OK:
			return "no error";
		case ACOUSTID_ERR_BAD_CHARACTER:
			return "compressed fingerprint contains a character outside the URL-safe base64 alphabet";
		case ACOUSTID_ERR_BAD_LENGTH:
			return "compressed fingerprint has an impossible base64 length";
		case ACOUSTID_ERR_SHORT_HEADER:
			return "compressed fingerprint is shorter than its 4-byte header";
		case ACOUSTID_ERR_MISSING_ZEROS:
			return "compressed fingerprint ends before the item count in its header";
		case ACOUSTID_ERR_MISSING_EXCEPTIONS:
			return "compressed fingerprint is missing part of its 5-bit stream";
		case ACOUSTID_ERR_BIT_OVERFLOW:
			return "compressed fingerprint sets a bit past position 32";
		case ACOUSTID_ERR_BAD_ALGORITHM:
			return "fingerprint algorithm must be between 0 and " ACOUSTID_STRINGIFY(ACOUSTID_MAX_ALGORITHM);
		case ACOUSTID_ERR_TOO_LONG:
			return "fingerprint has more than " ACOUSTID_STRINGIFY(ACOUSTID_MAX_ITEMS)
				" items, the most a compressed string can hold";
		case ACOUSTID_ERR_TOO_MUCH_WORK:
			return "acoustid_compare3 would examine more than 4000000000 item pairs; pass a smaller maxoffset";
		case ACOUSTID_ERR_NO_MEMORY:
			return "out of memory";
	}
	return "unknown error";
}
