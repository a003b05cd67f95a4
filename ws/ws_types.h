/**
 * @file
 * Types of the RFC 6455 engine: error codes, opcodes, statistics, the
 * per-worker context, the per-connection context and the handshake
 * parser's state. Functions are in ws.h. Nothing here knows the
 * transport: bytes come in through ws_conn_recv() and ws_hs_parse(), and
 * go out through return values, caller buffers and the ops callbacks.
 */
#ifndef WS_TYPES_H
#define WS_TYPES_H

#include <stddef.h>
#include <stdint.h>

/** Error codes; int functions return 0 or the negative value. */
enum ws_err {
	WS_OK = 0,
	WS_ERR_AGAIN = 1,     /**< needs more input (not an error) */
	WS_ERR_NOSPACE = 2,   /**< needs more room in a caller buffer */
	WS_ERR_INVAL = 3,     /**< bad argument */
	WS_ERR_PROTOCOL = 4,  /**< peer broke RFC 6455 (close 1002) */
	WS_ERR_UTF8 = 5,      /**< invalid UTF-8 (close 1007) */
	WS_ERR_TOO_BIG = 6,   /**< message over the limit (close 1009) */
	WS_ERR_POLICY = 7,    /**< refused by the application (close 1008) */
	WS_ERR_HTTP = 8,      /**< HTTP-level refusal; see ws_hs.status */
	WS_ERR_HANDSHAKE = 9, /**< client: the server's 101 is not valid */
	WS_ERR_CLOSED = 10,   /**< close sent or connection closed */
	WS_ERR_NOTSUP = 11,   /**< not supported (e.g. SIMD on this CPU) */
	WS_ERR_IO = 12,       /**< the send callback failed */
};

/** Which end of the connection we are; zero is the gateway's. */
enum ws_role {
	WS_ROLE_SERVER = 0,
	WS_ROLE_CLIENT = 1,
};

/** Frame opcodes (RFC 6455 section 5.2). */
enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xA,
};

/** Close status codes (RFC 6455 section 7.4.1) that the engine uses. */
enum ws_close_code {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_UNSUPPORTED = 1003,
	WS_CLOSE_NO_STATUS = 1005,   /**< reported only, never sent */
	WS_CLOSE_ABNORMAL = 1006,    /**< reported only, never sent */
	WS_CLOSE_INVALID_DATA = 1007,
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,
	WS_CLOSE_EXTENSION = 1010,
	WS_CLOSE_INTERNAL = 1011,
};

/** Largest control frame payload (section 5.5). */
#define WS_CONTROL_MAX 125
/** Largest frame header: 2 + 8 (64-bit length) + 4 (mask). */
#define WS_FRAME_HDR_MAX 14

/**
 * Statistics, defined once: X(enum suffix, name, description, close code).
 * Counters first; the protocol errors after them are the reasons a
 * connection is failed, each with the close code it is failed with.
 * New entries are only ever appended within their group.
 */
#define WS_STATS_COUNTERS(X) \
	X(RX_FRAMES, "rx_frames", "frames received", 0) \
	X(RX_MESSAGES, "rx_messages", "data messages received", 0) \
	X(RX_BYTES, "rx_payload_bytes", "data payload bytes received", 0) \
	X(RX_PINGS, "rx_pings", "pings received", 0) \
	X(RX_PONGS, "rx_pongs", "pongs received, solicited or not", 0) \
	X(RX_CLOSES, "rx_closes", "close frames received", 0) \
	X(TX_FRAMES, "tx_frames", "frames sent or prepared", 0) \
	X(TX_BYTES, "tx_payload_bytes", "payload bytes sent or prepared", 0) \
	X(TX_PONGS, "tx_pongs", "pongs sent in answer to pings", 0) \
	X(TX_CLOSES, "tx_closes", "close frames sent", 0) \
	X(HS_ACCEPTED, "hs_accepted", "upgrades answered 101", 0) \
	X(HS_PLAIN, "hs_plain_http", "plain HTTP requests answered by the hook", 0) \
	X(HS_REFUSED, "hs_refused", "handshakes refused with an HTTP error", 0)

