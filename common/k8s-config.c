// SPDX-License-Identifier: Apache-2.0
/* Kubernetes API connection settings: kubeconfig (YAML) and in-cluster service account. */
#include <assert.h>
#include <stdarg.h>
#include <string.h>
#include <jansson.h>

#include "base64.h"
#include "fileio.h"
#include "k8s-config.h"
#include "yaml.h"

#define NAMESPACE_FILE_MAX  1024U
#define IN_CLUSTER_HOST_MAX 255U

static void error_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

int k8s_config_error_set(struct k8s_error *reterr, int error, int code, const char *reason,
			 const char *fmt, ...)
{
	va_list ap;

	if (!reterr)
		return error;
	*reterr = (struct k8s_error){ .code = code };
	(void)snprintf(reterr->reason, sizeof(reterr->reason), "%s", reason);
	errno = -error;
	va_start(ap, fmt);
	(void)vsnprintf(reterr->message, sizeof(reterr->message), fmt, ap);
	va_end(ap);
	error_sanitize(reterr->reason);
	error_sanitize(reterr->message);
	return error;
}

#define config_error(reterr, error, reason, ...) \
	k8s_config_error_set(reterr, error, 0, reason, __VA_ARGS__)
#define kc_error(reterr, error, ...) config_error(reterr, error, "InvalidKubeconfig", __VA_ARGS__)

static void free_secret(char *p, size_t len)
{
	if (!p)
		return;
	explicit_bzero(p, len);
	free(p);
}

struct k8s_config *k8s_config_free(struct k8s_config *cfg)
{
	if (!cfg)
		return NULL;
	free(cfg->server);
	free(cfg->namespace);
	free(cfg->ca_file);
	free(cfg->ca_data);
	free_secret(cfg->token, cfg->token ? strlen(cfg->token) : 0);
	free(cfg->token_file);
	free(cfg->client_cert_file);
	free(cfg->client_cert_data);
	free(cfg->client_key_file);
	free_secret(cfg->client_key_data, cfg->client_key_data_len);
	free(cfg);
	return NULL;
}

/* Validates and copies an API server URL, dropping trailing slashes. */
static int server_normalize(const char *s, char **ret)
{
	const char *host;
	size_t len;
	char *p;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return -EINVAL;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '@' || *c == '?' ||
		    *c == '#' || *c == '\\')
			return -EINVAL;
	len = strlen(s);
	while (len > (size_t)(host - s) && s[len - 1] == '/')
		len--;
	if (len == (size_t)(host - s) || *host == '/')
		return -EINVAL;
	p = strndup(s, len);
	if (!p)
		return -ENOMEM;
	*ret = p;
	return 0;
}

/* An empty config with the default tuning; NULL on OOM. */
static struct k8s_config *config_alloc(void)
{
	struct k8s_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->connect_timeout_usec = K8S_CONNECT_TIMEOUT_DEFAULT;
	cfg->timeout_usec = K8S_TIMEOUT_DEFAULT;
	cfg->max_response = K8S_RESPONSE_MAX_DEFAULT;
	return cfg;
}

int k8s_config_new(const char *server, struct k8s_config **ret_config)
{
	_cleanup_(k8s_config_freep) struct k8s_config *cfg = NULL;
	int r;

	assert(ret_config);
	if (!server)
		return -EINVAL;
	cfg = config_alloc();
	if (!cfg)
		return -ENOMEM;
	r = server_normalize(server, &cfg->server);
	if (r < 0)
		return r;
	*ret_config = TAKE_PTR(cfg);
	return 0;
}

/* "a/b"; NULL on OOM. */
static char *path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);

	if (!s)
		return NULL;
	memcpy(s, a, la);
	s[la] = '/';
	memcpy(s + la + 1, b, lb + 1);
	return s;
}

