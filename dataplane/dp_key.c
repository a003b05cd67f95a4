/**
 * @file
 * Conflation keys: the value of one JSON member of a message, hashed, so
 * that a slow subscriber's queue keeps one message per key.
 *
 * dp_gw_deliver (conflate policy, queue not empty) -> dp_conflate_key.
 */
#include <string.h>

#include "dp_key.h"

/*
 * A scan, not a parser: strings are skipped with their escapes, a name is
 * a string followed by ':', and the value ends at its closing quote or at
 * ',', '}', ']' or white space.
 */
uint32_t dp_conflate_key(const uint8_t *p, size_t n, const char *field)
{
	size_t flen = strlen(field);

	for (size_t i = 0; i < n; i++) {
		size_t start, end, v;
		uint64_t hv;
		uint32_t h;

		if (p[i] != '"')
			continue;
		start = ++i;
		while (i < n && p[i] != '"')
			i += p[i] == '\\' ? 2 : 1;
		if (i >= n)
			return 0;
		end = i;
		v = i + 1;
		while (v < n && (p[v] == ' ' || p[v] == '\t' || p[v] == '\r' ||
					p[v] == '\n'))
			v++;
		if (v >= n || p[v] != ':')
			continue;          /* a value, not a name */
		if (end - start != flen || memcmp(p + start, field, flen) != 0)
			continue;
		v++;
		while (v < n && (p[v] == ' ' || p[v] == '\t' || p[v] == '\r' ||
					p[v] == '\n'))
			v++;
		if (v >= n)
			return 0;
		start = v;
		if (p[v] == '"') {
			for (v++; v < n && p[v] != '"'; v += p[v] == '\\' ? 2 : 1)
				;
			if (v >= n)
				return 0;
			end = v + 1;
		} else {
			while (v < n && p[v] != ',' && p[v] != '}' &&
					p[v] != ']' && p[v] != ' ' && p[v] != '\n')
				v++;
			end = v;
		}
		hv = dp_fnv1a64(p + start, end - start);
		h = (uint32_t)(hv ^ (hv >> 32));
		return h != 0 ? h : 1;
	}
	return 0;
}

