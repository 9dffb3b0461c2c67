/*
 * CEpoll: the Linux readiness and wake-up primitives the transport's event loop runs on
 * (epoll, eventfd, timerfd), which Swift's Glibc module does not import.
 *
 * `struct epoll_event` is packed on x86_64, which Swift cannot lay out, so events cross into
 * Swift as `ccepoll_ready` pairs instead. Nothing is decided here: the loop is in Swift, in
 * the CurlTransport target.
 */
#ifndef CEPOLL_SHIM_H
#define CEPOLL_SHIM_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* One ready descriptor: the fd it was registered with and the events that fired. */
typedef struct {
    int32_t fd;
    uint32_t events;
} ccepoll_ready;

static const uint32_t ccepoll_in = EPOLLIN;
static const uint32_t ccepoll_out = EPOLLOUT;
static const uint32_t ccepoll_err = EPOLLERR;
static const uint32_t ccepoll_hup = EPOLLHUP;

static inline int ccepoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/* epoll_ctl(ADD / MOD / DEL) for `fd`, with `fd` itself as the event's data. Returns 0 or errno. */
static inline int ccepoll_control(int epfd, int op, int fd, uint32_t events) {
    struct epoll_event event = { .events = events, .data = { .fd = fd } };
    return epoll_ctl(epfd, op, fd, &event) == 0 ? 0 : errno;
}
static const int ccepoll_add = EPOLL_CTL_ADD;
static const int ccepoll_mod = EPOLL_CTL_MOD;
static const int ccepoll_del = EPOLL_CTL_DEL;

/* epoll_wait into `ready` (at most `capacity`, at most 256). Returns the count, or -errno. */
static inline int ccepoll_wait(int epfd, ccepoll_ready *ready, int capacity, int timeout_ms) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epfd, events, capacity, timeout_ms);
    if (count < 0) return -errno;
    for (int i = 0; i < count; i++) {
        ready[i].fd = events[i].data.fd;
        ready[i].events = events[i].events;
    }
    return count;
}

/* A non-blocking eventfd: the loop's doorbell. */
static inline int ccepoll_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
static inline void ccepoll_ring(int fd) { uint64_t one = 1; (void)!write(fd, &one, sizeof one); }
static inline void ccepoll_drain(int fd) { uint64_t value; (void)!read(fd, &value, sizeof value); }

/* A non-blocking CLOCK_MONOTONIC timerfd, armed at absolute times. */
static inline int ccepoll_timerfd(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK); }
/* Arms `fd` to fire once at `deadline_ns` (CLOCK_MONOTONIC; a time in the past fires at once). */
static inline int ccepoll_timer_arm(int fd, uint64_t deadline_ns) {
    if (deadline_ns == 0) deadline_ns = 1; /* zero would disarm */
    struct itimerspec spec = { .it_interval = { 0, 0 },
                               .it_value = { (time_t)(deadline_ns / 1000000000u), (long)(deadline_ns % 1000000000u) } };
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL) == 0 ? 0 : errno;
}

/* CLOCK_MONOTONIC in nanoseconds: the clock every transport deadline is on. */
static inline uint64_t ccepoll_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Names the calling thread (at most 15 bytes), for debuggers and `top -H`. glibc declares
 * pthread_setname_np only under _GNU_SOURCE. */
extern int pthread_setname_np(pthread_t thread, const char *name);
static inline void ccepoll_name_thread(const char *name) { (void)pthread_setname_np(pthread_self(), name); }

/* A non-blocking TCP connection to `host`, an IPv4 or IPv6 address literal (no brackets), with
 * TCP_NODELAY and TCP keepalive set as the libcurl path sets them. Returns the descriptor, with
 * *error set to 0 (connected) or EINPROGRESS (connecting: wait for writability, then
 * ccepoll_socket_error); or -1 with *error set to the errno, EINVAL for a host that is no
 * address literal. */
static inline int ccepoll_tcp_connect(const char *host, int port, int keep_idle, int keep_interval,
                                      int keep_count, int *error) {
    struct sockaddr_storage address;
    memset(&address, 0, sizeof address);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&address;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&address;
    socklen_t length;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        length = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        length = sizeof *v6;
    } else {
        *error = EINVAL;
        return -1;
    }
    int fd = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) {
        *error = errno;
        return -1;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &keep_idle, sizeof keep_idle);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &keep_interval, sizeof keep_interval);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &keep_count, sizeof keep_count);
    if (connect(fd, (struct sockaddr *)&address, length) == 0) {
        *error = 0;
        return fd;
    }
    if (errno == EINPROGRESS) {
        *error = EINPROGRESS;
        return fd;
    }
    *error = errno;
    close(fd);
    return -1;
}

/* The pending error of a socket (SO_ERROR): 0 once a non-blocking connect succeeded. */
static inline int ccepoll_socket_error(int fd) {
    int value = 0;
    socklen_t length = sizeof value;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) != 0) return errno;
    return value;
}

/* send() without SIGPIPE. Returns the bytes sent, or -errno. */
static inline long ccepoll_send(int fd, const void *bytes, unsigned long count) {
    long sent = (long)send(fd, bytes, count, MSG_NOSIGNAL);
    return sent < 0 ? -errno : sent;
}

/* read(). Returns the bytes read (0 at the end of the stream), or -errno. */
static inline long ccepoll_receive(int fd, void *bytes, unsigned long capacity) {
    long count = (long)read(fd, bytes, capacity);
    return count < 0 ? -errno : count;
}

#endif /* CEPOLL_SHIM_H */
