/**
 * @file
 * wsgwctl: send one command to a running wsgw's statistics socket and
 * print the answer.
 *
 *   wsgwctl [-s PATH] stats | stats workers | describe | status
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_DEFAULT_SOCK "/run/wsgw/wsgw.sock"

static void ctl_usage(FILE *out)
{
	fprintf(out,
		"Usage: wsgwctl [-s PATH] COMMAND\n"
		"Commands:\n"
		"  stats           every counter, summed over workers\n"
		"  stats workers   every counter of every worker\n"
		"  describe        name, kind and meaning of every counter\n"
		"  status          whether wsgw runs, its workers and uptime\n"
		"  routes          the gateway's routes and their counters\n"
		"  channels        pub/sub channels and their subscribers\n"
		"  conns           gateway connections by state\n"
		"  memory          bytes per connection\n"
		"Options:\n"
		"  -s, --socket PATH   wsgw's statistics socket (default "
		CTL_DEFAULT_SOCK ")\n"
		"  -h, --help          this help\n");
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "wsgwctl: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "wsgwctl: cannot reach wsgw at %s: %s\n", path,
				strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CTL_DEFAULT_SOCK;
	char cmd[128] = "";
	char buf[4096];
	int c, fd, failed = 0;
	ssize_t n;

	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'h':
			ctl_usage(stdout);
			return 0;
		default:
			ctl_usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		ctl_usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		size_t used = strlen(cmd);

		snprintf(cmd + used, sizeof(cmd) - used, "%s%s",
				i > optind ? " " : "", argv[i]);
	}
	fd = ctl_connect(path);
	if (fd < 0)
		return 1;
	strncat(cmd, "\n", sizeof(cmd) - strlen(cmd) - 1);
	if (send(fd, cmd, strlen(cmd), 0) < 0) {
		fprintf(stderr, "wsgwctl: send: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		if (strncmp(buf, "error ", 6) == 0)
			failed = 1;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	close(fd);
	return failed ? 2 : 0;
}
