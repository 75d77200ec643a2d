/* SPDX-License-Identifier: ISC */
/*
 * proto/auth.c - LISP authentication data (RFC 9301 §5.6, §5.7; algorithm IDs §12.5):
 * keys with a pre-keyed OpenSSL 3 EVP_MAC (HMAC) context, sign and verify over the whole
 * message with the Authentication Data zeroed, and the Key ID / Algorithm ID / length /
 * data field codec. See auth.h for the wire decisions (full digests only).
 */
#include "proto/auth.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

struct lisp_key {
	uint8_t key_id;
	uint8_t alg_id;
	size_t mac_len;
	EVP_MAC *mac;	    /* the HMAC implementation, fetched once */
	EVP_MAC_CTX *keyed; /* initialised with digest and key; duplicated per message */
};

struct alg_desc {
	const char *name;
	const char *digest; /* OpenSSL digest name; NULL = no MAC */
	size_t len;	    /* Authentication Data Length we send and accept */
};

/* name: the one configuration/CLI spelling (lisp_alg_name); see lisp_alg_from_name for the
 * aliases read. */
static const struct alg_desc algs[] = {
    [LISP_ALG_NONE] = {"none", NULL, 0},
    [LISP_ALG_HMAC_SHA1_96] = {"hmac-sha-1", "SHA1", LISP_AUTH_SHA1_LEN},
    [LISP_ALG_HMAC_SHA256_128] = {"hmac-sha-256", "SHA256", LISP_AUTH_SHA256_LEN},
};

/* Other spellings read as the same algorithms: the registry's names (RFC 9301 §12.5, which
 * lisp-xtrd printed) and lisp-register's short forms. */
static const struct {
	const char *name;
	uint8_t alg;
} alg_aliases[] = {
    {"hmac-sha-1-96", LISP_ALG_HMAC_SHA1_96},
    {"hmac-sha-256-128", LISP_ALG_HMAC_SHA256_128},
    {"sha1", LISP_ALG_HMAC_SHA1_96},
    {"sha256", LISP_ALG_HMAC_SHA256_128},
};

/* LISP_AUTH_MAX zero bytes fed to the MAC in place of the Authentication Data. */
static const uint8_t zeros[LISP_AUTH_MAX];

bool lisp_alg_known(uint8_t alg_id)
{
	return alg_id < sizeof(algs) / sizeof(algs[0]) && algs[alg_id].name != NULL;
}

size_t lisp_auth_len(uint8_t alg_id)
{
	return lisp_alg_known(alg_id) ? algs[alg_id].len : 0;
}

const char *lisp_alg_name(uint8_t alg_id)
{
	return lisp_alg_known(alg_id) ? algs[alg_id].name : "unknown";
}

int lisp_alg_from_name(const char *name, uint8_t *alg_id)
{
	for (uint8_t i = LISP_ALG_HMAC_SHA1_96; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(name, algs[i].name) == 0) {
			*alg_id = i;
			return 0;
		}
	for (size_t i = 0; i < sizeof(alg_aliases) / sizeof(alg_aliases[0]); i++)
		if (strcmp(name, alg_aliases[i].name) == 0) {
			*alg_id = alg_aliases[i].alg;
			return 0;
		}
	return -1;
}

struct lisp_key *lisp_key_new(uint8_t key_id, uint8_t alg_id, const void *secret, size_t len)
{
	struct lisp_key *k;
	OSSL_PARAM params[2];

	if (!lisp_alg_known(alg_id) || algs[alg_id].digest == NULL || secret == NULL || len == 0)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return NULL;
	k->key_id = key_id;
	k->alg_id = alg_id;
	k->mac_len = algs[alg_id].len;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						     (char *)(uintptr_t)algs[alg_id].digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	k->mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (k->mac == NULL)
		goto fail;
	k->keyed = EVP_MAC_CTX_new(k->mac);
	if (k->keyed == NULL || !EVP_MAC_init(k->keyed, secret, len, params) ||
	    EVP_MAC_CTX_get_mac_size(k->keyed) != k->mac_len)
		goto fail;
	return k;
fail:
	lisp_key_free(k);
	return NULL;
}

void lisp_key_free(struct lisp_key *k)
{
	if (k == NULL)
		return;
	EVP_MAC_CTX_free(k->keyed);
	EVP_MAC_free(k->mac);
	free(k);
}

uint8_t lisp_key_id(const struct lisp_key *k)
{
	return k->key_id;
}

uint8_t lisp_key_alg(const struct lisp_key *k)
{
	return k->alg_id;
}

/*
 * HMAC over the message `data[0..len)` with `zlen` bytes at `zoff` replaced by zeros
 * (zlen == 0: the plain bytes). `data` is a bounded region handed over by a struct buf.
 */
