/* SPDX-License-Identifier: ISC */
/*
 * ms/store.c - SQLite persistence of registrations (see store.h). One table keyed by the
 * EID prefix in text form ("[iid]addr/len"); the record is stored in its wire encoding so
 * the on-disk format is the protocol's own and is decoded by the same bounded parser.
 */
#include "ms/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ms_store {
	sqlite3 *db;
	sqlite3_stmt *put, *del, *begin, *commit, *rput, *rdel, *sput, *sdel;
	bool in_txn;
	int pending;
	char errmsg[256];
};

static int fail(struct ms_store *s, const char *what)
{
	snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

const char *store_error(const struct ms_store *s)
{
	return s->errmsg;
}

static const char schema_sql[] = "CREATE TABLE IF NOT EXISTS registration ("
				 " eid TEXT PRIMARY KEY,"
				 " site TEXT NOT NULL,"
				 " record BLOB NOT NULL,"
				 " etr TEXT NOT NULL,"
				 " etr_port INTEGER NOT NULL,"
				 " flags INTEGER NOT NULL,"
				 " registered INTEGER NOT NULL,"
				 " version INTEGER NOT NULL DEFAULT 0,"
				 " changed INTEGER NOT NULL DEFAULT 0);"
				 "CREATE TABLE IF NOT EXISTS replay ("
				 " key BLOB PRIMARY KEY,"
				 " nonce INTEGER NOT NULL);"
				 "CREATE TABLE IF NOT EXISTS seen_nonce ("
				 " site TEXT NOT NULL,"
				 " nonce INTEGER NOT NULL,"
				 " until INTEGER NOT NULL,"
				 " PRIMARY KEY (site, nonce))";

/* SQLite only says "unable to open database file": say which directory is missing or not
 * writable, and what to do. 0 if the directory of `path` looks usable. */
static int check_dir(const char *path, char *err, size_t errlen)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct stat sb;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &sb) < 0) {
		if (errno == ENOENT)
			snprintf(
			    err, errlen,
			    "%s: the directory %s does not exist: create it (install -d -m 0750 "
			    "%s; the package's tmpfiles.d entry and the systemd unit's "
			    "StateDirectory= do for the default), or set <database path>",
			    path, dir, dir);
		else
			snprintf(err, errlen, "%s: directory %s: %s", path, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: %s is not a directory", path, dir);
		return -1;
	}
	/* the database, its -wal and -shm files are created there */
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen,
			 "%s: cannot create files in the directory %s (%s): it must be writable "
			 "by the user that starts lisp-msd (the database is opened before the "
			 "privilege drop)",
			 path, dir, strerror(errno));
		return -1;
	}
	return 0;
}

struct ms_store *store_open(const char *path, bool sync_full, char *err, size_t errlen)
{
	struct ms_store *s;
	char *msg = NULL;

	if (access(path, F_OK) < 0 && check_dir(path, err, errlen) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : "cannot open");
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 2000);
	const char *sync = sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, sync, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : "schema");
		sqlite3_free(msg);
		store_close(s);
		return NULL;
	}
	/* Databases written before the map version existed: add the columns (the error of
	 * an existing column is expected and ignored). */
	static const char *const upgrades[] = {
	    "ALTER TABLE registration ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
	    "ALTER TABLE registration ADD COLUMN changed INTEGER NOT NULL DEFAULT 0",
	};
	for (size_t i = 0; i < sizeof(upgrades) / sizeof(upgrades[0]); i++)
		sqlite3_exec(s->db, upgrades[i], NULL, NULL, NULL);
	if (sqlite3_prepare_v2(s->db,
			       "INSERT OR REPLACE INTO registration"
			       " (eid, site, record, etr, etr_port, flags, registered, version,"
			       " changed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
			       -1, &s->put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM registration WHERE eid = ?1", -1, &s->del,
			       NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO replay (key, nonce) VALUES (?1, ?2)",
			       -1, &s->rput, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM replay WHERE key = ?1", -1, &s->rdel, NULL) !=
		SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
			       "INSERT OR REPLACE INTO seen_nonce (site, nonce, until)"
			       " VALUES (?1, ?2, ?3)",
			       -1, &s->sput, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM seen_nonce WHERE site = ?1 AND nonce = ?2", -1,
			       &s->sdel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "BEGIN", -1, &s->begin, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "COMMIT", -1, &s->commit, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct ms_store *s)
{
	if (!s)
		return;
	if (s->in_txn)
		store_commit(s);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->begin);
	sqlite3_finalize(s->commit);
	sqlite3_finalize(s->rput);
	sqlite3_finalize(s->rdel);
	sqlite3_finalize(s->sput);
	sqlite3_finalize(s->sdel);
	sqlite3_close(s->db);
	free(s);
}

