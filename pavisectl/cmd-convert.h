// SPDX-License-Identifier: Apache-2.0
/* pavisectl convert: print Kubernetes objects from YAML files as JSON (or YAML). */
#pragma once

int cmd_convert(int argc, char **argv);
