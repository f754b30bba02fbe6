// SPDX-License-Identifier: Apache-2.0
/* pavisectl: the command-line tool (placeholder entry). */
#include "common/log.h"

int main(void)
{
	log_info("pavisectl: not built yet");
	return 0;
}
