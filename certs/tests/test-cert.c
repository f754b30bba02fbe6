// SPDX-License-Identifier: Apache-2.0
/* Tests for certs/cert: checked with OpenSSL's own API, the openssl CLI and pavisectl. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs/cert.h"
#include "common/fileio.h"
#include "tests/lib/testlib.h"

#define USEC_PER_SEC 1000000ULL
#define USEC_PER_DAY (86400ULL * USEC_PER_SEC)
#define T0	     (1767225600ULL * USEC_PER_SEC) /* 2026-01-01T00:00:00Z */

static const char *const test_sans[] = {
	"pavise-webhook.pavise-system.svc",
	"pavise-webhook.pavise-system.svc.cluster.local",
	"localhost",
	"10.96.0.10",
	"::1",
	NULL,
};

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d) {
		(void)unlink(path);
		return;
	}
	while ((de = readdir(d))) {
		char sub[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rm_rf(sub);
	}
	closedir(d);
	(void)rmdir(path);
}

static X509 *x509(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x;

	assert_non_null(b);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(x);
	return x;
}

static EVP_PKEY *pkey(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k;

	assert_non_null(b);
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(k);
	return k;
}

/* Verifies with a fresh X509_STORE, the way a TLS client (the API server) would. */
static int openssl_verify(X509 *ca, X509 *leaf, time_t at)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok;

	assert_non_null(store);
	assert_non_null(ctx);
	assert_int_equal(X509_STORE_add_cert(store, ca), 1);
	assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, NULL), 1);
	assert_int_equal(X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER), 1);
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_X509_STRICT);
	if (at)
		X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), at);
	ok = X509_verify_cert(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

static long long validity_seconds(X509 *x)
{
	int days = 0, secs = 0;

	assert_int_equal(
		ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)), 1);
	return (long long)days * 86400 + secs;
}

static void check_serving_pair(const struct cert_pair *ca, const struct cert_pair *leaf, int key_id,
			       int bits, unsigned days)
{
	X509 *c = x509(ca->cert_pem), *l = x509(leaf->cert_pem);
	EVP_PKEY *k = pkey(leaf->key_pem), *ck = pkey(ca->key_pem);
	const ASN1_INTEGER *serial;
	BIGNUM *bn;

	/* chain, signature, purpose */
	assert_int_equal(X509_verify(l, X509_get0_pubkey(c)), 1);
	assert_int_equal(openssl_verify(c, l, 0), 1);
	assert_int_equal(X509_check_issued(c, l), X509_V_OK);

	/* SANs: every DNS name and IP (auto-detected), nothing else */
	for (size_t i = 0; test_sans[i]; i++) {
		if (strchr(test_sans[i], ':') ||
		    strspn(test_sans[i], "0123456789.") == strlen(test_sans[i]))
			assert_int_equal(X509_check_ip_asc(l, test_sans[i], 0), 1);
		else
			assert_int_equal(X509_check_host(l, test_sans[i], 0, 0, NULL), 1);
	}
	assert_int_equal(X509_check_host(l, "evil.example.com", 0, 0, NULL), 0);
	assert_int_equal(X509_check_ip_asc(l, "10.96.0.11", 0), 0);

	/* extensions */
	assert_true(X509_get_extension_flags(l) & EXFLAG_XKUSAGE);
	assert_int_equal(X509_get_extended_key_usage(l), XKU_SSL_SERVER);
	assert_int_equal(X509_get_key_usage(l), KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	assert_int_equal(X509_check_ca(l), 0);
	assert_true(X509_get_extension_flags(l) & EXFLAG_BCONS);
	assert_int_equal(X509_check_ca(c), 1);
	assert_int_equal(X509_get_key_usage(c),
			 KU_KEY_CERT_SIGN | KU_CRL_SIGN | KU_DIGITAL_SIGNATURE);
	assert_non_null(X509_get0_subject_key_id(l));
	assert_non_null(X509_get0_authority_key_id(l));
	assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(l),
					       X509_get0_subject_key_id(c)),
			 0);

	/* keys: the right type and size, and each one matches its certificate */
	assert_int_equal(EVP_PKEY_get_base_id(k), key_id);
	assert_int_equal(EVP_PKEY_get_bits(k), bits);
	assert_int_equal(X509_check_private_key(l, k), 1);
	assert_int_equal(X509_check_private_key(c, ck), 1);
	assert_int_equal(X509_check_private_key(l, ck), 0);

	/* 128-bit random serial, positive */
	serial = X509_get0_serialNumber(l);
	bn = ASN1_INTEGER_to_BN(serial, NULL);
	assert_non_null(bn);
	assert_false(BN_is_negative(bn));
	assert_true(BN_num_bits(bn) > 96 && BN_num_bits(bn) <= 128);
	BN_free(bn);

	/* NotBefore = now - 1 h; validity = days (+1 h of backdating); the CA lasts longer */
	assert_int_equal(validity_seconds(l), (long long)days * 86400 + 3600);
	assert_int_equal(validity_seconds(c),
			 (long long)(days + CERT_CA_EXTRA_DAYS) * 86400 + 3600);
	{
		time_t expect = time(NULL) - 3600;
		int d = 0, s = 0;
		ASN1_TIME *t = ASN1_TIME_set(NULL, expect);

		assert_non_null(t);
		assert_int_equal(ASN1_TIME_diff(&d, &s, t, X509_get0_notBefore(l)), 1);
		assert_true(d == 0 && s >= -120 && s <= 120);
		ASN1_TIME_free(t);
	}

	EVP_PKEY_free(k);
	EVP_PKEY_free(ck);
	X509_free(l);
	X509_free(c);
}