static int step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int ensure_txn(struct ms_store *s)
{
	if (s->in_txn)
		return 0;
	if (step_reset(s->begin) == -1)
		return fail(s, "begin");
	s->in_txn = true;
	return 0;
}

int store_put(struct ms_store *s, const struct store_row *row)
{
	uint8_t blob[2048];
	struct buf w;
	char key[PREFIX_STRLEN], etr[IPADDR_STRLEN];

	buf_init_write(&w, blob, sizeof(blob));
	if (lisp_record_build(&w, &row->rec, NULL) == -1) {
		snprintf(s->errmsg, sizeof(s->errmsg), "record does not encode");
		return -1;
	}
	if (ensure_txn(s) == -1)
		return -1;
	prefix_str(&row->rec.eid, key, sizeof(key));
	ipaddr_str(&row->etr, etr, sizeof(etr));
	sqlite3_bind_text(s->put, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->put, 2, row->site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s->put, 3, blob, (int)buf_len(&w), SQLITE_TRANSIENT);
	sqlite3_bind_text(s->put, 4, etr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s->put, 5, row->etr_port);
	sqlite3_bind_int(s->put, 6, row->flags);
	sqlite3_bind_int64(s->put, 7, (sqlite3_int64)row->registered_unix);
	sqlite3_bind_int(s->put, 8, row->version);
	sqlite3_bind_int64(s->put, 9, (sqlite3_int64)row->changed_unix_ms);
	if (step_reset(s->put) == -1)
		return fail(s, "insert");
	s->pending++;
	return 0;
}

int store_del(struct ms_store *s, const struct lisp_prefix *eid)
{
	char key[PREFIX_STRLEN];
	if (ensure_txn(s) == -1)
		return -1;
	prefix_str(eid, key, sizeof(key));
	sqlite3_bind_text(s->del, 1, key, -1, SQLITE_TRANSIENT);
	if (step_reset(s->del) == -1)
		return fail(s, "delete");
	s->pending++;
	return 0;
}

bool store_pending(const struct ms_store *s)
{
	return s->in_txn;
}

int store_commit(struct ms_store *s)
{
	int n = s->pending;
	if (!s->in_txn)
		return 0;
	if (step_reset(s->commit) == -1) {
		fail(s, "commit");
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_txn = false;
		s->pending = 0;
		return -1;
	}
	s->in_txn = false;
	s->pending = 0;
	return n;
}

int store_load(struct ms_store *s, int (*cb)(const struct store_row *, void *), void *arg,
	       unsigned *bad_rows)
{
	sqlite3_stmt *st;
	unsigned bad = 0;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT eid, site, record, etr, etr_port, flags, registered,"
			       " version, changed FROM registration ORDER BY eid",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "load");
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct store_row row;
		struct buf b;
		struct lisp_prefix key;
		const void *blob = sqlite3_column_blob(st, 2);
		int blen = sqlite3_column_bytes(st, 2);
		const unsigned char *site = sqlite3_column_text(st, 1);
		const unsigned char *etr = sqlite3_column_text(st, 3);
		const unsigned char *eid = sqlite3_column_text(st, 0);

		memset(&row, 0, sizeof(row));
		buf_init_read(&b, blob, blob && blen > 0 ? (size_t)blen : 0);
		if (!site || !etr || !eid || lisp_record_parse(&b, &row.rec, NULL) == -1 ||
		    buf_left(&b) != 0 || ipaddr_parse((const char *)etr, &row.etr) == -1 ||
		    prefix_parse((const char *)eid, &key, false) == -1 ||
		    !prefix_eq(&key, &row.rec.eid)) {
			bad++;
			continue;
		}
		row.site = (const char *)site;
		row.etr_port = (uint16_t)sqlite3_column_int(st, 4);
		row.flags = (uint8_t)sqlite3_column_int(st, 5);
		row.registered_unix = (uint64_t)sqlite3_column_int64(st, 6);
		row.version = (uint16_t)sqlite3_column_int(st, 7);
		row.changed_unix_ms = (uint64_t)sqlite3_column_int64(st, 8);
		if ((rc = cb(&row, arg)) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (bad_rows)
		*bad_rows = bad;
	return rc < 0 ? -1 : 0;
}

