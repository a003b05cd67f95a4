/**
 * @file
 * The incremental HTTP/1.1 head parser both handshake roles share
 * (request line for the server, status line for the client), field
 * look-ups, list walkers, the response writer and Sec-WebSocket-Accept.
 *
 * ws_hs_parse() alternates ws_hs_span(), which takes the run of bytes
 * that leaves the state as it is (a field name, a value, the target) in
 * one go, and ws_hs_byte(), one switch over the parser state for the byte
 * that ends the run; a head split anywhere resumes where it stopped. The
 * bytes are copied into the caller's buffer (its size bounds the head:
 * 431) and fields are recorded as offsets into it; nothing is allocated.
 */
#include <pthread.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <openssl/evp.h>

#include "ws_hs_priv.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* Byte classes of the head, one table look-up per byte. */
enum {
	WS_C_TCHAR = 1,    /* RFC 9110 tchar */
	WS_C_VALUE = 2,    /* field-value byte: VCHAR, obs-text, SP, HTAB */
	WS_C_TARGET = 4,   /* request-target byte: VCHAR */
};

#define WS_IS_TCHAR(c) (((c) >= '0' && (c) <= '9') || \
	((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z') || \
	(c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' || (c) == '&' || \
	(c) == '\'' || (c) == '*' || (c) == '+' || (c) == '-' || (c) == '.' || \
	(c) == '^' || (c) == '_' || (c) == '`' || (c) == '|' || (c) == '~')
#define WS_CLS(c) ((WS_IS_TCHAR(c) ? WS_C_TCHAR : 0) | \
	((c) == '\t' || ((c) >= ' ' && (c) != 0x7f) ? WS_C_VALUE : 0) | \
	((c) > ' ' && (c) < 0x7f ? WS_C_TARGET : 0))
#define WS_CLS4(c) WS_CLS(c), WS_CLS((c) + 1), WS_CLS((c) + 2), WS_CLS((c) + 3)
#define WS_CLS16(c) WS_CLS4(c), WS_CLS4((c) + 4), WS_CLS4((c) + 8), \
	WS_CLS4((c) + 12)
#define WS_CLS64(c) WS_CLS16(c), WS_CLS16((c) + 16), WS_CLS16((c) + 32), \
	WS_CLS16((c) + 48)

static const uint8_t ws_cls[256] = {
	WS_CLS64(0), WS_CLS64(64), WS_CLS64(128), WS_CLS64(192)
};

static bool ws_tchar(uint8_t c)
{
	return (ws_cls[c] & WS_C_TCHAR) != 0;
}

/* Field-value bytes other than whitespace: VCHAR and obs-text. */
static bool ws_vchar(uint8_t c)
{
	return c > 0x20 && (ws_cls[c] & WS_C_VALUE) != 0;
}

static bool ws_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

bool ws_is_token(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!ws_tchar((uint8_t)s[i]))
			return false;
	return true;
}

