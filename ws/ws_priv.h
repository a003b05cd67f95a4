/**
 * @file
 * Shared by the engine's files: connection flag bits, receive states and
 * the control-frame sender used by both the receive path (pong, close
 * reply, failure) and the public send functions.
 */
#ifndef WS_PRIV_H
#define WS_PRIV_H

#include "ws.h"

/* ws_conn.flags */
#define WS_CF_FIN 0x01u          /* frame being received has FIN */
#define WS_CF_MSG_STARTED 0x02u  /* a chunk of this message went out */
#define WS_CF_TX_FRAG 0x04u      /* we are sending a fragmented message */

/* ws_conn.rx_state; zero waits for a header. */
enum ws_rx_state {
	WS_RX_HEADER = 0,
	WS_RX_PAYLOAD,
};

static inline void ws_count(struct ws_ctx *ctx, enum ws_stat id, uint64_t n)
{
	ctx->stats.v[id] += n;
}

/**
 * Build a control frame (masked in the client role) whose payload is
 * @p head then @p body, and hand it to ops->send. A failed send closes
 * the connection.
 * @return 0 or -WS_ERR_IO.
 */
int ws_send_control(struct ws_ctx *ctx, struct ws_conn *c, enum ws_opcode op,
		const uint8_t *head, size_t head_len, const void *body,
		size_t body_len);

/** Send a close frame (code 0: none) and enter WS_CLOSE_SENT. */
int ws_send_close(struct ws_ctx *ctx, struct ws_conn *c, uint16_t code,
		const void *reason, size_t len);

static inline uint16_t ws_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#endif /* WS_PRIV_H */