#define WS_STATS_ERRORS(X) \
	X(ERR_RSV, "err_rsv", "RSV bit set without a negotiated extension", 1002) \
	X(ERR_OPCODE, "err_opcode", "reserved opcode", 1002) \
	X(ERR_LENGTH, "err_length", "non-minimal length or 64-bit high bit set", 1002) \
	X(ERR_MASK, "err_mask", "unmasked client frame or masked server frame", 1002) \
	X(ERR_CTRL_LEN, "err_control_length", "control frame over 125 bytes", 1002) \
	X(ERR_CTRL_FRAG, "err_control_fragmented", "control frame without FIN", 1002) \
	X(ERR_CONTINUATION, "err_continuation", "continuation out of a message or data frame inside one", 1002) \
	X(ERR_CLOSE_PAYLOAD, "err_close_payload", "close payload of one byte", 1002) \
	X(ERR_CLOSE_CODE, "err_close_code", "invalid close code", 1002) \
	X(ERR_UTF8, "err_utf8", "invalid UTF-8 in a text message", 1007) \
	X(ERR_CLOSE_UTF8, "err_close_utf8", "invalid UTF-8 in a close reason", 1007) \
	X(ERR_TOO_BIG, "err_too_big", "message over the size limit", 1009) \
	X(ERR_POLICY, "err_policy", "message refused by the application", 1008)

#define WS_STAT_ENUM_(id, name, desc, code) WS_STAT_##id,
enum ws_stat {
	WS_STATS_COUNTERS(WS_STAT_ENUM_)
	WS_STATS_ERRORS(WS_STAT_ENUM_)
	WS_STAT__COUNT
};
#undef WS_STAT_ENUM_

/** Name, description and close code (0 for counters) of one statistic. */
struct ws_stat_desc {
	const char *name;
	const char *desc;
	uint16_t close_code;
};

/** Per-worker counters: written by the owning worker only. */
struct ws_stats {
	uint64_t v[WS_STAT__COUNT];
};

/**
 * Unmask @p len bytes from @p src to @p dst (the same pointer for in
 * place) with the 4-byte key @p key as it lies in the frame (memcpy'd into
 * a uint32_t), starting @p phase bytes into the frame's payload.
 */
typedef void (*ws_unmask_fn)(uint8_t *dst, const uint8_t *src, size_t len,
		uint32_t key, size_t phase);

/**
 * Validate UTF-8 incrementally. @p state is 0 at the start of a text
 * and carries a split code point between calls.
 * @return 0 (valid, complete), -WS_ERR_AGAIN (valid so far, inside a
 *         code point) or -WS_ERR_UTF8.
 */
typedef int (*ws_utf8_fn)(uint32_t *state, const uint8_t *p, size_t len);

/** One SIMD implementation: what it needs and what it provides. */
struct ws_simd_impl {
	const char *name;       /**< "avx512", "avx2", "sse2", "scalar" */
	const char *features;   /**< CPU features it needs, for humans */
	unsigned int needs;     /**< WS_CPU_* bits (private) */
	ws_unmask_fn unmask;
	ws_utf8_fn utf8;
};

/** Flags of a streamed chunk (see ws_ops.on_chunk). */
#define WS_CHUNK_MSG_START 0x1u  /**< first chunk of a message */
#define WS_CHUNK_FRAME_END 0x2u  /**< last chunk of a frame */
#define WS_CHUNK_MSG_END 0x4u    /**< last chunk of the message */

/**
 * Callbacks of a worker's connections. @p user is the connection's
 * ws_conn.user. Callbacks returning int return 0, or a negative value to
 * fail the connection with close code 1008 (policy).
 */