bool ws_ieq(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

void ws_hs_init(struct ws_hs *hs, enum ws_role role, uint8_t *buf,
		size_t cap, uint16_t max_line, uint16_t max_fields)
{
	/* fields[] is written as n_fields grows. */
	memset(hs, 0, offsetof(struct ws_hs, fields));
	hs->role = (uint8_t)role;
	hs->buf = buf;
	hs->cap = (uint16_t)(cap > UINT16_MAX ? UINT16_MAX : cap);
	hs->max_line = max_line;
	hs->max_fields = max_fields > WS_HS_MAX_FIELDS ? WS_HS_MAX_FIELDS :
		max_fields;
}

static int ws_hs_refuse(struct ws_hs *hs, uint16_t status, const char *why)
{
	hs->status = status;
	hs->why = why;
	hs->state = WS_HS_FAILED;
	return hs->role == WS_ROLE_SERVER ? -WS_ERR_HTTP : -WS_ERR_HANDSHAKE;
}

/* "HTTP/x.y" at @p off, @p len bytes. */
static int ws_hs_version(struct ws_hs *hs, uint16_t off, size_t len)
{
	const char *v = ws_hs_str(hs, off);

	if (len != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
			v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return ws_hs_refuse(hs, 400, "malformed HTTP version");
	hs->http_major = (uint8_t)(v[5] - '0');
	hs->http_minor = (uint8_t)(v[7] - '0');
	if (hs->http_major != 1)
		return ws_hs_refuse(hs, 505, "HTTP/1.x only");
	return 0;
}

static int ws_hs_new_field(struct ws_hs *hs, uint16_t pos)
{
	struct ws_http_field *f;

	if (hs->n_fields >= hs->max_fields)
		return ws_hs_refuse(hs, 431, "too many header fields");
	f = &hs->fields[hs->n_fields++];
	f->name = hs->tok;
	f->name_len = (uint16_t)(pos - hs->tok);
	f->value = (uint16_t)(pos + 1);
	f->value_len = 0;
	return 0;
}

/* The start line: request line (server) or status line (client). */
static int ws_hs_start_line(struct ws_hs *hs, uint8_t ch, uint16_t pos)
{
	switch (hs->state) {
	case WS_HS_START:
		hs->tok = pos;
		if (hs->role == WS_ROLE_CLIENT) {
			hs->state = WS_HS_RESP_VERSION;
			return 0;
		}
		hs->state = WS_HS_METHOD;
		return ws_tchar(ch) ? 0 : ws_hs_refuse(hs, 400, "bad method");
	case WS_HS_METHOD:
		if (ws_tchar(ch))
			return 0;
		if (ch != ' ')
			return ws_hs_refuse(hs, 400, "bad method");
		hs->method = hs->tok;
		hs->method_len = (uint16_t)(pos - hs->tok);
		hs->tok = (uint16_t)(pos + 1);
		hs->state = WS_HS_TARGET;
		return 0;
	case WS_HS_TARGET:
		if (ch > 0x20 && ch < 0x7f)
			return 0;
		if (ch != ' ' || pos == hs->tok || hs->buf[hs->tok] != '/')
			return ws_hs_refuse(hs, 400, "bad request target");
		hs->target = hs->tok;
		hs->target_len = (uint16_t)(pos - hs->tok);
		hs->tok = (uint16_t)(pos + 1);
		hs->state = WS_HS_REQ_VERSION;
		return 0;
	case WS_HS_REQ_VERSION:
	case WS_HS_RESP_VERSION:
		if (ch != (hs->state == WS_HS_REQ_VERSION ? '\r' : ' '))
			return pos - hs->tok < 8 ? 0 :
				ws_hs_refuse(hs, 400, "malformed HTTP version");
		hs->state = hs->state == WS_HS_REQ_VERSION ? WS_HS_LINE_LF :
			WS_HS_RESP_STATUS;
		return ws_hs_version(hs, hs->tok, (size_t)(pos - hs->tok));
	case WS_HS_RESP_STATUS:
		if (ch >= '0' && ch <= '9' && hs->status < 100) {
			hs->status = (uint16_t)(hs->status * 10 + (ch - '0'));
			return 0;
		}
		if (ch != ' ' || hs->status < 100)
			return ws_hs_refuse(hs, 0, "malformed status");
		hs->state = WS_HS_RESP_REASON;
		return 0;
	case WS_HS_RESP_REASON:
		if (ch == '\r') {
			hs->state = WS_HS_LINE_LF;
			return 0;
		}
		return ws_vchar(ch) || ws_ows(ch) ? 0 :
			ws_hs_refuse(hs, 0, "malformed reason phrase");
	default:   /* WS_HS_LINE_LF */
		if (ch != '\n')
			return ws_hs_refuse(hs, 400, "bare CR in start line");
		hs->state = WS_HS_FIELD_START;
		return 0;
	}
}

/* Field lines and the empty line that ends the head. */
static int ws_hs_field_line(struct ws_hs *hs, uint8_t ch, uint16_t pos)
{
	struct ws_http_field *f;

	switch (hs->state) {
	case WS_HS_FIELD_START:
		hs->tok = pos;
		if (ch == '\r') {
			hs->state = WS_HS_END_LF;
			return 0;
		}
		if (!ws_tchar(ch))   /* obs-fold and stray bytes alike */
			return ws_hs_refuse(hs, 400, "bad header field");
		hs->state = WS_HS_FIELD_NAME;
		return 0;
	case WS_HS_FIELD_NAME:
		if (ws_tchar(ch))
			return 0;
		if (ch != ':')
			return ws_hs_refuse(hs, 400, "bad header field name");
		hs->state = WS_HS_FIELD_OWS;
		return ws_hs_new_field(hs, pos);
	case WS_HS_FIELD_OWS:
	case WS_HS_FIELD_VALUE:
		f = &hs->fields[hs->n_fields - 1];
		if (ch == '\r') {
			hs->state = WS_HS_FIELD_LF;
			return 0;
		}
		if (ws_ows(ch)) {
			if (hs->state == WS_HS_FIELD_OWS)
				f->value = (uint16_t)(pos + 1);
			return 0;
		}
		if (!ws_vchar(ch))
			return ws_hs_refuse(hs, 400, "bad header field value");
		hs->state = WS_HS_FIELD_VALUE;
		f->value_len = (uint16_t)(pos + 1 - f->value);
		return 0;
	case WS_HS_FIELD_LF:
		if (ch != '\n')
			return ws_hs_refuse(hs, 400, "bare CR in header");
		hs->state = WS_HS_FIELD_START;
		return 0;
	default:   /* WS_HS_END_LF */
		if (ch != '\n')
			return ws_hs_refuse(hs, 400, "bare CR at end of head");
		hs->state = WS_HS_DONE;
		return 0;
	}
}

static int ws_hs_byte(struct ws_hs *hs, uint8_t ch)
{
	uint16_t pos = hs->len;

	if (pos == hs->cap)
		return ws_hs_refuse(hs, hs->state < WS_HS_FIELD_START ? 414 : 431,
				"request head too large");
	hs->buf[hs->len++] = ch;
	if (hs->state >= WS_HS_FIELD_START)
		return ws_hs_field_line(hs, ch, pos);
	if (hs->len > hs->max_line)
		return ws_hs_refuse(hs, 414, "request line too long");
	return ws_hs_start_line(hs, ch, pos);
}

#ifdef __SSE2__
/*
 * Leading bytes of @p d in class @p cls, 16 at a time, stopping in the
 * block where one fails. Names are taken as letters, digits and '-' here
 * (the other tchars are rare): the table loop goes on from the stop.
 */
static size_t ws_span_sse2(const uint8_t *d, size_t n, uint8_t cls)
{
	size_t i;

	for (i = 0; i + 16 <= n; i += 16) {
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(d + i));
		__m128i bad;
		unsigned int m;

		if (cls == WS_C_VALUE) {
			/* Below 0x20 other than HTAB, or DEL. */
			__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(b,
						_mm_set1_epi8(0x1f)), b);

			ctl = _mm_andnot_si128(_mm_cmpeq_epi8(b,
						_mm_set1_epi8('\t')), ctl);
			bad = _mm_or_si128(ctl, _mm_cmpeq_epi8(b,
						_mm_set1_epi8(0x7f)));
		} else if (cls == WS_C_TARGET) {
			/* SP and below, or DEL and above. */
			bad = _mm_or_si128(
				_mm_cmpeq_epi8(_mm_min_epu8(b, _mm_set1_epi8(0x20)), b),
				_mm_cmpeq_epi8(_mm_max_epu8(b, _mm_set1_epi8(0x7f)), b));
		} else {
			/* Signed compares: bytes from 0x80 fail both ranges. */
			__m128i l = _mm_or_si128(b, _mm_set1_epi8(0x20));
			__m128i alpha = _mm_and_si128(
				_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
				_mm_cmpgt_epi8(_mm_set1_epi8('z' + 1), l));
			__m128i digit = _mm_and_si128(
				_mm_cmpgt_epi8(b, _mm_set1_epi8('0' - 1)),
				_mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), b));
			__m128i good = _mm_or_si128(_mm_or_si128(alpha, digit),
				_mm_cmpeq_epi8(b, _mm_set1_epi8('-')));

			bad = _mm_xor_si128(good, _mm_set1_epi8(-1));
		}
		m = (unsigned int)_mm_movemask_epi8(bad);
		if (m != 0)
			return i + (size_t)__builtin_ctz(m);
	}
	return i;
}
#endif

