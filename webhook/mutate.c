// SPDX-License-Identifier: Apache-2.0
/* Workload and Pod mutation: policy matching and JSON Patch construction (pure, no I/O). */
#include <string.h>

#include "common/buf.h"
#include "common/json-util.h"
#include "webhook/mutate.h"

#define PATH_MAX_LEN 1024

/* One annotation to set, in the order decided. */
struct kv {
	char *key;
	char *value;
};

struct kv_list {
	struct kv *v;
	size_t n, alloc;
};

static void kv_list_done(struct kv_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	*l = (struct kv_list){};
}

static int kv_list_set(struct kv_list *l, const char *prefix, const char *key, const char *value)
{
	_cleanup_free_ char *k = NULL;

	if (asprintf(&k, "%s%s", prefix, key) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, k) == 0) {
			char *nv = strdup(value);

			if (!nv)
				return -ENOMEM;
			free(l->v[i].value);
			l->v[i].value = nv;
			return 0;
		}
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 8;
		struct kv *nv = realloc(l->v, na * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->alloc = na;
	}
	l->v[l->n].value = strdup(value);
	if (!l->v[l->n].value)
		return -ENOMEM;
	l->v[l->n].key = TAKE_PTR(k);
	l->n++;
	return 0;
}

static bool k8s_at_least(const struct mutate_config *cfg, unsigned major, unsigned minor)
{
	return cfg->k8s_major > major || (cfg->k8s_major == major && cfg->k8s_minor >= minor);
}

const struct policy *mutate_find_policy(const struct policy_view *view, enum target_kind kind,
					const char *ns, const char *name, const json_t *labels,
					size_t *ret_n_matched)
{
	const struct policy *first = NULL;
	size_t n = 0;

	for (size_t i = 0; i < view->n; i++) {
		const struct policy *p = view->policies[i];
		bool match;

		if (p->target.kind != kind)
			continue;
		if (!p->cluster && strcmp(p->namespace, ns) != 0)
			continue;
		if (p->target.name)
			match = name && strcmp(p->target.name, name) == 0;
		else
			match = label_selector_matches(p->target.selector, labels);
		if (!match)
			continue;
		if (!first)
			first = p;
		n++;
	}
	if (ret_n_matched)
		*ret_n_matched = n;
	return first;
}

static const char *annotation(const json_t *annotations, const char *prefix, const char *container)
{
	char key[PATH_MAX_LEN];

	if (snprintf(key, sizeof(key), "%s%s", prefix, container) >= (int)sizeof(key))
		return NULL;
	return json_string_value(json_object_get(annotations, key));
}

static bool is_unconfined(const char *v)
{
	return v && strcmp(v, "unconfined") == 0;
}

static const char *profile_type(const json_t *sc, const char *field)
{
	return json_path_string(sc, field, "type", NULL);
}

/* A profile reference for securityContext: static type, borrowed localhost name (or NULL). */
struct profile_ref {
	const char *type;
	const char *localhost;
};

/* Per-container securityContext fields to set, in a fixed order. */
struct sc_change {
	bool apparmor_set, seccomp_set;
	struct profile_ref apparmor, seccomp;
};

struct plan {
	struct kv_list tmpl_annotations;
	struct kv_list obj_annotations; /* workloads only */
	struct sc_change *sc; /* one per container */
	size_t n_containers;
	bool changed;
};

static void plan_done(struct plan *p)
{
	kv_list_done(&p->tmpl_annotations);
	kv_list_done(&p->obj_annotations);
	free(p->sc);
	*p = (struct plan){};
}

/* Sets an annotation unless the object already carries exactly that value. */
static int want_annotation(struct plan *pl, struct kv_list *l, const json_t *existing,
			   const char *prefix, const char *key, const char *value)
{
	char full[PATH_MAX_LEN];
	const char *cur;

	if (snprintf(full, sizeof(full), "%s%s", prefix, key) >= (int)sizeof(full))
		return -ENAMETOOLONG;
	cur = json_string_value(json_object_get(existing, full));
	if (cur && strcmp(cur, value) == 0)
		return 0;
	pl->changed = true;
	return kv_list_set(l, prefix, key, value);
}

