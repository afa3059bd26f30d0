/*
 * ptyrun.c: drive a program through a pseudo-terminal from a script, as a
 * person at a terminal would (a tiny expect(1)). The end-to-end tests use
 * it for the interactive survey: libedit sees a real terminal, Ctrl-D is
 * the terminal's end of file, and kill -9 lands in the middle of a
 * session.
 *
 *   ptyrun [-t SECONDS] COMMAND [ARG...]   < script
 *
 * Script lines (the command's output is copied to stdout as it comes):
 *   expect TEXT   wait until TEXT appears after the previous match
 *   send TEXT     type TEXT and Enter        type TEXT   without Enter
 *   eof           type Ctrl-D                kill        SIGKILL now
 *   usleep N      wait N microseconds        wait        wait for the end
 *   # ...         a comment
 * TEXT takes \r \n \t \e \\ and \xHH. Exit status: the command's (128 +
 * signal when killed), 124 when an expect timed out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define OUT_MAX	(64u << 20)

static char	*out;
static size_t	 outlen, outcap, mark;
static int	 master = -1, dead;
static pid_t	 child;
static int	 status;
static double	 timeout = 10;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read what the command wrote for up to ms milliseconds. */
static void
pump(int ms)
{
	struct pollfd	pfd;
	char		b[65536];
	ssize_t		n;

	if (master < 0)
		return;
	pfd.fd = master;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) <= 0)
		return;
	n = read(master, b, sizeof(b));
	if (n <= 0) {
		/* EIO: the command and every other holder of the terminal
		 * are gone. */
		close(master);
		master = -1;
		return;
	}
	fwrite(b, 1, (size_t)n, stdout);
	fflush(stdout);
	if (outlen + (size_t)n + 1 > outcap) {
		if (outlen + (size_t)n + 1 > OUT_MAX) {
			fprintf(stderr, "ptyrun: too much output\n");
			exit(1);
		}
		outcap = (outlen + (size_t)n + 1) * 2;
		if ((out = realloc(out, outcap)) == NULL)
			exit(1);
	}
	memcpy(out + outlen, b, (size_t)n);
	outlen += (size_t)n;
	out[outlen] = '\0';
}

static void
reap(int block)
{
	if (dead)
		return;
	if (waitpid(child, &status, block ? 0 : WNOHANG) == child)
		dead = 1;
}

static int
exit_code(void)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static size_t
unescape(const char *s, char *d)
{
	size_t	n = 0;
	char	hex[3];

	while (*s != '\0') {
		if (*s != '\\' || s[1] == '\0') {
			d[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r': d[n++] = '\r'; break;
		case 'n': d[n++] = '\n'; break;
		case 't': d[n++] = '\t'; break;
		case 'e': d[n++] = 033; break;
		case 'x':
			if (s[1] != '\0' && s[2] != '\0') {
				hex[0] = s[1];
				hex[1] = s[2];
				hex[2] = '\0';
				d[n++] = (char)strtol(hex, NULL, 16);
				s += 2;
			}
			break;
		default: d[n++] = *s; break;
		}
		s++;
	}
	return n;
}

static void
type(const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0 && master >= 0) {
		w = write(master, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/*
 * Before typing, give a line editor up to 300 ms to take the terminal out
 * of canonical mode: text typed earlier would be echoed twice, once by the
 * terminal and once by the editor (a person never types that fast). A
 * program that reads plain lines never leaves canonical mode; it only
 * costs the wait.
 */
static void
wait_raw(void)
{
	struct termios	t;
	double		end = now() + 0.3;

	while (master >= 0 && now() < end) {
		if (tcgetattr(master, &t) == 0 && !(t.c_lflag & ICANON))
			return;
		pump(5);
	}
}

static int
expect(const char *text)
{
	double	end = now() + timeout;
	char	*hit;

	for (;;) {
		if (out != NULL && (hit = strstr(out + mark, text)) != NULL) {
			mark = (size_t)(hit - out) + strlen(text);
			return 0;
		}
		if (master < 0 || now() > end)
			break;
		pump(50);
	}
	fprintf(stderr, "\nptyrun: %s waiting for '%s'\n",
	    master < 0 ? "end of output" : "timeout", text);
	return -1;
}

int
main(int argc, char **argv)
{
	struct winsize	 ws = { 24, 80, 0, 0 };
	char		 line[65536], buf[65536];
	char		*arg;
	double		 end;
	size_t		 n;
	int		 i = 1;

	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		timeout = atof(argv[2]);
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: ptyrun [-t SECONDS] COMMAND [ARG...] "
		    "< script\n");
		return 2;
	}
	child = forkpty(&master, NULL, NULL, &ws);
	if (child < 0) {
		perror("ptyrun: forkpty");
		return 1;
	}
	if (child == 0) {
		execvp(argv[i], argv + i);
		perror("ptyrun: exec");
		_exit(127);
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		arg = strchr(line, ' ');
		if (arg != NULL)
			*arg++ = '\0';
		else
			arg = line + strlen(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strcmp(line, "expect") == 0) {
			if (expect(arg) != 0) {
				kill(child, SIGKILL);
				reap(1);
				return 124;
			}
		} else if (strcmp(line, "send") == 0 ||
		    strcmp(line, "type") == 0) {
			n = unescape(arg, buf);
			wait_raw();
			if (line[0] == 's')
				buf[n++] = '\r';
			type(buf, n);
		} else if (strcmp(line, "eof") == 0) {
			wait_raw();
			type("\004", 1);
		} else if (strcmp(line, "kill") == 0) {
			kill(child, SIGKILL);
			reap(1);
		} else if (strcmp(line, "usleep") == 0) {
			usleep((useconds_t)atol(arg));
		} else if (strcmp(line, "wait") == 0) {
			break;
		} else {
			fprintf(stderr, "ptyrun: unknown script line '%s'\n",
			    line);
			kill(child, SIGKILL);
			reap(1);
			return 2;
		}
	}
	/* Let the command finish, reading its output so it never blocks. */
	end = now() + timeout;
	while (!dead && now() < end) {
		pump(20);
		reap(0);
	}
	if (!dead) {
		fprintf(stderr, "\nptyrun: command did not end\n");
		kill(child, SIGKILL);
		reap(1);
		return 124;
	}
	while (master >= 0)
		pump(20);
	return exit_code();
}
