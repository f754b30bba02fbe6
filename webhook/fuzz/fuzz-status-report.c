// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the status service's request path (bearer header, JSON body, report validation). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "webhook/status-service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int review(void *userdata, const char *token, struct tokenreview_user *ret)
{
	(void)userdata;
	*ret = (struct tokenreview_user){ .authenticated = token[0] != 'x' };
	if (ret->authenticated) {
		(void)snprintf(ret->username, sizeof(ret->username), "%s",
			       "system:serviceaccount:pavise-system:pavise-enforcer");
		if (token[0] == 'n')
			(void)snprintf(ret->node_name, sizeof(ret->node_name), "node-1");
	}
	return 0;
}

static int report(void *userdata, const struct status_report *r)
{
	(void)userdata;
	/* Whatever is accepted is complete and valid. */
	if (!r->node || (r->n_profiles && !r->profiles))
		__builtin_trap();
	for (size_t i = 0; i < r->n_profiles; i++)
		if (!r->profiles[i].name || r->profiles[i].result > STATUS_PROFILE_FAILED)
			__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct status_service *svc;
	static const char *const headers[] = { "Bearer enf", "Bearer node", "Bearer xbad", NULL };
	struct http_response resp = {};
	char *body;

	if (!svc && status_service_new(&(struct status_service_config){ .on_report = report,
									.review = review },
				       &svc) < 0)
		__builtin_trap();
	if (size == 0)
		return 0;
	/* The first byte picks the credentials; the rest is the body, NUL-terminated as the server gives it. */
	body = malloc(size);
	if (!body)
		return 0;
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	if (status_service_handle(svc, headers[data[0] % 4], "application/json", body, size - 1,
				  &resp) == 0) {
		if (resp.status < 200 || resp.status > 599 || !resp.body)
			__builtin_trap();
		free(resp.body);
	}
	free(body);
	return 0;
}
