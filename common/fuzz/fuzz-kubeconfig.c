// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: kubeconfig parsing (YAML, base64, references) and the watch event decoder. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>

#include "common/k8s-client.h"
#include "common/k8s-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct k8s_config *cfg = NULL;
	struct k8s_error err = {};
	enum k8s_watch_event type;
	json_t *obj = NULL;
	int r;

	r = k8s_config_parse_kubeconfig((const char *)data, size, "/nonexistent", NULL, &cfg, &err);
	if (r >= 0) {
		/* A success has a server, and any credentials come in complete pairs. */
		if (!cfg || !cfg->server ||
		    (!cfg->client_cert_file && !cfg->client_cert_data) !=
			    (!cfg->client_key_file && !cfg->client_key_data))
			__builtin_trap();
		k8s_config_free(cfg);
	} else if (cfg || memchr(err.message, '\0', sizeof(err.message)) == NULL) {
		__builtin_trap();
	}

	r = k8s_client_watch_event_parse((const char *)data, size, &type, &obj);
	if (r >= 0) {
		if (!json_is_object(obj) || type > K8S_WATCH_ERROR)
			__builtin_trap();
		json_decref(obj);
	}
	return 0;
}