static int mac_pieces(const struct lisp_key *k, const struct buf *msg, size_t zoff, size_t zlen,
		      uint8_t *out, struct proto_err *e)
{
	const uint8_t *p = msg->data;
	size_t len = msg->len;
	size_t outl = 0;
	EVP_MAC_CTX *c;
	int ok;

	if (zoff > len || zlen > len - zoff || zlen > sizeof(zeros))
		return proto_fail(e, PERR_BAD_AUTH, zoff, "auth data outside the message");
	c = EVP_MAC_CTX_dup(k->keyed);
	if (c == NULL)
		return proto_fail(e, PERR_BAD_AUTH, 0, "MAC context allocation failed");
	ok = EVP_MAC_update(c, p, zoff) && (zlen == 0 || EVP_MAC_update(c, zeros, zlen)) &&
	     EVP_MAC_update(c, p + zoff + zlen, len - zoff - zlen) &&
	     EVP_MAC_final(c, out, &outl, k->mac_len) && outl == k->mac_len;
	EVP_MAC_CTX_free(c);
	if (!ok)
		return proto_fail(e, PERR_BAD_AUTH, 0, "MAC computation failed");
	return 0;
}

int lisp_key_mac(const struct lisp_key *k, const struct buf *data, uint8_t *out, size_t outsz,
		 struct proto_err *e)
{
	struct buf rest;

	if (outsz < k->mac_len)
		return proto_fail(e, PERR_FULL, 0, "MAC output buffer too small");
	buf_init_read(&rest, buf_cur(data), buf_left(data));
	return mac_pieces(k, &rest, 0, 0, out, e);
}

int lisp_auth_sign(struct buf *msg, size_t auth_off, const struct lisp_key *k, struct proto_err *e)
{
	struct buf r, hdr;
	uint8_t key_id, alg_id;
	uint16_t len;
	uint8_t mac[LISP_AUTH_MAX];

	buf_as_reader(msg, &r);
	if (auth_off < 4 || buf_seek(&r, auth_off - 4) == -1 || buf_get_sub(&r, 4, &hdr) == -1 ||
	    buf_get_u8(&hdr, &key_id) || buf_get_u8(&hdr, &alg_id) || buf_get_u16(&hdr, &len))
		return proto_fail(e, PERR_BAD_AUTH, auth_off, "sign: no auth header before offset");
	if (key_id != k->key_id || alg_id != k->alg_id || len != k->mac_len)
		return proto_fail(e, PERR_BAD_AUTH, auth_off - 4,
				  "sign: auth header does not match the key");
	if (mac_pieces(k, &r, auth_off, len, mac, e) == -1)
		return -1;
	if (buf_set_bytes(msg, auth_off, mac, len) == -1)
		return proto_fail(e, PERR_BAD_AUTH, auth_off,
				  "sign: auth data outside the message");
	return 0;
}

int lisp_auth_verify(const struct buf *msg, const struct lisp_auth_field *f,
		     const struct lisp_key *k, struct proto_err *e)
{
	uint8_t mac[LISP_AUTH_MAX];

	if (f->key_id != k->key_id)
		return proto_fail(e, PERR_BAD_AUTH, 0, "unknown key ID");
	if (f->alg_id != k->alg_id)
		return proto_fail(e, PERR_BAD_AUTH, 0, "algorithm ID does not match the key");
	if (f->len != k->mac_len)
		return proto_fail(e, PERR_BAD_AUTH, f->data_off,
				  "authentication data length is not the full digest length");
	if (mac_pieces(k, msg, f->data_off, f->len, mac, e) == -1)
		return -1;
	if (CRYPTO_memcmp(mac, f->data, k->mac_len) != 0)
		return proto_fail(e, PERR_BAD_AUTH, f->data_off, "authentication data mismatch");
	return 0;
}

int lisp_auth_field_parse(struct buf *b, size_t msg_start, struct lisp_auth_field *f,
			  struct proto_err *e)
{
	size_t at = buf_offset(b);

	if (buf_get_u8(b, &f->key_id) || buf_get_u8(b, &f->alg_id) || buf_get_u16(b, &f->len))
		return proto_fail(e, PERR_TRUNCATED, at, "authentication header truncated");
	if (f->len > LISP_AUTH_MAX)
		return proto_fail(e, PERR_BAD_AUTH, at + 2, "authentication data too long");
	if (lisp_alg_known(f->alg_id) && f->len != lisp_auth_len(f->alg_id))
		return proto_fail(e, PERR_BAD_AUTH, at + 2,
				  "authentication data length does not match the algorithm");
	f->data_off = buf_offset(b) - msg_start;
	if (buf_get_bytes(b, f->data, f->len) == -1)
		return proto_fail(e, PERR_TRUNCATED, buf_offset(b),
				  "authentication data longer than the message");
	return 0;
}

int lisp_auth_field_build(struct buf *b, const struct lisp_auth_field *f, size_t *data_off,
			  struct proto_err *e)
{
	if (f->len > LISP_AUTH_MAX)
		return proto_fail(e, PERR_BAD_VALUE, buf_len(b), "authentication data too long");
	if (buf_add_u8(b, f->key_id) || buf_add_u8(b, f->alg_id) || buf_add_u16(b, f->len) ||
	    buf_reserve(b, f->len, data_off))
		return proto_fail(e, PERR_FULL, buf_len(b), "authentication field: buffer full");
	return 0;
}