static void test_generate_ec(void **state)
{
	struct cert_options o = { .sans = test_sans, .days = 30 };
	struct cert_pair ca = {}, leaf = {};

	(void)state;
	assert_int_equal(cert_generate(&o, &ca, &leaf), 0);
	assert_non_null(strstr(leaf.key_pem, "-----BEGIN PRIVATE KEY-----"));
	check_serving_pair(&ca, &leaf, EVP_PKEY_EC, 256, 30);
	assert_int_equal(cert_verify(ca.cert_pem, leaf.cert_pem, 0, NULL), 0);
	assert_int_equal(cert_key_matches(leaf.cert_pem, leaf.key_pem), 0);
	cert_pair_done(&ca);
	cert_pair_done(&leaf);
	assert_null(ca.cert_pem);
	assert_null(leaf.key_pem);
	cert_pair_done(NULL);
}

static void test_generate_rsa(void **state)
{
	struct cert_options o = { .sans = test_sans, .key_type = CERT_KEY_RSA_2048 };
	struct cert_pair ca = {}, leaf = {};

	(void)state;
	assert_int_equal(cert_generate(&o, &ca, &leaf), 0);
	check_serving_pair(&ca, &leaf, EVP_PKEY_RSA, 2048, CERT_DAYS_DEFAULT);
	cert_pair_done(&ca);
	cert_pair_done(&leaf);
}

static void test_issue_from_loaded_ca(void **state)
{
	struct cert_options o = { .sans = test_sans, .days = 10 };
	struct cert_pair ca = {}, a = {}, b = {};
	X509 *xa, *xb;

	(void)state;
	assert_int_equal(cert_generate_ca(&o, &ca), 0);
	/* the controller's rotation: the same CA, from PEM, issues again */
	assert_int_equal(cert_issue(&ca, &o, &a), 0);
	assert_int_equal(cert_issue(&ca, &o, &b), 0);
	assert_int_equal(cert_verify(ca.cert_pem, a.cert_pem, 0, NULL), 0);
	assert_int_equal(cert_verify(ca.cert_pem, b.cert_pem, 0, NULL), 0);
	assert_string_not_equal(a.key_pem, b.key_pem);
	xa = x509(a.cert_pem);
	xb = x509(b.cert_pem);
	assert_int_not_equal(
		ASN1_INTEGER_cmp(X509_get0_serialNumber(xa), X509_get0_serialNumber(xb)), 0);
	X509_free(xa);
	X509_free(xb);
	/* a's key is not b's */
	assert_int_equal(cert_key_matches(a.cert_pem, b.key_pem), -EKEYREJECTED);
	cert_pair_done(&ca);
	cert_pair_done(&a);
	cert_pair_done(&b);
}

