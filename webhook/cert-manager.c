// SPDX-License-Identifier: Apache-2.0
/* The webhook's certificates in the cluster: plan (pure) and sync (Secret, caBundle, files). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "certs/cert.h"
#include "common/base64.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "webhook/cert-manager.h"

#define USEC_PER_SEC  1000000ULL
#define USEC_PER_DAY  (24ULL * 3600 * USEC_PER_SEC)
#define PEM_BEGIN     "-----BEGIN CERTIFICATE-----"
#define PEM_END	      "-----END CERTIFICATE-----"
#define SYNC_ATTEMPTS 3
#define FILE_MAX      (64U * 1024)

static const struct k8s_resource secrets_resource = { NULL, "v1", "secrets" };
static const struct k8s_resource mutating_resource = { "admissionregistration.k8s.io", "v1",
						       "mutatingwebhookconfigurations" };
static const struct k8s_resource validating_resource = { "admissionregistration.k8s.io", "v1",
							 "validatingwebhookconfigurations" };

void cert_material_done(struct cert_material *m)
{
	free(m->ca_crt);
	if (m->ca_key)
		explicit_bzero(m->ca_key, strlen(m->ca_key));
	free(m->ca_key);
	free(m->tls_crt);
	if (m->tls_key)
		explicit_bzero(m->tls_key, strlen(m->tls_key));
	free(m->tls_key);
	*m = (struct cert_material){};
}

static uint64_t now_usec_or(uint64_t now)
{
	struct timespec ts;

	if (now)
		return now;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

/* The n-th (0-based) certificate block of a PEM bundle, new string; NULL when absent. */
static char *pem_nth(const char *pem, unsigned n)
{
	const char *p = pem, *end;

	for (unsigned i = 0; p; i++) {
		p = strstr(p, PEM_BEGIN);
		if (!p)
			return NULL;
		end = strstr(p, PEM_END);
		if (!end)
			return NULL;
		end += strlen(PEM_END);
		if (i == n) {
			size_t len = (size_t)(end - p);
			char *s = malloc(len + 2);

			if (!s)
				return NULL;
			memcpy(s, p, len);
			s[len] = '\n';
			s[len + 1] = 0;
			return s;
		}
		p = end;
	}
	return NULL;
}

static int build_sans(const struct cert_manager_config *cfg, char names[][256], const char **sans)
{
	size_t n = 0;

	if (!cfg->service_name || !cfg->namespace)
		return -EINVAL;
	snprintf(names[0], 256, "%s", cfg->service_name);
	snprintf(names[1], 256, "%s.%s", cfg->service_name, cfg->namespace);
	snprintf(names[2], 256, "%s.%s.svc", cfg->service_name, cfg->namespace);
	snprintf(names[3], 256, "%s.%s.svc.cluster.local", cfg->service_name, cfg->namespace);
	for (n = 0; n < 4; n++)
		sans[n] = names[n];
	for (size_t i = 0; cfg->extra_sans && cfg->extra_sans[i]; i++) {
		if (n >= CERT_MANAGER_SANS_MAX)
			return -E2BIG;
		sans[n++] = cfg->extra_sans[i];
	}
	sans[n] = NULL;
	return 0;
}

static bool has_name(char **list, const char *name)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strcasecmp(list[i], name) == 0)
			return true;
	return false;
}

/* The serving pair is good: parses, matches its key, chains to one of `cas`, has every SAN, lasts. */
static bool serving_ok(const struct cert_material *m, const char *const *cas,
		       const char *const *sans, uint64_t now, uint64_t renew_before)
{
	_cleanup_(cert_info_done) struct cert_info info = {};
	bool chained = false;

	if (!m->tls_crt || !m->tls_key || cert_key_matches(m->tls_crt, m->tls_key) != 0 ||
	    cert_parse(m->tls_crt, &info) < 0 ||
	    cert_needs_rotation(m->tls_crt, now, renew_before) != 0)
		return false;
	for (size_t i = 0; cas[i] && !chained; i++)
		chained = cert_verify(cas[i], m->tls_crt, now, NULL) == 0;
	if (!chained)
		return false;
	for (size_t i = 0; sans[i]; i++)
		if (!has_name(info.dns_names, sans[i]) && !has_name(info.ip_addresses, sans[i]))
			return false;
	return true;
}

