/**
 * @file
 * Client side of the opening handshake (RFC 6455 sections 4.1 and 4.2.2):
 * the upgrade request with a random 16-byte key, then the checks on the
 * server's response that ws_hs_parse() collected.
 *
 * ws_hs_client_request() -> (send, receive) -> ws_hs_parse()
 *   -> ws_hs_client_verify().
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ws_hs_priv.h"

void ws_hs_client_init(struct ws_hs *hs, const struct ws_client_conf *conf,
		uint8_t *buf, size_t cap)
{
	ws_hs_init(hs, WS_ROLE_CLIENT, buf, cap, WS_HS_DEFAULT_LINE,
			WS_HS_MAX_FIELDS);
	hs->client = conf;
}

static void ws_out_opt_field(struct ws_out *o, const char *name,
		const char *value)
{
	if (value != NULL && value[0] != '\0')
		ws_out_field(o, name, value, strlen(value));
}

int ws_hs_client_request(struct ws_hs *hs, const uint8_t *key16,
		uint8_t *out, size_t cap, size_t *out_len)
{
	const struct ws_client_conf *conf = hs->client;
	struct ws_out o = { out, cap, 0 };
	unsigned char raw[16];
	char key[25];

	if (conf == NULL || conf->host == NULL || hs->role != WS_ROLE_CLIENT)
		return -WS_ERR_INVAL;
	if (key16 != NULL)
		memcpy(raw, key16, 16);
	else if (RAND_bytes(raw, 16) != 1)
		return -WS_ERR_INVAL;
	if (EVP_EncodeBlock((unsigned char *)key, raw, 16) != 24 ||
			ws_accept_key(key, 24, hs->accept) != 0)
		return -WS_ERR_INVAL;
	ws_out_str(&o, "GET ");
	ws_out_str(&o, conf->path != NULL ? conf->path : "/");
	ws_out_str(&o, " HTTP/1.1\r\n");
	ws_out_field(&o, "Host", conf->host, strlen(conf->host));
	ws_out_str(&o, "Upgrade: websocket\r\n"
			"Connection: Upgrade\r\n");
	ws_out_field(&o, "Sec-WebSocket-Key", key, 24);
	ws_out_str(&o, "Sec-WebSocket-Version: 13\r\n");
	ws_out_opt_field(&o, "Origin", conf->origin);
	ws_out_opt_field(&o, "Sec-WebSocket-Protocol", conf->protocols);
	ws_out_opt_field(&o, "Sec-WebSocket-Extensions", conf->extensions);
	ws_out_mem(&o, "\r\n", 2);
	return ws_out_end(&o, out_len);
}

static int ws_hs_bad(struct ws_hs *hs, const char *why)
{
	hs->why = why;
	return -WS_ERR_HANDSHAKE;
}

/* Whether @p tok is an element of the comma list @p list. */
static bool ws_list_has(const char *list, const char *tok, size_t len)
{
	struct ws_list l = { list, list != NULL ? strlen(list) : 0, 0 };
	const char *t;
	size_t tlen;

	while (ws_list_next(&l, &t, &tlen))
		if (tlen == len && memcmp(t, tok, len) == 0)
			return true;
	return false;
}

/* Extension names the client offered, as the walker's callback. */
static int ws_ext_was_offered(void *arg, const char *name, size_t len,
		const struct ws_pmd_offer *pmd)
{
	const char *offers = arg;
	bool found = false;

	(void)pmd;
	if (offers == NULL)
		return -1;
	/* Names in the offer are the first token of each element. */
	for (const char *p = offers; *p != '\0';) {
		size_t n;

		p += strspn(p, " \t,");
		n = strcspn(p, " \t;,");
		if (n == len && strncasecmp(p, name, len) == 0)
			found = true;
		p += n;
		p += strcspn(p, ",");
	}
	return found ? 0 : -1;
}

int ws_hs_client_verify(struct ws_hs *hs)
{
	const struct ws_client_conf *conf = hs->client;
	const char *v;
	size_t len;

	if (hs->role != WS_ROLE_CLIENT || hs->state != WS_HS_DONE)
		return -WS_ERR_INVAL;
	if (hs->status != 101) {
		hs->why = "status not 101";
		return -WS_ERR_HTTP;
	}
	if (hs->http_minor < 1)
		return ws_hs_bad(hs, "response not HTTP/1.1");
	if (!ws_hs_has_token(hs, "Upgrade", "websocket"))
		return ws_hs_bad(hs, "Upgrade lacks websocket");
	if (!ws_hs_has_token(hs, "Connection", "upgrade"))
		return ws_hs_bad(hs, "Connection lacks Upgrade");
	v = ws_hs_field(hs, "Sec-WebSocket-Accept", 0, &len);
	if (ws_hs_count(hs, "Sec-WebSocket-Accept") != 1 || len != 28 ||
			memcmp(v, hs->accept, 28) != 0)
		return ws_hs_bad(hs, "wrong Sec-WebSocket-Accept");
	if (ws_hs_count(hs, "Sec-WebSocket-Protocol") > 1)
		return ws_hs_bad(hs, "more than one Sec-WebSocket-Protocol");
	v = ws_hs_field(hs, "Sec-WebSocket-Protocol", 0, &len);
	if (v != NULL && (!ws_is_token(v, len) ||
				!ws_list_has(conf->protocols, v, len)))
		return ws_hs_bad(hs, "subprotocol not offered");
	if (v != NULL) {
		hs->proto = (uint16_t)((const uint8_t *)v - hs->buf);
		hs->proto_len = (uint16_t)len;
	}
	for (unsigned int i = 0;
			(v = ws_hs_field(hs, "Sec-WebSocket-Extensions", i, &len));
			i++)
		if (ws_ext_walk(v, len, ws_ext_was_offered,
					(void *)(uintptr_t)conf->extensions) != 0)
			return ws_hs_bad(hs, "extension not offered");
	return 0;
}
