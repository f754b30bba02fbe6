// SPDX-License-Identifier: Apache-2.0
/* The enforcer's bind socket: how pavise-oci-hook asks for a container to be bound. */
#pragma once

#include <stddef.h>

#include "common/macro.h"
#include "enforcer/oci.h"

/*
 * A unix stream socket, mode 0600, owned by root (only the runtime's hooks
 * and root reach it). One request per connection, both ways one JSON object
 * on one line ending in '\n', at most BIND_MSG_MAX bytes:
 *
 *   request  {"op": "bind", "id": ID, "pid": N, "cgroupId": "N" (decimal
 *             string: 64 bits do not fit a JSON double), "profile": NAME,
 *             "container": NAME, "podNamespace": NS, "podName": NAME,
 *             "podUid": UID}
 *   response {"ok": true, "profile": NAME, "cgroupId": "N"}
 *            {"ok": false, "error": "one line"}
 *
 * The enforcer answers only once the binding is in the kernel maps (or has
 * failed). It refuses a profile it does not know yet (the profile's BPF part
 * not applied on this node): the hook then fails the container's creation
 * and the kubelet retries, so no container runs unconfined.
 */
#define BIND_SOCKET_PATH	"/run/pavise/enforcer.sock"
#define BIND_MSG_MAX		8192U
#define BIND_DEFAULT_TIMEOUT_MS 10000U

/*
 * Client side (pavise-oci-hook): sends one bind request for c and waits at
 * most timeout_ms for the answer. 0 when bound; -ECONNREFUSED/-ENOENT when no
 * enforcer listens, -ETIMEDOUT, -EPROTO for a malformed answer, -EPERM when
 * the enforcer refused (reterr_msg says why).
 */
int bind_client_request(const char *socket_path, const struct oci_container *c, uint64_t cgroup_id,
			unsigned timeout_ms, char **reterr_msg) _warn_unused_result_;