static void *mfree(void *p)
{
	free(p);
	return NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Trims whitespace; the rest must be visible ASCII (it ends up in a header). */
static int token_extract(const char *data, size_t len, char **ret)
{
	char *t;

	while (len > 0 && is_space(data[0])) {
		data++;
		len--;
	}
	while (len > 0 && is_space(data[len - 1]))
		len--;
	if (len == 0)
		return -ENODATA;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)data[i] <= 0x20 || (unsigned char)data[i] >= 0x7f)
			return -EBADMSG;
	t = strndup(data, len);
	if (!t)
		return -ENOMEM;
	*ret = t;
	return 0;
}

int k8s_config_read_token(const char *path, char **ret_token)
{
	char *data = NULL, *tok = NULL;
	size_t len = 0;
	int r;

	assert(path);
	assert(ret_token);
	r = read_full_file(path, K8S_TOKEN_MAX, &data, &len);
	if (r < 0)
		return r;
	r = token_extract(data, len, &tok);
	free_secret(data, len);
	if (r < 0)
		return r;
	*ret_token = tok;
	return 0;
}

/* ---- kubeconfig semantics ---- */

/* Optional string field: *ret NULL when absent, null or empty. */
static int field_string(const json_t *obj, const char *key, const char *where, const char **ret,
			struct k8s_error *reterr)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return kc_error(reterr, -EBADMSG, "%s: '%s' must be a string", where, key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return kc_error(reterr, -EBADMSG, "%s: '%s' contains a NUL byte", where, key);
	if (json_string_length(v) > 0)
		*ret = json_string_value(v);
	return 0;
}

static int field_string_required(const json_t *obj, const char *key, const char *where,
				 const char **ret, struct k8s_error *reterr)
{
	int r = field_string(obj, key, where, ret, reterr);

	if (r < 0)
		return r;
	if (!*ret)
		return kc_error(reterr, -EINVAL, "%s has no '%s'", where, key);
	return 0;
}

/* Absent or null: false. Only a YAML boolean is accepted, as kubectl does. */
static int field_bool(const json_t *obj, const char *key, const char *where, bool *ret,
		      struct k8s_error *reterr)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	if (!v || json_is_null(v))
		*ret = false;
	else if (json_is_boolean(v))
		*ret = json_is_true(v);
	else
		return kc_error(reterr, -EBADMSG, "%s: '%s' must be true or false", where, key);
	return 0;
}

/* Field present at all (any type but null)? */
static bool field_present(const json_t *obj, const char *key)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	return v && !json_is_null(v);
}

/*
 * Finds `name` in the list root[list_key] of {name, <inner_key>: {...}} entries.
 * *ret is the inner mapping, NULL when the entry has none (treated as empty).
 */
static int named_entry(const json_t *root, const char *list_key, const char *inner_key,
		       const char *name, json_t **ret, struct k8s_error *reterr)
{
	json_t *list = json_object_get(root, list_key), *e;
	size_t i;

	if (list && !json_is_null(list) && !json_is_array(list))
		return kc_error(reterr, -EBADMSG, "'%s' must be a list", list_key);
	json_array_foreach(list, i, e) {
		const char *n;
		json_t *inner;

		if (!json_is_object(e))
			return kc_error(reterr, -EBADMSG, "'%s' entries must be mappings",
					list_key);
		n = json_string_value(json_object_get(e, "name"));
		if (!n || strcmp(n, name) != 0)
			continue;
		inner = json_object_get(e, inner_key);
		if (inner && json_is_null(inner))
			inner = NULL;
		if (inner && !json_is_object(inner))
			return kc_error(reterr, -EBADMSG, "%s '%s': '%s' must be a mapping",
					inner_key, name, inner_key);
		*ret = inner;
		return 0;
	}
	return kc_error(reterr, -EINVAL, "%s '%s' not found in '%s'", inner_key, name, list_key);
}

