// SPDX-License-Identifier: Apache-2.0
/* pavisectl compile: turn policies into the ArmorProfiles that node enforcers load. */
#pragma once

/* Exit status: 0 compiled, 1 invalid policy or I/O error, 2 usage. */
int cmd_compile(int argc, char **argv);