struct ws_ops {
	/** Send a complete frame the engine built (pong, close, ping). */
	int (*send)(void *user, const uint8_t *frame, size_t len);
	/** Reassembly mode: a whole data message, unmasked and validated. */
	int (*on_message)(void *user, enum ws_opcode op, uint8_t *data,
			size_t len);
	/**
	 * Streaming mode: a piece of a data message's payload, unmasked and
	 * (text) validated so far; @p flags are WS_CHUNK_*. A frame with no
	 * payload gives one empty chunk.
	 */
	int (*on_chunk)(void *user, enum ws_opcode op, uint8_t *data,
			size_t len, unsigned int flags);
	/** A pong arrived (optional). */
	void (*on_pong)(void *user, const uint8_t *data, size_t len);
	/**
	 * The peer's close frame arrived (code 1005 when it had none).
	 * After it, ws_conn_closed() is true. Optional.
	 */
	void (*on_close)(void *user, uint16_t code, const uint8_t *reason,
			size_t len);
};

/** Per-worker context: configuration, callbacks, PRNG and statistics. */
struct ws_ctx {
	struct ws_stats stats;
	const struct ws_ops *ops;
	ws_unmask_fn unmask;      /**< chosen once, see ws_simd_init() */
	ws_utf8_fn utf8;
	uint64_t prng;            /**< wyrand state for client masks */
	uint64_t max_message;     /**< bytes; 0 = no limit (streaming) */
};

/** Closing handshake (section 7); zero is an open connection. */
enum ws_close_state {
	WS_OPEN = 0,
	WS_CLOSE_SENT,     /**< our close is out, the peer's is awaited */
	WS_CLOSED,         /**< both sides done, or the connection failed */
};

/**
 * One connection. Embed it in the caller's connection object; treat the
 * fields as private. Zeroed memory plus ws_conn_init() is a valid state.
 */
struct ws_conn {
	uint64_t rx_left;     /**< payload bytes left in the current frame */
	uint64_t msg_len;     /**< payload bytes of the current message */
	void *user;           /**< handed to every callback */
	uint8_t *msg_buf;     /**< reassembly buffer; NULL: streaming */
	uint32_t msg_cap;
	uint32_t utf8;        /**< UTF-8 state of the current text message */
	uint32_t mask;        /**< current frame's masking key */
	uint8_t rx_state;     /**< private enum: header, payload */
	uint8_t close_state;  /**< enum ws_close_state */
	uint8_t role;         /**< enum ws_role */
	uint8_t flags;        /**< private WS_CF_* bits */
	uint8_t frame_op;     /**< opcode of the frame being received */
	uint8_t msg_op;       /**< opcode of the message in progress, 0 none */
	uint8_t phase;        /**< payload offset in the frame, mod 4 */
	uint8_t hdr_have;     /**< header bytes buffered in hdr */
	uint8_t hdr_need;     /**< header bytes needed, 0 before two are in */
	uint8_t ctrl_len;     /**< control payload bytes in ctrl */
	/** Header bytes while the header is split; control payload after. */
	union {
		uint8_t hdr[WS_FRAME_HDR_MAX];
		uint8_t ctrl[WS_CONTROL_MAX];
	} u;
};

/* ---- Opening handshake (section 4) ---- */

/** Header fields one handshake may hold at most. */
#define WS_HS_MAX_FIELDS 64

/** One header field: offsets into the handshake buffer. */
struct ws_http_field {
	uint16_t name;
	uint16_t name_len;
	uint16_t value;       /**< without leading and trailing whitespace */
	uint16_t value_len;
};

/** A parsed permessage-deflate offer (RFC 7692); declined, but parsed. */
struct ws_pmd_offer {
	uint8_t server_no_context_takeover;
	uint8_t client_no_context_takeover;
	uint8_t server_max_window_bits;   /**< 0: absent, else 8..15 */
	uint8_t client_max_window_bits;   /**< 0: absent, 1: no value, else 8..15 */
};