static int resolve_path(const char *base_dir, const char *p, char **ret)
{
	char *s = p[0] == '/' || !base_dir ? strdup(p) : path_join(base_dir, p);

	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

/* Path or inline base64 data for one credential/trust file. */
static int load_pem(const json_t *obj, const char *where, const char *file_key,
		    const char *data_key, const char *base_dir, char **ret_file, char **ret_data,
		    size_t *ret_data_len, struct k8s_error *reterr)
{
	const char *file, *data;
	int r;

	r = field_string(obj, file_key, where, &file, reterr);
	if (r < 0)
		return r;
	r = field_string(obj, data_key, where, &data, reterr);
	if (r < 0)
		return r;
	if (data) {
		r = base64_decode(data, strlen(data), ret_data, ret_data_len);
		if (r == -ENOMEM)
			return r;
		if (r >= 0 && *ret_data_len == 0) {
			*ret_data = mfree(*ret_data);
			r = -EINVAL;
		}
		if (r < 0)
			return kc_error(reterr, -EBADMSG, "%s: '%s' is not valid base64", where,
					data_key);
		return 0;
	}
	if (file)
		return resolve_path(base_dir, file, ret_file);
	return 0;
}

static int parse_cluster(struct k8s_config *cfg, const json_t *cluster, const char *name,
			 const char *base_dir, struct k8s_error *reterr)
{
	char where[320];
	const char *server;
	int r;

	(void)snprintf(where, sizeof(where), "cluster '%.256s'", name);
	r = field_string_required(cluster, "server", where, &server, reterr);
	if (r < 0)
		return r;
	r = server_normalize(server, &cfg->server);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return kc_error(reterr, r,
				"%s: 'server' must be an http(s) URL without credentials or query",
				where);
	if (field_present(cluster, "proxy-url"))
		return config_error(reterr, -EOPNOTSUPP, "InvalidKubeconfig",
				    "%s: 'proxy-url' is not supported", where);
	if (field_present(cluster, "tls-server-name"))
		return config_error(reterr, -EOPNOTSUPP, "InvalidKubeconfig",
				    "%s: 'tls-server-name' is not supported", where);
	r = field_bool(cluster, "insecure-skip-tls-verify", where, &cfg->insecure_skip_tls_verify,
		       reterr);
	if (r < 0)
		return r;
	r = load_pem(cluster, where, "certificate-authority", "certificate-authority-data",
		     base_dir, &cfg->ca_file, &cfg->ca_data, &cfg->ca_data_len, reterr);
	if (r < 0)
		return r;
	if (cfg->insecure_skip_tls_verify && (cfg->ca_file || cfg->ca_data))
		return kc_error(reterr, -EINVAL,
				"%s: a certificate authority together with "
				"'insecure-skip-tls-verify' is not allowed",
				where);
	return 0;
}

static int parse_user(struct k8s_config *cfg, const json_t *user, const char *name,
		      const char *base_dir, struct k8s_error *reterr)
{
	static const char *const unsupported[] = { "exec", "auth-provider", "username", "password",
						   "as" };
	char where[320];
	const char *token, *token_file;
	bool has_cert, has_key;
	int r;

	(void)snprintf(where, sizeof(where), "user '%.256s'", name);
	r = field_string(user, "token", where, &token, reterr);
	if (r < 0)
		return r;
	r = field_string(user, "tokenFile", where, &token_file, reterr);
	if (r < 0)
		return r;
	if (token) {
		r = token_extract(token, strlen(token), &cfg->token);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return kc_error(reterr, -EBADMSG, "%s: 'token' holds invalid characters",
					where);
	}
	if (token_file) {
		r = resolve_path(base_dir, token_file, &cfg->token_file);
		if (r < 0)
			return r;
	}
	r = load_pem(user, where, "client-certificate", "client-certificate-data", base_dir,
		     &cfg->client_cert_file, &cfg->client_cert_data, &cfg->client_cert_data_len,
		     reterr);
	if (r < 0)
		return r;
	r = load_pem(user, where, "client-key", "client-key-data", base_dir, &cfg->client_key_file,
		     &cfg->client_key_data, &cfg->client_key_data_len, reterr);
	if (r < 0)
		return r;
	has_cert = cfg->client_cert_file || cfg->client_cert_data;
	has_key = cfg->client_key_file || cfg->client_key_data;
	if (has_cert && !has_key)
		return kc_error(reterr, -EINVAL, "%s: 'client-certificate' needs 'client-key'",
				where);
	if (has_key && !has_cert)
		return kc_error(reterr, -EINVAL, "%s: 'client-key' needs 'client-certificate'",
				where);
	if (cfg->token || cfg->token_file || has_cert)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(unsupported); i++)
		if (field_present(user, unsupported[i]))
			return config_error(reterr, -EOPNOTSUPP, "UnsupportedCredentials",
					    "%s: '%s' credentials are not supported; use a token, "
					    "tokenFile or client certificate",
					    where, unsupported[i]);
	return 0;
}

