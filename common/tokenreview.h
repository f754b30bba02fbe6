// SPDX-License-Identifier: Apache-2.0
/* Bearer-token authentication through TokenReview (authentication.k8s.io/v1), with a TTL cache. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/k8s-client.h"
#include "common/macro.h"

#define TOKENREVIEW_TOKEN_MAX	    (16U * 1024) /* bytes of a bearer token we send for review */
#define TOKENREVIEW_USERNAME_MAX    255U
#define TOKENREVIEW_NODE_NAME_MAX   253U
#define TOKENREVIEW_ERROR_MAX	    255U
#define TOKENREVIEW_RESPONSE_MAX    (256U * 1024) /* a TokenReview answer */
#define TOKENREVIEW_CACHE_MAX	    4096U /* entries, default and ceiling */
#define TOKENREVIEW_TTL_USEC	    (60ULL * 1000 * 1000) /* an authenticated answer */
#define TOKENREVIEW_NEGATIVE_USEC   (5ULL * 1000 * 1000) /* an unauthenticated answer */
#define TOKENREVIEW_NODE_NAME_EXTRA "authentication.kubernetes.io/node-name"

/* What the API server said about a token. Plain data; strings truncated to their caps. */
struct tokenreview_user {
	bool authenticated;
	char username[TOKENREVIEW_USERNAME_MAX + 1]; /* "" when not authenticated */
	/* extra["authentication.kubernetes.io/node-name"][0]: the node a bound token's pod runs on; "" when absent */
	char node_name[TOKENREVIEW_NODE_NAME_MAX + 1];
	char error[TOKENREVIEW_ERROR_MAX + 1]; /* status.error, control characters replaced */
};

/*
 * A cheap check before asking the API server: 1..TOKENREVIEW_TOKEN_MAX bytes of
 * printable ASCII without spaces. Tokens failing it are refused unreviewed, so
 * junk does not turn into TokenReviews.
 */
bool tokenreview_token_plausible(const char *token);

/*
 * The TokenReview to POST: spec.token and, when audience is non-NULL,
 * spec.audiences = [audience]. New reference (it holds the secret: caller
 * json_decref()s it and never logs it).
 */
int tokenreview_request_new(const char *token, const char *audience,
			    json_t **ret_review) _warn_unused_result_;

/*
 * Reads a TokenReview answer's status. With audience non-NULL an authenticated
 * answer must list it in status.audiences, else the result is unauthenticated
 * with an error saying so. -EBADMSG when the document is not a TokenReview
 * status (wrong types, missing status.authenticated).
 */
int tokenreview_parse(const json_t *review, const char *audience,
		      struct tokenreview_user *ret_user) _warn_unused_result_;

/*
 * POSTs the review with client c (not thread-safe: serialise calls on c). API
 * errors are k8s_client's (-EACCES/-EPERM when the caller may not create
 * TokenReviews, -EAGAIN, transport errors); *reterr never contains the token.
 */
int tokenreview_create(struct k8s_client *c, const char *token, const char *audience,
		       struct tokenreview_user *ret_user,
		       struct k8s_error *reterr) _warn_unused_result_;

/*
 * A thread-safe TTL cache of answers keyed by SHA-256 of the token (the token
 * itself is never stored). Authenticated answers live ttl_usec, others
 * negative_usec; transport errors are never cached. When full, expired
 * entries go first, then the entry closest to expiry.
 */
struct tokenreview_cache;

#define TOKENREVIEW_KEY_SIZE 32U

/* max 0: TOKENREVIEW_CACHE_MAX (also the ceiling); ttls 0: the defaults above. */
int tokenreview_cache_new(size_t max, uint64_t ttl_usec, uint64_t negative_usec,
			  struct tokenreview_cache **ret_cache) _warn_unused_result_;
struct tokenreview_cache *tokenreview_cache_free(struct tokenreview_cache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tokenreview_cache *, tokenreview_cache_free);

/* SHA-256 of the token. */
int tokenreview_cache_key(const char *token,
			  uint8_t ret_key[TOKENREVIEW_KEY_SIZE]) _warn_unused_result_;
/* true and *ret_user filled when a live entry exists at monotonic time now_usec. */
bool tokenreview_cache_get(struct tokenreview_cache *c, const uint8_t key[TOKENREVIEW_KEY_SIZE],
			   uint64_t now_usec, struct tokenreview_user *ret_user);
void tokenreview_cache_put(struct tokenreview_cache *c, const uint8_t key[TOKENREVIEW_KEY_SIZE],
			   uint64_t now_usec, const struct tokenreview_user *user);
size_t tokenreview_cache_size(struct tokenreview_cache *c);
