// SPDX-License-Identifier: Apache-2.0
/* The enforcer's side of the bind socket (bind-protocol.h): non-blocking, served by the main loop. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"
#include "enforcer/backend.h"
#include "enforcer/bind-protocol.h"
#include "enforcer/profile-store.h"

#define BIND_CONN_MAX	     32U /* connections served at once; more wait in the backlog */
#define BIND_CONN_TIMEOUT_MS 5000U /* a connection's whole life, below the hook's timeout */
#define BIND_ERROR_MAX	     1024U /* bytes of the error text of a response */
#define BIND_POLLFDS	     (1U + BIND_CONN_MAX) /* what bind_server_pollfds() may fill */

/* One parsed request. Strings are NUL-terminated; absent ones are "". */
struct bind_request {
	char id[BPF_CONTAINER_ID_MAX + 1];
	int pid; /* 0: absent */
	bool has_cgroup_id;
	uint64_t cgroup_id;
	char profile[ARMOR_NAME_MAX + 1];
	struct bpf_container_info info; /* container_id = id */
};

/*
 * Parses one request line (the trailing newline optional). Only "op": "bind"
 * is known; "profile" is required and must be a valid profile name, and one
 * of "pid" (1..INT_MAX) and "cgroupId" (a decimal string, not 0); strings
 * must fit struct bpf_container_info and hold no control characters. Unknown
 * fields are ignored. -EINVAL with *reterr_msg (caller frees) otherwise.
 */
int bind_request_parse(const char *line, size_t len, struct bind_request *ret,
		       char **reterr_msg) _warn_unused_result_;

struct bind_server_config {
	const char *path; /* the socket; NULL: BIND_SOCKET_PATH */
	struct profile_store *store; /* whose BPF parts must be applied before a bind */
	const struct bpf_ops *ops;
	void *kernel; /* NULL: the BPF LSM is not available, every bind is refused */
	const char *unavailable_msg; /* why not (may be NULL) */
	const char *host_root; /* for cgroup_id_of_pid (NULL: "/") */
	unsigned timeout_ms; /* per connection; 0: BIND_CONN_TIMEOUT_MS */
	/* Called after each answered request (r: 0 bound, negative errno refused). */
	void (*on_request)(void *userdata, const struct bind_request *req, uint64_t cgroup_id,
			   int r, const char *msg);
	void *userdata;
};

struct bind_server;

/*
 * Creates the socket: its directory 0700 when missing, the socket 0600; a
 * stale socket left by a dead enforcer is replaced, but -EADDRINUSE when an
 * enforcer still answers on it and -EEXIST when the path is not a socket.
 * Everything in cfg is borrowed and must outlive the server.
 */
int bind_server_new(const struct bind_server_config *cfg,
		    struct bind_server **ret) _warn_unused_result_;
/*
 * Sets the kernel side after creation: a socket made before the BPF loader
 * opens lets hooks that come meanwhile wait in the backlog for an answer
 * instead of failing to connect.
 */
void bind_server_set_kernel(struct bind_server *s, void *kernel, const char *unavailable_msg);
/* Closes every connection and the socket, and unlinks it. NULL is fine. */
struct bind_server *bind_server_free(struct bind_server *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct bind_server *, bind_server_free);

/* The descriptors to poll (the listener first), at most BIND_POLLFDS; returns how many. */
size_t bind_server_pollfds(struct bind_server *s, struct pollfd *p, size_t max);
/* Milliseconds until the next connection deadline (now: CLOCK_MONOTONIC usec); -1 when none. */
int bind_server_timeout_ms(struct bind_server *s, uint64_t now_usec);
/*
 * Serves what p (filled by bind_server_pollfds, revents set by poll) says is
 * ready, and closes connections past their deadline. Never blocks. p may be
 * NULL with n 0 (deadlines only).
 */
void bind_server_dispatch(struct bind_server *s, const struct pollfd *p, size_t n,
			  uint64_t now_usec);
/*
 * Serves without a prepared poll set: polls its own descriptors for at most
 * timeout_ms and dispatches. For callers busy elsewhere (between two
 * profiles of a long sync) and tests.
 */
void bind_server_serve(struct bind_server *s, int timeout_ms);

struct bind_server_counts {
	uint64_t ok, failed; /* answered requests */
	uint64_t timeouts; /* connections closed at their deadline without an answer */
	uint64_t connections; /* open now */
};
/* Thread-safe (metrics). */
void bind_server_counts(struct bind_server *s, struct bind_server_counts *ret);
