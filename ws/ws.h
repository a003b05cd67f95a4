/**
 * @file
 * Public API of the RFC 6455 engine, for the server (gateway) and the
 * client (load generator) roles. It knows nothing of the transport.
 *
 * Handshake: ws_hs_server_init() -> ws_hs_parse() until it is not
 *   -WS_ERR_AGAIN -> ws_hs_respond() -> send; status 101 goes on with
 *   frames, anything else closes. Client: ws_hs_client_init() ->
 *   ws_hs_client_request() -> send -> ws_hs_parse() -> ws_hs_client_verify().
 * Frames: ws_conn_init() -> ws_conn_recv() per received piece -> the
 *   ws_ops callbacks; ws_frame_prepend() for data we send, ws_conn_ping()
 *   and ws_conn_close() for control frames.
 * SIMD: ws_simd_init() once at start; every ws_ctx_init() after it uses
 *   the chosen implementation.
 */
#ifndef WS_H
#define WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ws_types.h"

/* ---- SIMD dispatch ---- */

/**
 * Pick the unmask and UTF-8 implementation once, at start.
 * @param override NULL or "" for the best one the CPU supports, else the
 *        name of one ("avx512", "avx2", "sse2", "scalar").
 * @return 0; -WS_ERR_INVAL for an unknown name, -WS_ERR_NOTSUP for one
 *         this CPU lacks. ws_simd_error() then names the valid ones.
 */
int ws_simd_init(const char *override);

/** Name of the chosen implementation (picks the best if none was). */
const char *ws_simd_name(void);

/** The chosen implementation (picks the best if none was). */
const struct ws_simd_impl *ws_simd_active(void);

/** Message of the last failed ws_simd_init(), naming the valid choices. */
const char *ws_simd_error(void);

/** Number of implementations in the table (priority order). */
unsigned int ws_simd_count(void);

/** Entry @p i of the table, NULL past the end. */
const struct ws_simd_impl *ws_simd_get(unsigned int i);

/** Whether this CPU can run @p impl. */
bool ws_simd_supported(const struct ws_simd_impl *impl);

/** Look an implementation up by name; NULL when unknown. */
const struct ws_simd_impl *ws_simd_find(const char *name);

/** Unmask with the chosen implementation (see ws_unmask_fn). */
void ws_unmask(uint8_t *dst, const uint8_t *src, size_t len, uint32_t key,
		size_t phase);

/**
 * Validate UTF-8 with the chosen implementation, incrementally.
 * @return 0, -WS_ERR_AGAIN (valid prefix, ends inside a code point) or
 *         -WS_ERR_UTF8 (as soon as a piece holds an impossible byte).
 */
int ws_utf8_validate(uint32_t *state, const uint8_t *p, size_t len);

/* ---- Statistics ---- */

/** Name, description and close code of statistic @p id; NULL past the end. */
const struct ws_stat_desc *ws_stat_desc(unsigned int id);

/* ---- Worker context and connections ---- */

/**
 * Prepare a worker's context.
 * @param ops         callbacks (kept, not copied)
 * @param max_message largest data message in bytes; 0: no limit
 * @param seed        seed of the PRNG that draws client masking keys
 * @return 0, or -WS_ERR_INVAL when @p ops lacks send or both on_message
 *         and on_chunk.
 */
int ws_ctx_init(struct ws_ctx *ctx, const struct ws_ops *ops,
		uint64_t max_message, uint64_t seed);

/**
 * Make this context use another SIMD implementation (tests, benchmarks).
 * @return 0, -WS_ERR_INVAL (unknown name) or -WS_ERR_NOTSUP.
 */
int ws_ctx_use_simd(struct ws_ctx *ctx, const char *name);

/** Next 64 random bits of the context's PRNG (wyrand). */
uint64_t ws_ctx_rand(struct ws_ctx *ctx);

/**
 * Open a connection after a successful handshake.
 * @param role    WS_ROLE_SERVER (expects masked frames) or WS_ROLE_CLIENT
 * @param msg_buf reassembly buffer, or NULL to stream payload chunks
 * @param msg_cap its size; messages above it fail with 1009
 */
void ws_conn_init(struct ws_conn *c, enum ws_role role, void *user,
		uint8_t *msg_buf, uint32_t msg_cap);

/**
 * Feed received bytes, split anywhere. Payload is unmasked in place in
 * streaming mode, copied out in reassembly mode; events arrive through
 * the context's callbacks before this returns.
 * @return 0 (all consumed; bytes after the closing handshake are
 *         dropped), -WS_ERR_CLOSED (the connection was already closed),
 *         or the error that failed it, after the close frame went out:
 *         -WS_ERR_PROTOCOL (1002), -WS_ERR_UTF8 (1007), -WS_ERR_TOO_BIG
 *         (1009), -WS_ERR_POLICY (1008), -WS_ERR_IO (send failed).
 */
int ws_conn_recv(struct ws_ctx *ctx, struct ws_conn *c, uint8_t *data,
		size_t len);

/** True once the transport should be closed (handshake done or failed). */
static inline bool ws_conn_closed(const struct ws_conn *c)
{
	return c->close_state == WS_CLOSED;
}

/**
 * Send a ping with up to 125 bytes of payload.
 * @return 0, -WS_ERR_INVAL (too long), -WS_ERR_CLOSED (close sent),
 *         -WS_ERR_IO.
 */
int ws_conn_ping(struct ws_ctx *ctx, struct ws_conn *c, const void *data,
		size_t len);