static void test_parse(void **state)
{
	struct cert_options o = { .sans = test_sans, .days = 20, .now_usec = T0 };
	struct cert_pair ca = {}, leaf = {};
	struct cert_info info = {};

	(void)state;
	assert_int_equal(cert_generate(&o, &ca, &leaf), 0);
	assert_int_equal(cert_parse(leaf.cert_pem, &info), 0);
	assert_false(info.is_ca);
	assert_int_equal(info.not_before_usec, T0 - 3600 * USEC_PER_SEC);
	assert_int_equal(info.not_after_usec, T0 + 20 * USEC_PER_DAY);
	assert_non_null(info.dns_names);
	assert_string_equal(info.dns_names[0], test_sans[0]);
	assert_string_equal(info.dns_names[1], test_sans[1]);
	assert_string_equal(info.dns_names[2], "localhost");
	assert_null(info.dns_names[3]);
	assert_string_equal(info.ip_addresses[0], "10.96.0.10");
	assert_string_equal(info.ip_addresses[1], "::1");
	assert_null(info.ip_addresses[2]);
	cert_info_done(&info);

	assert_int_equal(cert_parse(ca.cert_pem, &info), 0);
	assert_true(info.is_ca);
	assert_int_equal(info.not_after_usec, T0 + (20 + CERT_CA_EXTRA_DAYS) * USEC_PER_DAY);
	assert_null(info.dns_names[0]);
	assert_null(info.ip_addresses[0]);
	cert_info_done(&info);
	cert_info_done(NULL);
	cert_pair_done(&ca);
	cert_pair_done(&leaf);
}

static void test_rotation(void **state)
{
	struct cert_options o = { .sans = test_sans, .days = 10, .now_usec = T0 };
	struct cert_pair ca = {}, leaf = {};
	const uint64_t day = USEC_PER_DAY;

	(void)state;
	assert_int_equal(cert_generate(&o, &ca, &leaf), 0);
	/* fresh: good for 10 days, threshold 1 day */
	assert_int_equal(cert_needs_rotation(leaf.cert_pem, T0, day), 0);
	assert_int_equal(cert_needs_rotation(leaf.cert_pem, T0 + 8 * day, day), 0);
	assert_int_equal(cert_needs_rotation(leaf.cert_pem, T0 + 9 * day - USEC_PER_SEC, day), 0);
	/* inside the threshold, at it, expired */
	assert_int_equal(cert_needs_rotation(leaf.cert_pem, T0 + 9 * day + USEC_PER_SEC, day), 1);
	assert_int_equal(cert_needs_rotation(leaf.cert_pem, T0 + 9 * day, day), 1);
	assert_int_equal(cert_needs_rotation(leaf.cert_pem, T0 + 11 * day, day), 1);
	/* a threshold longer than the validity always rotates */
	assert_int_equal(cert_needs_rotation(leaf.cert_pem, T0, 30 * day), 1);
	/* not valid yet (clock went backwards, or issued by a skewed node) */
	assert_int_equal(cert_needs_rotation(leaf.cert_pem, T0 - 2 * 3600 * USEC_PER_SEC, day), 1);
	/* with the real clock: valid for 10 days from 2026-01-01, so not now */
	assert_int_equal(cert_needs_rotation(leaf.cert_pem, 0, day), 1);
	assert_int_equal(cert_needs_rotation("garbage", T0, day), -EINVAL);
	cert_pair_done(&ca);
	cert_pair_done(&leaf);
}