static int dup_or_null(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int cert_manager_plan(const struct cert_manager_config *cfg, const struct cert_material *cur,
		      uint64_t now_usec, struct cert_material *ret, bool *ret_changed,
		      const char **ret_reason)
{
	_cleanup_(cert_material_done) struct cert_material out = {};
	_cleanup_free_ char *ca = NULL, *old_ca = NULL;
	char names[4][256];
	const char *sans[CERT_MANAGER_SANS_MAX + 1];
	const char *cas[3] = {};
	uint64_t now = now_usec_or(now_usec);
	uint64_t renew = cfg->renew_before_usec ?: CERT_MANAGER_RENEW_BEFORE_DEFAULT;
	unsigned days = cfg->days ?: CERT_DAYS_DEFAULT;
	/* A CA of three serving lifetimes: its rotation (days + renew before its end) never
	 * coincides with a serving renewal from the same start. */
	struct cert_options o = { .days = days, .ca_days = 3 * days, .now_usec = now };
	const char *reason = NULL;
	bool ca_ok;
	int r;

	*ret_changed = false;
	*ret_reason = NULL;
	r = build_sans(cfg, names, sans);
	if (r < 0)
		return r;
	o.sans = sans;

	ca = cur->ca_crt ? pem_nth(cur->ca_crt, 0) : NULL;
	old_ca = cur->ca_crt ? pem_nth(cur->ca_crt, 1) : NULL;
	ca_ok = ca && cur->ca_key && cert_key_matches(ca, cur->ca_key) == 0 &&
		cert_needs_rotation(ca, now, (uint64_t)days * USEC_PER_DAY + renew) == 0;

	if (!ca_ok) {
		struct cert_pair fresh = {};
		struct buf bundle;

		r = cert_generate_ca(&o, &fresh);
		if (r < 0)
			return r;
		out.ca_key = fresh.key_pem;
		buf_init(&bundle, CERT_MANAGER_SECRET_MAX);
		r = buf_append_str(&bundle, fresh.cert_pem);
		/* The outgoing CA stays trusted while it is valid: the serving certificate in use chains to it. */
		if (r >= 0 && ca && cert_needs_rotation(ca, now, 0) == 0)
			r = buf_append_str(&bundle, ca);
		free(fresh.cert_pem);
		if (r < 0) {
			buf_free(&bundle);
			return r;
		}
		out.ca_crt = buf_take(&bundle, NULL);
		if (!out.ca_crt)
			return -ENOMEM;
		reason = ca ? "the CA expires soon or does not match its key: new CA" : "no CA yet";
	} else {
		struct buf bundle;

		r = dup_or_null(cur->ca_key, &out.ca_key);
		if (r < 0)
			return r;
		buf_init(&bundle, CERT_MANAGER_SECRET_MAX);
		r = buf_append_str(&bundle, ca);
		if (r >= 0 && old_ca && cert_needs_rotation(old_ca, now, 0) == 0)
			r = buf_append_str(&bundle, old_ca);
		if (r < 0) {
			buf_free(&bundle);
			return r;
		}
		out.ca_crt = buf_take(&bundle, NULL);
		if (!out.ca_crt)
			return -ENOMEM;
		if (!cur->ca_crt || strcmp(out.ca_crt, cur->ca_crt) != 0)
			reason = "an expired CA left the bundle";
	}

	/* Trusted for the serving certificate: every CA of the new bundle. */
	{
		_cleanup_free_ char *c0 = pem_nth(out.ca_crt, 0), *c1 = pem_nth(out.ca_crt, 1);
		struct cert_material probe = { .tls_crt = cur->tls_crt, .tls_key = cur->tls_key };

		cas[0] = c0;
		cas[1] = c1;
		if (serving_ok(&probe, cas, sans, now, renew)) {
			r = dup_or_null(cur->tls_crt, &out.tls_crt);
			if (r >= 0)
				r = dup_or_null(cur->tls_key, &out.tls_key);
			if (r < 0)
				return r;
		} else {
			struct cert_pair ca_pair = { .cert_pem = c0, .key_pem = out.ca_key };
			struct cert_pair leaf = {};

			r = cert_issue(&ca_pair, &o, &leaf);
			if (r < 0)
				return r;
			out.tls_crt = leaf.cert_pem;
			out.tls_key = leaf.key_pem;
			if (!reason)
				reason = cur->tls_crt ?
						 "the serving certificate expires soon, lacks a "
						 "name or does not chain to the CA" :
						 "no serving certificate yet";
		}
	}

	*ret_changed = reason != NULL;
	*ret_reason = reason;
	*ret = out;
	out = (struct cert_material){};
	return 0;
}

/* ---- I/O ---- */

static int secret_field(const json_t *secret, const char *key, char **ret)
{
	const char *b64 = json_string_value(json_object_get(json_object_get(secret, "data"), key));
	char *data = NULL;
	size_t len;
	int r;

	*ret = NULL;
	if (!b64)
		return 0;
	r = base64_decode(b64, strlen(b64), &data, &len);
	if (r < 0)
		return r;
	if (memchr(data, 0, len)) {
		free(data);
		return -EINVAL;
	}
	*ret = data;
	return 0;
}

static int material_from_secret(const json_t *secret, struct cert_material *ret)
{
	int r = secret_field(secret, "ca.crt", &ret->ca_crt);

	if (r >= 0)
		r = secret_field(secret, "ca.key", &ret->ca_key);
	if (r >= 0)
		r = secret_field(secret, "tls.crt", &ret->tls_crt);
	if (r >= 0)
		r = secret_field(secret, "tls.key", &ret->tls_key);
	return r;
}

static json_t *b64_string(const char *s)
{
	struct buf b;
	json_t *j;

	buf_init(&b, CERT_MANAGER_SECRET_MAX * 2);
	if (base64_encode_append(&b, s, strlen(s)) < 0 || buf_append(&b, "", 1) < 0) {
		buf_free(&b);
		return NULL;
	}
	j = json_string(b.data);
	buf_free(&b);
	return j;
}

static json_t *secret_object(const struct cert_manager_config *cfg, const struct cert_material *m,
			     const char *resource_version)
{
	json_t *s = json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}},s:s,s:{s:o?,s:o?,s:o?,s:o?}}",
			      "apiVersion", "v1", "kind", "Secret", "metadata", "name",
			      cfg->secret_name, "namespace", cfg->namespace, "labels",
			      "app.kubernetes.io/name", "pavise", "type", "kubernetes.io/tls",
			      "data", "ca.crt", b64_string(m->ca_crt), "ca.key",
			      b64_string(m->ca_key), "tls.crt", b64_string(m->tls_crt), "tls.key",
			      b64_string(m->tls_key));

	if (s && resource_version &&
	    json_object_set_new(json_object_get(s, "metadata"), "resourceVersion",
				json_string(resource_version)) < 0) {
		json_decref(s);
		return NULL;
	}
	return s;
}