static bool profile_equal(const json_t *cur, struct profile_ref want)
{
	const char *type = json_string_value(json_object_get(cur, "type"));
	const char *lh = json_string_value(json_object_get(cur, "localhostProfile"));

	if (!json_is_object(cur) || !type || strcmp(type, want.type) != 0)
		return false;
	if (json_object_size(cur) != (want.localhost ? 2U : 1U))
		return false;
	return !want.localhost || (lh && strcmp(lh, want.localhost) == 0);
}

/* Sets a securityContext profile field unless it already has that value. */
static void want_sc(struct plan *pl, bool *set, struct profile_ref *slot, const json_t *sc,
		    const char *field, struct profile_ref value)
{
	if (profile_equal(json_object_get(sc, field), value))
		return;
	*set = true;
	*slot = value;
	pl->changed = true;
}

static int plan_container(const struct mutate_config *cfg, const struct policy *p,
			  const json_t *annotations, const json_t *pod_sc, const json_t *container,
			  const char *cname, struct plan *pl, struct sc_change *change)
{
	const json_t *sc = json_object_get(container, "securityContext");
	const struct profile_ref localhost_ref = { "Localhost", p->profile_name };
	_cleanup_free_ char *localhost = NULL;
	bool modern = k8s_at_least(cfg, 1, 30);
	int r;

	if (asprintf(&localhost, "localhost/%s", p->profile_name) < 0)
		return -ENOMEM;

	if (p->enforcers & ENFORCER_APPARMOR) {
		const char *varmor = annotation(annotations, ANNOTATION_APPARMOR, cname);
		const char *k8s = annotation(annotations, ANNOTATION_APPARMOR_K8S, cname);
		bool skip = is_unconfined(varmor) || is_unconfined(k8s);

		if (modern) {
			const char *ct = profile_type(sc, "appArmorProfile");
			const char *pt = profile_type(pod_sc, "appArmorProfile");

			skip = skip || (ct && strcmp(ct, "Unconfined") == 0) ||
			       (!ct && pt && strcmp(pt, "Unconfined") == 0);
		}
		if (!skip && !modern) {
			r = want_annotation(pl, &pl->tmpl_annotations, annotations,
					    ANNOTATION_APPARMOR_K8S, cname, localhost);
			if (r < 0)
				return r;
		} else if (!skip) {
			r = want_annotation(pl, &pl->tmpl_annotations, annotations,
					    ANNOTATION_APPARMOR, cname, localhost);
			/* Kubernetes rejects a beta annotation that disagrees with the field. */
			if (r >= 0 && k8s)
				r = want_annotation(pl, &pl->tmpl_annotations, annotations,
						    ANNOTATION_APPARMOR_K8S, cname, localhost);
			if (r < 0)
				return r;
			want_sc(pl, &change->apparmor_set, &change->apparmor, sc, "appArmorProfile",
				localhost_ref);
		}
	}

	if (p->enforcers & ENFORCER_BPF) {
		const char *v = annotation(annotations, ANNOTATION_BPF, cname);

		if (!is_unconfined(v)) {
			r = want_annotation(pl, &pl->tmpl_annotations, annotations, ANNOTATION_BPF,
					    cname, localhost);
			if (r < 0)
				return r;
			if (cfg->bpf_exclusive && !(p->enforcers & ENFORCER_APPARMOR)) {
				if (modern) {
					want_sc(pl, &change->apparmor_set, &change->apparmor, sc,
						"appArmorProfile",
						(struct profile_ref){ "Unconfined", NULL });
				} else {
					r = want_annotation(pl, &pl->tmpl_annotations, annotations,
							    ANNOTATION_APPARMOR_K8S, cname,
							    "unconfined");
					if (r < 0)
						return r;
				}
			}
		}
	}

	if (p->enforcers & ENFORCER_SECCOMP) {
		const char *v = annotation(annotations, ANNOTATION_SECCOMP, cname);
		const char *ct = profile_type(sc, "seccompProfile");
		const char *pt = profile_type(pod_sc, "seccompProfile");
		bool skip = is_unconfined(v) || json_is_true(json_object_get(sc, "privileged")) ||
			    (ct && strcmp(ct, "Unconfined") == 0) ||
			    (!ct && pt && strcmp(pt, "Unconfined") == 0);

		if (!skip) {
			r = want_annotation(pl, &pl->tmpl_annotations, annotations,
					    ANNOTATION_SECCOMP, cname, localhost);
			if (r < 0)
				return r;
			want_sc(pl, &change->seccomp_set, &change->seccomp, sc, "seccompProfile",
				p->mode == MODE_RUNTIME_DEFAULT ?
					(struct profile_ref){ "RuntimeDefault", NULL } :
					localhost_ref);
		}
	}
	return 0;
}