/** A request as the hooks see it: pointers into the handshake buffer. */
struct ws_http_request {
	const char *method;
	size_t method_len;
	const char *path;     /**< target up to '?' */
	size_t path_len;
	const char *query;    /**< after '?', NULL when there is none */
	size_t query_len;
	const struct ws_hs *hs;  /**< for ws_hs_field() look-ups */
};

/** A plain HTTP response the hook fills in (static strings). */
struct ws_http_reply {
	uint16_t status;
	const char *reason;       /**< "OK", "Not Found" ... */
	const char *content_type; /**< NULL: text/plain */
	const void *body;
	size_t body_len;
};

/** Server handshake policy and hooks; shared, read-only. */
struct ws_hs_conf {
	uint16_t max_request_line;  /**< 414 when exceeded; 0: 2048 */
	uint16_t max_fields;        /**< 431 when exceeded; 0: 32 */
	/**
	 * An upgrade request's path and query: return 0 to go on, or an HTTP
	 * status (404, 403, ...) to refuse. NULL accepts every path.
	 */
	int (*on_upgrade)(void *arg, const struct ws_http_request *req);
	/**
	 * Return non-zero to allow this Origin (NULL, 0 when absent).
	 * Refused origins get 403. NULL allows every origin.
	 */
	int (*origin_allowed)(void *arg, const char *origin, size_t len);
	/**
	 * Called for each offered subprotocol in the client's order; return
	 * non-zero to select it. NULL selects none.
	 */
	int (*select_protocol)(void *arg, const char *proto, size_t len);
	/**
	 * A request that is not an upgrade. @p reply holds 404 on entry.
	 * NULL answers 426 Upgrade Required.
	 */
	void (*on_http)(void *arg, const struct ws_http_request *req,
			struct ws_http_reply *reply);
	void *arg;
};

/** Client handshake parameters; strings must outlive the handshake. */
struct ws_client_conf {
	const char *host;        /**< Host header value */
	const char *path;        /**< request target, "/" when NULL */
	const char *origin;      /**< NULL: no Origin header */
	const char *protocols;   /**< offered subprotocols, comma list */
	const char *extensions;  /**< offered extensions, header value */
};

/**
 * Handshake state of one connection, for either role: the incremental
 * HTTP/1.1 head parser and the outcome. Only needed until the 101; the
 * caller provides the buffer the head is copied into (its size bounds
 * the total header bytes, 431 when exceeded).
 */
struct ws_hs {
	uint8_t *buf;
	uint16_t cap;
	uint16_t len;
	uint8_t state;            /**< private parser state */
	uint8_t role;             /**< enum ws_role */
	uint8_t http_major;
	uint8_t http_minor;
	uint16_t status;          /**< refusal (server) or response (client) */
	uint16_t n_fields;
	uint16_t max_line;
	uint16_t max_fields;
	uint16_t line_start;      /**< offset of the current line */
	uint16_t tok;             /**< offset of the current element */
	uint16_t method;
	uint16_t method_len;
	uint16_t target;
	uint16_t target_len;
	uint16_t proto;           /**< selected subprotocol (offset) */
	uint16_t proto_len;       /**< 0: none */
	uint16_t n_ext_offers;    /**< extensions offered by the client */
	uint8_t pmd_offered;      /**< a valid permessage-deflate offer seen */
	uint8_t upgrade;          /**< request asked for a websocket upgrade */
	struct ws_pmd_offer pmd;  /**< the first valid one */
	const char *why;          /**< short reason of a refusal or failure */
	const struct ws_hs_conf *conf;         /**< server */
	const struct ws_client_conf *client;   /**< client */
	char accept[29];          /**< client: expected Sec-WebSocket-Accept */
	struct ws_http_field fields[WS_HS_MAX_FIELDS];
};

#endif /* WS_TYPES_H */