/*
 * The run of bytes at @p d that the current state takes without a
 * transition (a name's tchars, a value's bytes, a target), up to the
 * room left: copied in one go, so ws_hs_byte() sees only the byte that
 * ends it, and the limits it checks still apply to that byte.
 */
static size_t ws_hs_span(struct ws_hs *hs, const uint8_t *d, size_t n)
{
	size_t room = (size_t)(hs->cap - hs->len);
	size_t i = 0;
	uint8_t cls;

	switch (hs->state) {
	case WS_HS_FIELD_NAME:
		cls = WS_C_TCHAR;
		break;
	case WS_HS_FIELD_VALUE:
		cls = WS_C_VALUE;
		break;
	case WS_HS_TARGET:
		cls = WS_C_TARGET;
		if (hs->len >= hs->max_line)
			return 0;
		if (room > (size_t)(hs->max_line - hs->len))
			room = (size_t)(hs->max_line - hs->len);
		break;
	default:
		return 0;
	}
	n = n < room ? n : room;
#ifdef __SSE2__
	i = ws_span_sse2(d, n, cls);
#endif
	while (i < n && (ws_cls[d[i]] & cls) != 0)
		i++;
	if (i == 0)
		return 0;
	memcpy(hs->buf + hs->len, d, i);
	if (hs->state == WS_HS_FIELD_VALUE) {
		struct ws_http_field *f = &hs->fields[hs->n_fields - 1];
		size_t end = i;

		while (end > 0 && ws_ows(d[end - 1]))
			end--;
		if (end > 0)
			f->value_len = (uint16_t)(hs->len + end - f->value);
	}
	hs->len = (uint16_t)(hs->len + i);
	return i;
}

