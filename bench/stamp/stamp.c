/* stamp appends "start NS" when it starts and "exit NS" just before it
 * exits (CLOCK_MONOTONIC) to the file named by $STAMP_FILE: the benchmark
 * reads the exit-to-respawn gap off these lines. It is C so that its own
 * start-up adds as little as possible to the gap it measures. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void stamp(int fd, const char *what) {
	struct timespec ts;
	char buf[64];
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int n = snprintf(buf, sizeof buf, "%s %lld\n", what, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if (write(fd, buf, n) != n) _exit(2);
}

int main(void) {
	const char *file = getenv("STAMP_FILE");
	if (!file) return 2;
	int fd = open(file, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0) return 2;
	stamp(fd, "start");
	stamp(fd, "exit");
	_exit(0);
}
