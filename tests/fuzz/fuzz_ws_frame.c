/**
 * @file
 * libFuzzer target for the frame parser and closing handshake. The first
 * byte picks the role, reassembly or streaming, the split and the SIMD
 * implementation; the rest is fed to two connections, whole and in
 * pieces. Outcome, messages and the frames sent back must match (a
 * difference aborts).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"

struct fz_side {
	struct ws_ctx ctx;
	struct ws_conn conn;
	uint8_t msg[4096];
	uint64_t sent;        /* hash of frames sent and closes seen */
	uint64_t data;        /* hash of messages, or bytes streamed */
	uint64_t n_msgs;
};

static uint64_t fz_hash(uint64_t h, uint64_t tag, const uint8_t *p,
		size_t len)
{
	h ^= tag;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static int fz_send(void *user, const uint8_t *f, size_t len)
{
	struct fz_side *s = user;

	s->sent = fz_hash(s->sent, 1, f, len);
	return 0;
}

static int fz_message(void *user, enum ws_opcode op, uint8_t *d, size_t len)
{
	struct fz_side *s = user;

	s->data = fz_hash(s->data, 2 + op, d, len);
	s->n_msgs++;
	return 0;
}

/*
 * Streaming: pieces differ with the split, so only the bytes count; and
 * a piece before an invalid byte may go out when split, so data is only
 * compared when both runs succeed.
 */
static int fz_chunk(void *user, enum ws_opcode op, uint8_t *d, size_t len,
		unsigned int flags)
{
	struct fz_side *s = user;

	(void)d;
	(void)op;
	s->data += len;
	if (flags & WS_CHUNK_MSG_END)
		s->n_msgs++;
	return 0;
}

static void fz_close(void *user, uint16_t code, const uint8_t *r, size_t len)
{
	struct fz_side *s = user;

	s->sent = fz_hash(s->sent, 100u + code, r, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const simd[] = { "scalar", "sse2", "avx2", "avx512" };
	static uint8_t copy_a[1 << 16], copy_b[1 << 16];
	struct ws_ops ops = { .send = fz_send, .on_message = fz_message,
		.on_chunk = fz_chunk, .on_close = fz_close };
	static struct fz_side a, b;
	enum ws_role role;
	bool stream;
	size_t step, off = 0;
	int ra, rb = 0;

	if (size < 1 || size - 1 > sizeof(copy_a))
		return 0;
	role = (data[0] & 1) ? WS_ROLE_CLIENT : WS_ROLE_SERVER;
	stream = data[0] & 2;
	step = 1 + ((data[0] >> 2) & 15);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (ws_ctx_init(&a.ctx, &ops, 3000, 7) != 0 ||
			ws_ctx_init(&b.ctx, &ops, 3000, 7) != 0)
		abort();
	if (ws_ctx_use_simd(&b.ctx, simd[data[0] >> 6]) != 0)
		ws_ctx_use_simd(&b.ctx, "scalar");
	ws_conn_init(&a.conn, role, &a, stream ? NULL : a.msg, sizeof(a.msg));
	ws_conn_init(&b.conn, role, &b, stream ? NULL : b.msg, sizeof(b.msg));
	data++;
	size--;
	memcpy(copy_a, data, size);
	memcpy(copy_b, data, size);
	ra = size > 0 ? ws_conn_recv(&a.ctx, &a.conn, copy_a, size) : 0;
	while (off < size && rb == 0) {
		size_t n = size - off < step ? size - off : step;

		rb = ws_conn_recv(&b.ctx, &b.conn, copy_b + off, n);
		off += n;
	}
	/* Bytes after a close are dropped in the call, refused after it. */
	if (rb == -WS_ERR_CLOSED && ra == 0)
		rb = 0;
	if (ra != rb || a.sent != b.sent || a.n_msgs != b.n_msgs ||
			(ra == 0 && a.data != b.data) ||
			ws_conn_closed(&a.conn) != ws_conn_closed(&b.conn))
		abort();
	if (!ws_conn_closed(&a.conn)) {
		uint8_t frame[64 + 14];
		size_t hl;

		memset(frame, 'x', sizeof(frame));
		(void)ws_frame_prepend(&a.ctx, &a.conn, frame + 14, 64,
				WS_OP_BINARY, true, 14, &hl);
		(void)ws_conn_close(&a.ctx, &a.conn, 1000, "bye", 3);
	}
	return 0;
}
