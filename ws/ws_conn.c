/**
 * @file
 * The receive side of framing and the closing handshake (RFC 6455
 * sections 5 and 7), plus the worker context and the statistics names.
 *
 * ws_conn_recv() -> ws_rx_header (buffers a split header, checks the
 * first two bytes as soon as they arrive) -> ws_rx_begin_frame (length
 * encoding, size limit) -> ws_rx_payload -> ws_rx_data (unmask, UTF-8,
 * reassemble or stream) | ws_rx_control (ping -> pong, pong, close).
 * Every protocol error leaves through ws_fail(), which counts the reason
 * and sends the close code that goes with it.
 */
#include <string.h>

#include "ws_priv.h"

#define WS_STAT_DESC_(id, name, desc, code) { name, desc, code },
static const struct ws_stat_desc ws_stat_descs[WS_STAT__COUNT] = {
	WS_STATS_COUNTERS(WS_STAT_DESC_)
	WS_STATS_ERRORS(WS_STAT_DESC_)
};
#undef WS_STAT_DESC_

const struct ws_stat_desc *ws_stat_desc(unsigned int id)
{
	return id < WS_STAT__COUNT ? &ws_stat_descs[id] : NULL;
}

int ws_ctx_init(struct ws_ctx *ctx, const struct ws_ops *ops,
		uint64_t max_message, uint64_t seed)
{
	const struct ws_simd_impl *impl = ws_simd_active();

	if (ops == NULL || ops->send == NULL)
		return -WS_ERR_INVAL;
	memset(ctx, 0, sizeof(*ctx));
	ctx->ops = ops;
	ctx->unmask = impl->unmask;
	ctx->utf8 = impl->utf8;
	ctx->prng = seed;
	ctx->max_message = max_message;
	return 0;
}

int ws_ctx_use_simd(struct ws_ctx *ctx, const char *name)
{
	const struct ws_simd_impl *impl = ws_simd_find(name);

	if (impl == NULL)
		return -WS_ERR_INVAL;
	if (!ws_simd_supported(impl))
		return -WS_ERR_NOTSUP;
	ctx->unmask = impl->unmask;
	ctx->utf8 = impl->utf8;
	return 0;
}

void ws_conn_init(struct ws_conn *c, enum ws_role role, void *user,
		uint8_t *msg_buf, uint32_t msg_cap)
{
	memset(c, 0, sizeof(*c));
	c->role = (uint8_t)role;
	c->user = user;
	c->msg_buf = msg_buf;
	c->msg_cap = msg_buf != NULL ? msg_cap : 0;
}

static int ws_close_code_err(uint16_t code)
{
	switch (code) {
	case WS_CLOSE_INVALID_DATA:
		return -WS_ERR_UTF8;
	case WS_CLOSE_TOO_BIG:
		return -WS_ERR_TOO_BIG;
	case WS_CLOSE_POLICY:
		return -WS_ERR_POLICY;
	default:
		return -WS_ERR_PROTOCOL;
	}
}

/** The one exit for a broken connection: count, send the close, done. */
static int ws_fail(struct ws_ctx *ctx, struct ws_conn *c, enum ws_stat why)
{
	const struct ws_stat_desc *d = &ws_stat_descs[why];

	ws_count(ctx, why, 1);
	if (c->close_state == WS_OPEN)
		(void)ws_send_close(ctx, c, d->close_code, d->name,
				strlen(d->name));
	c->close_state = WS_CLOSED;
	return ws_close_code_err(d->close_code);
}

/* Largest message this connection accepts; 0 for none. */
static uint64_t ws_msg_limit(const struct ws_ctx *ctx, const struct ws_conn *c)
{
	uint64_t lim = ctx->max_message;

	if (c->msg_buf != NULL && (lim == 0 || lim > c->msg_cap))
		lim = c->msg_cap;
	return lim;
}

