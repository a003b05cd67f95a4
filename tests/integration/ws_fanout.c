/*
 * ws_fanout: a pub/sub checker for the gateway, in C so that 1,000
 * subscribers and 100,000 messages check in seconds. One process, epoll:
 * N subscribers on SUB_PATH, one publisher on PUB_PATH; each message is
 * {"seq":S,"symbol":"Y",...}. The publisher keeps at most WINDOW messages
 * ahead of the slowest ordinary subscriber. Slow subscribers (--slow K)
 * have a tiny receive buffer and read 2 KB every 20 ms while publishing
 * goes on, then everything that is left.
 *
 *   ws_fanout HOST PORT SUB_PATH PUB_PATH SUBS MESSAGES
 *             [--slow K --slow-path PATH --expect drop|conflate|disconnect]
 *             [--symbols N]
 *             [--size BYTES] [--window W] [--timeout S]
 *
 * With MESSAGES 0 and --idle S it holds SUBS connections for S seconds
 * instead, answering the gateway's pings (the first --dead K do not and
 * must be reset by it), then closes the rest with 1000 and checks that
 * every closing handshake completes.
 *
 * Prints "ok NAME" / "fail NAME: why" lines and a summary; exit 1 on a
 * failure. Every wait is bounded by --timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SYMBOLS 64

enum cstate { C_CONNECTING, C_HANDSHAKE, C_OPEN, C_CLOSED };

struct conn {
	int fd;
	enum cstate state;
	int slow;
	int publisher;
	uint8_t *buf;
	size_t len, cap;
	uint64_t got;          /* data messages received */
	int64_t last;          /* last seq, -1 none */
	uint64_t bad;          /* out of order or repeated */
	int close_code;        /* 0: none seen, -1: TCP ended without one */
	int dead;              /* answers no ping */
	int close_sent;
	uint64_t pings;
	int64_t last_sym[MAX_SYMBOLS];
	uint64_t text_bad;
};

static struct conn *conns;
static int n_conns, n_subs, n_slow, n_symbols = 8, msg_size = 64, n_dead;
static double idle_s;
static uint64_t n_msgs, window = 200, sent;
static int64_t last_pub_sym[MAX_SYMBOLS];
static const char *expect = "", *slow_path;
static int failures, oks, epfd;
static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void record(const char *name, int ok, const char *why)
{
	if (ok) {
		oks++;
		printf("ok %s\n", name);
	} else {
		failures++;
		printf("fail %s: %s\n", name, why);
	}
	fflush(stdout);
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void send_all(struct conn *c, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t k = send(c->fd, b, n, MSG_NOSIGNAL);

		if (k > 0) {
			b += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct timespec ts = { 0, 100000 };

			if (now() > deadline)
				return;
			nanosleep(&ts, NULL);
			continue;
		}
		c->state = C_CLOSED;
		return;
	}
}

/* Frames the publisher writes at once (one send for a window's worth). */
static uint8_t *batch;
static size_t batch_len, batch_cap;

static void batch_flush(struct conn *c)
{
	if (batch_len > 0)
		send_all(c, batch, batch_len);
	batch_len = 0;
}

/* A masked client frame, into the batch when @p batched. */
static void frame_out(struct conn *c, int op, const uint8_t *p, size_t n,
		int batched)
{
	uint8_t h[14], mask[4], *f;
	size_t hl = 2;

	h[0] = (uint8_t)(0x80 | op);
	if (n < 126) {
		h[1] = (uint8_t)(0x80 | n);
	} else if (n < 65536) {
		h[1] = 0x80 | 126;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hl = 4;
	} else {
		h[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (uint8_t)(n >> (56 - 8 * i));
		hl = 10;
	}
	for (int i = 0; i < 4; i++)
		mask[i] = (uint8_t)rand();
	memcpy(h + hl, mask, 4);
	hl += 4;
	if (batched) {
		if (batch_len + hl + n > batch_cap) {
			batch_cap = (batch_len + hl + n) * 2;
			batch = realloc(batch, batch_cap);
		}
		f = batch + batch_len;
		batch_len += hl + n;
	} else {
		f = malloc(hl + n);
	}
	memcpy(f, h, hl);
	for (size_t i = 0; i < n; i++)
		f[hl + i] = p[i] ^ mask[i & 3];
	if (!batched) {
		send_all(c, f, hl + n);
		free(f);
	}
}

static void send_frame(struct conn *c, int op, const uint8_t *p, size_t n)
{
	frame_out(c, op, p, n, 0);
}

static void start_conn(struct conn *c, const struct sockaddr_in *sa, int slow)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT };

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		die("socket");
	if (!slow) {
		int big = 4 << 20;

		setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	} else {
		int small = 2048;

		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	}
	c->slow = slow;
	c->last = -1;
	for (int i = 0; i < MAX_SYMBOLS; i++)
		c->last_sym[i] = -1;
	c->cap = 1 << 16;
	c->buf = malloc(c->cap);
	if (connect(c->fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0 &&
			errno != EINPROGRESS)
		die("connect");
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0)
		die("epoll_ctl");
}

