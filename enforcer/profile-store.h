// SPDX-License-Identifier: Apache-2.0
/* ArmorProfiles: parsing and validation, and the node's per-profile, per-enforcer apply state. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "common/macro.h"

#define PROFILE_API_VERSION "crd.varmor.org/v1beta1"
#define PROFILE_KIND	    "ArmorProfile"
#define ARMOR_NAME_MAX	    63U /* bytes; also a file name under the state and seccomp dirs */
#define PROFILE_BPF_MAX	    (1024U * 1024) /* bytes of spec.profile.bpf as compact JSON */
#define PROFILE_MESSAGE_MAX 1024U /* bytes of one status message */
#define PROFILE_SOURCE_MAX  512U /* bytes of a source description ("file#2") */
#define PROFILE_STORE_MAX   4096U /* profiles and refused documents on one node */

enum part_kind {
	PART_APPARMOR = 0,
	PART_SECCOMP,
	PART_BPF,
	_PART_MAX,
};

enum apply_state {
	APPLY_NONE = 0, /* the profile has no part for this enforcer */
	APPLY_PENDING,
	APPLY_APPLIED,
	APPLY_FAILED,
	_APPLY_STATE_MAX,
};

/* One validated ArmorProfile; every string is owned by it. */
struct armor_profile {
	char name[ARMOR_NAME_MAX + 1];
	bool complain; /* spec.profile.mode == "complain" */
	char *apparmor; /* spec.profile.appArmor, NULL when absent or empty */
	char *seccomp; /* spec.profile.seccomp, NULL when absent or empty */
	char *bpf; /* spec.profile.bpf as compact JSON (sorted keys), NULL when absent */
};

/* "apparmor", "seccomp", "bpf" / "none", "pending", "applied", "failed". */
const char *part_kind_to_string(enum part_kind k);
const char *apply_state_to_string(enum apply_state s);

/* A name usable as a file name: [a-z0-9._-], starts and ends alphanumeric, 1..63 bytes. */
bool profile_name_is_valid(const char *name);

/*
 * Validates one document as an ArmorProfile: apiVersion and kind,
 * metadata.name a valid name equal to spec.profile.name, mode enforce or
 * complain, appArmor at most APPARMOR_PROFILE_MAX bytes, seccomp at most
 * SECCOMP_PROFILE_MAX, bpf an object of at most PROFILE_BPF_MAX, no NUL in
 * the texts. On -EINVAL/-EFBIG *reterr_msg (malloc'ed, one line; caller
 * frees) says why. *ret is owned by the caller (armor_profile_free).
 */
int armor_profile_parse(const json_t *doc, struct armor_profile **ret,
			char **reterr_msg) _warn_unused_result_;
struct armor_profile *armor_profile_free(struct armor_profile *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct armor_profile *, armor_profile_free);

/* What a scan of the profile sources yields. Owns everything in it. */
struct profile_set {
	struct profile_set_item {
		struct armor_profile *profile;
		char *source; /* "file" or "file#N" (N: 0-based document) */
	} * items;
	size_t n_items;
	/* Documents that were refused: source, the name when one could be read, why. */
	struct profile_set_refused {
		char *source, *name, *message;
	} * refused;
	size_t n_refused;
};

/* Takes ownership of profile. -E2BIG past PROFILE_STORE_MAX, -ENOMEM. */
int profile_set_add(struct profile_set *s, struct armor_profile *profile,
		    const char *source) _warn_unused_result_;
/* Copies the strings; name may be NULL. */
int profile_set_refuse(struct profile_set *s, const char *source, const char *name,
		       const char *message) _warn_unused_result_;
void profile_set_done(struct profile_set *s);

struct backend;
struct profile_store;

/* Event sink for the program's log; called on the syncing thread. */
struct profile_store_events {
	/* r: 0 applied/removed, BACKEND_PENDING, or negative errno; msg may be NULL. */
	void (*applied)(void *userdata, const char *name, const char *enforcer, int r,
			const char *msg);
	void (*removed)(void *userdata, const char *name, const char *enforcer, int r,
			const char *msg);
	void *userdata;
};

/* backends[kind] for every kind (borrowed, must outlive the store). */
int profile_store_new(struct backend *const backends[_PART_MAX],
		      const struct profile_store_events *events,
		      struct profile_store **ret) _warn_unused_result_;
struct profile_store *profile_store_free(struct profile_store *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct profile_store *, profile_store_free);

/*
 * Makes the node match `want`: removes the parts of profiles that are gone,
 * applies new and changed parts (and, with `retry_failed`, parts that failed
 * before). Takes the profiles out of `want` (it is left empty). Not
 * thread-safe against itself; readers (status, metrics) may run meanwhile.
 */
int profile_store_sync(struct profile_store *s, struct profile_set *want, bool retry_failed);

/* Ready: a first sync has finished and none is running. Thread-safe. */
bool profile_store_ready(struct profile_store *s);

/* Status and metrics views, thread-safe. Returns a new reference. */
int profile_store_status_json(struct profile_store *s, json_t **ret) _warn_unused_result_;

struct profile_store_counts {
	uint64_t by_state[_PART_MAX][_APPLY_STATE_MAX]; /* profiles */
	uint64_t attempts[_PART_MAX];
	uint64_t failures[_PART_MAX];
	uint64_t refused; /* documents refused in the last sync */
	uint64_t syncs;
};
void profile_store_counts(struct profile_store *s, struct profile_store_counts *ret);

/* One profile's state for one enforcer (tests); -ENOENT when unknown. msg is copied. */
int profile_store_get(struct profile_store *s, const char *name, enum part_kind k,
		      enum apply_state *ret_state, char *msg, size_t msg_size);
