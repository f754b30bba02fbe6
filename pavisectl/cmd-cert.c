// SPDX-License-Identifier: Apache-2.0
/* pavisectl cert: generate the webhook's CA and serving certificate. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs/cert.h"
#include "common/log.h"
#include "pavisectl/cmd-cert.h"

#define EXIT_USAGE 2

static void cert_usage(FILE *f)
{
	fputs("Usage: pavisectl cert generate --out-dir DIR --san NAME_OR_IP [--san NAME_OR_IP]...\n"
	      "                               [--days N] [--key-type ec|rsa]\n"
	      "\n"
	      "Generates a self-signed CA and a serving certificate signed by it, and writes\n"
	      "ca.crt, ca.key, tls.crt and tls.key into DIR (keys 0600, certificates 0644).\n"
	      "\n"
	      "Options:\n"
	      "  --out-dir DIR       directory to write into, created if missing\n"
	      "  --san NAME_OR_IP    subjectAltName: a DNS name or an IP address; repeatable\n"
	      "  --days N            serving certificate validity in days (default 365);\n"
	      "                      the CA is valid N+365 days\n"
	      "  --key-type ec|rsa   ECDSA P-256 (default) or RSA-2048 keys\n"
	      "  -h, --help          show this help\n",
	      f);
}

static int usage_error(const char *fmt, ...) _printf_(1, 2);

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("pavisectl cert generate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	cert_usage(stderr);
	return EXIT_USAGE;
}

static int parse_days(const char *s, unsigned *ret)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > CERT_DAYS_MAX)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static int print_paths(const char *dir)
{
	static const char *const files[] = { "ca.crt", "ca.key", "tls.crt", "tls.key" };

	for (size_t i = 0; i < ELEMENTSOF(files); i++)
		if (printf("%s/%s\n", dir, files[i]) < 0)
			return -EIO;
	return fflush(stdout) == 0 ? 0 : -EIO;
}

static int cert_generate_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "out-dir", required_argument, NULL, 'o' },
		{ "san", required_argument, NULL, 's' },
		{ "days", required_argument, NULL, 'd' },
		{ "key-type", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *sans[CERT_SANS_MAX + 1] = {};
	struct cert_options o = {};
	struct cert_pair ca = {}, leaf = {};
	const char *out_dir = NULL;
	size_t n_sans = 0;
	int r;

	optind = 0; /* full reset: another command may have run getopt before */
	opterr = 0; /* we word the errors ourselves */
	for (;;) {
		int c = getopt_long(argc, argv, ":h", options, NULL);

		if (c < 0)
			break;
		switch (c) {
		case 'o':
			out_dir = optarg;
			break;
		case 's':
			if (!cert_san_valid(optarg))
				return usage_error(
					"invalid --san '%s': not a DNS name or IP address", optarg);
			if (n_sans >= CERT_SANS_MAX)
				return usage_error("too many --san options (at most %u)",
						   CERT_SANS_MAX);
			sans[n_sans++] = optarg;
			break;
		case 'd':
			if (parse_days(optarg, &o.days) < 0)
				return usage_error("invalid --days '%s': expected 1 to %u", optarg,
						   CERT_DAYS_MAX);
			break;
		case 'k':
			if (cert_key_type_from_string(optarg, &o.key_type) < 0)
				return usage_error("invalid --key-type '%s': expected ec or rsa",
						   optarg);
			break;
		case 'h':
			cert_usage(stdout);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!out_dir || !*out_dir)
		return usage_error("%s", "--out-dir is required");
	if (n_sans == 0)
		return usage_error("%s", "at least one --san is required");
	o.sans = sans;

	r = cert_generate(&o, &ca, &leaf);
	if (r < 0) {
		(void)log_error_errno(r, "cert: failed to generate certificates: %m");
		return EXIT_FAILURE;
	}
	r = cert_write_dir(out_dir, &ca, &leaf);
	cert_pair_done(&ca); /* wipes the keys */
	cert_pair_done(&leaf);
	if (r < 0) {
		(void)log_error_errno(r, "cert: failed to write certificates to '%s': %m", out_dir);
		return EXIT_FAILURE;
	}
	r = print_paths(out_dir);
	if (r < 0) {
		(void)log_error_errno(r, "cert: failed to write to stdout: %m");
		return EXIT_FAILURE;
	}
	return 0;
}

int cmd_cert(int argc, char **argv)
{
	if (argc < 2) {
		fputs("pavisectl cert: missing subcommand\n\n", stderr);
		cert_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cert_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "generate") == 0)
		return cert_generate_main(argc - 1, argv + 1);
	fprintf(stderr, "pavisectl cert: unknown subcommand '%s'\n\n", argv[1]);
	cert_usage(stderr);
	return EXIT_USAGE;
}