static void on_message(struct conn *c, const uint8_t *p, size_t n)
{
	const char *s;
	char tmp[128];
	long long seq;
	int sym = -1;

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	s = strstr(tmp, "\"seq\":");
	if (s == NULL) {
		c->text_bad++;
		return;
	}
	seq = atoll(s + 6);
	s = strstr(tmp, "\"symbol\":\"S");
	if (s != NULL)
		sym = atoi(s + 11);
	c->got++;
	if (seq <= c->last)
		c->bad++;
	else if (!c->slow && seq != c->last + 1)
		c->bad++;          /* an ordinary subscriber misses nothing */
	c->last = seq;
	if (sym >= 0 && sym < MAX_SYMBOLS) {
		if (seq <= c->last_sym[sym])
			c->bad++;
		c->last_sym[sym] = seq;
	}
}

/* Frames in the buffer; @return 0, or -1 when the connection ended. */
static int parse_frames(struct conn *c)
{
	size_t off = 0;

	while (c->len - off >= 2) {
		uint8_t *p = c->buf + off;
		uint64_t n = p[1] & 0x7f;
		size_t hl = 2;
		int op = p[0] & 0x0f;

		if (n == 126) {
			if (c->len - off < 4)
				break;
			n = (uint64_t)p[2] << 8 | p[3];
			hl = 4;
		} else if (n == 127) {
			if (c->len - off < 10)
				break;
			n = 0;
			for (int i = 0; i < 8; i++)
				n = n << 8 | p[2 + i];
			hl = 10;
		}
		if (c->len - off < hl + n)
			break;
		if (op == 1 || op == 2) {
			on_message(c, p + hl, n);
		} else if (op == 9) {
			c->pings++;
			if (!c->dead)
				send_frame(c, 10, p + hl, n);
		} else if (op == 8) {
			c->close_code = n >= 2 ? (p[hl] << 8 | p[hl + 1]) : 1005;
			if (!c->close_sent)
				send_frame(c, 8, p + hl, n >= 2 ? 2 : 0);
			c->state = C_CLOSED;
		}
		off += hl + n;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return c->state == C_CLOSED ? -1 : 0;
}

static void handshake(struct conn *c, const char *host, int port,
		const char *path)
{
	char req[512];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
			"Upgrade: websocket\r\nConnection: Upgrade\r\n"
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			"Sec-WebSocket-Version: 13\r\n\r\n", path, host, port);

	send_all(c, req, (size_t)n);
	c->state = C_HANDSHAKE;
}

static void readable(struct conn *c)
{
	for (;;) {
		ssize_t k;

		if (c->len == c->cap) {
			c->cap *= 2;
			c->buf = realloc(c->buf, c->cap);
		}
		k = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
			if (c->close_code == 0)
				c->close_code = -1;
			c->state = C_CLOSED;
			epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
			return;
		}
		if (k < 0)
			return;
		c->len += (size_t)k;
		if (c->state == C_HANDSHAKE) {
			uint8_t *end = memmem(c->buf, c->len, "\r\n\r\n", 4);

			if (end == NULL)
				continue;
			if (memcmp(c->buf, "HTTP/1.1 101", 12) != 0) {
				c->state = C_CLOSED;
				return;
			}
			end += 4;
			c->len -= (size_t)(end - c->buf);
			memmove(c->buf, end, c->len);
			c->state = C_OPEN;
		}
		if (parse_frames(c) != 0) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
			return;
		}
	}
}

/* Slow subscribers are left out of epoll while they "sleep". */
static void set_reading(struct conn *c, int on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.ptr = c };

	if (c->state != C_CLOSED)
		epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void poll_once(int ms, const char *host, int port, const char *sub,
		const char *pub)
{
	struct epoll_event evs[256];
	int n = epoll_wait(epfd, evs, 256, ms);

	for (int i = 0; i < n; i++) {
		struct conn *c = evs[i].data.ptr;

		if (c->state == C_CONNECTING && (evs[i].events & EPOLLOUT)) {
			struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

			epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
			handshake(c, host, port, c->publisher ? pub :
					c->slow && slow_path ? slow_path : sub);
		}
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			readable(c);
	}
}