int ws_hs_parse(struct ws_hs *hs, const uint8_t *data, size_t len,
		size_t *used)
{
	*used = 0;
	if (hs->state == WS_HS_DONE)
		return 0;
	if (hs->state == WS_HS_FAILED)
		return hs->role == WS_ROLE_SERVER ? -WS_ERR_HTTP : -WS_ERR_HANDSHAKE;
	while (*used < len) {
		int rc;

		*used += ws_hs_span(hs, data + *used, len - *used);
		if (*used == len)
			break;
		rc = ws_hs_byte(hs, data[(*used)++]);
		if (rc != 0)
			return rc;
		if (hs->state == WS_HS_DONE)
			return 0;
	}
	return -WS_ERR_AGAIN;
}

/* Field @p f is named @p name, @p len bytes (case-insensitive). */
static bool ws_hs_named(const struct ws_hs *hs, const struct ws_http_field *f,
		const char *name, size_t len)
{
	return f->name_len == len &&
		strncasecmp(ws_hs_str(hs, f->name), name, len) == 0;
}

const char *ws_hs_field(const struct ws_hs *hs, const char *name,
		unsigned int idx, size_t *len)
{
	size_t nlen = strlen(name);

	for (unsigned int i = 0; i < hs->n_fields; i++) {
		const struct ws_http_field *f = &hs->fields[i];

		if (ws_hs_named(hs, f, name, nlen) && idx-- == 0) {
			*len = f->value_len;
			return ws_hs_str(hs, f->value);
		}
	}
	*len = 0;
	return NULL;
}

unsigned int ws_hs_count(const struct ws_hs *hs, const char *name)
{
	size_t nlen = strlen(name);
	unsigned int n = 0;

	for (unsigned int i = 0; i < hs->n_fields; i++)
		n += ws_hs_named(hs, &hs->fields[i], name, nlen);
	return n;
}

