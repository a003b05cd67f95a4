/**
 * @file
 * lws_echo: a WebSocket echo server on libwebsockets (4.1, Debian's
 * package), the kernel-stack comparison that bench/gw_echo_veth.sh runs
 * beside node ws and python3-websockets. One thread, lws's own poll loop.
 *
 * Call chain: main -> lws_service -> echo_callback:
 *   RECEIVE -> echo_receive (assemble the message, queue it when whole)
 *   SERVER_WRITEABLE -> echo_write_queued (send from the queue's head)
 *   CLOSED -> echo_conn_free;  signalfd readable -> echo_signal_callback.
 *
 * Every message goes back to its sender with its opcode (text or binary),
 * whole even when it came in fragments, in order. A message over
 * --max-message bytes closes the connection with 1009. What the peer does
 * not read yet stays queued; past --max-message queued bytes the server
 * stops reading that connection until the queue drains, so no message is
 * lost and memory stays bounded. Text is UTF-8 checked by lws (1007).
 *
 * Prints "lws_echo: listening on ADDR:PORT" once it accepts, and on
 * SIGTERM or SIGINT, after closing every connection, one line of totals
 * like the rig's other servers:
 *   lws_echo: conns=N msgs=N bytes=N sent=N closes=N open=N
 *
 * usage: lws_echo [--addr IP] [--port N] [--max-message BYTES]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <libwebsockets.h>

#define ECHO_DEFAULT_PORT 8765
#define ECHO_DEFAULT_MAX_MESSAGE (16u << 20)
/* lws reads into a buffer of this size per connection and hands
 * RECEIVE at most this much at once. */
#define ECHO_RX_CHUNK 65536
/* Larger messages go out as fragments of this size: lws copies whatever
 * one write leaves unsent, so a whole 16 MiB frame would be copied again. */
#define ECHO_TX_CHUNK 65536
/* Writes per WRITEABLE callback, so one busy connection does not starve
 * the others of the loop. */
#define ECHO_WRITE_BURST 16

/** One message, received or queued; the payload follows LWS_PRE bytes
 * that lws_write() fills with the frame header. */
struct echo_msg {
	struct echo_msg *next;
	size_t len;		/* payload bytes */
	size_t cap;		/* payload bytes allocated */
	size_t sent;		/* payload bytes handed to lws_write() */
	bool binary;
	unsigned char buf[];	/* LWS_PRE + cap */
};

/** Per connection; lws allocates it zeroed at the upgrade. */
struct echo_conn {
	struct echo_msg *rx;	/* the message being assembled, or NULL */
	struct echo_msg *head;	/* queued for sending, oldest first */
	struct echo_msg *tail;
	size_t queued;		/* payload bytes queued */
	bool rx_paused;
};

struct echo_totals {
	uint64_t conns, msgs, bytes, sent, closes, open;
};

/** The context's user data, reached from every callback. */
struct echo_server {
	size_t max_message;
	bool stop;
	struct echo_totals t;
};

static struct echo_server *echo_server_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static unsigned char *echo_msg_payload(struct echo_msg *m)
{
	return m->buf + LWS_PRE;
}

/* Room for at least `need` payload bytes, growing geometrically up to
 * `max`; NULL when out of memory (m is then untouched). */
static struct echo_msg *echo_msg_reserve(struct echo_msg *m, size_t need,
	size_t max)
{
	size_t cap = m ? m->cap : 0;
	struct echo_msg *n;

	if (m && need <= cap)
		return m;
	cap = cap * 2 > need ? cap * 2 : need;
	if (cap > max)
		cap = max;
	n = realloc(m, sizeof(*n) + LWS_PRE + cap);
	if (!n)
		return NULL;
	if (!m)
		memset(n, 0, sizeof(*n));
	n->cap = cap;
	return n;
}

static void echo_queue_push(struct echo_conn *c, struct echo_msg *m)
{
	m->next = NULL;
	if (c->tail)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
	c->queued += m->len;
}

static void echo_queue_pop(struct echo_conn *c)
{
	struct echo_msg *m = c->head;

	c->head = m->next;
	if (!c->head)
		c->tail = NULL;
	c->queued -= m->len;
	free(m);
}

static void echo_conn_free(struct echo_conn *c)
{
	while (c->head)
		echo_queue_pop(c);
	free(c->rx);
	c->rx = NULL;
}

static int echo_close(struct lws *wsi, enum lws_close_status status,
	const char *why)
{
	lws_close_reason(wsi, status, (unsigned char *)why, strlen(why));
	return -1;
}

/* A complete message joins the queue; reading stops while the queue
 * holds more than one maximal message. */
