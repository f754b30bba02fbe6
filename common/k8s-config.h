// SPDX-License-Identifier: Apache-2.0
/* Kubernetes API connection settings: kubeconfig (YAML) and in-cluster service account. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* Caps on everything read from outside. */
#define K8S_KUBECONFIG_MAX	    (4U * 1024 * 1024) /* kubeconfig file */
#define K8S_TOKEN_MAX		    (64U * 1024) /* bearer token file */
#define K8S_CONNECT_TIMEOUT_DEFAULT (10ULL * 1000 * 1000)
#define K8S_TIMEOUT_DEFAULT	    (30ULL * 1000 * 1000)
#define K8S_RESPONSE_MAX_DEFAULT    (16U * 1024 * 1024)

/* The in-cluster service-account directory (k8s_config_in_cluster() with root NULL). */
#define K8S_SERVICEACCOUNT_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/*
 * What failed, for humans; filled only when a function fails and the pointer is
 * non-NULL. Never contains credentials (tokens, keys). Shared with k8s-client.
 */
#define K8S_ERROR_REASON_MAX  64
#define K8S_ERROR_MESSAGE_MAX 512
struct k8s_error {
	int code; /* HTTP status (or a watch ERROR event's Status.code); 0 when none */
	char reason[K8S_ERROR_REASON_MAX]; /* "NotFound", "Conflict", "Expired", or a local
					    * one: "InvalidKubeconfig", "Timeout", ... */
	char message[K8S_ERROR_MESSAGE_MAX]; /* truncated; control characters replaced */
};

/*
 * Fills *reterr (when non-NULL) with code, reason and a printf-formatted
 * message in which %m means `error`, and returns `error`. Control characters
 * become spaces so the text stays one log line. Also used by k8s-client.
 */
int k8s_config_error_set(struct k8s_error *reterr, int error, int code, const char *reason,
			 const char *fmt, ...) _printf_(5, 6);

/*
 * Plain data: every pointer is owned by the struct and freed by
 * k8s_config_free(). Fields may be edited between loading and k8s_client_new(),
 * which copies what it needs (the config may be freed afterwards).
 */
struct k8s_config {
	char *server; /* "https://host:port[/prefix]", no trailing '/' */
	char *namespace; /* default namespace (context / in-cluster file), or NULL */

	/* Server trust. ca_data (PEM) wins over ca_file. Neither: system store. */
	char *ca_file;
	char *ca_data;
	size_t ca_data_len;
	bool insecure_skip_tls_verify;

	/* Client credentials (secrets). token_file wins over token and is re-read. */
	char *token;
	char *token_file;
	char *client_cert_file; /* PEM; *_data wins over *_file */
	char *client_cert_data;
	size_t client_cert_data_len;
	char *client_key_file;
	char *client_key_data;
	size_t client_key_data_len;

	/* Tuning, defaulted by every constructor. */
	uint64_t connect_timeout_usec; /* K8S_CONNECT_TIMEOUT_DEFAULT */
	uint64_t timeout_usec; /* whole request (not watch); K8S_TIMEOUT_DEFAULT */
	size_t max_response; /* response body cap; K8S_RESPONSE_MAX_DEFAULT */
};

/*
 * YAML is read with common/yaml, so a kubeconfig means what it means to
 * kubectl (YAML 1.1 booleans, anchors, merge keys; one document).
 *
 * Error codes of the loaders: -ENOENT/-EACCES/... a file could not be read;
 * -EFBIG over a cap; -E2BIG a YAML nesting/expansion cap; -EBADMSG malformed
 * YAML, a wrong type, bad base64;
 * -EINVAL a required field is missing or a name does not resolve;
 * -EOPNOTSUPP credentials we cannot use (exec, auth-provider, basic auth,
 * proxy-url); -ENXIO not running in a cluster (no KUBERNETES_SERVICE_HOST).
 */

/* A config for `server` with defaults and no credentials (tests, explicit setups). */
int k8s_config_new(const char *server, struct k8s_config **ret_config) _warn_unused_result_;

/* kubeconfig_path NULL: in-cluster (k8s_config_in_cluster(NULL)). Else its current-context. */
int k8s_config_load(const char *kubeconfig_path, struct k8s_config **ret_config,
		    struct k8s_error *reterr) _warn_unused_result_;

/* Reads a kubeconfig file; `context` NULL selects current-context. */
int k8s_config_from_kubeconfig(const char *path, const char *context,
			       struct k8s_config **ret_config,
			       struct k8s_error *reterr) _warn_unused_result_;

/*
 * Parses kubeconfig text; does no I/O. Relative certificate/key/token paths are
 * resolved against `base_dir` (the kubeconfig's directory) when it is non-NULL.
 */
int k8s_config_parse_kubeconfig(const char *data, size_t len, const char *base_dir,
				const char *context, struct k8s_config **ret_config,
				struct k8s_error *reterr) _warn_unused_result_;

/*
 * In-cluster: server from KUBERNETES_SERVICE_HOST/PORT (secure_getenv), token
 * file, ca.crt and namespace under `root` (NULL: K8S_SERVICEACCOUNT_DIR). The
 * token file must be readable now; the client re-reads it when it changes.
 */
int k8s_config_in_cluster(const char *root, struct k8s_config **ret_config,
			  struct k8s_error *reterr) _warn_unused_result_;

/*
 * Reads a bearer token file (capped at K8S_TOKEN_MAX), strips surrounding
 * whitespace. -ENODATA when empty, -EBADMSG when it holds control characters or
 * spaces (it goes into a header). Caller frees with free() (after explicit_bzero).
 */
int k8s_config_read_token(const char *path, char **ret_token) _warn_unused_result_;

/* NULL-safe; wipes secrets before freeing. */
struct k8s_config *k8s_config_free(struct k8s_config *cfg);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct k8s_config *, k8s_config_free);
