/* notifystamp is an sd_notify worker for BenchmarkReadyToNextStart. It
 * appends "start NAME NS" to $STAMP_FILE as soon as it runs, then "ready
 * NAME NS" just before it sends READY=1 to $NOTIFY_SOCKET, and then sleeps
 * until it is killed (CLOCK_MONOTONIC, NAME is argv[1]). The benchmark reads
 * the gap from one worker's READY=1 to the next sibling's start off these
 * lines. It is C so that its own start-up adds as little as possible to the
 * gap it measures. */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void stamp(int fd, const char *what, const char *name) {
	struct timespec ts;
	char buf[128];
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int n = snprintf(buf, sizeof buf, "%s %s %lld\n", what, name, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if (write(fd, buf, n) != n) _exit(2);
}

/* notify sends one datagram as sd_notify(3) does; a leading '@' names an
 * abstract socket. */
static int notify(const char *msg) {
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t len;
	if (!path || !*path || (len = strlen(path)) >= sizeof sa.sun_path) return -1;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@') sa.sun_path[0] = 0;
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) return -1;
	ssize_t n = sendto(s, msg, strlen(msg), 0, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + len);
	close(s);
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
	const char *file = getenv("STAMP_FILE");
	const char *name = argc > 1 ? argv[1] : "-";
	if (!file) return 2;
	int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) return 2;
	stamp(fd, "start", name);
	stamp(fd, "ready", name);
	if (notify("READY=1") < 0) return 3;
	for (;;) pause();
}
