/* SPDX-License-Identifier: ISC */
/*
 * ms/store.h - durable registrations of `persistent` sites (docs/architecture.md "Persistence
 * (SQLite)").
 *
 * SQLite in WAL mode. Writes are queued into one open transaction that the Map-Server
 * commits once per event-loop turn (store_commit), so a burst of registrations costs one
 * commit; Map-Notify acknowledgements are sent only after that commit, so everything a
 * client saw acknowledged survives kill -9. A row holds the mapping record in its wire
 * encoding (proto/record.c), the site it belongs to and the ETR that registered it.
 */
#ifndef MS_STORE_H
#define MS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/addr.h"
#include "proto/lisp_msg.h"

struct ms_store;

struct store_row {
	const char *site;
	struct lisp_record rec; /* EID, TTL, version, locators */
	struct ipaddr etr;	/* who registered it (Map-Notify destination) */
	uint16_t etr_port;
	uint8_t flags;		  /* STORE_F_* */
	uint64_t registered_unix; /* wall-clock seconds */
	uint16_t version;	  /* the Map-Server's map version (ms_reg.version) */
	uint64_t changed_unix_ms; /* wall clock of the last change */
};
#define STORE_F_PROXY 0x01 /* proxy Map-Reply requested */
#define STORE_F_MERGE 0x02

/* Open (create) the database at `path`. sync_full: fsync the WAL at every commit (power-loss
 * durable); otherwise synchronous=NORMAL, which survives a process crash. A new database in
 * a directory that is missing (or not one, or not writable) fails with an error naming the
 * directory and what to create, before SQLite is asked. */
struct ms_store *store_open(const char *path, bool sync_full, char *err, size_t errlen);
void store_close(struct ms_store *s);
/* Queue an insert-or-replace / a delete in the open transaction (begun on demand). */
int store_put(struct ms_store *s, const struct store_row *row);
int store_del(struct ms_store *s, const struct lisp_prefix *eid);
/* Commit the open transaction, if any. Returns number of rows written, or -1. */
int store_commit(struct ms_store *s);
bool store_pending(const struct ms_store *s);
/* Call cb for every stored row; a row that fails to decode is skipped and counted. */
int store_load(struct ms_store *s, int (*cb)(const struct store_row *, void *), void *arg,
	       unsigned *bad_rows);
const char *store_error(const struct ms_store *s);

#define STORE_F_NOTIFY 0x04 /* the ETR asked for Map-Notify */

/* Replay protection (RFC 9301 §5.6 nonce, ms/replay.c): the last accepted Map-Register
 * nonce per opaque key ((site, key ID, xTR-ID), (site, key ID, EID prefix) or a floor),
 * queued in the same transaction; a key the bounded table evicted is deleted. */
int store_replay_put(struct ms_store *s, const void *key, size_t keylen, uint64_t nonce);
int store_replay_del(struct ms_store *s, const void *key, size_t keylen);
int store_replay_load(struct ms_store *s,
		      int (*cb)(const void *key, size_t keylen, uint64_t nonce, void *arg),
		      void *arg);
/* The seen-nonce cache of `replay="random-nonce"` sites: one row per accepted nonce, kept
 * until `until_unix_ms` at least (wall clock), deleted when the cache evicts it; loaded in
 * the order the rows were written. */
int store_seen_put(struct ms_store *s, const char *site, uint64_t nonce, uint64_t until_unix_ms);
int store_seen_del(struct ms_store *s, const char *site, uint64_t nonce);
int store_seen_load(struct ms_store *s,
		    int (*cb)(const char *site, uint64_t nonce, uint64_t until_unix_ms, void *arg),
		    void *arg);

#endif
