// SPDX-License-Identifier: Apache-2.0
/* pavise-oci-hook: binds a container to its BPF profile before it runs (being written). */
#include <stdio.h>

int main(void)
{
	fputs("pavise-oci-hook: not built yet, refusing (fail-closed)\n", stderr);
	return 1;
}
