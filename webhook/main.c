// SPDX-License-Identifier: Apache-2.0
/* pavise-webhook: admission server and policy controller (placeholder entry). */
#include "common/log.h"

int main(void)
{
	log_info("pavise-webhook: not built yet");
	return 0;
}