int k8s_config_parse_kubeconfig(const char *data, size_t len, const char *base_dir,
				const char *context, struct k8s_config **ret_config,
				struct k8s_error *reterr)
{
	_cleanup_(k8s_config_freep) struct k8s_config *cfg = NULL;
	json_auto_t *docs = NULL;
	struct yaml_error yerr = {};
	const char *cluster_name, *user_name, *ns;
	json_t *root, *ctx, *cluster, *user = NULL;
	char where[320];
	int r;

	assert(data || len == 0);
	assert(ret_config);
	if (len > K8S_KUBECONFIG_MAX)
		return kc_error(reterr, -EFBIG, "kubeconfig larger than %u bytes",
				K8S_KUBECONFIG_MAX);
	r = yaml_load_documents(data, len, &docs, &yerr);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return kc_error(reterr, r, "invalid YAML at line %u column %u: %s", yerr.line,
				yerr.column, yerr.msg);
	if (json_array_size(docs) == 0)
		return kc_error(reterr, -EINVAL, "kubeconfig is empty");
	if (json_array_size(docs) > 1)
		return kc_error(reterr, -EBADMSG, "kubeconfig holds %zu YAML documents, not one",
				json_array_size(docs));
	root = json_array_get(docs, 0);
	if (!json_is_object(root))
		return kc_error(reterr, -EBADMSG, "kubeconfig is not a YAML mapping");
	if (!context) {
		r = field_string(root, "current-context", "kubeconfig", &context, reterr);
		if (r < 0)
			return r;
		if (!context)
			return kc_error(reterr, -EINVAL, "no 'current-context' set");
	}
	r = named_entry(root, "contexts", "context", context, &ctx, reterr);
	if (r < 0)
		return r;
	(void)snprintf(where, sizeof(where), "context '%.256s'", context);
	r = field_string_required(ctx, "cluster", where, &cluster_name, reterr);
	if (r < 0)
		return r;
	r = field_string(ctx, "user", where, &user_name, reterr);
	if (r < 0)
		return r;
	r = field_string(ctx, "namespace", where, &ns, reterr);
	if (r < 0)
		return r;
	r = named_entry(root, "clusters", "cluster", cluster_name, &cluster, reterr);
	if (r < 0)
		return r;
	if (user_name) {
		r = named_entry(root, "users", "user", user_name, &user, reterr);
		if (r < 0)
			return r;
	}

	cfg = config_alloc();
	if (!cfg)
		return -ENOMEM;
	if (ns) {
		cfg->namespace = strdup(ns);
		if (!cfg->namespace)
			return -ENOMEM;
	}
	r = parse_cluster(cfg, cluster, cluster_name, base_dir, reterr);
	if (r < 0)
		return r;
	if (user_name) {
		r = parse_user(cfg, user, user_name, base_dir, reterr);
		if (r < 0)
			return r;
	}
	*ret_config = TAKE_PTR(cfg);
	return 0;
}

int k8s_config_from_kubeconfig(const char *path, const char *context,
			       struct k8s_config **ret_config, struct k8s_error *reterr)
{
	_cleanup_free_ char *data = NULL, *dir = NULL;
	char *slash;
	size_t len;
	int r;

