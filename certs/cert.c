// SPDX-License-Identifier: Apache-2.0
/* Webhook TLS with OpenSSL 3: a self-signed CA, serving certificates, inspection, rotation. */
#include <arpa/inet.h>
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "common/fileio.h"

#define USEC_PER_SEC	 1000000ULL
#define SEC_PER_DAY	 86400LL
#define SERIAL_BYTES	 16 /* 128 random bits (CA/B Forum asks for at least 64) */
#define CN_MAX		 64 /* X.520 ub-common-name */
#define DNS_NAME_MAX	 253
#define DNS_LABEL_MAX	 63
#define CA_COMMON_NAME	 "pavise-ca"
#define LEAF_COMMON_NAME "pavise-webhook"

DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, X509_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_NAME *, X509_NAME_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_EXTENSION *, X509_EXTENSION_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE *, X509_STORE_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE_CTX *, X509_STORE_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free_all);
DEFINE_TRIVIAL_CLEANUP_FUNC(BIGNUM *, BN_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(GENERAL_NAMES *, GENERAL_NAMES_free);

/*
 * The one place OpenSSL's error queue becomes an errno: allocation failures
 * are -ENOMEM wherever they happen, system errors keep their errno, anything
 * else is `fallback` (-EINVAL while parsing input, -EIO while producing).
 * Empties the queue so nothing leaks into the next call.
 */
static int openssl_error(int fallback)
{
	unsigned long e;
	int r = fallback;

	while ((e = ERR_get_error()) != 0) {
		if (ERR_SYSTEM_ERROR(e) && ERR_GET_REASON(e) > 0)
			r = -ERR_GET_REASON(e);
		else if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
			r = -ENOMEM;
	}
	return r;
}

static uint64_t now_or(uint64_t usec)
{
	struct timespec ts;

	if (usec)
		return usec;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

int cert_key_type_from_string(const char *s, enum cert_key_type *ret_type)
{
	assert(ret_type);

	if (!s)
		return -EINVAL;
	if (strcmp(s, "ec") == 0)
		*ret_type = CERT_KEY_EC_P256;
	else if (strcmp(s, "rsa") == 0)
		*ret_type = CERT_KEY_RSA_2048;
	else
		return -EINVAL;
	return 0;
}

void cert_pair_done(struct cert_pair *p)
{
	if (!p)
		return;
	if (p->key_pem) {
		explicit_bzero(p->key_pem, strlen(p->key_pem));
		free(p->key_pem);
	}
	free(p->cert_pem);
	*p = (struct cert_pair){};
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

void cert_info_done(struct cert_info *info)
{
	if (!info)
		return;
	strv_free(info->dns_names);
	strv_free(info->ip_addresses);
	*info = (struct cert_info){};
}

/* ---- input ---- */

static int bio_from_pem(const char *pem, BIO **ret)
{
	size_t n;
	BIO *b;

	if (!pem)
		return -EINVAL;
	n = strnlen(pem, CERT_PEM_MAX + 1);
	if (n > CERT_PEM_MAX)
		return -EFBIG;
	b = BIO_new_mem_buf(pem, (int)n);
	if (!b)
		return openssl_error(-ENOMEM);
	*ret = b;
	return 0;
}

/* Never prompt on a terminal for a passphrase: encrypted keys are refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int load_cert(const char *pem, X509 **ret)
{
	_cleanup_(BIO_free_allp) BIO *b = NULL;
	X509 *x;
	int r;

	r = bio_from_pem(pem, &b);
	if (r < 0)
		return r;
	x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
	if (!x)
		return openssl_error(-EINVAL);
	*ret = x;
	return 0;
}

static int load_key(const char *pem, EVP_PKEY **ret)
{
	_cleanup_(BIO_free_allp) BIO *b = NULL;
	EVP_PKEY *k;
	int r;

	r = bio_from_pem(pem, &b);
	if (r < 0)
		return r;
	k = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
	if (!k)
		return openssl_error(-EINVAL);
	*ret = k;
	return 0;
}

/* ---- output ---- */

static int bio_to_string(BIO *b, char **ret)
{
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);
	char *s;

	if (n <= 0 || !data)
		return -EIO;
	s = strndup(data, (size_t)n);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static int cert_to_pem(X509 *x, char **ret)
{
	_cleanup_(BIO_free_allp) BIO *b = BIO_new(BIO_s_mem());

	if (!b || PEM_write_bio_X509(b, x) != 1)
		return openssl_error(-EIO);
	return bio_to_string(b, ret);
}

static int key_to_pem(EVP_PKEY *k, char **ret)
{
	/* Secure-memory BIO: wiped when freed. */
	_cleanup_(BIO_free_allp) BIO *b = BIO_new(BIO_s_secmem());

	if (!b || PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) != 1)
		return openssl_error(-EIO);
	return bio_to_string(b, ret);
}

/* ---- options ---- */

static bool dns_name_valid(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > DNS_NAME_MAX)
		return false;
	if (strncmp(s, "*.", 2) == 0) {
		s += 2;
		if (!*s)
			return false;
	}
	for (const char *p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			/* no empty labels, none longer than 63, no '-' at either end */
			if (label == 0 || label > DNS_LABEL_MAX || p[-1] == '-' || p[-label] == '-')
				return false;
			if (*p == '\0')
				return true;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
		label++;
	}
}

/* Fills ret_addr and returns its length (4 or 16) for an IP literal, 0 otherwise. */
static size_t parse_ip(const char *s, unsigned char ret_addr[16])
{
	if (inet_pton(AF_INET, s, ret_addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, ret_addr) == 1)
		return 16;
	return 0;
}

bool cert_san_valid(const char *san)
{
	unsigned char addr[16];

	return san && (parse_ip(san, addr) > 0 || dns_name_valid(san));
}

static int days_valid(unsigned days, unsigned fallback, unsigned *ret)
{
	unsigned d = days ? days : fallback;

	if (d == 0 || d > CERT_DAYS_MAX)
		return -EINVAL;
	*ret = d;
	return 0;
}

static int check_sans(const char *const *sans, size_t *ret_n)
{
	size_t n = 0;

	if (!sans)
		return -EINVAL;
	for (; sans[n]; n++)
		if (n >= CERT_SANS_MAX || !cert_san_valid(sans[n]))
			return -EINVAL;
	if (n == 0)
		return -EINVAL;
	*ret_n = n;
	return 0;
}

/* ---- construction ---- */

static int generate_key(enum cert_key_type type, EVP_PKEY **ret)
{
	EVP_PKEY *k = NULL;

	switch (type) {
	case CERT_KEY_EC_P256:
		k = EVP_EC_gen("P-256");
		break;
	case CERT_KEY_RSA_2048:
		k = EVP_RSA_gen(2048);
		break;
	default:
		return -EINVAL;
	}
	if (!k)
		return openssl_error(-EIO);
	*ret = k;
	return 0;
}

static int set_random_serial(X509 *x)
{
	unsigned char bytes[SERIAL_BYTES];
	_cleanup_(BN_freep) BIGNUM *bn = NULL;
	bool zero = true;

	if (RAND_bytes(bytes, sizeof(bytes)) != 1)
		return openssl_error(-EIO);
	for (size_t i = 0; i < sizeof(bytes); i++)
		zero = zero && bytes[i] == 0;
	if (zero)
		bytes[sizeof(bytes) - 1] = 1; /* serials must be positive */
	bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		return openssl_error(-EIO);
	return 0;
}

static int set_validity(X509 *x, uint64_t now_usec, unsigned days)
{
	time_t now = (time_t)(now_usec / USEC_PER_SEC);

	if (!ASN1_TIME_set(X509_getm_notBefore(x), now - (time_t)CERT_BACKDATE_SEC) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), now + (time_t)days * SEC_PER_DAY))
		return openssl_error(-EIO);
	return 0;
}