/* Everything the first two header bytes can tell is checked at once. */
static int ws_rx_check_start(struct ws_ctx *ctx, struct ws_conn *c,
		uint8_t b0, uint8_t b1)
{
	unsigned int op = b0 & 0x0f;
	bool masked = (b1 & 0x80) != 0;

	if (b0 & 0x70)
		return ws_fail(ctx, c, WS_STAT_ERR_RSV);
	if ((op >= 3 && op <= 7) || op > WS_OP_PONG)
		return ws_fail(ctx, c, WS_STAT_ERR_OPCODE);
	if (masked != (c->role == WS_ROLE_SERVER))
		return ws_fail(ctx, c, WS_STAT_ERR_MASK);
	if (op & 0x8) {
		if (!(b0 & 0x80))
			return ws_fail(ctx, c, WS_STAT_ERR_CTRL_FRAG);
		if ((b1 & 0x7f) > WS_CONTROL_MAX)
			return ws_fail(ctx, c, WS_STAT_ERR_CTRL_LEN);
		return 0;
	}
	if ((op == WS_OP_CONT) != (c->msg_op != 0))
		return ws_fail(ctx, c, WS_STAT_ERR_CONTINUATION);
	return 0;
}

static uint8_t ws_hdr_need(uint8_t b1)
{
	uint8_t n = (b1 & 0x80) ? 6 : 2;
	uint8_t len7 = b1 & 0x7f;

	return n + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
}

static int ws_rx_data(struct ws_ctx *ctx, struct ws_conn *c, uint8_t *p,
		size_t n);
static int ws_rx_control(struct ws_ctx *ctx, struct ws_conn *c,
		const uint8_t *p, size_t n);

/* The whole header is in @p h: decode the length, then start the frame. */
static int ws_rx_begin_frame(struct ws_ctx *ctx, struct ws_conn *c,
		const uint8_t *h)
{
	uint64_t len = h[1] & 0x7f, lim;
	unsigned int op = h[0] & 0x0f;
	size_t off = 2;

	if (len == 126) {
		len = ws_be16(h + 2);
		off = 4;
		if (len < 126)
			return ws_fail(ctx, c, WS_STAT_ERR_LENGTH);
	} else if (len == 127) {
		len = 0;
		for (unsigned int i = 0; i < 8; i++)
			len = len << 8 | h[2 + i];
		off = 10;
		if ((len >> 63) != 0 || len <= 0xffff)
			return ws_fail(ctx, c, WS_STAT_ERR_LENGTH);
	}
	c->mask = 0;
	if (h[1] & 0x80)
		memcpy(&c->mask, h + off, 4);
	c->frame_op = (uint8_t)op;
	c->flags = (uint8_t)((c->flags & ~WS_CF_FIN) | ((h[0] & 0x80) ? WS_CF_FIN : 0));
	c->rx_left = len;
	c->phase = 0;
	c->hdr_have = 0;
	c->hdr_need = 0;
	c->rx_state = WS_RX_PAYLOAD;
	ws_count(ctx, WS_STAT_RX_FRAMES, 1);
	if (op & 0x8) {
		c->ctrl_len = 0;
		return len == 0 ? ws_rx_control(ctx, c, h, 0) : 0;
	}
	if (op != WS_OP_CONT) {
		c->msg_op = (uint8_t)op;
		c->msg_len = 0;
		c->utf8 = 0;
		c->flags &= (uint8_t)~WS_CF_MSG_STARTED;
	}
	lim = ws_msg_limit(ctx, c);
	if (lim != 0 && len > lim - c->msg_len)
		return ws_fail(ctx, c, WS_STAT_ERR_TOO_BIG);
	return len == 0 ? ws_rx_data(ctx, c, NULL, 0) : 0;
}