static void test_verify(void **state)
{
	struct cert_options o = { .sans = test_sans, .days = 5, .now_usec = T0 };
	struct cert_pair ca = {}, leaf = {}, other_ca = {};
	const char *reason = NULL;

	(void)state;
	assert_int_equal(cert_generate(&o, &ca, &leaf), 0);
	assert_int_equal(cert_generate_ca(&o, &other_ca), 0);
	assert_int_equal(cert_verify(ca.cert_pem, leaf.cert_pem, T0, &reason), 0);
	assert_int_equal(cert_verify(other_ca.cert_pem, leaf.cert_pem, T0, &reason), -EKEYREJECTED);
	assert_non_null(reason);
	assert_int_equal(cert_verify(ca.cert_pem, leaf.cert_pem, T0 + 6 * USEC_PER_DAY, &reason),
			 -EKEYEXPIRED);
	assert_int_equal(cert_verify(ca.cert_pem, leaf.cert_pem, T0 - 2 * 3600 * USEC_PER_SEC,
				     NULL),
			 -EKEYEXPIRED);
	/* a CA is not a serving certificate */
	assert_int_equal(cert_verify(ca.cert_pem, ca.cert_pem, T0, NULL), -EKEYREJECTED);
	assert_int_equal(cert_verify("garbage", leaf.cert_pem, T0, NULL), -EINVAL);
	assert_int_equal(cert_verify(ca.cert_pem, "", T0, NULL), -EINVAL);
	cert_pair_done(&ca);
	cert_pair_done(&leaf);
	cert_pair_done(&other_ca);
}

static void test_bad_input(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const bad_dns[] = { "bad name", NULL };
	static const char *const bad_label[] = { "a..b", NULL };
	static const char *const bad_hyphen[] = { "-a.svc", NULL };
	static const char *const bad_inject[] = { "a.svc,DNS:evil.com", NULL };
	static const char *const wildcard[] = { "*.pavise-system.svc", NULL };
	const char *many[CERT_SANS_MAX + 2];
	struct cert_options o = { .sans = test_sans };
	struct cert_pair ca = {}, leaf = {}, other = {}, mixed;
	struct cert_info info;
	char *huge;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(many) - 1; i++)
		many[i] = "a.svc";
	many[ELEMENTSOF(many) - 1] = NULL;

	assert_int_equal(cert_generate_ca(&o, &ca), 0);
	assert_int_equal(cert_generate_ca(&o, &other), 0);

	/* options */
	o.sans = none;
	assert_int_equal(cert_issue(&ca, &o, &leaf), -EINVAL);
	o.sans = NULL;
	assert_int_equal(cert_issue(&ca, &o, &leaf), -EINVAL);
	o.sans = bad_dns;
	assert_int_equal(cert_issue(&ca, &o, &leaf), -EINVAL);
	o.sans = bad_label;
	assert_int_equal(cert_issue(&ca, &o, &leaf), -EINVAL);
	o.sans = bad_hyphen;
	assert_int_equal(cert_issue(&ca, &o, &leaf), -EINVAL);
	o.sans = bad_inject;
	assert_int_equal(cert_issue(&ca, &o, &leaf), -EINVAL);
	o.sans = many;
	assert_int_equal(cert_issue(&ca, &o, &leaf), -EINVAL);
	o.sans = wildcard;
	assert_int_equal(cert_issue(&ca, &o, &leaf), 0);
	cert_pair_done(&leaf);
	o.sans = test_sans;
	o.days = CERT_DAYS_MAX + 1;
	assert_int_equal(cert_issue(&ca, &o, &leaf), -EINVAL);
	assert_int_equal(cert_generate(&o, &ca, &leaf), -EINVAL);
	o.days = 0;
	o.key_type = (enum cert_key_type)42;
	assert_int_equal(cert_issue(&ca, &o, &leaf), -EINVAL);
	o.key_type = CERT_KEY_EC_P256;
	assert_false(cert_san_valid(""));
	assert_false(cert_san_valid(NULL));
	assert_true(cert_san_valid("2001:db8::1"));

	/* garbage, truncated, mismatched or non-CA PEM */
	mixed = (struct cert_pair){ .cert_pem = (char *)"garbage", .key_pem = ca.key_pem };
	assert_int_equal(cert_issue(&mixed, &o, &leaf), -EINVAL);
	mixed = (struct cert_pair){ .cert_pem = ca.cert_pem, .key_pem = (char *)"garbage" };
	assert_int_equal(cert_issue(&mixed, &o, &leaf), -EINVAL);
	mixed = (struct cert_pair){ .cert_pem = ca.cert_pem, .key_pem = other.key_pem };
	assert_int_equal(cert_issue(&mixed, &o, &leaf), -EINVAL);
	assert_int_equal(cert_issue(&ca, &o, &leaf), 0);
	mixed = (struct cert_pair){ .cert_pem = leaf.cert_pem, .key_pem = leaf.key_pem };
	assert_int_equal(cert_issue(&mixed, &o, &other), -EINVAL); /* not a CA */
	{
		char *cut = strndup(ca.cert_pem, strlen(ca.cert_pem) / 2);

		assert_non_null(cut);
		assert_int_equal(cert_parse(cut, &info), -EINVAL);
		free(cut);
	}
	assert_int_equal(
		cert_parse("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", &info),
		-EINVAL);
	assert_int_equal(cert_parse("", &info), -EINVAL);
	assert_int_equal(cert_parse(NULL, &info), -EINVAL);
	assert_int_equal(cert_key_matches(leaf.cert_pem, "nope"), -EINVAL);

	/* size cap */
	huge = malloc(CERT_PEM_MAX + 2);
	assert_non_null(huge);
	memset(huge, 'A', CERT_PEM_MAX + 1);
	huge[CERT_PEM_MAX + 1] = '\0';
	assert_int_equal(cert_parse(huge, &info), -EFBIG);
	free(huge);

	cert_pair_done(&ca);
	cert_pair_done(&leaf);
	cert_pair_done(&other);
}