/* Adds an extension given in OpenSSL's config syntax; only ever called with our constants. */
static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	_cleanup_(X509_EXTENSION_freep) X509_EXTENSION *ext = NULL;

	ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	if (!ext || X509_add_ext(x, ext, -1) != 1)
		return openssl_error(-EIO);
	return 0;
}

/* SANs are built as structures, never as config text, so no name can inject another. */
static int add_sans(X509 *x, const char *const *sans)
{
	_cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();

	if (!gens)
		return openssl_error(-ENOMEM);
	for (size_t i = 0; sans[i]; i++) {
		unsigned char addr[16];
		size_t alen = parse_ip(sans[i], addr);
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_STRING *s = alen ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
		bool ok;

		ok = g && s &&
		     (alen ? ASN1_OCTET_STRING_set(s, addr, (int)alen) :
			     ASN1_STRING_set(s, sans[i], (int)strlen(sans[i])));
		if (!ok) {
			GENERAL_NAME_free(g);
			ASN1_STRING_free(s);
			return openssl_error(-ENOMEM);
		}
		GENERAL_NAME_set0_value(g, alen ? GEN_IPADD : GEN_DNS, s);
		if (sk_GENERAL_NAME_push(gens, g) <= 0) {
			GENERAL_NAME_free(g);
			return openssl_error(-ENOMEM);
		}
	}
	if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) != 1)
		return openssl_error(-EIO);
	return 0;
}