static int patch_bundles(struct k8s_client *c, const struct k8s_resource *res, const char *name,
			 const char *ca_crt, unsigned *ret_patched, struct k8s_error *reterr)
{
	_cleanup_free_ char *path = NULL;
	json_auto_t *obj = NULL, *patch = NULL, *want = NULL;
	const json_t *hook;
	size_t i;
	int r;

	if (!name)
		return 0;
	want = b64_string(ca_crt);
	patch = json_array();
	if (!want || !patch)
		return -ENOMEM;
	r = k8s_client_path(res, NULL, name, NULL, &path);
	if (r < 0)
		return r;
	r = k8s_client_get(c, path, &obj, reterr);
	if (r < 0)
		return r;
	json_array_foreach(json_object_get(obj, "webhooks"), i, hook) {
		char p[96];

		if (json_equal(json_path(hook, "clientConfig", "caBundle", NULL), want))
			continue;
		if (!json_is_object(json_object_get(hook, "clientConfig")))
			continue;
		snprintf(p, sizeof(p), "/webhooks/%zu/name", i);
		if (json_array_append_new(patch,
					  json_pack("{s:s,s:s,s:O}", "op", "test", "path", p,
						    "value", json_object_get(hook, "name"))) < 0)
			return -ENOMEM;
		snprintf(p, sizeof(p), "/webhooks/%zu/clientConfig/caBundle", i);
		if (json_array_append_new(patch, json_pack("{s:s,s:s,s:O}", "op", "add", "path", p,
							   "value", want)) < 0)
			return -ENOMEM;
		(*ret_patched)++;
	}
	if (json_array_size(patch) == 0)
		return 0;
	return k8s_client_patch(c, path, K8S_PATCH_JSON, patch, NULL, reterr);
}

