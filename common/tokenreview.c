// SPDX-License-Identifier: Apache-2.0
/* Bearer-token authentication through TokenReview (authentication.k8s.io/v1), with a TTL cache. */
#include <pthread.h>
#include <string.h>
#include <openssl/evp.h>

#include "common/json-util.h"
#include "common/tokenreview.h"

bool tokenreview_token_plausible(const char *token)
{
	size_t n = 0;

	if (!token)
		return false;
	for (const char *p = token; *p; p++, n++)
		if (n >= TOKENREVIEW_TOKEN_MAX || *p <= ' ' || *p > '~')
			return false;
	return n > 0;
}

int tokenreview_request_new(const char *token, const char *audience, json_t **ret_review)
{
	json_t *r;

	if (!tokenreview_token_plausible(token))
		return -EINVAL;
	if (audience)
		r = json_pack("{s:s, s:s, s:{s:s, s:[s]}}", "apiVersion",
			      "authentication.k8s.io/v1", "kind", "TokenReview", "spec", "token",
			      token, "audiences", audience);
	else
		r = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "authentication.k8s.io/v1",
			      "kind", "TokenReview", "spec", "token", token);
	if (!r)
		return -ENOMEM;
	*ret_review = r;
	return 0;
}

/* Copies s into dst (size bytes), truncating, control characters replaced. */
static void copy_clean(char *dst, size_t size, const char *s)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < size; i++)
		dst[i] = (unsigned char)s[i] < ' ' || s[i] == 0x7f ? ' ' : s[i];
	dst[i] = '\0';
}

int tokenreview_parse(const json_t *review, const char *audience, struct tokenreview_user *ret_user)
{
	struct tokenreview_user u = {};
	const json_t *status, *v, *user, *extra, *aud;

	status = json_object_get(review, "status");
	if (!json_is_object(status))
		return -EBADMSG;
	v = json_object_get(status, "authenticated");
	if (v && !json_is_boolean(v))
		return -EBADMSG;
	u.authenticated = json_is_true(v);
	v = json_object_get(status, "error");
	if (v && !json_is_string(v))
		return -EBADMSG;
	copy_clean(u.error, sizeof(u.error), json_string_value(v));
	if (!u.authenticated) {
		*ret_user = u;
		return 0;
	}

	user = json_object_get(status, "user");
	if (!json_is_object(user))
		return -EBADMSG;
	v = json_object_get(user, "username");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > TOKENREVIEW_USERNAME_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -EBADMSG;
	memcpy(u.username, json_string_value(v), json_string_length(v) + 1);

	extra = json_object_get(user, "extra");
	if (extra && !json_is_object(extra))
		return -EBADMSG;
	v = json_object_get(extra, TOKENREVIEW_NODE_NAME_EXTRA);
	if (v) {
		const json_t *first = json_array_get(v, 0);

		/* Exactly one non-empty name, or the claim is unusable. */
		if (!json_is_array(v) || json_array_size(v) != 1 || !json_is_string(first) ||
		    json_string_length(first) == 0 ||
		    json_string_length(first) > TOKENREVIEW_NODE_NAME_MAX ||
		    strlen(json_string_value(first)) != json_string_length(first))
			return -EBADMSG;
		memcpy(u.node_name, json_string_value(first), json_string_length(first) + 1);
	}

	if (audience) {
		bool found = false;
		size_t i;

		aud = json_object_get(status, "audiences");
		if (aud && !json_is_array(aud))
			return -EBADMSG;
		json_array_foreach(aud, i, v)
			if (json_is_string(v) && strcmp(json_string_value(v), audience) == 0)
				found = true;
		if (!found) {
			u = (struct tokenreview_user){};
			snprintf(u.error, sizeof(u.error), "token not valid for audience %.200s",
				 audience);
		}
	}
	*ret_user = u;
	return 0;
}

int tokenreview_create(struct k8s_client *c, const char *token, const char *audience,
		       struct tokenreview_user *ret_user, struct k8s_error *reterr)
{
	json_auto_t *req = NULL, *resp = NULL;
	int r;

	r = tokenreview_request_new(token, audience, &req);
	if (r < 0)
		return k8s_config_error_set(reterr, r, 0, "InvalidToken",
					    "the token cannot be sent for review");
	r = k8s_client_request(c,
			       &(struct k8s_request){
				       .method = "POST",
				       .path = "/apis/authentication.k8s.io/v1/tokenreviews",
				       .body = req,
				       .max_response = TOKENREVIEW_RESPONSE_MAX,
			       },
			       &resp, reterr);
	if (r < 0)
		return r;
	r = tokenreview_parse(resp, audience, ret_user);
	if (r < 0)
		return k8s_config_error_set(reterr, r, 0, "InvalidResponse",
					    "the TokenReview answer has no valid status");
	return 0;
}

/* ---- cache ---- */

