// SPDX-License-Identifier: Apache-2.0
/* The controller's work queue: keyed, deduplicated, delayed, retried with backoff; no locking, no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"

#define CONTROLLER_QUEUE_MAX	     65536U /* distinct keys waiting or in flight */
#define CONTROLLER_QUEUE_KEY_MAX     600U /* "<kind>/<namespace>/<name>" */
#define CONTROLLER_BACKOFF_BASE_USEC (500ULL * 1000)
#define CONTROLLER_BACKOFF_MAX_USEC  (60ULL * 1000 * 1000)

/*
 * A key is in at most one of three states: waiting (due at a time), in flight
 * (popped, not yet done) or absent. Adding a waiting key only moves its due
 * time earlier; adding an in-flight key marks it to run again once done, so
 * one key is never worked on twice at the same time and no change is lost.
 * Times are caller-supplied microseconds (monotonic), so tests need no clock.
 * Not thread-safe: the caller holds its own lock.
 */
struct controller_queue;

int controller_queue_new(struct controller_queue **ret_queue) _warn_unused_result_;
struct controller_queue *controller_queue_free(struct controller_queue *q);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct controller_queue *, controller_queue_free);

/* Schedules `key` at now + delay (copied). -EINVAL for an empty or over-long key, -ENOSPC when full. */
int controller_queue_add(struct controller_queue *q, const char *key, uint64_t now_usec,
			 uint64_t delay_usec) _warn_unused_result_;

/*
 * Takes the waiting key due first if it is due at `now`: *ret_key is borrowed
 * until controller_queue_done() and the key is in flight; returns 1. Returns 0
 * when nothing is due, with *ret_wait_usec the time until the next due key
 * (UINT64_MAX when none waits).
 */
int controller_queue_pop(struct controller_queue *q, uint64_t now_usec, const char **ret_key,
			 uint64_t *ret_wait_usec);

/*
 * Finishes an in-flight key. error < 0: it runs again after an exponential
 * backoff (CONTROLLER_BACKOFF_BASE_USEC doubling per consecutive failure, up
 * to CONTROLLER_BACKOFF_MAX_USEC); error == 0: its failure count is cleared
 * and it leaves the queue unless it was added meanwhile. -ENOENT when the key
 * is not in flight.
 */
int controller_queue_done(struct controller_queue *q, const char *key, int error,
			  uint64_t now_usec);

/* Number of keys waiting or in flight. */
size_t controller_queue_len(const struct controller_queue *q);

/* The backoff after `failures` consecutive failures (1: the base). */
uint64_t controller_queue_backoff(unsigned failures);