static mode_t file_mode(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	(void)snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 07777;
}

static char *slurp(const char *dir, const char *name)
{
	char p[PATH_MAX];
	char *data = NULL;

	(void)snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(read_full_file(p, CERT_PEM_MAX, &data, NULL), 0);
	return data;
}

static void test_write_dir(void **state)
{
	struct cert_options o = { .sans = test_sans };
	struct cert_pair ca = {}, leaf = {};
	char *tmp = testlib_tmpdir();
	char dir[PATH_MAX];
	char *s;
	mode_t old = umask(0);

	(void)state;
	assert_non_null(tmp);
	(void)snprintf(dir, sizeof(dir), "%s/nested/certs", tmp);
	assert_int_equal(cert_generate(&o, &ca, &leaf), 0);
	assert_int_equal(cert_write_dir(dir, &ca, &leaf), 0);
	/* modes are exact whatever the umask */
	assert_int_equal(file_mode(dir, "ca.crt"), 0644);
	assert_int_equal(file_mode(dir, "ca.key"), 0600);
	assert_int_equal(file_mode(dir, "tls.crt"), 0644);
	assert_int_equal(file_mode(dir, "tls.key"), 0600);
	s = slurp(dir, "tls.crt");
	assert_string_equal(s, leaf.cert_pem);
	free(s);
	s = slurp(dir, "ca.key");
	assert_string_equal(s, ca.key_pem);
	free(s);
	/* rotation rewrites in place */
	cert_pair_done(&leaf);
	assert_int_equal(cert_issue(&ca, &o, &leaf), 0);
	assert_int_equal(cert_write_dir(dir, NULL, &leaf), 0);
	s = slurp(dir, "tls.key");
	assert_string_equal(s, leaf.key_pem);
	free(s);
	umask(0077);
	assert_int_equal(cert_write_dir(dir, &ca, &leaf), 0);
	assert_int_equal(file_mode(dir, "ca.crt"), 0644);
	umask(old);

	cert_pair_done(&ca);
	cert_pair_done(&leaf);
	rm_rf(tmp);
	free(tmp);
}

/* Finds a program on $PATH; returns false when absent. */
static bool find_program(const char *name, char *out, size_t size)
{
	const char *path = secure_getenv("PATH");
	char *copy, *save = NULL;
	bool found = false;

	copy = strdup(path && *path ? path : "/usr/bin:/bin");
	assert_non_null(copy);
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		(void)snprintf(out, size, "%s/%s", d, name);
		found = access(out, X_OK) == 0;
	}
	free(copy);
	return found;
}

