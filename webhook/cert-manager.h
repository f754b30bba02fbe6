// SPDX-License-Identifier: Apache-2.0
/* The webhook's certificates in the cluster: a Secret, the caBundle of both webhook configurations, rotation. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/k8s-client.h"
#include "common/macro.h"

/*
 * Every replica runs cert_manager_sync() at start (before serving) and then
 * periodically. The Secret (type kubernetes.io/tls; keys ca.crt, ca.key,
 * tls.crt, tls.key) is the one source of truth: the first replica creates it,
 * the others read it; updates carry the resourceVersion, so of two replicas
 * rotating at once one wins and the other re-reads (no lost update). Each
 * replica writes tls.crt/tls.key into its own directory, from which the HTTPS
 * server reloads them without a restart, and sets caBundle on every webhook
 * of the two configurations.
 *
 * Rotation without an outage:
 *   serving certificate: reissued from the CA when it expires within
 *     renew_before, does not chain to the CA, lacks a wanted SAN or does
 *     not match its key;
 *   CA: replaced when it expires within days + renew_before (so no serving
 *     certificate outlives it); ca.crt then holds the new CA followed by the
 *     old one while the old one is valid, so the API server trusts both the
 *     serving certificate in use and the next one. The caBundle is published
 *     first, and the new serving pair is written for the server only
 *     trust_delay_usec later.
 */
#define CERT_MANAGER_SECRET_MAX		  (256U * 1024)
#define CERT_MANAGER_RENEW_BEFORE_DEFAULT (30ULL * 24 * 3600 * 1000000) /* 30 days, in usec */
#define CERT_MANAGER_SANS_MAX		  8U

struct cert_manager_config {
	const char *namespace; /* the Secret's and the Service's namespace */
	const char *secret_name; /* e.g. pavise-webhook-tls */
	const char *
		service_name; /* SANs: <svc>, <svc>.<ns>, <svc>.<ns>.svc, <svc>.<ns>.svc.cluster.local */
	const char *const *extra_sans; /* NULL-terminated, may be NULL (e.g. 127.0.0.1 for tests) */
	const char *mutating_config; /* MutatingWebhookConfiguration name, NULL: none */
	const char *validating_config; /* ValidatingWebhookConfiguration name, NULL: none */
	const char *dir; /* where tls.crt, tls.key and ca.crt are written for the server */
	unsigned days; /* serving certificate validity; 0: CERT_DAYS_DEFAULT */
	uint64_t renew_before_usec; /* 0: CERT_MANAGER_RENEW_BEFORE_DEFAULT */
	/* After publishing a new CA in the caBundle, wait this long before serving a
	 * certificate issued by it (the API server reloads webhook configurations
	 * within about a second). 0: no wait (tests). */
	uint64_t trust_delay_usec;
};

/* The four PEM texts of the Secret; each may be NULL. Owned. */
struct cert_material {
	char *ca_crt; /* the CA, then older CAs still trusted */
	char *ca_key;
	char *tls_crt;
	char *tls_key;
};
void cert_material_done(struct cert_material *m);

/*
 * Pure: what the Secret should hold at now_usec, given what it holds (`cur`,
 * fields may be NULL). *ret is a complete set; *ret_changed says whether it
 * differs from cur. *ret_reason (static) says why when changed.
 */
int cert_manager_plan(const struct cert_manager_config *cfg, const struct cert_material *cur,
		      uint64_t now_usec, struct cert_material *ret, bool *ret_changed,
		      const char **ret_reason) _warn_unused_result_;

struct cert_manager_result {
	bool secret_written; /* created or updated the Secret */
	const char *reason; /* why (static), NULL when nothing changed */
	unsigned bundles_patched; /* webhook entries whose caBundle changed */
	bool files_written; /* the server's files changed */
	uint64_t serving_not_after_usec;
};

/* One round: Secret, caBundle, files. -EAGAIN after repeated conflicts (retry later). */
int cert_manager_sync(struct k8s_client *c, const struct cert_manager_config *cfg,
		      struct cert_manager_result *ret,
		      struct k8s_error *reterr) _warn_unused_result_;