/* Header bytes: parsed in place when whole, else buffered in c->u.hdr. */
static int ws_rx_header(struct ws_ctx *ctx, struct ws_conn *c,
		const uint8_t *p, size_t len, size_t *used)
{
	size_t i = 0;
	int rc;

	*used = len;
	if (c->hdr_have == 0 && len >= 2) {
		rc = ws_rx_check_start(ctx, c, p[0], p[1]);
		if (rc != 0)
			return rc;
		c->hdr_need = ws_hdr_need(p[1]);
		if (len >= c->hdr_need) {
			*used = c->hdr_need;
			return ws_rx_begin_frame(ctx, c, p);
		}
		memcpy(c->u.hdr, p, len);
		c->hdr_have = (uint8_t)len;
		return 0;
	}
	while (i < len) {
		c->u.hdr[c->hdr_have++] = p[i++];
		if (c->hdr_have == 2) {
			rc = ws_rx_check_start(ctx, c, c->u.hdr[0], c->u.hdr[1]);
			if (rc != 0)
				return rc;
			c->hdr_need = ws_hdr_need(c->u.hdr[1]);
		}
		if (c->hdr_have >= 2 && c->hdr_have == c->hdr_need) {
			*used = i;
			return ws_rx_begin_frame(ctx, c, c->u.hdr);
		}
	}
	return 0;
}

/* Copy or unmask @p n payload bytes from @p src to @p dst. */
static void ws_rx_unmask(struct ws_ctx *ctx, struct ws_conn *c, uint8_t *dst,
		const uint8_t *src, size_t n)
{
	if (n == 0)
		return;
	if (c->role == WS_ROLE_SERVER)
		ctx->unmask(dst, src, n, c->mask, c->phase);
	else if (dst != src)
		memcpy(dst, src, n);
	c->phase = (uint8_t)((c->phase + n) & 3);
	c->rx_left -= n;
}

static int ws_rx_deliver_chunk(struct ws_ctx *ctx, struct ws_conn *c,
		uint8_t *p, size_t n, bool frame_end, bool msg_end)
{
	unsigned int flags = 0;

	if (!(c->flags & WS_CF_MSG_STARTED))
		flags |= WS_CHUNK_MSG_START;
	if (frame_end)
		flags |= WS_CHUNK_FRAME_END;
	if (msg_end)
		flags |= WS_CHUNK_MSG_END;
	c->flags |= WS_CF_MSG_STARTED;
	if (ctx->ops->on_chunk != NULL &&
			ctx->ops->on_chunk(c->user, (enum ws_opcode)c->msg_op,
				p, n, flags) < 0)
		return ws_fail(ctx, c, WS_STAT_ERR_POLICY);
	return 0;
}

/* @p n (<= rx_left) bytes of a data frame's payload. */
static int ws_rx_data(struct ws_ctx *ctx, struct ws_conn *c, uint8_t *p,
		size_t n)
{
	bool frame_end = c->rx_left == n;
	bool msg_end = frame_end && (c->flags & WS_CF_FIN);
	uint8_t *chunk = p;
	enum ws_opcode op = (enum ws_opcode)c->msg_op;
	int rc;

	if (c->msg_buf != NULL)
		chunk = c->msg_buf + c->msg_len;
	ws_rx_unmask(ctx, c, chunk, p, n);
	c->msg_len += n;
	ws_count(ctx, WS_STAT_RX_BYTES, n);
	if (op == WS_OP_TEXT) {
		rc = n > 0 ? ctx->utf8(&c->utf8, chunk, n) :
			(c->utf8 != 0 ? -WS_ERR_AGAIN : 0);
		if (rc == -WS_ERR_UTF8 || (msg_end && rc != 0))
			return ws_fail(ctx, c, WS_STAT_ERR_UTF8);
	}
	if (c->msg_buf == NULL) {
		rc = ws_rx_deliver_chunk(ctx, c, chunk, n, frame_end, msg_end);
		if (rc != 0)
			return rc;
	}
	if (frame_end)
		c->rx_state = WS_RX_HEADER;
	if (!msg_end)
		return 0;
	ws_count(ctx, WS_STAT_RX_MESSAGES, 1);
	c->msg_op = 0;
	if (c->msg_buf != NULL && ctx->ops->on_message != NULL &&
			ctx->ops->on_message(c->user, op, c->msg_buf,
				(size_t)c->msg_len) < 0)
		return ws_fail(ctx, c, WS_STAT_ERR_POLICY);
	return 0;
}