static void test_openssl_cli_verifies(void **state)
{
	struct cert_options o = { .sans = test_sans };
	struct cert_pair ca = {}, leaf = {};
	char openssl[PATH_MAX], ca_path[PATH_MAX], tls_path[PATH_MAX], log[PATH_MAX];
	char *tmp, *out;

	(void)state;
	if (!find_program("openssl", openssl, sizeof(openssl)))
		skip();
	tmp = testlib_tmpdir();
	assert_non_null(tmp);
	assert_int_equal(cert_generate(&o, &ca, &leaf), 0);
	assert_int_equal(cert_write_dir(tmp, &ca, &leaf), 0);
	(void)snprintf(ca_path, sizeof(ca_path), "%s/ca.crt", tmp);
	(void)snprintf(tls_path, sizeof(tls_path), "%s/tls.crt", tmp);
	(void)snprintf(log, sizeof(log), "%s/openssl.log", tmp);
	{
		char *argv[] = { openssl,
				 (char *)"verify",
				 (char *)"-x509_strict",
				 (char *)"-purpose",
				 (char *)"sslserver",
				 (char *)"-CAfile",
				 ca_path,
				 tls_path,
				 NULL };

		assert_int_equal(testlib_run(argv, log), 0);
	}
	assert_int_equal(read_full_file(log, 4096, &out, NULL), 0);
	assert_non_null(strstr(out, ": OK"));
	free(out);
	cert_pair_done(&ca);
	cert_pair_done(&leaf);
	rm_rf(tmp);
	free(tmp);
}

static void pavisectl_path(char *out, size_t size)
{
	(void)snprintf(out, size, "%s/bin/pavisectl", testlib_output_dir());
	if (access(out, X_OK) < 0)
		fail_msg("'%s' not built (run make first, OUTPUT=%s)", out, testlib_output_dir());
}

static void test_pavisectl_cert_generate(void **state)
{
	char bin[PATH_MAX], dir[PATH_MAX], log[PATH_MAX];
	char *tmp = testlib_tmpdir(), *ca_pem, *tls_pem, *key_pem, *out;
	struct cert_info info = {};

	(void)state;
	assert_non_null(tmp);
	pavisectl_path(bin, sizeof(bin));
	(void)snprintf(dir, sizeof(dir), "%s/out", tmp);
	(void)snprintf(log, sizeof(log), "%s/pavisectl.log", tmp);
	{
		char *argv[] = { bin,
				 (char *)"cert",
				 (char *)"generate",
				 (char *)"--out-dir",
				 dir,
				 (char *)"--san",
				 (char *)"svc.ns.svc",
				 (char *)"--san",
				 (char *)"192.0.2.7",
				 (char *)"--days",
				 (char *)"7",
				 (char *)"--key-type",
				 (char *)"rsa",
				 NULL };

		assert_int_equal(testlib_run(argv, log), 0);
	}
	assert_int_equal(file_mode(dir, "ca.key"), 0600);
	assert_int_equal(file_mode(dir, "tls.key"), 0600);
	assert_int_equal(file_mode(dir, "ca.crt"), 0644);
	assert_int_equal(file_mode(dir, "tls.crt"), 0644);
	ca_pem = slurp(dir, "ca.crt");
	tls_pem = slurp(dir, "tls.crt");
	key_pem = slurp(dir, "tls.key");
	assert_int_equal(cert_verify(ca_pem, tls_pem, 0, NULL), 0);
	assert_int_equal(cert_key_matches(tls_pem, key_pem), 0);
	assert_int_equal(cert_parse(tls_pem, &info), 0);
	assert_string_equal(info.dns_names[0], "svc.ns.svc");
	assert_string_equal(info.ip_addresses[0], "192.0.2.7");
	assert_int_equal(info.not_after_usec - info.not_before_usec,
			 7 * USEC_PER_DAY + 3600 * USEC_PER_SEC);
	{
		EVP_PKEY *k = pkey(key_pem);

		assert_int_equal(EVP_PKEY_get_base_id(k), EVP_PKEY_RSA);
		EVP_PKEY_free(k);
	}
	cert_info_done(&info);
	/* it prints the files it wrote */
	assert_int_equal(read_full_file(log, 4096, &out, NULL), 0);
	assert_non_null(strstr(out, "/tls.key\n"));
	free(out);
	free(ca_pem);
	free(tls_pem);
	free(key_pem);
	rm_rf(tmp);
	free(tmp);
}

