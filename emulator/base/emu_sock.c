/*
 * emu_sock.c - the process's connected sockets by address (see emu_sock.h).
 */
#include "emu_sock.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdlib.h>

int emu_sock_each(emu_sock_fn *fn, void *arg) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int rc = 0;

  if (!d)
    return -1;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    struct sockaddr_storage self, peer;
    socklen_t slen = sizeof(self), plen = sizeof(peer);
    char *end;
    long v = strtol(e->d_name, &end, 10);
    if (*end || v < 0 || v == dirfd(d))
      continue;
    if (getsockname((int)v, (struct sockaddr *)&self, &slen) != 0 ||
        getpeername((int)v, (struct sockaddr *)&peer, &plen) != 0)
      continue;
    rc = fn((int)v, &self, &peer, arg);
  }
  closedir(d);
  return rc;
}

int emu_sock_port(const struct sockaddr_storage *a) {
  if (a->ss_family == AF_INET)
    return ntohs(((const struct sockaddr_in *)a)->sin_port);
  if (a->ss_family == AF_INET6)
    return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
  return -1;
}

const char *emu_sock_host(const struct sockaddr_storage *a, char *buf, size_t cap) {
  if (a->ss_family == AF_INET)
    return inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, buf, (socklen_t)cap);
  if (a->ss_family == AF_INET6)
    return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, buf, (socklen_t)cap);
  return NULL;
}