static int write_if_changed(const char *dir, const char *name, const char *data, mode_t mode,
			    bool *changed)
{
	_cleanup_free_ char *path = NULL, *cur = NULL;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	if (read_full_file(path, FILE_MAX, &cur, NULL) >= 0 && strcmp(cur, data) == 0)
		return 0;
	*changed = true;
	return write_file_atomic(path, data, strlen(data), mode);
}

int cert_manager_sync(struct k8s_client *c, const struct cert_manager_config *cfg,
		      struct cert_manager_result *ret, struct k8s_error *reterr)
{
	_cleanup_(cert_material_done) struct cert_material want = {};
	_cleanup_free_ char *collection = NULL, *path = NULL;
	_cleanup_(cert_info_done) struct cert_info info = {};
	bool had_ca = false, same_ca = false;
	int r, attempt;

	*ret = (struct cert_manager_result){};
	if (!cfg->secret_name || !cfg->dir)
		return -EINVAL;
	r = k8s_client_path(&secrets_resource, cfg->namespace, NULL, NULL, &collection);
	if (r >= 0)
		r = k8s_client_path(&secrets_resource, cfg->namespace, cfg->secret_name, NULL,
				    &path);
	if (r < 0)
		return r;

	for (attempt = 0;; attempt++) {
		_cleanup_(cert_material_done) struct cert_material cur = {};
		json_auto_t *secret = NULL, *obj = NULL;
		const char *rv = NULL;
		bool changed;

		if (attempt == SYNC_ATTEMPTS)
			return -EAGAIN;
		r = k8s_client_get(c, path, &secret, reterr);
		if (r < 0 && r != -ENOENT)
			return r;
		if (secret) {
			rv = json_path_string(secret, "metadata", "resourceVersion", NULL);
			/* A corrupt field is replaced like a missing one. */
			if (material_from_secret(secret, &cur) < 0)
				cert_material_done(&cur);
		}
		cert_material_done(&want);
		r = cert_manager_plan(cfg, &cur, 0, &want, &changed, &ret->reason);
		if (r < 0)
			return r;
		had_ca = cur.ca_crt && strstr(cur.ca_crt, PEM_BEGIN);
		same_ca = had_ca && cur.ca_key && want.ca_key &&
			  strcmp(cur.ca_key, want.ca_key) == 0;
		if (!changed)
			break;
		obj = secret_object(cfg, &want, rv);
		if (!obj)
			return -ENOMEM;
		r = secret ? k8s_client_replace(c, path, obj, NULL, reterr) :
			     k8s_client_create(c, collection, obj, NULL, reterr);
		if (r == -EEXIST || r == -ESTALE) {
			ret->reason = NULL;
			continue; /* another replica wrote it: read theirs */
		}
		if (r < 0)
			return r;
		ret->secret_written = true;
		break;
	}

	/* Trust first, then serve: the caBundle is published before the server's files change. */
	r = patch_bundles(c, &mutating_resource, cfg->mutating_config, want.ca_crt,
			  &ret->bundles_patched, reterr);
	if (r >= 0)
		r = patch_bundles(c, &validating_resource, cfg->validating_config, want.ca_crt,
				  &ret->bundles_patched, reterr);
	if (r < 0)
		return r;

	/*
	 * A CA replaced another one: give the API server time to load the new
	 * caBundle before serving from it. (The very first CA has no serving
	 * certificate in use to protect: nothing waits.)
	 */
	if (ret->secret_written && ret->bundles_patched > 0 && had_ca && !same_ca &&
	    cfg->trust_delay_usec) {
		struct timespec ts = { .tv_sec = (time_t)(cfg->trust_delay_usec / USEC_PER_SEC),
				       .tv_nsec = (long)(cfg->trust_delay_usec % USEC_PER_SEC) *
						  1000 };

		nanosleep(&ts, NULL);
	}
	r = mkdir_p(cfg->dir, 0700);
	if (r >= 0)
		r = write_if_changed(cfg->dir, "ca.crt", want.ca_crt, 0644, &ret->files_written);
	/* Key before certificate: the server reloads when the certificate changes. */
	if (r >= 0)
		r = write_if_changed(cfg->dir, "tls.key", want.tls_key, 0600, &ret->files_written);
	if (r >= 0)
		r = write_if_changed(cfg->dir, "tls.crt", want.tls_crt, 0644, &ret->files_written);
	if (r < 0)
		return r;
	if (cert_parse(want.tls_crt, &info) >= 0)
		ret->serving_not_after_usec = info.not_after_usec;
	return 0;
}