static void echo_message_done(struct lws *wsi, struct echo_server *s,
	struct echo_conn *c)
{
	struct echo_msg *m = c->rx;

	c->rx = NULL;
	s->t.msgs++;
	s->t.bytes += m->len;
	echo_queue_push(c, m);
	if (!c->rx_paused && c->queued > s->max_message) {
		lws_rx_flow_control(wsi, 0);
		c->rx_paused = true;
	}
	lws_callback_on_writable(wsi);
}

static int echo_receive(struct lws *wsi, struct echo_server *s,
	struct echo_conn *c, const void *in, size_t len)
{
	size_t have = c->rx ? c->rx->len : 0;
	/* What this frame still brings counts now, so an oversized message
	 * is refused before it is buffered. */
	size_t need = have + len + lws_remaining_packet_payload(wsi);
	struct echo_msg *m;

	if (need > s->max_message)
		return echo_close(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
			"message too large");
	m = echo_msg_reserve(c->rx, need, s->max_message);
	if (!m)
		return echo_close(wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
			"out of memory");
	if (!c->rx)
		m->binary = lws_frame_is_binary(wsi);
	c->rx = m;
	if (len)
		memcpy(echo_msg_payload(m) + m->len, in, len);
	m->len += len;
	if (lws_is_final_fragment(wsi))
		echo_message_done(wsi, s, c);
	return 0;
}

/* One lws_write() of the head message's next fragment; true when the
 * message is now wholly handed over. The header goes into the LWS_PRE
 * bytes before the fragment, payload already sent (lws copied what it
 * could not send). */
static int echo_write_fragment(struct lws *wsi, struct echo_msg *m,
	bool *done)
{
	size_t left = m->len - m->sent;
	size_t n = left > ECHO_TX_CHUNK ? ECHO_TX_CHUNK : left;
	int flags = lws_write_ws_flags(m->binary ? LWS_WRITE_BINARY :
		LWS_WRITE_TEXT, m->sent == 0, n == left);
	int w = lws_write(wsi, echo_msg_payload(m) + m->sent, n, flags);

	if (w < 0 || (size_t)w < n)
		return -1;
	m->sent += n;
	*done = m->sent == m->len;
	return 0;
}

static int echo_write_queued(struct lws *wsi, struct echo_server *s,
	struct echo_conn *c)
{
	for (int i = 0; i < ECHO_WRITE_BURST && c->head; i++) {
		bool done = false;

		if (echo_write_fragment(wsi, c->head, &done) < 0)
			return -1;
		if (done) {
			echo_queue_pop(c);
			s->t.sent++;
		}
		if (lws_partial_buffered(wsi))
			break;
	}
	if (c->rx_paused && c->queued <= s->max_message / 2) {
		lws_rx_flow_control(wsi, 1);
		c->rx_paused = false;
	}
	if (c->head)
		lws_callback_on_writable(wsi);
	return 0;
}