bool ws_list_next(struct ws_list *l, const char **tok, size_t *tlen)
{
	while (l->pos < l->len) {
		size_t start, end;

		while (l->pos < l->len && (ws_ows((uint8_t)l->s[l->pos]) ||
					l->s[l->pos] == ','))
			l->pos++;
		start = l->pos;
		while (l->pos < l->len && l->s[l->pos] != ',')
			l->pos++;
		end = l->pos;
		while (end > start && ws_ows((uint8_t)l->s[end - 1]))
			end--;
		if (end > start) {
			*tok = l->s + start;
			*tlen = end - start;
			return true;
		}
	}
	return false;
}

bool ws_hs_has_token(const struct ws_hs *hs, const char *name,
		const char *token)
{
	const char *v, *tok;
	size_t vlen, tlen;

	for (unsigned int i = 0; (v = ws_hs_field(hs, name, i, &vlen)); i++) {
		struct ws_list l = { v, vlen, 0 };

		while (ws_list_next(&l, &tok, &tlen))
			if (ws_ieq(tok, tlen, token))
				return true;
	}
	return false;
}

/* ---- Extension lists (RFC 6455 section 9.1, RFC 7692 section 7) ---- */

struct ws_ext_cursor {
	const char *s;
	size_t n;
	size_t i;
};

static void ws_ext_ows(struct ws_ext_cursor *x)
{
	while (x->i < x->n && ws_ows((uint8_t)x->s[x->i]))
		x->i++;
}

static size_t ws_ext_token(struct ws_ext_cursor *x)
{
	size_t start = x->i;

	while (x->i < x->n && ws_tchar((uint8_t)x->s[x->i]))
		x->i++;
	return x->i - start;
}

/* A quoted-string, unescaped into @p out (empty when it does not fit). */
static int ws_ext_quoted(struct ws_ext_cursor *x, char *out, size_t cap,
		size_t *len)
{
	size_t n = 0;

	for (x->i++; x->i < x->n; x->i++) {
		char c = x->s[x->i];

		if (c == '"') {
			x->i++;
			*len = n <= cap ? n : 0;
			return 0;
		}
		if (c == '\\' && ++x->i == x->n)
			return -1;
		if (n < cap)
			out[n] = x->s[x->i];
		n++;
	}
	return -1;
}