int store_replay_put(struct ms_store *s, const void *key, size_t keylen, uint64_t nonce)
{
	if (ensure_txn(s) == -1)
		return -1;
	sqlite3_bind_blob(s->rput, 1, key, (int)keylen, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->rput, 2, (sqlite3_int64)nonce);
	if (step_reset(s->rput) == -1)
		return fail(s, "replay");
	s->pending++;
	return 0;
}

int store_replay_load(struct ms_store *s,
		      int (*cb)(const void *key, size_t keylen, uint64_t nonce, void *arg),
		      void *arg)
{
	sqlite3_stmt *st;
	int rc = 0;

	/* smallest nonce first: the least recently advanced in the bounded table's order */
	if (sqlite3_prepare_v2(s->db, "SELECT key, nonce FROM replay ORDER BY nonce", -1, &st,
			       NULL) != SQLITE_OK)
		return fail(s, "replay load");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const void *k = sqlite3_column_blob(st, 0);
		int klen = sqlite3_column_bytes(st, 0);
		if (k == NULL || klen <= 0)
			continue;
		if ((rc = cb(k, (size_t)klen, (uint64_t)sqlite3_column_int64(st, 1), arg)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

int store_replay_del(struct ms_store *s, const void *key, size_t keylen)
{
	if (ensure_txn(s) == -1)
		return -1;
	sqlite3_bind_blob(s->rdel, 1, key, (int)keylen, SQLITE_TRANSIENT);
	if (step_reset(s->rdel) == -1)
		return fail(s, "replay delete");
	s->pending++;
	return 0;
}

int store_seen_put(struct ms_store *s, const char *site, uint64_t nonce, uint64_t until_unix_ms)
{
	if (ensure_txn(s) == -1)
		return -1;
	sqlite3_bind_text(s->sput, 1, site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->sput, 2, (sqlite3_int64)nonce);
	sqlite3_bind_int64(s->sput, 3, (sqlite3_int64)until_unix_ms);
	if (step_reset(s->sput) == -1)
		return fail(s, "seen nonce");
	s->pending++;
	return 0;
}

int store_seen_del(struct ms_store *s, const char *site, uint64_t nonce)
{
	if (ensure_txn(s) == -1)
		return -1;
	sqlite3_bind_text(s->sdel, 1, site, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->sdel, 2, (sqlite3_int64)nonce);
	if (step_reset(s->sdel) == -1)
		return fail(s, "seen nonce delete");
	s->pending++;
	return 0;
}

int store_seen_load(struct ms_store *s,
		    int (*cb)(const char *site, uint64_t nonce, uint64_t until_unix_ms, void *arg),
		    void *arg)
{
	sqlite3_stmt *st;
	int rc = 0;

	/* rowid: the order they were accepted in (the cache evicts the oldest first) */
	if (sqlite3_prepare_v2(s->db, "SELECT site, nonce, until FROM seen_nonce ORDER BY rowid",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, "seen nonce load");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *site = sqlite3_column_text(st, 0);
		if (site == NULL)
			continue;
		if ((rc = cb((const char *)site, (uint64_t)sqlite3_column_int64(st, 1),
			     (uint64_t)sqlite3_column_int64(st, 2), arg)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}