static int echo_callback(struct lws *wsi, enum lws_callback_reasons reason,
	void *user, void *in, size_t len)
{
	struct echo_conn *c = user;
	struct echo_server *s;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		s = echo_server_of(wsi);
		s->t.conns++;
		s->t.open++;
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return echo_receive(wsi, echo_server_of(wsi), c, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return echo_write_queued(wsi, echo_server_of(wsi), c);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		/* 0: lws answers the close with the peer's code. */
		echo_server_of(wsi)->t.closes++;
		return 0;
	case LWS_CALLBACK_CLOSED:
		echo_server_of(wsi)->t.open--;
		if (c)
			echo_conn_free(c);
		return 0;
	default:
		/* Plain HTTP on this, the default protocol, gets lws's
		 * stock handling. */
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* The signalfd, adopted as a raw file: a signal becomes one more event
 * of the loop, so nothing runs in signal context. */
static int echo_signal_callback(struct lws *wsi, enum lws_callback_reasons reason,
	void *user, void *in, size_t len)
{
	struct signalfd_siginfo si;

	(void)user;
	(void)in;
	(void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	if (read(lws_get_socket_fd(wsi), &si, sizeof(si)) < 0 &&
		errno != EAGAIN)
		return -1;
	echo_server_of(wsi)->stop = true;
	return 0;
}

static const struct lws_protocols echo_protocols[] = {
	/* First: a client naming no subprotocol gets this one. */
	{ .name = "echo", .callback = echo_callback,
	  .per_session_data_size = sizeof(struct echo_conn),
	  .rx_buffer_size = ECHO_RX_CHUNK },
	{ .name = "lws-echo-signal", .callback = echo_signal_callback },
	{ .name = NULL, .callback = NULL },
};

struct echo_opts {
	const char *addr;	/* NULL: every address */
	int port;
	size_t max_message;
};

static void echo_usage(FILE *f)
{
	fprintf(f, "usage: lws_echo [--addr IP] [--port N] "
		"[--max-message BYTES]\n"
		"  --addr IP            listen on this address (default: all)\n"
		"  --port N             listen port (default %d)\n"
		"  --max-message BYTES  largest message echoed, and the queued\n"
		"                       bytes past which a connection is not\n"
		"                       read (default %u)\n",
		ECHO_DEFAULT_PORT, ECHO_DEFAULT_MAX_MESSAGE);
}

static int echo_parse_number(const char *arg, unsigned long long max,
	unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || *out == 0 ||
		*out > max)
		return -1;
	return 0;
}

static int echo_parse_opts(int argc, char **argv, struct echo_opts *o)
{
	static const struct option longopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "max-message", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int opt;

	while ((opt = getopt_long(argc, argv, "a:p:m:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			o->addr = optarg;
			break;
		case 'p':
			if (echo_parse_number(optarg, 65535, &v) < 0) {
				fprintf(stderr, "lws_echo: --port takes 1 to 65535\n");
				return -1;
			}
			o->port = (int)v;
			break;
		case 'm':
			/* lws_write() takes a length it returns as an int. */
			if (echo_parse_number(optarg, INT32_MAX / 2, &v) < 0) {
				fprintf(stderr, "lws_echo: --max-message takes 1 to %d\n",
					INT32_MAX / 2);
				return -1;
			}
			o->max_message = (size_t)v;
			break;
		case 'h':
			echo_usage(stdout);
			exit(0);
		default:
			echo_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lws_echo: unexpected argument '%s'\n", argv[optind]);
		echo_usage(stderr);
		return -1;
	}
	return 0;
}

/* SIGTERM and SIGINT blocked and readable on a signalfd; -1 on failure.
 * Their disposition goes back to the default first: an ignored signal is
 * discarded, not queued, and shells start background jobs with SIGINT
 * ignored. */
static int echo_signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static struct lws_context *echo_context_create(const struct echo_opts *o,
	struct echo_server *s)
{
	struct lws_context_creation_info info;

	memset(&info, 0, sizeof(info));
	info.port = o->port;
	info.iface = o->addr;
	info.protocols = echo_protocols;
	info.user = s;
	info.gid = -1;
	info.uid = -1;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	/* An IPv4 address is bound as such, not as a mapped IPv6 one. */
	if (o->addr && !strchr(o->addr, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	return lws_create_context(&info);
}

/* The signalfd joins the default vhost's loop; lws closes it with the
 * context. */
static int echo_watch_signals(struct lws_context *ctx, int sfd)
{
	struct lws_vhost *vh = lws_get_vhost_by_name(ctx, "default");
	lws_sock_file_fd_type fd = { .filefd = sfd };

	if (!vh)
		return -1;
	/* On failure lws has closed the descriptor. */
	return lws_adopt_descriptor_vhost(vh, LWS_ADOPT_RAW_FILE_DESC, fd,
		"lws-echo-signal", NULL) ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct echo_opts o = { .port = ECHO_DEFAULT_PORT,
		.max_message = ECHO_DEFAULT_MAX_MESSAGE };
	struct echo_server s = { 0 };
	struct lws_context *ctx;
	int sfd;

	if (echo_parse_opts(argc, argv, &o) < 0)
		return 2;
	s.max_message = o.max_message;
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	sfd = echo_signal_fd();
	if (sfd < 0) {
		perror("lws_echo: signalfd");
		return 1;
	}
	ctx = echo_context_create(&o, &s);
	if (!ctx) {
		fprintf(stderr, "lws_echo: cannot listen on %s:%d\n",
			o.addr ? o.addr : "*", o.port);
		close(sfd);
		return 1;
	}
	if (echo_watch_signals(ctx, sfd) < 0) {
		fprintf(stderr, "lws_echo: cannot watch signals\n");
		lws_context_destroy(ctx);
		return 1;
	}
	printf("lws_echo: listening on %s:%d\n", o.addr ? o.addr : "*", o.port);
	fflush(stdout);
	while (!s.stop)
		if (lws_service(ctx, 0) < 0)
			break;
	lws_context_destroy(ctx);
	printf("lws_echo: conns=%" PRIu64 " msgs=%" PRIu64 " bytes=%" PRIu64
		" sent=%" PRIu64 " closes=%" PRIu64 " open=%" PRIu64 "\n",
		s.t.conns, s.t.msgs, s.t.bytes, s.t.sent, s.t.closes, s.t.open);
	return s.stop ? 0 : 1;
}