struct cli_case {
	const char *args[10]; /* NULL-terminated */
	int status;
	const char *needle; /* expected in the combined output, or NULL */
};

static const struct cli_case cli_cases[] = {
	{ { NULL }, 2, "Usage: pavisectl COMMAND" },
	{ { "bogus" }, 2, "unknown command 'bogus'" },
	{ { "--help" }, 0, "cert" },
	{ { "help" }, 0, "Usage: pavisectl COMMAND" },
	{ { "help", "cert" }, 0, "Usage: pavisectl cert generate" },
	{ { "help", "nope" }, 2, "unknown command 'nope'" },
	{ { "version" }, 0, "pavisectl " },
	{ { "--version" }, 0, "pavisectl " },
	{ { "version", "--help" }, 0, "Usage: pavisectl version" },
	{ { "cert" }, 2, "missing subcommand" },
	{ { "cert", "--help" }, 0, "--key-type" },
	{ { "cert", "frobnicate" }, 2, "unknown subcommand 'frobnicate'" },
	{ { "cert", "generate", "--help" }, 0, "--out-dir DIR" },
	{ { "cert", "generate", "--san", "a.svc" }, 2, "--out-dir is required" },
	{ { "cert", "generate", "--out-dir", "/nonexistent/x" }, 2, "--san is required" },
	{ { "cert", "generate", "--out-dir", "/nonexistent/x", "--san", "no way" },
	  2,
	  "invalid --san 'no way'" },
	{ { "cert", "generate", "--out-dir", "/nonexistent/x", "--san", "a", "--days", "0" },
	  2,
	  "invalid --days '0'" },
	{ { "cert", "generate", "--out-dir", "/nonexistent/x", "--san", "a", "--days", "7x" },
	  2,
	  "invalid --days" },
	{ { "cert", "generate", "--out-dir", "/nonexistent/x", "--san", "a", "--key-type", "dsa" },
	  2,
	  "invalid --key-type 'dsa'" },
	{ { "cert", "generate", "--out-dir", "/x", "--bogus" }, 2, "unknown option '--bogus'" },
	{ { "cert", "generate", "--out-dir" }, 2, "needs a value" },
	{ { "cert", "generate", "--out-dir", "/x", "--san", "a", "extra" },
	  2,
	  "unexpected argument 'extra'" },
	/* a failure to write is not a usage error */
	{ { "cert", "generate", "--out-dir", "/proc/self/nope/x", "--san", "a" },
	  1,
	  "cert: failed to write" },
};

static void test_pavisectl_cli(void **state)
{
	char bin[PATH_MAX], log[PATH_MAX];
	char *tmp = testlib_tmpdir();

	(void)state;
	assert_non_null(tmp);
	pavisectl_path(bin, sizeof(bin));
	(void)snprintf(log, sizeof(log), "%s/cli.log", tmp);
	for (size_t i = 0; i < ELEMENTSOF(cli_cases); i++) {
		const struct cli_case *c = &cli_cases[i];
		char *argv[ELEMENTSOF(c->args) + 1] = { bin };
		char *out = NULL;
		size_t n = 1;
		int status;

		for (; c->args[n - 1]; n++)
			argv[n] = (char *)c->args[n - 1];
		(void)unlink(log);
		status = testlib_run(argv, log);
		assert_int_equal(read_full_file(log, 1 << 16, &out, NULL), 0);
		if (status != c->status || (c->needle && !strstr(out, c->needle)))
			fail_msg(
				"case %zu, pavisectl %s %s %s...: status %d (want %d), output:\n%s",
				i, strempty(c->args[0]), strempty(c->args[1]), strempty(c->args[2]),
				status, c->status, out);
		free(out);
	}
	rm_rf(tmp);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_ec),
		cmocka_unit_test(test_generate_rsa),
		cmocka_unit_test(test_issue_from_loaded_ca),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_write_dir),
		cmocka_unit_test(test_openssl_cli_verifies),
		cmocka_unit_test(test_pavisectl_cert_generate),
		cmocka_unit_test(test_pavisectl_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
