// SPDX-License-Identifier: Apache-2.0
/* pavisectl validate: check VarmorPolicy and VarmorClusterPolicy files. */
#pragma once

/* Exit status: 0 all valid (warnings printed), 1 invalid or unreadable, 2 usage. */
int cmd_validate(int argc, char **argv);