/* RFC 7692 max-window-bits: 8..15 without leading zeros. */
static uint8_t ws_pmd_bits(const char *v, size_t len)
{
	if (len == 1 && v[0] >= '8' && v[0] <= '9')
		return (uint8_t)(v[0] - '0');
	if (len == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5')
		return (uint8_t)(10 + v[1] - '0');
	return 0;
}

/* One permessage-deflate parameter; false makes the offer invalid. */
static bool ws_pmd_param(struct ws_pmd_offer *o, const char *name,
		size_t nlen, const char *v, size_t vlen, bool has_value)
{
	if (ws_ieq(name, nlen, "server_no_context_takeover") && !has_value &&
			!o->server_no_context_takeover)
		return (o->server_no_context_takeover = 1);
	if (ws_ieq(name, nlen, "client_no_context_takeover") && !has_value &&
			!o->client_no_context_takeover)
		return (o->client_no_context_takeover = 1);
	if (ws_ieq(name, nlen, "server_max_window_bits") && has_value &&
			!o->server_max_window_bits)
		return (o->server_max_window_bits = ws_pmd_bits(v, vlen)) != 0;
	if (ws_ieq(name, nlen, "client_max_window_bits") &&
			!o->client_max_window_bits) {
		o->client_max_window_bits = has_value ? ws_pmd_bits(v, vlen) : 1;
		return o->client_max_window_bits != 0;
	}
	return false;
}

/* "; name[=value]" parameters of one extension, at x->i. */
static int ws_ext_params(struct ws_ext_cursor *x, bool pmd,
		struct ws_pmd_offer *o, bool *ok)
{
	while (x->i < x->n && x->s[x->i] == ';') {
		const char *name, *v = NULL;
		char q[16];
		size_t nlen, vlen = 0;
		bool has_value = false;

		x->i++;
		ws_ext_ows(x);
		name = x->s + x->i;
		nlen = ws_ext_token(x);
		if (nlen == 0)
			return -1;
		ws_ext_ows(x);
		if (x->i < x->n && x->s[x->i] == '=') {
			x->i++;
			ws_ext_ows(x);
			has_value = true;
			if (x->i < x->n && x->s[x->i] == '"') {
				if (ws_ext_quoted(x, q, sizeof(q), &vlen) != 0)
					return -1;
				v = q;
			} else {
				v = x->s + x->i;
				if ((vlen = ws_ext_token(x)) == 0)
					return -1;
			}
			ws_ext_ows(x);
		}
		if (pmd && !ws_pmd_param(o, name, nlen, v, vlen, has_value))
			*ok = false;
	}
	return 0;
}

int ws_ext_walk(const char *s, size_t n,
		int (*cb)(void *arg, const char *name, size_t len,
			const struct ws_pmd_offer *pmd),
		void *arg)
{
	struct ws_ext_cursor x = { s, n, 0 };

	for (;;) {
		struct ws_pmd_offer o = { 0 };
		const char *name;
		size_t nlen;
		bool pmd, ok = true;

		while (x.i < n && (ws_ows((uint8_t)s[x.i]) || s[x.i] == ','))
			x.i++;
		if (x.i == n)
			return 0;
		name = s + x.i;
		if ((nlen = ws_ext_token(&x)) == 0)
			return -1;
		pmd = ws_ieq(name, nlen, "permessage-deflate");
		ws_ext_ows(&x);
		if (ws_ext_params(&x, pmd, &o, &ok) != 0)
			return -1;
		if (x.i < n && s[x.i] != ',')
			return -1;
		if (cb(arg, name, nlen, pmd && ok ? &o : NULL) != 0)
			return -1;
	}
}

/* ---- Writer ---- */

void ws_out_mem(struct ws_out *o, const void *s, size_t n)
{
	if (n <= o->cap && o->len <= o->cap - n)
		memcpy(o->p + o->len, s, n);
	o->len += n;
}

void ws_out_str(struct ws_out *o, const char *s)
{
	ws_out_mem(o, s, strlen(s));
}

void ws_out_uint(struct ws_out *o, unsigned int v)
{
	char d[12];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	ws_out_mem(o, d + i, sizeof(d) - i);
}

void ws_out_field(struct ws_out *o, const char *name, const char *value,
		size_t len)
{
	ws_out_str(o, name);
	ws_out_mem(o, ": ", 2);
	ws_out_mem(o, value, len);
	ws_out_mem(o, "\r\n", 2);
}

int ws_out_end(const struct ws_out *o, size_t *out_len)
{
	if (o->len > o->cap)
		return -WS_ERR_NOSPACE;
	*out_len = o->len;
	return 0;
}

/*
 * SHA-1 fetched from the provider once: EVP_sha1() would repeat the
 * fetch, and its locks, on every digest (and is what is used should the
 * fetch fail).
 */
static EVP_MD *ws_sha1;
static pthread_once_t ws_sha1_once = PTHREAD_ONCE_INIT;

static void ws_sha1_fetch(void)
{
	ws_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
}

int ws_accept_key(const char *key, size_t key_len, char out[29])
{
	unsigned char in[64 + sizeof(ws_guid)];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	const EVP_MD *sha1 = EVP_sha1();

	if (key_len > 64)
		return -WS_ERR_INVAL;
	if (pthread_once(&ws_sha1_once, ws_sha1_fetch) == 0 && ws_sha1 != NULL)
		sha1 = ws_sha1;
	memcpy(in, key, key_len);
	memcpy(in + key_len, ws_guid, sizeof(ws_guid) - 1);
	if (EVP_Digest(in, key_len + sizeof(ws_guid) - 1, md, &md_len,
				sha1, NULL) != 1 || md_len != 20)
		return -WS_ERR_INVAL;
	if (EVP_EncodeBlock((unsigned char *)out, md, 20) != 28)
		return -WS_ERR_INVAL;
	return 0;
}
