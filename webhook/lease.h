// SPDX-License-Identifier: Apache-2.0
/* Leader election with a coordination.k8s.io/v1 Lease, optimistic concurrency through resourceVersion. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "common/k8s-config.h"
#include "common/macro.h"

#define LEASE_NAME_DEFAULT		  "pavise-webhook-controller"
#define LEASE_DURATION_DEFAULT_USEC	  (15ULL * 1000 * 1000)
#define LEASE_RENEW_DEADLINE_DEFAULT_USEC (10ULL * 1000 * 1000)
#define LEASE_RETRY_DEFAULT_USEC	  (2ULL * 1000 * 1000)
#define LEASE_IDENTITY_MAX		  128U /* the API's holderIdentity limit is larger; ours is enough */
#define LEASE_DURATION_MAX_SEC		  3600 /* a Lease's leaseDurationSeconds is believed up to this */

struct lease_config {
	const char *namespace;
	const char *name;
	const char *identity;
	uint64_t duration_usec; /* how long a holder's claim lasts without renewal */
	uint64_t renew_deadline_usec; /* the leader gives up when it could not renew for this long */
	uint64_t retry_usec; /* between attempts to acquire or renew */
};

/*
 * Checks a configuration: identity and names non-empty and short enough,
 * retry < renew deadline < duration. reterr_msg: a static description.
 */
int lease_config_check(const struct lease_config *lc, const char **reterr_msg);

struct lease;

/*
 * Starts a thread that acquires and renews the Lease (creating it when
 * missing). The configuration strings are copied.
 */
int lease_start(const struct k8s_config *cfg, const struct lease_config *lc,
		struct lease **ret_lease) _warn_unused_result_;
/*
 * True while this process leads: it renewed the Lease less than the renew
 * deadline ago. A leader that cannot renew (API server unreachable, another
 * holder) stops being one as soon as the deadline passes, before any other
 * replica may take over (the deadline is shorter than the duration).
 */
bool lease_is_leader(struct lease *l);
/* Counts the times leadership was gained (0: never); a change means "resync now". */
uint64_t lease_term(struct lease *l);
/* Stops the thread; a leader releases the Lease so another replica takes over at once. NULL-safe. */
struct lease *lease_free(struct lease *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct lease *, lease_free);

/* ---- The decision, pure (tests) ---- */

enum lease_decision {
	LEASE_FOLLOW, /* another holder's claim is still valid */
	LEASE_ACQUIRE, /* free or expired: take it (a new term) */
	LEASE_RENEW, /* ours: renew it */
};

/*
 * What this replica saw of the Lease: expiry is judged by when the record last
 * changed on our own clock, never by the holder's timestamps (clock skew).
 */
struct lease_observer {
	char *resource_version;
	uint64_t observed_usec;
};
void lease_observer_done(struct lease_observer *o);

/*
 * Decides from the current Lease object (NULL: it does not exist -> ACQUIRE).
 * A holder's leaseDurationSeconds (1..LEASE_DURATION_MAX_SEC, else
 * `default_duration_usec`) counts from the moment its resourceVersion was
 * first seen.
 */
int lease_decide(struct lease_observer *o, const json_t *lease, const char *identity,
		 uint64_t now_usec, uint64_t default_duration_usec,
		 enum lease_decision *ret_decision) _warn_unused_result_;

/*
 * The object to write: a copy of `old` (NULL: a new Lease named name in
 * namespace) with holderIdentity = identity (NULL: released), renewTime =
 * `now` (MicroTime), leaseDurationSeconds; on ACQUIRE also acquireTime and
 * leaseTransitions + 1 when the holder changes. The old resourceVersion stays,
 * so a concurrent writer makes the update fail with a conflict.
 */
int lease_build(const json_t *old, const char *namespace, const char *name, const char *identity,
		uint64_t duration_usec, enum lease_decision decision, const char *now,
		json_t **ret_lease) _warn_unused_result_;