	assert(path);
	r = read_full_file(path, K8S_KUBECONFIG_MAX, &data, &len);
	if (r == -EFBIG)
		return kc_error(reterr, r, "kubeconfig '%s' larger than %u bytes", path,
				K8S_KUBECONFIG_MAX);
	if (r < 0)
		return config_error(reterr, r, "ReadFailed", "cannot read kubeconfig '%s': %m",
				    path);
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	r = k8s_config_parse_kubeconfig(data, len, slash ? dir : NULL, context, ret_config, reterr);
	/* Inline client keys were in this buffer. */
	explicit_bzero(data, len);
	return r;
}

static int in_cluster_host_valid(const char *host)
{
	size_t len = strlen(host);

	if (len == 0 || len > IN_CLUSTER_HOST_MAX)
		return -EINVAL;
	for (const char *c = host; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == ':'))
			return -EINVAL;
	return 0;
}

static int in_cluster_port_valid(const char *port)
{
	unsigned long v = 0;

	if (!*port || strlen(port) > 5)
		return -EINVAL;
	for (const char *c = port; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*c - '0');
	}
	return v >= 1 && v <= 65535 ? 0 : -EINVAL;
}

static int in_cluster_namespace(const char *path, char **ret)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r;

	r = read_full_file(path, NAMESPACE_FILE_MAX, &data, &len);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	return token_extract(data, len, ret);
}

int k8s_config_in_cluster(const char *root, struct k8s_config **ret_config,
			  struct k8s_error *reterr)
{
	_cleanup_(k8s_config_freep) struct k8s_config *cfg = NULL;
	_cleanup_free_ char *server = NULL, *ns_path = NULL;
	const char *host, *port;
	char *tok = NULL;
	int r;

	assert(ret_config);
	if (!root)
		root = K8S_SERVICEACCOUNT_DIR;
	host = secure_getenv("KUBERNETES_SERVICE_HOST");
	port = secure_getenv("KUBERNETES_SERVICE_PORT");
	if (!host || !*host || !port || !*port)
		return config_error(reterr, -ENXIO, "NotInCluster",
				    "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not "
				    "set; not running in a cluster?");
	if (in_cluster_host_valid(host) < 0)
		return config_error(reterr, -EINVAL, "NotInCluster",
				    "KUBERNETES_SERVICE_HOST is not a host name or address");
	if (in_cluster_port_valid(port) < 0)
		return config_error(reterr, -EINVAL, "NotInCluster",
				    "KUBERNETES_SERVICE_PORT is not a port number");
	server = malloc(strlen(host) + strlen(port) + sizeof("https://[]:"));
	if (!server)
		return -ENOMEM;
	(void)snprintf(server, strlen(host) + strlen(port) + sizeof("https://[]:"),
		       strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
	r = k8s_config_new(server, &cfg);
	if (r < 0)
		return r;
	cfg->token_file = path_join(root, "token");
	cfg->ca_file = path_join(root, "ca.crt");
	ns_path = path_join(root, "namespace");
	if (!cfg->token_file || !cfg->ca_file || !ns_path)
		return -ENOMEM;

	r = k8s_config_read_token(cfg->token_file, &tok);
	if (r < 0)
		return config_error(reterr, r, "NotInCluster",
				    "cannot read service account token '%s': %m", cfg->token_file);
	free_secret(tok, strlen(tok));
	if (access(cfg->ca_file, R_OK) < 0) {
		r = -errno;
		return config_error(reterr, r, "NotInCluster", "cannot read CA bundle '%s': %m",
				    cfg->ca_file);
	}
	r = in_cluster_namespace(ns_path, &cfg->namespace);
	if (r < 0)
		return config_error(reterr, r, "NotInCluster",
				    "cannot read namespace file '%s': %m", ns_path);
	*ret_config = TAKE_PTR(cfg);
	return 0;
}

int k8s_config_load(const char *kubeconfig_path, struct k8s_config **ret_config,
		    struct k8s_error *reterr)
{
	if (!kubeconfig_path)
		return k8s_config_in_cluster(NULL, ret_config, reterr);
	return k8s_config_from_kubeconfig(kubeconfig_path, NULL, ret_config, reterr);
}
