// SPDX-License-Identifier: Apache-2.0
/* Webhook TLS with OpenSSL 3: a self-signed CA, serving certificates, inspection, rotation. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/macro.h"

#define CERT_DAYS_DEFAULT  365U
#define CERT_DAYS_MAX	   36500U /* 100 years; more is a typo */
#define CERT_CA_EXTRA_DAYS 365U /* a default CA outlives its first serving cert by this */
#define CERT_SANS_MAX	   64U /* subjectAltName entries per certificate */
#define CERT_PEM_MAX	   (64U * 1024) /* PEM input larger than this: -EFBIG */
#define CERT_BACKDATE_SEC  3600U /* NotBefore = now - 1 h, for clock skew */

enum cert_key_type {
	CERT_KEY_EC_P256 = 0, /* default: small, fast, accepted by the API server */
	CERT_KEY_RSA_2048, /* for clients that cannot do ECDSA */
};

/* Parses "ec" or "rsa"; -EINVAL otherwise. */
int cert_key_type_from_string(const char *s, enum cert_key_type *ret_type);

/* True when `san` is an IPv4/IPv6 address or a DNS name cert_issue() accepts. */
bool cert_san_valid(const char *san);

/* A certificate and its private key, both PEM, both owned (free with cert_pair_done()). */
struct cert_pair {
	char *cert_pem; /* "CERTIFICATE" */
	char *key_pem; /* PKCS#8 "PRIVATE KEY", unencrypted; may be NULL for a CA kept elsewhere */
};

/* Frees both strings (wiping the key first) and resets the pair; NULL-safe. */
void cert_pair_done(struct cert_pair *p);

struct cert_options {
	enum cert_key_type key_type;
	unsigned days; /* serving certificate validity; 0: CERT_DAYS_DEFAULT */
	unsigned ca_days; /* CA validity; 0: days + CERT_CA_EXTRA_DAYS */
	/*
	 * subjectAltNames, NULL-terminated, borrowed: each is an IPv4/IPv6
	 * address (detected with inet_pton) or a DNS name (letters, digits, '-',
	 * dots, optional leading "*."). At least one for a serving certificate.
	 */
	const char *const *sans;
	const char *common_name; /* serving cert subject CN; NULL: the first SAN */
	const char *ca_common_name; /* NULL: "pavise-ca" */
	uint64_t now_usec; /* wall clock in microseconds; 0: the current time */
};

/*
 * Generates a self-signed CA: basicConstraints critical CA:TRUE pathlen:0,
 * keyUsage critical keyCertSign+cRLSign+digitalSignature, random 128-bit
 * serial, SHA-256, NotBefore = now - 1 h, validity ca_days.
 * Returns 0, -EINVAL (bad options), -ENOMEM or -EIO.
 */
int cert_generate_ca(const struct cert_options *o, struct cert_pair *ret_ca) _warn_unused_result_;

/*
 * Issues a serving certificate with a fresh key from a CA given as PEM (its
 * key must match and it must be a CA): subjectAltName from o->sans,
 * extendedKeyUsage serverAuth, keyUsage critical digitalSignature +
 * keyEncipherment, basicConstraints critical CA:FALSE, subject and authority
 * key identifiers, random 128-bit serial, NotBefore = now - 1 h, validity
 * o->days. Returns 0, -EINVAL (bad options or CA), -EFBIG, -ENOMEM, -EIO.
 */
int cert_issue(const struct cert_pair *ca, const struct cert_options *o,
	       struct cert_pair *ret_cert) _warn_unused_result_;

/* cert_generate_ca() followed by cert_issue(); both outputs written only on success. */
int cert_generate(const struct cert_options *o, struct cert_pair *ret_ca,
		  struct cert_pair *ret_cert) _warn_unused_result_;

/*
 * Writes ca.crt (0644), ca.key (0600, skipped when ca->key_pem is NULL),
 * tls.key (0600) and tls.crt (0644) into `dir`, creating it (0755) if
 * needed; each file is replaced atomically. `ca` or `cert` may be NULL to
 * write only the other.
 */
int cert_write_dir(const char *dir, const struct cert_pair *ca,
		   const struct cert_pair *cert) _warn_unused_result_;

/* What the controller needs to know about a certificate. Free with cert_info_done(). */
struct cert_info {
	uint64_t not_before_usec;
	uint64_t not_after_usec;
	bool is_ca;
	char **dns_names; /* NULL-terminated, never NULL after cert_parse() */
	char **ip_addresses; /* textual (inet_ntop), NULL-terminated, never NULL */
};

void cert_info_done(struct cert_info *info);

/* Parses the first certificate in `pem`. -EINVAL if there is none or it is malformed. */
int cert_parse(const char *pem, struct cert_info *ret_info) _warn_unused_result_;

/*
 * 1 when the certificate should be replaced at `now_usec` (0: the current
 * time): it expires within `threshold_usec`, has expired, or is not valid
 * yet. 0 when it is good for longer; negative errno when it cannot be parsed.
 */
int cert_needs_rotation(const char *pem, uint64_t now_usec,
			uint64_t threshold_usec) _warn_unused_result_;

/*
 * Verifies that `cert_pem` chains to `ca_pem` for TLS server use at
 * `now_usec` (0: the current time), with X509_V_FLAG_X509_STRICT.
 * Returns 0, -EKEYEXPIRED (expired or not yet valid), -EKEYREJECTED (any other
 * verification failure), -EINVAL/-EFBIG (unparsable input), -ENOMEM.
 * reterr_reason (may be NULL) receives OpenSSL's static description on failure.
 */
int cert_verify(const char *ca_pem, const char *cert_pem, uint64_t now_usec,
		const char **reterr_reason) _warn_unused_result_;

/* 0 when `key_pem` is the private key of `cert_pem`, -EKEYREJECTED when not, -EINVAL if unparsable. */
int cert_key_matches(const char *cert_pem, const char *key_pem) _warn_unused_result_;
