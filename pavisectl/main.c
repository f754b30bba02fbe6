// SPDX-License-Identifier: Apache-2.0
/* pavisectl: the command-line tool; dispatches to one module per command. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/macro.h"
#include "pavisectl/cmd-cert.h"
#include "pavisectl/cmd-compile.h"
#include "pavisectl/cmd-convert.h"
#include "pavisectl/cmd-rules.h"
#include "pavisectl/cmd-validate.h"

#ifndef PAVISE_VERSION
#define PAVISE_VERSION "unknown"
#endif

#define EXIT_USAGE 2

/*
 * A command gets argv starting at its own name and returns the exit status:
 * 0 success, 1 failure (logged), 2 usage error (usage on stderr). Each one
 * lives in pavisectl/cmd-<name>.{c,h}; add it to this table.
 */
struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "cert", "generate the webhook's CA and serving certificate", cmd_cert },
	{ "validate", "check VarmorPolicy and VarmorClusterPolicy files", cmd_validate },
	{ "compile", "compile policies into the ArmorProfiles node enforcers load", cmd_compile },
	{ "convert", "print objects from YAML files as JSON, as the API server reads them",
	  cmd_convert },
	{ "rules", "list the built-in rules and the enforcers that implement them", cmd_rules },
	{ "version", "print the version", cmd_version },
	{ "help", "show help for pavisectl or one of its commands", cmd_help },
};

static void usage(FILE *f)
{
	fputs("Usage: pavisectl COMMAND [ARGS]...\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "Run 'pavisectl COMMAND --help' for a command's options.\n",
	      f);
}

static bool is_help(const char *s)
{
	return strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	fprintf(stderr, "pavisectl: unknown command '%s'\n\n", name);
	usage(stderr);
	return EXIT_USAGE;
}

static int cmd_version(int argc, char **argv)
{
	if (argc > 1 && is_help(argv[1])) {
		fputs("Usage: pavisectl version\n\nPrints the version of pavisectl.\n", stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "pavisectl version: unexpected argument '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	/* An empty string means the build did not know (e.g. no git metadata). */
	printf("pavisectl %s\n", PAVISE_VERSION[0] ? PAVISE_VERSION : "unknown");
	return fflush(stdout) == 0 ? 0 : 1;
}

static int cmd_help(int argc, char **argv)
{
	static char help_flag[] = "--help";
	const struct command *c;

	if (argc < 2 || is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	c = find_command(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	if (c->run == cmd_help) {
		usage(stdout);
		return 0;
	}
	return c->run(2, (char *[]){ argv[1], help_flag, NULL });
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv + 1);
	c = find_command(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	return c->run(argc - 1, argv + 1);
}
