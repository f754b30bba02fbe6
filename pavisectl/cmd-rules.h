// SPDX-License-Identifier: Apache-2.0
/* pavisectl rules: print the built-in rule catalog and which enforcer implements each rule. */
#pragma once

int cmd_rules(int argc, char **argv);