/**
 * Start the closing handshake; nothing is sent after it.
 * @param code   valid close code (ws_close_code_valid()), or 0 for none
 * @param reason UTF-8, up to 123 bytes
 * @return 0, -WS_ERR_INVAL (bad code, reason too long or not UTF-8),
 *         -WS_ERR_CLOSED (a close was already sent), -WS_ERR_IO.
 */
int ws_conn_close(struct ws_ctx *ctx, struct ws_conn *c, uint16_t code,
		const void *reason, size_t len);

/**
 * Frame a payload that lies in the caller's buffer: the header (2..14
 * bytes) is written just in front of @p payload, so the caller can
 * prepend into headroom without moving the payload. Client frames are
 * masked in place with a key from the context's PRNG.
 * @param op       text, binary, continuation, ping or pong
 * @param fin      last frame of the message
 * @param headroom bytes writable in front of @p payload
 * @param hdr_len  out: header size; the frame starts at payload - hdr_len
 * @return 0, -WS_ERR_NOSPACE (headroom too small), -WS_ERR_INVAL (close
 *         opcode, control too long or fragmented, continuation rules),
 *         -WS_ERR_CLOSED (close already sent).
 */
int ws_frame_prepend(struct ws_ctx *ctx, struct ws_conn *c, uint8_t *payload,
		size_t len, enum ws_opcode op, bool fin, size_t headroom,
		size_t *hdr_len);

/** Header size of a frame of @p len payload bytes, masked or not. */
size_t ws_frame_hdr_size(uint64_t len, bool masked);

/**
 * Encode a frame header at @p dst (ws_frame_hdr_size() bytes).
 * @param mask NULL for an unmasked frame, else the 4 key bytes
 */
void ws_frame_hdr_encode(uint8_t *dst, enum ws_opcode op, bool fin,
		uint64_t len, const uint8_t *mask);

/** Whether @p code may appear in a close frame (section 7.4). */
bool ws_close_code_valid(uint16_t code);

/* ---- Opening handshake ---- */

/**
 * Sec-WebSocket-Accept of a key: base64(SHA-1(key + GUID)).
 * @param out 29 bytes: 28 characters and a NUL
 * @return 0, or -WS_ERR_INVAL when OpenSSL fails.
 */
int ws_accept_key(const char *key, size_t key_len, char out[29]);

/**
 * Prepare a server handshake.
 * @param buf the request head is copied here; its size bounds the total
 *            header bytes (431 beyond), at most 65535 used
 * @param conf limits and hooks (kept, not copied); NULL: defaults
 */
void ws_hs_server_init(struct ws_hs *hs, const struct ws_hs_conf *conf,
		uint8_t *buf, size_t cap);

/**
 * Feed request (server) or response (client) bytes, split anywhere.
 * @param used out: bytes consumed; on 0, the rest belongs to the frames
 * @return 0 (head complete), -WS_ERR_AGAIN (all consumed, more needed),
 *         -WS_ERR_HTTP (server: refusal status in hs->status, answer it
 *         with ws_hs_respond(); client: malformed response).
 */
int ws_hs_parse(struct ws_hs *hs, const uint8_t *data, size_t len,
		size_t *used);

/**
 * Server: validate the parsed request, run the hooks and write the
 * response: 101, a plain HTTP answer from on_http, or a refusal with a
 * short reason and Connection: close. hs->status says which.
 * @return 0 (response written, @p out_len set), -WS_ERR_NOSPACE (out too
 *         small), -WS_ERR_INVAL (head not complete nor refused).
 */
int ws_hs_respond(struct ws_ctx *ctx, struct ws_hs *hs, uint8_t *out,
		size_t cap, size_t *out_len);

/** True when the response written was a 101. */
static inline bool ws_hs_upgraded(const struct ws_hs *hs)
{
	return hs->status == 101;
}

/**
 * Value of the @p idx-th field named @p name (case-insensitive).
 * @return the value (not NUL-terminated) and its length, NULL if none.
 */
const char *ws_hs_field(const struct ws_hs *hs, const char *name,
		unsigned int idx, size_t *len);

/** Subprotocol selected by the server (NULL when none). */
const char *ws_hs_protocol(const struct ws_hs *hs, size_t *len);

/** The client's first valid permessage-deflate offer, NULL if none. */
const struct ws_pmd_offer *ws_hs_pmd_offer(const struct ws_hs *hs);

/** Prepare a client handshake (@p conf is kept, not copied). */
void ws_hs_client_init(struct ws_hs *hs, const struct ws_client_conf *conf,
		uint8_t *buf, size_t cap);

/**
 * Client: write the upgrade request.
 * @param key16 the 16 key bytes, or NULL to draw them with RAND_bytes
 * @return 0, -WS_ERR_NOSPACE, -WS_ERR_INVAL (no host, or no randomness).
 */
int ws_hs_client_request(struct ws_hs *hs, const uint8_t *key16,
		uint8_t *out, size_t cap, size_t *out_len);

/**
 * Client: check the parsed response (status 101, Upgrade, Connection,
 * the accept value, a subprotocol and extensions among those offered).
 * @return 0, -WS_ERR_HTTP (status not 101), -WS_ERR_HANDSHAKE (hs->why
 *         says what is wrong), -WS_ERR_INVAL (head not complete).
 */
int ws_hs_client_verify(struct ws_hs *hs);

#endif /* WS_H */
