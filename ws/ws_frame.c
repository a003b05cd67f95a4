/**
 * @file
 * The send side of framing (RFC 6455 section 5.2): header encoding, the
 * prepend-in-headroom writer for data frames, control frames (ping, pong,
 * close) handed to ops->send, the client masking PRNG and close-code
 * validity. Sending rules: nothing after our close frame; continuations
 * only inside a fragmented message; control frames short and final.
 */
#include <string.h>

#include "ws_priv.h"

bool ws_close_code_valid(uint16_t code)
{
	return (code >= 1000 && code <= 1003) ||
		(code >= 1007 && code <= 1011) ||
		(code >= 3000 && code <= 4999);
}

uint64_t ws_ctx_rand(struct ws_ctx *ctx)
{
	__extension__ unsigned __int128 t;

	/* wyrand: one multiply per draw, good enough for masking keys. */
	ctx->prng += 0xa0761d6478bd642full;
	t = (unsigned __int128)ctx->prng * (ctx->prng ^ 0xe7037ed1a0b428dbull);
	return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

size_t ws_frame_hdr_size(uint64_t len, bool masked)
{
	size_t n = len < 126 ? 2 : len <= 0xffff ? 4 : 10;

	return masked ? n + 4 : n;
}

void ws_frame_hdr_encode(uint8_t *dst, enum ws_opcode op, bool fin,
		uint64_t len, const uint8_t *mask)
{
	uint8_t mbit = mask != NULL ? 0x80 : 0;
	size_t i = 2;

	dst[0] = (uint8_t)((fin ? 0x80 : 0) | op);
	if (len < 126) {
		dst[1] = (uint8_t)(mbit | len);
	} else if (len <= 0xffff) {
		dst[1] = mbit | 126;
		dst[2] = (uint8_t)(len >> 8);
		dst[3] = (uint8_t)len;
		i = 4;
	} else {
		dst[1] = mbit | 127;
		for (unsigned int k = 0; k < 8; k++)
			dst[2 + k] = (uint8_t)(len >> (56 - 8 * k));
		i = 10;
	}
	if (mask != NULL)
		memcpy(dst + i, mask, 4);
}

/* Mask @p payload in place (client role) and return the key's bytes. */
static const uint8_t *ws_mask_payload(struct ws_ctx *ctx, struct ws_conn *c,
		uint8_t *payload, size_t len, uint8_t key[4])
{
	uint32_t k;

	if (c->role != WS_ROLE_CLIENT)
		return NULL;
	k = (uint32_t)ws_ctx_rand(ctx);
	memcpy(key, &k, 4);
	if (len > 0)
		ctx->unmask(payload, payload, len, k, 0);
	return key;
}

int ws_send_control(struct ws_ctx *ctx, struct ws_conn *c, enum ws_opcode op,
		const uint8_t *head, size_t head_len, const void *body,
		size_t body_len)
{
	uint8_t frame[WS_FRAME_HDR_MAX + WS_CONTROL_MAX];
	size_t len = head_len + body_len;
	size_t h = ws_frame_hdr_size(len, c->role == WS_ROLE_CLIENT);
	const uint8_t *mask;
	uint8_t key[4];

	if (head_len > 0)
		memcpy(frame + h, head, head_len);
	if (body_len > 0)
		memcpy(frame + h + head_len, body, body_len);
	mask = ws_mask_payload(ctx, c, frame + h, len, key);
	ws_frame_hdr_encode(frame, op, true, len, mask);
	ws_count(ctx, WS_STAT_TX_FRAMES, 1);
	ws_count(ctx, WS_STAT_TX_BYTES, len);
	if (ctx->ops->send(c->user, frame, h + len) != 0) {
		c->close_state = WS_CLOSED;
		return -WS_ERR_IO;
	}
	return 0;
}

int ws_send_close(struct ws_ctx *ctx, struct ws_conn *c, uint16_t code,
		const void *reason, size_t len)
{
	uint8_t p[2] = { (uint8_t)(code >> 8), (uint8_t)code };

	c->close_state = WS_CLOSE_SENT;
	ws_count(ctx, WS_STAT_TX_CLOSES, 1);
	return ws_send_control(ctx, c, WS_OP_CLOSE, p, code != 0 ? 2 : 0,
			reason, len);
}

int ws_conn_ping(struct ws_ctx *ctx, struct ws_conn *c, const void *data,
		size_t len)
{
	if (len > WS_CONTROL_MAX)
		return -WS_ERR_INVAL;
	if (c->close_state != WS_OPEN)
		return -WS_ERR_CLOSED;
	return ws_send_control(ctx, c, WS_OP_PING, NULL, 0, data, len);
}

int ws_conn_close(struct ws_ctx *ctx, struct ws_conn *c, uint16_t code,
		const void *reason, size_t len)
{
	uint32_t st = 0;

	if (c->close_state != WS_OPEN)
		return -WS_ERR_CLOSED;
	if (code == 0 ? len != 0 : !ws_close_code_valid(code))
		return -WS_ERR_INVAL;
	if (len > WS_CONTROL_MAX - 2)
		return -WS_ERR_INVAL;
	if (len > 0 && ctx->utf8(&st, reason, len) != 0)
		return -WS_ERR_INVAL;
	return ws_send_close(ctx, c, code, reason, len);
}

/* Sending rules for a data or control frame we are asked to frame. */
static int ws_tx_allowed(const struct ws_conn *c, enum ws_opcode op,
		bool fin, size_t len)
{
	if (c->close_state != WS_OPEN)
		return -WS_ERR_CLOSED;
	switch (op) {
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		return (c->flags & WS_CF_TX_FRAG) ? -WS_ERR_INVAL : 0;
	case WS_OP_CONT:
		return (c->flags & WS_CF_TX_FRAG) ? 0 : -WS_ERR_INVAL;
	case WS_OP_PING:
	case WS_OP_PONG:
		return fin && len <= WS_CONTROL_MAX ? 0 : -WS_ERR_INVAL;
	default:
		return -WS_ERR_INVAL;  /* close goes through ws_conn_close() */
	}
}

int ws_frame_prepend(struct ws_ctx *ctx, struct ws_conn *c, uint8_t *payload,
		size_t len, enum ws_opcode op, bool fin, size_t headroom,
		size_t *hdr_len)
{
	size_t h = ws_frame_hdr_size(len, c->role == WS_ROLE_CLIENT);
	const uint8_t *mask;
	uint8_t key[4];
	int rc;

	rc = ws_tx_allowed(c, op, fin, len);
	if (rc != 0)
		return rc;
	if (h > headroom)
		return -WS_ERR_NOSPACE;
	if (!(op & 0x8)) {
		if (fin)
			c->flags &= (uint8_t)~WS_CF_TX_FRAG;
		else
			c->flags |= WS_CF_TX_FRAG;
	}
	mask = ws_mask_payload(ctx, c, payload, len, key);
	ws_frame_hdr_encode(payload - h, op, fin, len, mask);
	ws_count(ctx, WS_STAT_TX_FRAMES, 1);
	ws_count(ctx, WS_STAT_TX_BYTES, len);
	*hdr_len = h;
	return 0;
}