struct entry {
	uint8_t key[TOKENREVIEW_KEY_SIZE];
	uint64_t expires;
	struct tokenreview_user user;
	struct entry *next;
};

struct tokenreview_cache {
	pthread_mutex_t lock;
	struct entry **buckets;
	size_t n_buckets, n, max;
	uint64_t ttl, negative;
};

int tokenreview_cache_new(size_t max, uint64_t ttl_usec, uint64_t negative_usec,
			  struct tokenreview_cache **ret_cache)
{
	struct tokenreview_cache *c;

	if (max == 0 || max > TOKENREVIEW_CACHE_MAX)
		max = TOKENREVIEW_CACHE_MAX;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->n_buckets = 1;
	while (c->n_buckets < max)
		c->n_buckets <<= 1;
	c->buckets = calloc(c->n_buckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->max = max;
	c->ttl = ttl_usec ?: TOKENREVIEW_TTL_USEC;
	c->negative = negative_usec ?: TOKENREVIEW_NEGATIVE_USEC;
	*ret_cache = c;
	return 0;
}

struct tokenreview_cache *tokenreview_cache_free(struct tokenreview_cache *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_buckets; i++)
		while (c->buckets[i]) {
			struct entry *e = c->buckets[i];

			c->buckets[i] = e->next;
			free(e);
		}
	free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return NULL;
}

int tokenreview_cache_key(const char *token, uint8_t ret_key[TOKENREVIEW_KEY_SIZE])
{
	unsigned len = 0;

	if (!token)
		return -EINVAL;
	if (EVP_Digest(token, strlen(token), ret_key, &len, EVP_sha256(), NULL) != 1 ||
	    len != TOKENREVIEW_KEY_SIZE)
		return -EIO;
	return 0;
}

static size_t bucket_of(const struct tokenreview_cache *c, const uint8_t *key)
{
	uint64_t h;

	memcpy(&h, key, sizeof(h)); /* a cryptographic hash: any 8 bytes spread well */
	return (size_t)(h & (c->n_buckets - 1));
}

/* Unlinks and frees *pp; returns the next link. */
static struct entry **drop(struct tokenreview_cache *c, struct entry **pp)
{
	struct entry *e = *pp;

	*pp = e->next;
	free(e);
	c->n--;
	return pp;
}

bool tokenreview_cache_get(struct tokenreview_cache *c, const uint8_t key[TOKENREVIEW_KEY_SIZE],
			   uint64_t now_usec, struct tokenreview_user *ret_user)
{
	bool found = false;

	pthread_mutex_lock(&c->lock);
	for (struct entry **pp = &c->buckets[bucket_of(c, key)]; *pp;) {
		if (memcmp((*pp)->key, key, TOKENREVIEW_KEY_SIZE) != 0) {
			pp = &(*pp)->next;
			continue;
		}
		if ((*pp)->expires <= now_usec) {
			drop(c, pp);
			break;
		}
		*ret_user = (*pp)->user;
		found = true;
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

/* Frees expired entries; if none was, the one closest to expiry. Lock held. */
static void make_room(struct tokenreview_cache *c, uint64_t now)
{
	struct entry **victim = NULL;
	size_t before = c->n;

	for (size_t i = 0; i < c->n_buckets; i++)
		for (struct entry **pp = &c->buckets[i]; *pp;) {
			if ((*pp)->expires <= now) {
				pp = drop(c, pp);
				continue;
			}
			pp = &(*pp)->next;
		}
	if (c->n < before)
		return;
	for (size_t i = 0; i < c->n_buckets; i++)
		for (struct entry **pp = &c->buckets[i]; *pp; pp = &(*pp)->next)
			if (!victim || (*pp)->expires < (*victim)->expires)
				victim = pp;
	if (victim)
		drop(c, victim);
}

void tokenreview_cache_put(struct tokenreview_cache *c, const uint8_t key[TOKENREVIEW_KEY_SIZE],
			   uint64_t now_usec, const struct tokenreview_user *user)
{
	uint64_t expires = now_usec + (user->authenticated ? c->ttl : c->negative);
	struct entry *e;

	pthread_mutex_lock(&c->lock);
	for (e = c->buckets[bucket_of(c, key)]; e; e = e->next)
		if (memcmp(e->key, key, TOKENREVIEW_KEY_SIZE) == 0)
			break;
	if (!e) {
		if (c->n >= c->max)
			make_room(c, now_usec);
		e = calloc(1, sizeof(*e));
		if (!e) {
			/* Only a cache: the next request asks the API server again. */
			pthread_mutex_unlock(&c->lock);
			return;
		}
		memcpy(e->key, key, TOKENREVIEW_KEY_SIZE);
		e->next = c->buckets[bucket_of(c, key)];
		c->buckets[bucket_of(c, key)] = e;
		c->n++;
	}
	e->user = *user;
	e->expires = expires;
	pthread_mutex_unlock(&c->lock);
}

size_t tokenreview_cache_size(struct tokenreview_cache *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n;
}