/* While publishing: a slow subscriber reads a little, now and then. */
static void slow_tick(void)
{
	static double next;

	if (now() < next)
		return;
	next = now() + 0.02;
	for (int i = 0; i < n_slow; i++) {
		struct conn *c = &conns[i];
		ssize_t k;

		if (c->state == C_CLOSED)
			continue;
		if (c->cap - c->len < 2048) {
			c->cap *= 2;
			c->buf = realloc(c->buf, c->cap);
		}
		k = recv(c->fd, c->buf + c->len, 2048, 0);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
			if (c->close_code == 0)
				c->close_code = -1;
			c->state = C_CLOSED;
			continue;
		}
		if (k > 0) {
			c->len += (size_t)k;
			parse_frames(c);
		}
	}
}

static uint64_t slowest_fast(void)
{
	uint64_t m = UINT64_MAX;

	for (int i = 0; i < n_subs; i++)
		if (!conns[i].slow && conns[i].state != C_CLOSED &&
				conns[i].got < m)
			m = conns[i].got;
	return m == UINT64_MAX ? sent : m;
}

static void publish_one(struct conn *p)
{
	char msg[4096];
	int sym = (int)(sent % (uint64_t)n_symbols);
	int n = snprintf(msg, sizeof(msg), "{\"seq\":%llu,\"symbol\":\"S%d\",\"pad\":\"",
			(unsigned long long)sent, sym);

	while (n < msg_size - 2 && n < (int)sizeof(msg) - 3)
		msg[n++] = 'x';
	msg[n++] = '"';
	msg[n++] = '}';
	frame_out(p, 1, (const uint8_t *)msg, (size_t)n, 1);
	last_pub_sym[sym] = (int64_t)sent;
	sent++;
}

