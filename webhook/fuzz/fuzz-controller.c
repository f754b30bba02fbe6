// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: API server objects as the controller reads them. The
 * input is one JSON object used as a Lease (leader decision and the object
 * written back), a workload (restart selection, markers, preparation) and a
 * policy status (conditions rebuilt from it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webhook/controller-status.h"
#include "webhook/lease.h"
#include "webhook/restart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy *policy;
	struct lease_observer o = {};
	struct controller_status_input in = {
		.profile_name = "varmor-demo-web",
		.generation = 2,
		.action = CONTROLLER_ACTION_UPDATE_FAILED,
		.error_message = "spec.policy: bad",
		.desired = 3,
		.current = 1,
	};
	enum lease_decision d;
	json_t *obj, *copy, *out = NULL;

	if (!policy) {
		json_t *p = json_pack(
			"{s:s, s:s, s:{s:s, s:s}, s:{s:{s:s, s:{s:{s:s}}}, s:{s:s, s:s}}}",
			"apiVersion", POLICY_API_VERSION, "kind", POLICY_KIND, "metadata", "name",
			"web", "namespace", "demo", "spec", "target", "kind", "Deployment",
			"selector", "matchLabels", "app", "web", "policy", "enforcer", "AppArmor",
			"mode", "AlwaysAllow");

		if (!p || policy_parse(p, "pavise-system", NULL, &policy, NULL) < 0)
			abort();
		json_decref(p);
	}
	obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return 0;
	}
	if (lease_decide(&o, obj, "a", 1, 15000000, &d) == 0 &&
	    lease_decide(&o, obj, "a", 20000000, 15000000, &d) == 0 &&
	    lease_build(obj, "ns", "l", "a", 15000000, d, "2026-01-01T00:00:00.000000Z", &out) == 0)
		json_decref(out);
	lease_observer_done(&o);

	(void)restart_selects(policy, obj, "sandbox.varmor.org/enable", "true");
	(void)restart_already_done(obj, "uid", RESTART_CREATED);
	copy = json_deep_copy(obj);
	if (copy &&
	    restart_prepare(copy, "varmor-demo-web", RESTART_DELETED, "uid/1/deleted",
			    "2026-01-01T00:00:00Z") == 0 &&
	    !restart_already_done(copy, "uid", RESTART_DELETED))
		abort();
	json_decref(copy);

	out = NULL;
	if (controller_status_policy(&in, obj, "2026-01-01T00:00:00Z", &out) == 0)
		json_decref(out);
	json_decref(obj);
	return 0;
}
