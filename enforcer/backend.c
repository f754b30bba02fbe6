// SPDX-License-Identifier: Apache-2.0
/* A BPF backend that never enforces: BpfContent stays pending (tests of the other backends). */
#include <string.h>

#include "enforcer/backend.h"

static const char *bpf_content(const struct armor_profile *p)
{
	return p->bpf;
}

static int bpf_apply(struct backend *b, const struct armor_profile *p, char **reterr_msg)
{
	(void)b;
	(void)p;
	*reterr_msg = strdup("pending: no BPF LSM backend in this configuration");
	return BACKEND_PENDING;
}

static int bpf_remove(struct backend *b, const char *name, char **reterr_msg)
{
	(void)b;
	(void)name;
	(void)reterr_msg;
	return 0;
}

void backend_bpf_pending(struct backend *ret_backend)
{
	*ret_backend = (struct backend){
		.name = "bpf",
		.kind = PART_BPF,
		.available = true,
		.content = bpf_content,
		.apply = bpf_apply,
		.remove = bpf_remove,
	};
}