/* The patch is written as JSON text directly: no intermediate tree to build, dump and free. */
struct patch_writer {
	struct buf *b;
	size_t n_ops;
};

/* Starts `{"op":"add","path":"<base><suffix>[/<token>]","value":` */
static int op_begin(struct patch_writer *w, const char *base, const char *suffix, const char *token)
{
	int r = buf_append_str(w->b, w->n_ops ? ",{\"op\":\"add\",\"path\":\"" :
						"{\"op\":\"add\",\"path\":\"");

	if (r >= 0)
		r = buf_append_str(w->b, base);
	if (r >= 0)
		r = buf_append_str(w->b, suffix);
	if (r >= 0 && token) {
		/* The pointer token is also JSON-escaped: a '"' or '\\' in a key stays valid JSON. */
		struct buf tok;

		buf_init(&tok, PATH_MAX_LEN * 2);
		r = json_pointer_append_token(&tok, token);
		if (r >= 0)
			r = buf_append(w->b, "/", 1);
		if (r >= 0 && tok.data)
			r = json_string_append_inner(w->b, tok.data);
		buf_free(&tok);
	}
	if (r >= 0)
		r = buf_append_str(w->b, "\",\"value\":");
	w->n_ops++;
	return r;
}

static int op_end(struct patch_writer *w)
{
	return buf_append(w->b, "}", 1);
}

static int write_profile_ref(struct buf *b, struct profile_ref ref)
{
	int r = buf_append_str(b, "{\"type\":");

	if (r >= 0)
		r = json_string_append(b, ref.type);
	if (r >= 0 && ref.localhost) {
		r = buf_append_str(b, ",\"localhostProfile\":");
		if (r >= 0)
			r = json_string_append(b, ref.localhost);
	}
	if (r >= 0)
		r = buf_append(b, "}", 1);
	return r;
}

static int write_annotation_map(struct buf *b, const struct kv_list *l)
{
	int r = buf_append(b, "{", 1);

	for (size_t i = 0; r >= 0 && i < l->n; i++) {
		if (i > 0)
			r = buf_append(b, ",", 1);
		if (r >= 0)
			r = json_string_append(b, l->v[i].key);
		if (r >= 0)
			r = buf_append(b, ":", 1);
		if (r >= 0)
			r = json_string_append(b, l->v[i].value);
	}
	if (r >= 0)
		r = buf_append(b, "}", 1);
	return r;
}

/* Emits the ops that set `l` on the metadata at `base` ("" or "/spec/template"). */
static int emit_annotations(struct patch_writer *w, const char *base, const json_t *metadata,
			    const struct kv_list *l)
{
	const json_t *annotations = json_object_get(metadata, "annotations");
	int r;

	if (l->n == 0)
		return 0;
	if (!json_is_object(metadata)) {
		r = op_begin(w, base, "/metadata", NULL);
		if (r >= 0)
			r = buf_append_str(w->b, "{\"annotations\":");
		if (r >= 0)
			r = write_annotation_map(w->b, l);
		if (r >= 0)
			r = buf_append(w->b, "}", 1);
		return r < 0 ? r : op_end(w);
	}
	if (!json_is_object(annotations)) {
		r = op_begin(w, base, "/metadata/annotations", NULL);
		if (r >= 0)
			r = write_annotation_map(w->b, l);
		return r < 0 ? r : op_end(w);
	}
	for (size_t i = 0; i < l->n; i++) {
		r = op_begin(w, base, "/metadata/annotations", l->v[i].key);
		if (r >= 0)
			r = json_string_append(w->b, l->v[i].value);
		if (r >= 0)
			r = op_end(w);
		if (r < 0)
			return r;
	}
	return 0;
}

