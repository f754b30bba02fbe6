// SPDX-License-Identifier: Apache-2.0
/* OCI containers as the runtime shows them: hook state, bundle annotations, cgroup ids, runc state dirs. */
#pragma once

#include <stdint.h>
#include <jansson.h>

#include "common/macro.h"
#include "enforcer/bpf-loader.h"

#define OCI_STATE_MAX  (64U * 1024) /* bytes of the state a runtime hook reads on stdin */
#define OCI_CONFIG_MAX (4U * 1024 * 1024) /* bytes of a bundle's config.json */

/* The annotation prefix that names a container's BPF profile ("localhost/<profile>"). */
#define OCI_BPF_ANNOTATION_PREFIX "container.bpf.security.beta.varmor.org/"
/* CRI annotations (containerd, CRI-O): container type, container and pod identity. */
#define OCI_CRI_CONTAINER_TYPE "io.kubernetes.cri.container-type"
#define OCI_CRI_CONTAINER_NAME "io.kubernetes.cri.container-name"
#define OCI_CRI_SANDBOX_NAME   "io.kubernetes.cri.sandbox-name"
#define OCI_CRI_SANDBOX_NS     "io.kubernetes.cri.sandbox-namespace"
#define OCI_CRI_SANDBOX_UID    "io.kubernetes.cri.sandbox-uid"

/* One container, as far as binding it is concerned. */
struct oci_container {
	char id[BPF_CONTAINER_ID_MAX + 1];
	int pid; /* its init process in the host's pid namespace; 0 when not running */
	char bundle[4096];
	/* The profile named by container.bpf.security.beta.varmor.org/<container-name>,
	 * without "localhost/"; empty when the container has none (left alone). */
	char bpf_profile[ARMOR_NAME_MAX + 1];
	struct bpf_container_info info;
};

/*
 * Parses the state JSON a runtime gives a hook on stdin (ociVersion, id,
 * status, pid, bundle, annotations; runc passes the spec's annotations) and,
 * when the state has no annotations, reads <bundle>/config.json for them.
 * -EINVAL with a message naming the field for malformed input, -EFBIG past
 * the caps, -ENOENT for a profile annotation that is not "localhost/<name>"
 * with a valid name (a hostile or mistyped annotation must not leave the
 * container silently unconfined: the caller refuses it).
 */
int oci_container_from_state(const char *state, size_t len, struct oci_container *ret,
			     char **reterr_msg) _warn_unused_result_;

/*
 * The cgroup v2 id of pid: "0::PATH" from <host_root>/proc/<pid>/cgroup,
 * then the inode of <host_root>/sys/fs/cgroup/PATH (the kernfs id).
 * host_root NULL or "" is "/". -ENOENT when the process is gone,
 * -EOPNOTSUPP when the node has no cgroup v2 hierarchy.
 */
int oci_cgroup_id_of_pid(const char *host_root, int pid, uint64_t *ret_id) _warn_unused_result_;

/*
 * Running containers found in runc state directories (state.json under
 * <root>/<id>/, as runc and containerd's shim keep them; roots such as
 * /run/runc and /run/containerd/runc/k8s.io), for binding containers that
 * started without the hook (best effort). Calls fn for every container whose
 * init process is alive; unreadable entries are skipped.
 */
typedef void (*oci_scan_fn)(void *userdata, const struct oci_container *c);
int oci_scan_runc_root(const char *host_root, const char *root, oci_scan_fn fn, void *userdata);