static int ws_rx_ping(struct ws_ctx *ctx, struct ws_conn *c)
{
	int rc;

	ws_count(ctx, WS_STAT_RX_PINGS, 1);
	if (c->close_state != WS_OPEN)
		return 0;   /* nothing is sent after our close */
	rc = ws_send_control(ctx, c, WS_OP_PONG, c->u.ctrl, c->ctrl_len,
			NULL, 0);
	if (rc == 0)
		ws_count(ctx, WS_STAT_TX_PONGS, 1);
	return rc;
}

/* Section 5.5.1 and 7: validate, answer if we have not closed, done. */
static int ws_rx_close(struct ws_ctx *ctx, struct ws_conn *c)
{
	uint16_t code = WS_CLOSE_NO_STATUS;
	size_t rlen = c->ctrl_len > 2 ? c->ctrl_len - 2u : 0;
	uint32_t st = 0;
	int rc = 0;

	ws_count(ctx, WS_STAT_RX_CLOSES, 1);
	if (c->ctrl_len == 1)
		return ws_fail(ctx, c, WS_STAT_ERR_CLOSE_PAYLOAD);
	if (c->ctrl_len >= 2) {
		code = ws_be16(c->u.ctrl);
		if (!ws_close_code_valid(code))
			return ws_fail(ctx, c, WS_STAT_ERR_CLOSE_CODE);
		if (rlen > 0 && ctx->utf8(&st, c->u.ctrl + 2, rlen) != 0)
			return ws_fail(ctx, c, WS_STAT_ERR_CLOSE_UTF8);
	}
	if (c->close_state == WS_OPEN)
		rc = ws_send_close(ctx, c,
				code == WS_CLOSE_NO_STATUS ? 0 : code, NULL, 0);
	c->close_state = WS_CLOSED;
	if (ctx->ops->on_close != NULL)
		ctx->ops->on_close(c->user, code, c->u.ctrl + 2, rlen);
	return rc;
}

/* @p n (<= rx_left) bytes of a control frame's payload. */
static int ws_rx_control(struct ws_ctx *ctx, struct ws_conn *c,
		const uint8_t *p, size_t n)
{
	ws_rx_unmask(ctx, c, c->u.ctrl + c->ctrl_len, p, n);
	c->ctrl_len = (uint8_t)(c->ctrl_len + n);
	if (c->rx_left != 0)
		return 0;
	c->rx_state = WS_RX_HEADER;
	switch (c->frame_op) {
	case WS_OP_PING:
		return ws_rx_ping(ctx, c);
	case WS_OP_PONG:
		ws_count(ctx, WS_STAT_RX_PONGS, 1);
		if (ctx->ops->on_pong != NULL)
			ctx->ops->on_pong(c->user, c->u.ctrl, c->ctrl_len);
		return 0;
	default:
		return ws_rx_close(ctx, c);
	}
}

int ws_conn_recv(struct ws_ctx *ctx, struct ws_conn *c, uint8_t *data,
		size_t len)
{
	int rc = 0;

	if (c->close_state == WS_CLOSED)
		return -WS_ERR_CLOSED;
	while (len > 0 && rc == 0 && c->close_state != WS_CLOSED) {
		size_t used;

		if (c->rx_state == WS_RX_HEADER) {
			rc = ws_rx_header(ctx, c, data, len, &used);
		} else {
			used = len < c->rx_left ? len : (size_t)c->rx_left;
			if (c->frame_op & 0x8)
				rc = ws_rx_control(ctx, c, data, used);
			else
				rc = ws_rx_data(ctx, c, data, used);
		}
		data += used;
		len -= used;
	}
	return rc;
}

_Static_assert(sizeof(struct ws_conn) <= 192,
		"struct ws_conn outgrew three cache lines");