static int make_name(const char *cn, X509_NAME **ret)
{
	_cleanup_(X509_NAME_freep) X509_NAME *name = X509_NAME_new();

	if (!name || X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
						(const unsigned char *)cn, -1, -1, 0) != 1)
		return openssl_error(-EIO);
	*ret = TAKE_PTR(name);
	return 0;
}

/*
 * Builds and signs a certificate for `key`. A NULL issuer means self-signed
 * (the CA); otherwise a serving certificate for `sans`.
 */
static int build_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		      const char *const *sans, uint64_t now_usec, unsigned days, X509 **ret)
{
	_cleanup_(X509_freep) X509 *x = X509_new();
	_cleanup_(X509_NAME_freep) X509_NAME *name = NULL;
	X509V3_CTX ctx;
	int r;

	if (!x)
		return openssl_error(-ENOMEM);
	if (X509_set_version(x, X509_VERSION_3) != 1)
		return openssl_error(-EIO);
	r = set_random_serial(x);
	if (r < 0)
		return r;
	r = make_name(cn, &name);
	if (r < 0)
		return r;
	if (X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
	    X509_set_pubkey(x, key) != 1)
		return openssl_error(-EIO);
	r = set_validity(x, now_usec, days);
	if (r < 0)
		return r;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	r = add_ext(x, &ctx, NID_subject_key_identifier, "hash");
	if (r < 0)
		return r;
	if (!issuer) {
		r = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
		if (r >= 0)
			r = add_ext(x, &ctx, NID_key_usage,
				    "critical,keyCertSign,cRLSign,digitalSignature");
	} else {
		r = add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
		if (r >= 0)
			r = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
		if (r >= 0)
			r = add_ext(x, &ctx, NID_key_usage,
				    "critical,digitalSignature,keyEncipherment");
		if (r >= 0)
			r = add_ext(x, &ctx, NID_ext_key_usage, "serverAuth");
		if (r >= 0)
			r = add_sans(x, sans);
	}
	if (r < 0)
		return r;

	if (X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) <= 0)
		return openssl_error(-EIO);
	*ret = TAKE_PTR(x);
	return 0;
}

/* Turns a certificate and its key into an owned PEM pair. */
static int to_pair(X509 *x, EVP_PKEY *k, struct cert_pair *ret)
{
	struct cert_pair p = {};
	int r;

	r = cert_to_pem(x, &p.cert_pem);
	if (r >= 0)
		r = key_to_pem(k, &p.key_pem);
	if (r < 0) {
		cert_pair_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}

int cert_generate_ca(const struct cert_options *o, struct cert_pair *ret_ca)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	_cleanup_(X509_freep) X509 *x = NULL;
	const char *cn;
	unsigned days;
	int r;

	assert(o);
	assert(ret_ca);
	ERR_clear_error();

	r = days_valid(o->ca_days, (o->days ? o->days : CERT_DAYS_DEFAULT) + CERT_CA_EXTRA_DAYS,
		       &days);
	if (r < 0)
		return r;
	cn = o->ca_common_name ? o->ca_common_name : CA_COMMON_NAME;
	if (strlen(cn) == 0 || strlen(cn) > CN_MAX)
		return -EINVAL;

	r = generate_key(o->key_type, &key);
	if (r < 0)
		return r;
	r = build_cert(key, cn, NULL, NULL, NULL, now_or(o->now_usec), days, &x);
	if (r < 0)
		return r;
	return to_pair(x, key, ret_ca);
}

