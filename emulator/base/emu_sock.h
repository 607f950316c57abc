/*
 * emu_sock.h - the process's own connected sockets, found by address.
 *
 * civetweb does not expose a connection's descriptor. The rare paths that
 * must shut a client's socket down under a blocked read or write (a client
 * that ignores our close, a write past its deadline, shutdown) find it
 * among the process's descriptors by its addresses. One scan of
 * /proc/self/fd: O(open descriptors), never on a per-message path.
 *
 * Threading: safe from any thread; a descriptor handed to the callback may
 * be closed by its owner meanwhile, so callers act on one only while
 * something guarantees it is still theirs (see ws_registry's lock rules).
 */
#ifndef EMU_SOCK_H
#define EMU_SOCK_H

#include <stddef.h>
#include <sys/socket.h>

/* Called for each connected socket with its local and peer addresses;
 * returns nonzero to stop the scan. */
typedef int emu_sock_fn(int fd, const struct sockaddr_storage *self,
                        const struct sockaddr_storage *peer, void *arg);

/* Runs fn over the process's connected sockets until it returns nonzero.
 * Returns that value, 0 when the scan ran out, or -1 when /proc/self/fd
 * could not be read. */
int emu_sock_each(emu_sock_fn *fn, void *arg);
/* The port of an IPv4 or IPv6 address, or -1. */
int emu_sock_port(const struct sockaddr_storage *a);
/* Room for a numeric IPv4 or IPv6 host (INET6_ADDRSTRLEN). */
#define EMU_SOCK_HOST_MAX 46
/* The numeric host of an IPv4 or IPv6 address into buf (cap bytes), or
 * NULL. */
const char *emu_sock_host(const struct sockaddr_storage *a, char *buf, size_t cap);

#endif
