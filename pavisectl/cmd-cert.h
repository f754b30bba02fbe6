// SPDX-License-Identifier: Apache-2.0
/* pavisectl cert: generate the webhook's CA and serving certificate. */
#pragma once

/*
 * Runs `pavisectl cert ...`; argv[0] is "cert". Returns the process exit
 * status: 0 on success, 1 when the work failed (logged), 2 on a usage error
 * (message and usage on stderr). `--help` prints usage on stdout.
 */
int cmd_cert(int argc, char **argv);