int cert_issue(const struct cert_pair *ca, const struct cert_options *o, struct cert_pair *ret_cert)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *ca_key = NULL, *key = NULL;
	_cleanup_(X509_freep) X509 *ca_cert = NULL, *x = NULL;
	const char *cn;
	unsigned days;
	size_t n_sans;
	int r;

	assert(ca);
	assert(o);
	assert(ret_cert);
	ERR_clear_error();

	r = days_valid(o->days, CERT_DAYS_DEFAULT, &days);
	if (r < 0)
		return r;
	r = check_sans(o->sans, &n_sans);
	if (r < 0)
		return r;
	if (o->common_name) {
		cn = o->common_name;
		if (strlen(cn) == 0 || strlen(cn) > CN_MAX)
			return -EINVAL;
	} else {
		/* CN is legacy for TLS clients; keep it short and meaningful. */
		cn = strlen(o->sans[0]) <= CN_MAX ? o->sans[0] : LEAF_COMMON_NAME;
	}

	r = load_cert(ca->cert_pem, &ca_cert);
	if (r < 0)
		return r;
	r = load_key(ca->key_pem, &ca_key);
	if (r < 0)
		return r;
	if (X509_check_private_key(ca_cert, ca_key) != 1)
		return openssl_error(-EINVAL);
	if (X509_check_ca(ca_cert) != 1)
		return -EINVAL;

	r = generate_key(o->key_type, &key);
	if (r < 0)
		return r;
	r = build_cert(key, cn, ca_cert, ca_key, o->sans, now_or(o->now_usec), days, &x);
	if (r < 0)
		return r;
	return to_pair(x, key, ret_cert);
}

int cert_generate(const struct cert_options *o, struct cert_pair *ret_ca,
		  struct cert_pair *ret_cert)
{
	struct cert_pair ca = {}, leaf = {};
	size_t n_sans;
	int r;

	assert(o);
	assert(ret_ca);
	assert(ret_cert);

	/* Refuse bad SANs before spending time on a CA key. */
	r = check_sans(o->sans, &n_sans);
	if (r < 0)
		return r;
	r = cert_generate_ca(o, &ca);
	if (r < 0)
		return r;
	r = cert_issue(&ca, o, &leaf);
	if (r < 0) {
		cert_pair_done(&ca);
		return r;
	}
	*ret_ca = ca;
	*ret_cert = leaf;
	return 0;
}

static int write_in(const char *dir, const char *name, const char *data, mode_t mode)
{
	char path[PATH_MAX];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return write_file_atomic(path, data, strlen(data), mode);
}

