/* Fault injection for dlbad's integration tests, loaded with LD_PRELOAD: makes chosen calls of
 * dlbad's worker threads fail the way a loaded machine makes them fail.
 *
 *   DLBAD_FAULT_EPOLL_CTL  epoll_ctl(EPOLL_CTL_ADD) fails with ENOMEM
 *   DLBAD_FAULT_NEW        operator new / new[] throws std::bad_alloc
 *   DLBAD_FAULT_SSL_NEW    SSL_new returns NULL
 *
 * Each takes FIRST[:EVERY[:COUNT]]: fail call number FIRST (counting from 1), then every EVERY-th
 * call after it, COUNT failures at most (default: 1 without EVERY, unlimited with it).  Only calls
 * made on worker threads (named "dlbad-w<N>") count, and only once the first client connection
 * has been accepted, so that start-up is never hit.  Every injected failure is counted in the
 * file named by DLBAD_FAULT_LOG (one line per failure: the kind), when set.
 *
 * operator new is made to fail by asking the real one for an impossible size: it then throws
 * std::bad_alloc itself, through this file's frame (built with -fexceptions).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct fault {
    const char *env;
    const char *name;
    int configured;
    unsigned long first, every, max;
    atomic_ulong calls;
    atomic_ulong fired;
};

static struct fault f_epoll = {.env = "DLBAD_FAULT_EPOLL_CTL", .name = "epoll_ctl"};
static struct fault f_new = {.env = "DLBAD_FAULT_NEW", .name = "new"};
static struct fault f_ssl = {.env = "DLBAD_FAULT_SSL_NEW", .name = "SSL_new"};
static atomic_int armed;
static int log_fd = -1;

static void parse(struct fault *f)
{
    const char *v = getenv(f->env);
    char *end;
    if (!v || !*v)
        return;
    f->first = strtoul(v, &end, 10);
    f->every = 0;
    f->max = 1;
    if (*end == ':') {
        f->every = strtoul(end + 1, &end, 10);
        f->max = f->every ? ULONG_MAX : 1;
        if (*end == ':')
            f->max = strtoul(end + 1, &end, 10);
    }
    f->configured = f->first > 0;
}

__attribute__((constructor)) static void fault_init(void)
{
    const char *path = getenv("DLBAD_FAULT_LOG");
    parse(&f_epoll);
    parse(&f_new);
    parse(&f_ssl);
    if (path && *path)
        log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

/* 1 on a dlbad worker thread.  The name is set once the thread runs: a thread found to be a
 * worker stays one; others are looked at again every 256 calls (prctl is a system call). */
static int on_worker(void)
{
    static __thread int state;     /* 0 unknown, 1 worker, 2 not (yet) */
    static __thread unsigned skip;
    char name[17] = {0};
    if (state == 1)
        return 1;
    if (state == 2 && skip++ % 256)
        return 0;
    if (prctl(PR_GET_NAME, name, 0, 0, 0) == 0 && strncmp(name, "dlbad-w", 7) == 0)
        state = 1;
    else
        state = 2;
    return state == 1;
}

static int should_fail(struct fault *f)
{
    unsigned long n, k;
    if (!f->configured || !atomic_load_explicit(&armed, memory_order_relaxed) || !on_worker())
        return 0;
    n = atomic_fetch_add(&f->calls, 1) + 1;
    if (n < f->first)
        return 0;
    if (n != f->first && (!f->every || (n - f->first) % f->every))
        return 0;
    k = atomic_fetch_add(&f->fired, 1);
    if (k >= f->max)
        return 0;
    if (log_fd >= 0) {
        char line[32];
        int len = snprintf(line, sizeof(line), "%s\n", f->name);
        if (write(log_fd, line, (size_t)len) < 0) {
        }
    }
    return 1;
}

static void *next(const char *sym)
{
    void *p = dlsym(RTLD_NEXT, sym);
    if (!p) {
        static const char msg[] = "fault_inject: symbol not found\n";
        if (write(2, msg, sizeof(msg) - 1) < 0) {
        }
        abort();
    }
    return p;
}

/* Arms the faults once a worker has accepted its first client. */
int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    static int (*real)(int, struct sockaddr *, socklen_t *, int);
    int r;
    if (!real)
        real = (int (*)(int, struct sockaddr *, socklen_t *, int))next("accept4");
    r = real(fd, addr, len, flags);
    if (r >= 0 && on_worker())
        atomic_store(&armed, 1);
    return r;
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    static int (*real)(int, int, int, struct epoll_event *);
    if (!real)
        real = (int (*)(int, int, int, struct epoll_event *))next("epoll_ctl");
    if (op == EPOLL_CTL_ADD && should_fail(&f_epoll)) {
        errno = ENOMEM;
        return -1;
    }
    return real(epfd, op, fd, ev);
}

/* SSL_new(SSL_CTX *): the type is opaque here. */
void *SSL_new(void *ctx)
{
    static void *(*real)(void *);
    if (!real)
        real = (void *(*)(void *))next("SSL_new");
    if (should_fail(&f_ssl))
        return NULL;
    return real(ctx);
}

/* operator new(std::size_t) and operator new[](std::size_t). */
void *_Znwm(size_t size)
{
    static void *(*real)(size_t);
    if (!real)
        real = (void *(*)(size_t))next("_Znwm");
    if (should_fail(&f_new))
        size = SIZE_MAX / 2; /* no malloc can give that: the real operator throws bad_alloc */
    return real(size);
}

void *_Znam(size_t size)
{
    static void *(*real)(size_t);
    if (!real)
        real = (void *(*)(size_t))next("_Znam");
    if (should_fail(&f_new))
        size = SIZE_MAX / 2;
    return real(size);
}