static int emit_security_context(struct patch_writer *w, const char *base, size_t idx,
				 const json_t *container, const struct sc_change *c)
{
	const json_t *sc = json_object_get(container, "securityContext");
	char suffix[96];
	int r;

	if (!c->apparmor_set && !c->seccomp_set)
		return 0;
	if (!json_is_object(sc)) {
		snprintf(suffix, sizeof(suffix), "/spec/containers/%zu/securityContext", idx);
		r = op_begin(w, base, suffix, NULL);
		if (r >= 0)
			r = buf_append(w->b, "{", 1);
		if (r >= 0 && c->apparmor_set) {
			r = buf_append_str(w->b, "\"appArmorProfile\":");
			if (r >= 0)
				r = write_profile_ref(w->b, c->apparmor);
		}
		if (r >= 0 && c->seccomp_set) {
			r = buf_append_str(w->b, c->apparmor_set ? ",\"seccompProfile\":" :
								   "\"seccompProfile\":");
			if (r >= 0)
				r = write_profile_ref(w->b, c->seccomp);
		}
		if (r >= 0)
			r = buf_append(w->b, "}", 1);
		return r < 0 ? r : op_end(w);
	}
	if (c->apparmor_set) {
		snprintf(suffix, sizeof(suffix),
			 "/spec/containers/%zu/securityContext/appArmorProfile", idx);
		r = op_begin(w, base, suffix, NULL);
		if (r >= 0)
			r = write_profile_ref(w->b, c->apparmor);
		if (r >= 0)
			r = op_end(w);
		if (r < 0)
			return r;
	}
	if (c->seccomp_set) {
		snprintf(suffix, sizeof(suffix),
			 "/spec/containers/%zu/securityContext/seccompProfile", idx);
		r = op_begin(w, base, suffix, NULL);
		if (r >= 0)
			r = write_profile_ref(w->b, c->seccomp);
		if (r >= 0)
			r = op_end(w);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Pod scheduling: required node affinity and the readiness gate (mutate_config). */
struct pod_scheduling {
	const char *labels[3]; /* node label keys to require, NULL-terminated */
	bool gate; /* add SCHEDULING_GATE and LABEL_WAITING_FOR */
	bool affinity;
};

static bool policy_is_ready(const struct policy *p)
{
	return json_is_true(json_path(p->object, "status", "ready", NULL));
}

static bool term_has_expression(const json_t *term, const char *key)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(term, "matchExpressions"), i, e) {
		const json_t *values = json_object_get(e, "values");

		const char *k = json_string_value(json_object_get(e, "key"));

		if (k && strcmp(k, key) == 0 && json_is_string(json_object_get(e, "operator")) &&
		    strcmp(json_string_value(json_object_get(e, "operator")), "In") == 0 &&
		    json_array_size(values) == 1 && json_is_string(json_array_get(values, 0)) &&
		    strcmp(json_string_value(json_array_get(values, 0)), "true") == 0)
			return true;
	}
	return false;
}

static int plan_scheduling(const struct mutate_config *cfg, const struct policy *p,
			   const struct admission_request *req, const json_t *spec,
			   struct pod_scheduling *ret, const char **reterr_msg)
{
	static const struct {
		unsigned bit;
		const char *label;
	} needs[] = {
		{ ENFORCER_APPARMOR, NODE_LABEL_PREFIX "apparmor" },
		{ ENFORCER_BPF, NODE_LABEL_PREFIX "bpf" },
		{ ENFORCER_SECCOMP, NODE_LABEL_PREFIX "seccomp" },
	};
	const json_t *gates = json_object_get(spec, "schedulingGates");
	const json_t *g;
	size_t i, n = 0;

	*ret = (struct pod_scheduling){};
	if (!req->operation || strcmp(req->operation, "CREATE") != 0 ||
	    json_string_value(json_object_get(spec, "nodeName")))
		return 0;
	if (gates && !json_is_null(gates) && !json_is_array(gates)) {
		*reterr_msg = "spec.schedulingGates: must be a list";
		return -EBADMSG;
	}
	if (cfg->node_affinity) {
		for (i = 0; i < ELEMENTSOF(needs); i++)
			if (p->enforcers & needs[i].bit)
				ret->labels[n++] = needs[i].label;
		ret->affinity = n > 0;
	}
	if (cfg->scheduling_gate && !policy_is_ready(p) && p->profile_name) {
		ret->gate = true;
		json_array_foreach(gates, i, g)
			if (json_is_string(json_object_get(g, "name")) &&
			    strcmp(json_string_value(json_object_get(g, "name")),
				   SCHEDULING_GATE) == 0)
				ret->gate = false;
	}
	return 0;
}