/* Hold the connections, answering pings; then close the live ones. */
static void idle_phase(const char *host, int port, const char *sub,
		const char *pub)
{
	double until = now() + idle_s;
	uint64_t live_pinged = 0, live_open = 0, dead_reset = 0, closed_ok = 0;
	char why[160];

	while (now() < until && now() < deadline)
		poll_once(50, host, port, sub, pub);
	for (int i = 0; i < n_subs; i++) {
		struct conn *c = &conns[i];

		if (c->dead) {
			dead_reset += c->state == C_CLOSED;
			continue;
		}
		live_open += c->state == C_OPEN;
		live_pinged += c->pings > 0;
	}
	snprintf(why, sizeof(why), "%llu of %d", (unsigned long long)live_open,
			n_subs - n_dead);
	record("every live connection still open", live_open ==
			(uint64_t)(n_subs - n_dead), why);
	snprintf(why, sizeof(why), "%llu of %d", (unsigned long long)live_pinged,
			n_subs - n_dead);
	record("every live connection got heartbeat pings", live_pinged ==
			(uint64_t)(n_subs - n_dead), why);
	snprintf(why, sizeof(why), "%llu of %d", (unsigned long long)dead_reset,
			n_dead);
	record("every silent peer cut off by the gateway",
			dead_reset == (uint64_t)n_dead, why);
	for (int i = 0; i < n_subs; i++)
		if (conns[i].state == C_OPEN) {
			send_frame(&conns[i], 8, (const uint8_t *)"\x03\xe8", 2);
			conns[i].close_sent = 1;
		}
	for (;;) {
		int left = 0;

		for (int i = 0; i < n_subs; i++)
			left += !conns[i].dead && conns[i].close_code == 0;
		if (left == 0 || now() > deadline)
			break;
		poll_once(50, host, port, sub, pub);
	}
	for (int i = 0; i < n_subs; i++)
		closed_ok += !conns[i].dead && conns[i].close_code == 1000;
	snprintf(why, sizeof(why), "%llu of %d", (unsigned long long)closed_ok,
			n_subs - n_dead);
	record("every live connection closed with 1000", closed_ok ==
			(uint64_t)(n_subs - n_dead), why);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *host, *sub, *pub;
	double timeout = 120;
	char why[256];
	int port, opened;
	struct conn *p;

	if (argc < 7) {
		fprintf(stderr, "usage: ws_fanout HOST PORT SUB_PATH PUB_PATH SUBS "
				"MESSAGES [options]\n");
		return 2;
	}
	host = argv[1];
	port = atoi(argv[2]);
	sub = argv[3];
	pub = argv[4];
	n_subs = atoi(argv[5]);
	n_msgs = strtoull(argv[6], NULL, 10);
	for (int i = 7; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--slow"))
			n_slow = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--slow-path"))
			slow_path = argv[i + 1];
		else if (!strcmp(argv[i], "--expect"))
			expect = argv[i + 1];
		else if (!strcmp(argv[i], "--symbols"))
			n_symbols = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--size"))
			msg_size = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--window"))
			window = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--idle"))
			idle_s = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--dead"))
			n_dead = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--timeout"))
			timeout = atof(argv[i + 1]);
	}
	if (n_symbols < 1 || n_symbols > MAX_SYMBOLS || n_subs < 1)
		return 2;
	inet_pton(AF_INET, host, &sa.sin_addr);
	sa.sin_port = htons((uint16_t)port);
	deadline = now() + timeout;
	epfd = epoll_create1(0);
	n_conns = n_subs + 1;
	conns = calloc((size_t)n_conns, sizeof(*conns));
	/* At most 256 handshakes at once, so the listener's backlog keeps up. */
	for (int i = 0; i < n_subs && now() < deadline; i++) {
		int busy;

		do {
			busy = 0;
			for (int j = 0; j < i; j++)
				busy += conns[j].state == C_CONNECTING ||
					conns[j].state == C_HANDSHAKE;
			if (busy >= 256)
				poll_once(1, host, port, sub, pub);
		} while (busy >= 256 && now() < deadline);
		start_conn(&conns[i], &sa, i < n_slow);
		conns[i].dead = i < n_dead;
	}
	for (;;) {
		opened = 0;
		for (int i = 0; i < n_subs; i++)
			opened += conns[i].state == C_OPEN;
		if (opened == n_subs || now() > deadline)
			break;
		poll_once(10, host, port, sub, pub);
	}
	snprintf(why, sizeof(why), "%d of %d open", opened, n_subs);
	record("every subscriber upgraded", opened == n_subs, why);
	if (idle_s > 0) {
		idle_phase(host, port, sub, pub);
		goto out;
	}
	p = &conns[n_subs];
	p->publisher = 1;
	start_conn(p, &sa, 0);
	while (p->state != C_OPEN && p->state != C_CLOSED && now() < deadline)
		poll_once(10, host, port, sub, pub);
	record("publisher upgraded", p->state == C_OPEN, "not open");
	if (p->state != C_OPEN || opened != n_subs)
		goto out;
	for (int i = 0; i < n_slow; i++)
		set_reading(&conns[i], 0);
	while (sent < n_msgs && now() < deadline) {
		uint64_t low = slowest_fast();

		while (sent < n_msgs && sent - low < window)
			publish_one(p);
		batch_flush(p);
		poll_once(1, host, port, sub, pub);
		slow_tick();
	}
	while (slowest_fast() < n_msgs && now() < deadline) {
		poll_once(10, host, port, sub, pub);
		slow_tick();
	}
	for (int i = 0; i < n_slow; i++)
		set_reading(&conns[i], 1);
	/* Slow ones drain what the policy left them, or see their close. */
	for (;;) {
		int done = 1;

		for (int i = 0; i < n_slow; i++)
			if (conns[i].state != C_CLOSED &&
					conns[i].last != (int64_t)n_msgs - 1)
				done = 0;
		if (done || now() > deadline)
			break;
		poll_once(10, host, port, sub, pub);
	}
	{
		uint64_t short_subs = 0, bad = 0, closed = 0;

		for (int i = n_slow; i < n_subs; i++) {
			short_subs += conns[i].got != n_msgs;
			bad += conns[i].bad + conns[i].text_bad;
			closed += conns[i].state == C_CLOSED;
		}
		snprintf(why, sizeof(why), "%llu subscribers short, %llu out of "
				"order or repeated, %llu closed",
				(unsigned long long)short_subs,
				(unsigned long long)bad, (unsigned long long)closed);
		record("every ordinary subscriber got every message once, in order",
				short_subs == 0 && bad == 0 && closed == 0, why);
	}
	for (int i = 0; i < n_slow; i++) {
		struct conn *c = &conns[i];
		char name[96];

		snprintf(why, sizeof(why), "got %llu of %llu, last %lld, bad %llu, "
				"close %d", (unsigned long long)c->got,
				(unsigned long long)n_msgs, (long long)c->last,
				(unsigned long long)c->bad, c->close_code);
		if (!strcmp(expect, "drop")) {
			snprintf(name, sizeof(name), "slow subscriber %d: oldest "
					"dropped, rest in order, newest kept", i);
			record(name, c->got < n_msgs && c->bad == 0 &&
					c->last == (int64_t)n_msgs - 1, why);
		} else if (!strcmp(expect, "conflate")) {
			int latest = 1;

			for (int s = 0; s < n_symbols; s++)
				latest &= c->last_sym[s] == last_pub_sym[s];
			snprintf(name, sizeof(name), "slow subscriber %d: conflated "
					"to the latest value of every symbol", i);
			record(name, c->got < n_msgs && c->bad == 0 && latest, why);
		} else if (!strcmp(expect, "disconnect")) {
			snprintf(name, sizeof(name), "slow subscriber %d: closed "
					"with 1008", i);
			record(name, c->got < n_msgs && c->bad == 0 &&
					c->close_code == 1008, why);
		}
	}
out:
	printf("ws_fanout: %d ok, %d failed (subs %d, messages %llu, sent %llu)\n",
			oks, failures, n_subs, (unsigned long long)n_msgs,
			(unsigned long long)sent);
	return failures ? 1 : 0;
}
