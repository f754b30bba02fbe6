// SPDX-License-Identifier: Apache-2.0
/*
 * A per-thread bump arena for jansson, used while one request is parsed:
 * the parsed tree comes from it and is dropped at once at the end of the
 * request instead of being freed node by node. Outside an arena scope jansson uses
 * malloc/free as usual.
 */
#pragma once

#include <stddef.h>

#include "macro.h"

/* Routes jansson's allocations through the arena logic. Call once, before threads start. */
void json_arena_install(void);
/*
 * Starts an arena scope on this thread; allocations beyond `max` bytes fail
 * (jansson then reports out-of-memory for that document). Scopes do not nest.
 */
int json_arena_begin(size_t max) _warn_unused_result_;
/*
 * Stops allocating from the arena but keeps what it holds alive until
 * json_arena_end(): call it right after parsing, so that anything jansson
 * allocates later (json_dumps() results freed with free(), say) is ordinary
 * heap memory.
 */
void json_arena_pause(void);
/*
 * Ends the scope: every jansson value allocated in it is gone, whatever its
 * reference count. The caller must hold no reference into it any more.
 */
void json_arena_end(void);
/* Releases this thread's cached arena memory (thread exit, tests). */
void json_arena_release(void);
