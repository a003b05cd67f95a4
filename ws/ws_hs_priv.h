/**
 * @file
 * Shared by the handshake files: parser states, the response writer, the
 * comma-list and extension-list walkers and field look-ups that the
 * server (ws_hs_server.c) and client (ws_hs_client.c) checks use.
 */
#ifndef WS_HS_PRIV_H
#define WS_HS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ws.h"

/* ws_hs.state; zero waits for the first byte of the start line. */
enum ws_hs_state {
	WS_HS_START = 0,
	WS_HS_METHOD,        /* request: method token */
	WS_HS_TARGET,        /* request: target */
	WS_HS_REQ_VERSION,   /* request: "HTTP/x.y" up to CR */
	WS_HS_RESP_VERSION,  /* response: "HTTP/x.y" up to SP */
	WS_HS_RESP_STATUS,   /* response: three digits up to SP */
	WS_HS_RESP_REASON,   /* response: reason phrase up to CR */
	WS_HS_LINE_LF,       /* CR of the start line seen */
	WS_HS_FIELD_START,   /* a field name, or CR of the empty line */
	WS_HS_FIELD_NAME,
	WS_HS_FIELD_OWS,     /* after ':' */
	WS_HS_FIELD_VALUE,
	WS_HS_FIELD_LF,      /* CR after a value seen */
	WS_HS_END_LF,        /* CR of the empty line seen */
	WS_HS_DONE,
	WS_HS_FAILED,
};

#define WS_HS_DEFAULT_LINE 2048
#define WS_HS_DEFAULT_FIELDS 32

/** Common part of ws_hs_server_init() and ws_hs_client_init(). */
void ws_hs_init(struct ws_hs *hs, enum ws_role role, uint8_t *buf,
		size_t cap, uint16_t max_line, uint16_t max_fields);

/* Response writer: len runs past cap so that overflow shows at the end. */
struct ws_out {
	uint8_t *p;
	size_t cap;
	size_t len;
};

void ws_out_mem(struct ws_out *o, const void *s, size_t n);
void ws_out_str(struct ws_out *o, const char *s);
void ws_out_uint(struct ws_out *o, unsigned int v);
/** A "Name: value\r\n" line. */
void ws_out_field(struct ws_out *o, const char *name, const char *value,
		size_t len);
/** 0, or -WS_ERR_NOSPACE when the writes did not fit. */
int ws_out_end(const struct ws_out *o, size_t *out_len);

/* One element of a comma-separated list, OWS trimmed, empties skipped. */
struct ws_list {
	const char *s;
	size_t len;
	size_t pos;
};

bool ws_list_next(struct ws_list *l, const char **tok, size_t *tlen);
bool ws_is_token(const char *s, size_t len);
bool ws_ieq(const char *a, size_t alen, const char *b);

/** Field @p i's name or value as a pointer into the buffer. */
static inline const char *ws_hs_str(const struct ws_hs *hs, uint16_t off)
{
	return (const char *)hs->buf + off;
}

/** Fields named @p name: how many, and whether a list token matches. */
unsigned int ws_hs_count(const struct ws_hs *hs, const char *name);
bool ws_hs_has_token(const struct ws_hs *hs, const char *name,
		const char *token);

/**
 * Walk an extension list (RFC 6455 section 9.1): @p cb gets each name and,
 * for a valid permessage-deflate offer, its parameters (else NULL).
 * @return 0, or -1 on a syntax error or when @p cb returns non-zero.
 */
int ws_ext_walk(const char *s, size_t n,
		int (*cb)(void *arg, const char *name, size_t len,
			const struct ws_pmd_offer *pmd),
		void *arg);

#endif /* WS_HS_PRIV_H */