int cert_write_dir(const char *dir, const struct cert_pair *ca, const struct cert_pair *cert)
{
	int r;

	assert(dir);

	if ((ca && !ca->cert_pem) || (cert && (!cert->cert_pem || !cert->key_pem)))
		return -EINVAL;
	r = mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	/* Keys before certificates: a reader that sees a new certificate finds its key. */
	if (ca) {
		if (ca->key_pem) {
			r = write_in(dir, "ca.key", ca->key_pem, 0600);
			if (r < 0)
				return r;
		}
		r = write_in(dir, "ca.crt", ca->cert_pem, 0644);
		if (r < 0)
			return r;
	}
	if (cert) {
		r = write_in(dir, "tls.key", cert->key_pem, 0600);
		if (r < 0)
			return r;
		r = write_in(dir, "tls.crt", cert->cert_pem, 0644);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- inspection ---- */

static int asn1_time_to_usec(const ASN1_TIME *t, uint64_t *ret)
{
	struct tm tm = {};
	time_t s;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -EINVAL;
	s = timegm(&tm);
	if (s < 0)
		s = 0;
	if ((uint64_t)s > UINT64_MAX / USEC_PER_SEC)
		return -EINVAL;
	*ret = (uint64_t)s * USEC_PER_SEC;
	return 0;
}

static int strv_push(char ***v, size_t *n, char *s)
{
	char **nv;

	if (!s)
		return -ENOMEM;
	nv = reallocarray(*v, *n + 2, sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

static int collect_sans(X509 *x, struct cert_info *info)
{
	_cleanup_(GENERAL_NAMES_freep) GENERAL_NAMES *gens = NULL;
	size_t n_dns = 0, n_ip = 0;
	int crit = 0, r;

	info->dns_names = calloc(1, sizeof(char *));
	info->ip_addresses = calloc(1, sizeof(char *));
	if (!info->dns_names || !info->ip_addresses)
		return -ENOMEM;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	if (!gens)
		/* -1: no such extension (fine); anything else: it is malformed */
		return crit == -1 ? 0 : openssl_error(-EINVAL);

	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_DNS) {
			const char *s = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
			int len = ASN1_STRING_length(g->d.dNSName);

			/* An embedded NUL would make the name mean two things. */
			if (len < 0 || memchr(s, '\0', (size_t)len))
				return -EINVAL;
			r = strv_push(&info->dns_names, &n_dns, strndup(s, (size_t)len));
		} else if (g->type == GEN_IPADD) {
			const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
			int len = ASN1_STRING_length(g->d.iPAddress);
			char text[INET6_ADDRSTRLEN];

			if (len != 4 && len != 16)
				return -EINVAL;
			if (!inet_ntop(len == 4 ? AF_INET : AF_INET6, a, text, sizeof(text)))
				return -errno;
			r = strv_push(&info->ip_addresses, &n_ip, strdup(text));
		} else {
			continue; /* email, URI, ...: not ours */
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int cert_parse(const char *pem, struct cert_info *ret_info)
{
	_cleanup_(X509_freep) X509 *x = NULL;
	struct cert_info info = {};
	int r;

	assert(ret_info);
	ERR_clear_error();

	r = load_cert(pem, &x);
	if (r < 0)
		return r;
	r = asn1_time_to_usec(X509_get0_notBefore(x), &info.not_before_usec);
	if (r >= 0)
		r = asn1_time_to_usec(X509_get0_notAfter(x), &info.not_after_usec);
	if (r >= 0)
		r = collect_sans(x, &info);
	if (r < 0) {
		cert_info_done(&info);
		return r;
	}
	info.is_ca = X509_check_ca(x) == 1;
	ERR_clear_error(); /* X509_check_ca() may leave notes behind */
	*ret_info = info;
	return 0;
}

int cert_needs_rotation(const char *pem, uint64_t now_usec, uint64_t threshold_usec)
{
	struct cert_info info = {};
	uint64_t now = now_or(now_usec);
	int r;

	r = cert_parse(pem, &info);
	if (r < 0)
		return r;
	r = now < info.not_before_usec || info.not_after_usec <= now ||
	    info.not_after_usec - now <= threshold_usec;
	cert_info_done(&info);
	return r;
}

int cert_verify(const char *ca_pem, const char *cert_pem, uint64_t now_usec,
		const char **reterr_reason)
{
	_cleanup_(X509_freep) X509 *ca = NULL, *x = NULL;
	_cleanup_(X509_STORE_freep) X509_STORE *store = NULL;
	_cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	int r, code;

	ERR_clear_error();

	r = load_cert(ca_pem, &ca);
	if (r < 0)
		return r;
	r = load_cert(cert_pem, &x);
	if (r < 0)
		return r;
	/* OpenSSL lets a self-signed CA with digitalSignature pass as a server; we don't. */
	if (X509_check_ca(x) != 0) {
		ERR_clear_error();
		if (reterr_reason)
			*reterr_reason = "a CA certificate is not a serving certificate";
		return -EKEYREJECTED;
	}

	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!store || !ctx)
		return openssl_error(-ENOMEM);
	if (X509_STORE_add_cert(store, ca) != 1 || X509_STORE_CTX_init(ctx, store, x, NULL) != 1 ||
	    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER) != 1)
		return openssl_error(-EIO);
	param = X509_STORE_CTX_get0_param(ctx);
	if (X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT) != 1)
		return openssl_error(-EIO);
	X509_VERIFY_PARAM_set_time(param, (time_t)(now_or(now_usec) / USEC_PER_SEC));

	r = X509_verify_cert(ctx);
	if (r == 1)
		return 0;
	if (r < 0)
		return openssl_error(-EIO);
	code = X509_STORE_CTX_get_error(ctx);
	ERR_clear_error();
	if (reterr_reason)
		*reterr_reason = X509_verify_cert_error_string(code);
	if (code == X509_V_ERR_CERT_HAS_EXPIRED || code == X509_V_ERR_CERT_NOT_YET_VALID)
		return -EKEYEXPIRED;
	return -EKEYREJECTED;
}

int cert_key_matches(const char *cert_pem, const char *key_pem)
{
	_cleanup_(X509_freep) X509 *x = NULL;
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *k = NULL;
	int r;

	ERR_clear_error();

	r = load_cert(cert_pem, &x);
	if (r < 0)
		return r;
	r = load_key(key_pem, &k);
	if (r < 0)
		return r;
	r = X509_check_private_key(x, k) == 1 ? 0 : -EKEYREJECTED;
	ERR_clear_error();
	return r;
}