static int write_expressions(struct buf *b, const json_t *term, const char *const *labels,
			     bool as_list)
{
	bool first = true;
	int r = as_list ? buf_append(b, "[", 1) : 0;

	for (size_t i = 0; r >= 0 && labels[i]; i++) {
		if (term && term_has_expression(term, labels[i]))
			continue;
		if (!first)
			r = buf_append(b, ",", 1);
		if (r >= 0)
			r = buf_append_str(b, "{\"key\":");
		if (r >= 0)
			r = json_string_append(b, labels[i]);
		if (r >= 0)
			r = buf_append_str(b, ",\"operator\":\"In\",\"values\":[\"true\"]}");
		first = false;
	}
	if (r >= 0 && as_list)
		r = buf_append(b, "]", 1);
	return r;
}

#define TERMS_PATH \
	"/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms"

static int emit_node_affinity(struct patch_writer *w, const json_t *spec,
			      const struct pod_scheduling *s, const char **reterr_msg)
{
	const json_t *aff = json_object_get(spec, "affinity");
	const json_t *na = json_object_get(aff, "nodeAffinity");
	const json_t *req = json_object_get(na, "requiredDuringSchedulingIgnoredDuringExecution");
	const json_t *terms = json_object_get(req, "nodeSelectorTerms");
	const json_t *term;
	const char *path, *pre;
	char suffix[192];
	size_t i;
	int r;

	if (!s->affinity)
		return 0;
	if ((aff && !json_is_null(aff) && !json_is_object(aff)) ||
	    (na && !json_is_null(na) && !json_is_object(na)) ||
	    (req && !json_is_null(req) && !json_is_object(req)) ||
	    (terms && !json_is_null(terms) && !json_is_array(terms))) {
		*reterr_msg = "spec.affinity.nodeAffinity: malformed";
		return -EBADMSG;
	}
	if (json_array_size(terms) > 0) {
		json_array_foreach(terms, i, term) {
			const json_t *exprs = json_object_get(term, "matchExpressions");
			bool missing = false;

			if (!json_is_object(term) ||
			    (exprs && !json_is_null(exprs) && !json_is_array(exprs))) {
				*reterr_msg =
					"spec.affinity.nodeAffinity: malformed nodeSelectorTerms";
				return -EBADMSG;
			}
			for (size_t k = 0; s->labels[k]; k++)
				missing |= !term_has_expression(term, s->labels[k]);
			if (!missing)
				continue;
			/* A list gets one op per expression ("-" appends); none gets the list. */
			for (size_t k = 0; s->labels[k]; k++) {
				const char *one[2] = { s->labels[k], NULL };
				bool append = json_is_array(exprs);

				if (append && term_has_expression(term, s->labels[k]))
					continue;
				snprintf(suffix, sizeof(suffix),
					 TERMS_PATH "/%zu/matchExpressions%s", i,
					 append ? "/-" : "");
				r = op_begin(w, "", suffix, NULL);
				if (r >= 0)
					r = write_expressions(w->b, NULL, append ? one : s->labels,
							      !append);
				if (r >= 0)
					r = op_end(w);
				if (r < 0)
					return r;
				if (!append)
					break;
			}
		}
		return 0;
	}
	if (!json_is_object(aff)) {
		path = "/spec/affinity";
		pre = "{\"nodeAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":[{\"matchExpressions\":";
	} else if (!json_is_object(na)) {
		path = "/spec/affinity/nodeAffinity";
		pre = "{\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":[{\"matchExpressions\":";
	} else if (!json_is_object(req)) {
		path = "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution";
		pre = "{\"nodeSelectorTerms\":[{\"matchExpressions\":";
	} else {
		path = TERMS_PATH;
		pre = "[{\"matchExpressions\":";
	}
	r = op_begin(w, "", path, NULL);
	if (r >= 0)
		r = buf_append_str(w->b, pre);
	if (r >= 0)
		r = write_expressions(w->b, NULL, s->labels, true);
	/* Close what `pre` opened, innermost first. */
	for (size_t k = strlen(pre); r >= 0 && k > 0; k--)
		if (pre[k - 1] == '{')
			r = buf_append(w->b, "}", 1);
		else if (pre[k - 1] == '[')
			r = buf_append(w->b, "]", 1);
	return r < 0 ? r : op_end(w);
}

static int emit_gate(struct patch_writer *w, const json_t *pod, const struct policy *p,
		     const struct pod_scheduling *s)
{
	const json_t *meta = json_object_get(pod, "metadata");
	const json_t *labels = json_object_get(meta, "labels");
	const json_t *gates = json_object_get(json_object_get(pod, "spec"), "schedulingGates");
	int r;

	if (!s->gate)
		return 0;
	if (json_is_array(gates)) {
		r = op_begin(w, "", "/spec/schedulingGates/-", NULL);
		if (r >= 0)
			r = buf_append_str(w->b, "{\"name\":\"" SCHEDULING_GATE "\"}");
	} else {
		r = op_begin(w, "", "/spec/schedulingGates", NULL);
		if (r >= 0)
			r = buf_append_str(w->b, "[{\"name\":\"" SCHEDULING_GATE "\"}]");
	}
	if (r >= 0)
		r = op_end(w);
	if (r < 0)
		return r;
	if (json_is_object(labels)) {
		r = op_begin(w, "", "/metadata/labels", LABEL_WAITING_FOR);
		if (r >= 0)
			r = json_string_append(w->b, p->profile_name);
	} else if (json_is_object(meta)) {
		r = op_begin(w, "", "/metadata/labels", NULL);
		if (r >= 0)
			r = buf_append_str(w->b, "{\"" LABEL_WAITING_FOR "\":");
		if (r >= 0)
			r = json_string_append(w->b, p->profile_name);
		if (r >= 0)
			r = buf_append(w->b, "}", 1);
	} else {
		r = op_begin(w, "", "/metadata", NULL);
		if (r >= 0)
			r = buf_append_str(w->b, "{\"labels\":{\"" LABEL_WAITING_FOR "\":");
		if (r >= 0)
			r = json_string_append(w->b, p->profile_name);
		if (r >= 0)
			r = buf_append_str(w->b, "}}");
	}
	return r < 0 ? r : op_end(w);
}

static int kind_of_request(const struct admission_request *req, enum target_kind *ret)
{
	if (strcmp(req->group, "") == 0 && strcmp(req->kind, "Pod") == 0) {
		if (strcmp(req->operation, "CREATE") != 0)
			return -ENOENT;
		*ret = TARGET_POD;
		return 0;
	}
	if (strcmp(req->group, "apps") != 0)
		return -ENOENT;
	if (strcmp(req->operation, "CREATE") != 0 && strcmp(req->operation, "UPDATE") != 0)
		return -ENOENT;
	if (strcmp(req->kind, "Deployment") == 0)
		*ret = TARGET_DEPLOYMENT;
	else if (strcmp(req->kind, "StatefulSet") == 0)
		*ret = TARGET_STATEFULSET;
	else if (strcmp(req->kind, "DaemonSet") == 0)
		*ret = TARGET_DAEMONSET;
	else
		return -ENOENT;
	return 0;
}

void mutate_result_done(struct mutate_result *r)
{
	free(r->patch);
	*r = (struct mutate_result){};
}

/*
 * The policy whose profile a pod's annotations name (container.*.varmor.org/<c>
 * = localhost/<profile>, as the webhook injected into its workload's
 * template), among those of its namespace and the cluster's; NULL: none.
 */
static const struct policy *policy_of_annotations(const struct policy_view *view, const char *ns,
						  const json_t *annotations)
{
	static const char *const prefixes[] = { ANNOTATION_APPARMOR, ANNOTATION_BPF,
						ANNOTATION_SECCOMP, ANNOTATION_APPARMOR_K8S };
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)annotations, key, value) {
		const char *v = json_string_value(value);
		bool ours = false;

		for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
			ours |= strncmp(key, prefixes[i], strlen(prefixes[i])) == 0;
		if (!ours || !v || strncmp(v, "localhost/", 10) != 0)
			continue;
		for (size_t i = 0; i < view->n; i++) {
			const struct policy *p = view->policies[i];

			if (p->profile_name && strcmp(p->profile_name, v + 10) == 0 &&
			    (p->cluster || strcmp(strempty(p->namespace), ns) == 0))
				return p;
		}
	}
	return NULL;
}

static int emit_node_affinity(struct patch_writer *w, const json_t *spec,
			      const struct pod_scheduling *s, const char **reterr_msg);
static int emit_gate(struct patch_writer *w, const json_t *pod, const struct policy *p,
		     const struct pod_scheduling *s);

/* Pod CREATE of a workload the webhook mutated: only the scheduling part. */
static int mutate_pod_of_workload(const struct mutate_config *cfg, const struct policy_view *view,
				  const struct admission_request *req, const char *ns,
				  struct mutate_result *ret_result, const char **reterr_msg)
{
	const json_t *spec = json_object_get(req->object, "spec");
	const json_t *annotations = json_path(req->object, "metadata", "annotations", NULL);
	struct pod_scheduling sched;
	const struct policy *p;
	struct buf out;
	struct patch_writer w = { .b = &out };
	int r;

	if (!json_is_object(annotations) || !json_is_object(spec))
		return 0;
	p = policy_of_annotations(view, ns, annotations);
	if (!p)
		return 0;
	r = plan_scheduling(cfg, p, req, spec, &sched, reterr_msg);
	if (r < 0 || (!sched.gate && !sched.affinity))
		return r;
	buf_init(&out, MUTATE_PATCH_MAX);
	r = buf_append(&out, "[", 1);
	if (r >= 0)
		r = emit_node_affinity(&w, spec, &sched, reterr_msg);
	if (r >= 0)
		r = emit_gate(&w, req->object, p, &sched);
	if (r >= 0)
		r = buf_append(&out, "]", 1);
	if (r < 0 || w.n_ops == 0) {
		buf_free(&out);
		return r < 0 ? r : 0;
	}
	ret_result->patch = buf_take(&out, &ret_result->patch_len);
	if (!ret_result->patch)
		return -ENOMEM;
	ret_result->n_ops = w.n_ops;
	ret_result->policy = p;
	ret_result->n_matched = 1;
	return 0;
}

int mutate_request(const struct mutate_config *cfg, const struct policy_view *view,
		   const struct admission_request *req, const char *now,
		   struct mutate_result *ret_result, const char **reterr_msg)
{
	_cleanup_(plan_done) struct plan pl = {};
	struct pod_scheduling sched = {};
	struct buf out;
	struct patch_writer w = { .b = &out };
	const struct policy *p;
	const json_t *meta, *labels, *tmpl, *tmpl_meta, *spec, *containers, *annotations, *pod_sc;
	const char *ns, *name, *base, *v;
	enum target_kind kind;
	size_t n_matched = 0, i;
	json_t *c;
	int r;

	*ret_result = (struct mutate_result){};
	if (!req->object || kind_of_request(req, &kind) < 0)
		return 0;

	meta = json_object_get(req->object, "metadata");
	if (meta && !json_is_object(meta)) {
		*reterr_msg = "metadata: must be an object";
		return -EBADMSG;
	}
	labels = json_object_get(meta, "labels");
	if (labels && !json_is_object(labels)) {
		*reterr_msg = "metadata.labels: must be a map of strings";
		return -EBADMSG;
	}
	ns = *req->namespace ? req->namespace :
			       json_string_value(json_object_get(meta, "namespace"));
	name = json_string_value(json_object_get(meta, "name"));
	if (!name && *req->name)
		name = req->name;
	v = cfg->match_label_key ?
		    json_string_value(json_object_get(labels, cfg->match_label_key)) :
		    NULL;
	p = !cfg->match_label_key || (v && strcmp(v, cfg->match_label_value) == 0) ?
		    mutate_find_policy(view, kind, strempty(ns), name, labels, &n_matched) :
		    NULL;
	if (!p && kind == TARGET_POD && (cfg->node_affinity || cfg->scheduling_gate))
		/* A pod of a mutated workload: scheduled by the policy its template names. */
		return mutate_pod_of_workload(cfg, view, req, strempty(ns), ret_result, reterr_msg);
	if (!p)
		return 0;

	if (kind == TARGET_POD) {
		base = "";
		tmpl = req->object;
	} else {
		base = "/spec/template";
		tmpl = json_path(req->object, "spec", "template", NULL);
		if (!json_is_object(tmpl)) {
			*reterr_msg = "spec.template: missing";
			return -EBADMSG;
		}
	}
	tmpl_meta = json_object_get(tmpl, "metadata");
	if (tmpl_meta && !json_is_null(tmpl_meta) && !json_is_object(tmpl_meta)) {
		*reterr_msg = kind == TARGET_POD ? "metadata: must be an object" :
						   "spec.template.metadata: must be an object";
		return -EBADMSG;
	}
	annotations = json_object_get(tmpl_meta, "annotations");
	if (annotations && !json_is_null(annotations) && !json_is_object(annotations)) {
		*reterr_msg = "annotations: must be a map of strings";
		return -EBADMSG;
	}
	spec = json_object_get(tmpl, "spec");
	containers = json_object_get(spec, "containers");
	if (!json_is_array(containers)) {
		*reterr_msg = kind == TARGET_POD ? "spec.containers: must be a list" :
						   "spec.template.spec.containers: must be a list";
		return -EBADMSG;
	}
	pod_sc = json_object_get(spec, "securityContext");

	pl.n_containers = json_array_size(containers);
	pl.sc = calloc(pl.n_containers ? pl.n_containers : 1, sizeof(*pl.sc));
	if (!pl.sc)
		return -ENOMEM;
	json_array_foreach(containers, i, c) {
		const char *cname = json_string_value(json_object_get(c, "name"));
		const json_t *sc = json_object_get(c, "securityContext");

		if (!json_is_object(c) || !cname || !*cname) {
			*reterr_msg = "containers: every container needs a name";
			return -EBADMSG;
		}
		if (sc && !json_is_null(sc) && !json_is_object(sc)) {
			*reterr_msg = "containers: securityContext must be an object";
			return -EBADMSG;
		}
		if (strchr(cname, '/') || strlen(cname) > 253) {
			*reterr_msg = "containers: invalid container name";
			return -EBADMSG;
		}
		if (!policy_selects_container(p, cname))
			continue;
		r = plan_container(cfg, p, annotations, pod_sc, c, cname, &pl, &pl.sc[i]);
		if (r < 0)
			return r;
	}
	if (kind == TARGET_POD) {
		r = plan_scheduling(cfg, p, req, spec, &sched, reterr_msg);
		if (r < 0)
			return r;
	}
	if (!pl.changed && !sched.gate && !sched.affinity) {
		ret_result->policy = p;
		ret_result->n_matched = n_matched;
		return 0;
	}

	if (pl.changed) {
		_cleanup_free_ char *record = NULL;
		struct kv_list *obj = kind == TARGET_POD ? &pl.tmpl_annotations :
							   &pl.obj_annotations;

		if (p->cluster)
			r = asprintf(&record, "%s/%s", CLUSTER_POLICY_KIND, p->name);
		else
			r = asprintf(&record, "%s/%s/%s", POLICY_KIND, p->namespace, p->name);
		if (r < 0)
			return -ENOMEM;
		r = kv_list_set(obj, "", ANNOTATION_POLICY, record);
		if (r >= 0)
			r = kv_list_set(obj, "", ANNOTATION_MUTATED_AT, now);
		if (r < 0)
			return r;
	}

	buf_init(&out, MUTATE_PATCH_MAX);
	r = buf_append(&out, "[", 1);
	if (r >= 0)
		r = emit_annotations(&w, base, tmpl_meta, &pl.tmpl_annotations);
	for (i = 0; r >= 0 && i < pl.n_containers; i++)
		r = emit_security_context(&w, base, i, json_array_get(containers, i), &pl.sc[i]);
	if (r >= 0 && kind != TARGET_POD)
		r = emit_annotations(&w, "", meta, &pl.obj_annotations);
	if (r >= 0 && kind == TARGET_POD)
		r = emit_node_affinity(&w, spec, &sched, reterr_msg);
	if (r >= 0 && kind == TARGET_POD)
		r = emit_gate(&w, req->object, p, &sched);
	if (r >= 0)
		r = buf_append(&out, "]", 1);
	if (r < 0 || w.n_ops == 0) {
		buf_free(&out);
		if (r < 0)
			return r;
		ret_result->policy = p;
		ret_result->n_matched = n_matched;
		return 0;
	}

	ret_result->patch = buf_take(&out, &ret_result->patch_len);
	if (!ret_result->patch)
		return -ENOMEM;
	ret_result->n_ops = w.n_ops;
	ret_result->policy = p;
	ret_result->n_matched = n_matched;
	return 0;
}
