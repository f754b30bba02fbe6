// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for the audit record parser and the netlink framing: no crash, valid records. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/violations.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(json_t *rec)
{
	char *dump;

	if (!json_is_object(rec) || !json_is_string(json_object_get(rec, "action")) ||
	    !json_is_object(json_object_get(rec, "event")))
		abort();
	/* Everything must serialise: valid UTF-8 throughout. */
	dump = json_dumps(rec, JSON_COMPACT);
	if (!dump)
		abort();
	free(dump);
}

static void on_record(void *userdata, json_t *record, int pid)
{
	(void)userdata;
	if (pid < 0)
		abort();
	check(record);
}

/* First byte: bit 0 picks AppArmor (1400) or seccomp (1326) text; bit 1 a netlink datagram. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *rec;
	int pid = -1;

	if (size < 1)
		return 0;
	if (data[0] & 2) {
		if (audit_source_parse_datagram(data + 1, size - 1, on_record, NULL) < 0)
			abort();
		return 0;
	}
	rec = violation_from_audit_text(data[0] & 1 ? 1326 : 1400, (const char *)data + 1, size - 1,
					&pid);
	if (!rec)
		return 0;
	if (pid < 0 || size - 1 > AUDIT_RECORD_MAX)
		abort();
	check(rec);
	json_decref(rec);
	return 0;
}
