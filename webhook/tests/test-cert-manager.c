// SPDX-License-Identifier: Apache-2.0
/* The certificate plan: first issue, steady state, serving and CA rotation, repairs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "certs/cert.h"
#include "webhook/cert-manager.h"

#define DAY (24ULL * 3600 * 1000000)
#define T0  (1790000000ULL * 1000000) /* 2026-09 */

static const char *const extra[] = { "127.0.0.1", NULL };
static const struct cert_manager_config cfg = {
	.namespace = "pavise-system",
	.secret_name = "pavise-webhook-tls",
	.service_name = "pavise-webhook",
	.extra_sans = extra,
	.dir = "/nonexistent",
	.days = 365,
	.renew_before_usec = 30 * DAY,
};

static unsigned count_certs(const char *pem)
{
	unsigned n = 0;

	for (const char *p = pem; (p = strstr(p, "-----BEGIN CERTIFICATE-----")); p++)
		n++;
	return n;
}

static void plan(const struct cert_material *cur, uint64_t now, struct cert_material *out,
		 bool want_changed)
{
	const char *reason = NULL;
	bool changed = !want_changed;

	assert_int_equal(cert_manager_plan(&cfg, cur, now, out, &changed, &reason), 0);
	assert_int_equal(changed, want_changed);
	if (changed)
		assert_non_null(reason);
	assert_non_null(out->ca_crt);
	assert_non_null(out->ca_key);
	assert_non_null(out->tls_crt);
	assert_non_null(out->tls_key);
	assert_int_equal(cert_key_matches(out->tls_crt, out->tls_key), 0);
	/* The serving certificate chains to one of the trusted CAs. */
	{
		const char *second = strstr(out->ca_crt + 1, "-----BEGIN CERTIFICATE-----");

		assert_true(cert_verify(out->ca_crt, out->tls_crt, now, NULL) == 0 ||
			    (second && cert_verify(second, out->tls_crt, now, NULL) == 0));
	}
}

static void test_first_issue_then_steady(void **state)
{
	struct cert_material empty = {}, a = {}, b = {};
	struct cert_info info = {};

	(void)state;
	plan(&empty, T0, &a, true);
	assert_int_equal(count_certs(a.ca_crt), 1);
	assert_int_equal(cert_parse(a.tls_crt, &info), 0);
	for (const char *n = "pavise-webhook,pavise-webhook.pavise-system,"
			     "pavise-webhook.pavise-system.svc,"
			     "pavise-webhook.pavise-system.svc.cluster.local";
	     *n;) {
		const char *end = strchr(n, ',');
		size_t len = end ? (size_t)(end - n) : strlen(n);
		bool found = false;

		for (size_t i = 0; info.dns_names[i]; i++)
			found |= strlen(info.dns_names[i]) == len &&
				 strncmp(info.dns_names[i], n, len) == 0;
		assert_true(found);
		n += len + (end ? 1 : 0);
	}
	assert_string_equal(info.ip_addresses[0], "127.0.0.1");
	cert_info_done(&info);

	/* A day later nothing changes. */
	plan(&a, T0 + DAY, &b, false);
	assert_string_equal(a.tls_crt, b.tls_crt);
	assert_string_equal(a.ca_crt, b.ca_crt);
	cert_material_done(&a);
	cert_material_done(&b);
}

static void test_serving_rotation_keeps_ca(void **state)
{
	struct cert_material empty = {}, a = {}, b = {};
	uint64_t later = T0 + 200 * DAY;

	(void)state;
	/* Issued at T0 + 200 days from a CA made then: the CA lasts 730 days. */
	plan(&empty, later, &a, true);
	/* 340 days on, the serving certificate expires within 30 days: reissued, same CA. */
	plan(&a, later + 340 * DAY, &b, true);
	assert_string_equal(a.ca_crt, b.ca_crt);
	assert_string_equal(a.ca_key, b.ca_key);
	assert_string_not_equal(a.tls_crt, b.tls_crt);
	cert_material_done(&a);
	cert_material_done(&b);
}

static void test_ca_rotation_keeps_old_ca_trusted(void **state)
{
	struct cert_material m[7] = {};

	(void)state;
	/* The CA lasts 3 x 365 days and is replaced 395 days before its end (day 700). */
	plan(&m[0], T0, &m[1], true);
	plan(&m[1], T0 + 340 * DAY, &m[2], true); /* serving renewal, same CA */
	plan(&m[2], T0 + 680 * DAY, &m[3], true); /* serving renewal, same CA */
	assert_string_equal(m[1].ca_key, m[3].ca_key);
	/* Day 701: a new CA; the old one stays trusted, the serving certificate is kept. */
	plan(&m[3], T0 + 701 * DAY, &m[4], true);
	assert_int_equal(count_certs(m[4].ca_crt), 2);
	assert_string_not_equal(m[3].ca_key, m[4].ca_key);
	assert_string_equal(m[3].tls_crt, m[4].tls_crt);
	/* Day 1020: the serving certificate is renewed from the new CA. */
	plan(&m[4], T0 + 1020 * DAY, &m[5], true);
	assert_int_equal(count_certs(m[5].ca_crt), 2);
	assert_string_not_equal(m[4].tls_crt, m[5].tls_crt);
	/* Day 1100: the old CA expired and leaves the bundle. */
	plan(&m[5], T0 + 1100 * DAY, &m[6], true);
	assert_int_equal(count_certs(m[6].ca_crt), 1);
	assert_string_equal(m[5].tls_crt, m[6].tls_crt);
	for (size_t i = 0; i < 7; i++)
		cert_material_done(&m[i]);
}

static void test_repairs(void **state)
{
	struct cert_material empty = {}, a = {}, b = {}, other = {}, mixed = {};

	(void)state;
	plan(&empty, T0, &a, true);
	plan(&empty, T0, &other, true);
	/* A serving pair from another CA is replaced. */
	mixed = (struct cert_material){ .ca_crt = a.ca_crt,
					.ca_key = a.ca_key,
					.tls_crt = other.tls_crt,
					.tls_key = other.tls_key };
	plan(&mixed, T0, &b, true);
	assert_string_equal(b.ca_crt, a.ca_crt);
	assert_string_not_equal(b.tls_crt, other.tls_crt);
	cert_material_done(&b);
	/* A key that does not match its CA makes a new CA. */
	mixed = (struct cert_material){ .ca_crt = a.ca_crt,
					.ca_key = other.ca_key,
					.tls_crt = a.tls_crt,
					.tls_key = a.tls_key };
	plan(&mixed, T0, &b, true);
	assert_string_not_equal(b.ca_key, a.ca_key);
	cert_material_done(&b);
	/* Garbage is replaced, not trusted. */
	mixed = (struct cert_material){ .ca_crt = (char *)"junk",
					.ca_key = (char *)"junk",
					.tls_crt = (char *)"junk" };
	plan(&mixed, T0, &b, true);
	cert_material_done(&b);
	cert_material_done(&a);
	cert_material_done(&other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_issue_then_steady),
		cmocka_unit_test(test_serving_rotation_keeps_ca),
		cmocka_unit_test(test_ca_rotation_keeps_old_ca_trusted),
		cmocka_unit_test(test_repairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
