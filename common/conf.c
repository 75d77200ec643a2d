/* SPDX-License-Identifier: ISC */
/*
 * common/conf.c - XML config loading, RelaxNG validation, file:line errors and the
 * typed getters (see config.h). libxml2 errors arrive through structured error
 * callbacks (xmlSetStructuredErrorFunc for the parser, xmlRelaxNG*StructuredErrors for
 * the schema) and are reformatted as "FILE:LINE: message". The document's _private
 * field points at the caller's struct cfg_errs so cfg_error() needs only the node.
 */
#include "common/conf.h"
#include "common/log.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "proto/addr.h"

#if LIBXML_VERSION >= 21200
#define CFG_XMLERR const xmlError
#else
#define CFG_XMLERR xmlError
#endif

#ifndef LISP_PKGDATADIR
#define LISP_PKGDATADIR "/usr/local/share/lisp-suite"
#endif
#ifndef LISP_SRCDIR
#define LISP_SRCDIR "."
#endif

void cfg_errs_init(struct cfg_errs *e)
{
	e->count = 0;
	e->len = 0;
	e->text[0] = '\0';
}

static void cfg_errs_vadd(struct cfg_errs *e, const char *file, long line, const char *fmt,
			  va_list ap)
{
	char msg[512], lbuf[640];
	size_t n;

	e->count++;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* one error per line: drop trailing newlines, flatten inner ones */
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (char *c = msg; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	if (line > 0)
		snprintf(lbuf, sizeof(lbuf), "%s:%ld: %s\n", file ? file : "(config)", line, msg);
	else
		snprintf(lbuf, sizeof(lbuf), "%s: %s\n", file ? file : "(config)", msg);
	n = strlen(lbuf);
	if (e->len + n + 16 < sizeof(e->text)) {
		memcpy(e->text + e->len, lbuf, n + 1);
		e->len += n;
	} else if (e->len + 16 < sizeof(e->text) && !strstr(e->text, "...more errors\n")) {
		memcpy(e->text + e->len, "...more errors\n", 16);
		e->len += 15;
	}
}

int cfg_errs_add(struct cfg_errs *e, const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_errs_vadd(e, file, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- files ---- */
int cfg_schema_path(const char *name, char *dst, size_t len)
{
	const char *env = getenv("LISP_SCHEMA_DIR");
	const char *dirs[] = {env, LISP_PKGDATADIR, LISP_SRCDIR "/schema"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (dirs[i] == NULL || dirs[i][0] == '\0')
			continue;
		int n = snprintf(dst, len, "%s/%s", dirs[i], name);
		if (n < 0 || (size_t)n >= len)
			continue;
		if (access(dst, R_OK) == 0)
			return 0;
	}
	return -1;
}

struct cfg_errctx {
	struct cfg_errs *errs;
	const char *file; /* fallback file name */
};

static void cfg_xml_error(void *arg, CFG_XMLERR *err)
{
	struct cfg_errctx *c = arg;
	long line = err->line;
	const char *file = err->file ? err->file : c->file;

	if (err->level == XML_ERR_WARNING)
		return;
	if (err->node != NULL && ((xmlNode *)err->node)->type == XML_ELEMENT_NODE) {
		long l = xmlGetLineNo((xmlNode *)err->node);
		if (l > 0)
			line = l;
	}
	cfg_errs_add(c->errs, file, line, "%s", err->message ? err->message : "XML error");
}

/* The last schema compiled for each name, kept for the life of the process: a name that
 * resolves to no readable file any more (the schema directory of a daemon that dropped its
 * privileges, common/priv.h) validates with it, so reloads keep working. A readable file is
 * compiled every time, as before. */
#define CFG_SCHEMA_CACHE 8
static struct cfg_schema {
	char name[4096];
	char path[4096];
	xmlRelaxNG *rng;
} schema_cache[CFG_SCHEMA_CACHE];
static unsigned schema_next;

static struct cfg_schema *schema_find(const char *name)
{
	for (size_t i = 0; i < CFG_SCHEMA_CACHE; i++)
		if (schema_cache[i].rng && strcmp(schema_cache[i].name, name) == 0)
			return &schema_cache[i];
	return NULL;
}

/* Compile spath and remember it as `name`. */
static xmlRelaxNG *schema_compile(const char *name, const char *spath, struct cfg_errs *errs)
{
	struct cfg_errctx sctx = {errs, spath};
	xmlRelaxNGParserCtxt *pctx;
	xmlRelaxNG *rng = NULL;
	struct cfg_schema *e;

	xmlSetStructuredErrorFunc(&sctx, cfg_xml_error);
	pctx = xmlRelaxNGNewParserCtxt(spath);
	if (pctx != NULL) {
		xmlRelaxNGSetParserStructuredErrors(pctx, cfg_xml_error, &sctx);
		rng = xmlRelaxNGParse(pctx);
		xmlRelaxNGFreeParserCtxt(pctx);
	}
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (rng == NULL)
		return NULL;
	if ((e = schema_find(name)) == NULL)
		e = &schema_cache[schema_next++ % CFG_SCHEMA_CACHE];
	xmlRelaxNGFree(e->rng);
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->path, sizeof(e->path), "%s", spath);
	e->rng = rng;
	return rng;
}

static int cfg_validate(xmlDoc *doc, const char *path, const char *schema, struct cfg_errs *errs)
{
	char spath[4096];
	struct cfg_errctx dctx = {errs, path};
	struct cfg_schema *e = NULL;
	xmlRelaxNG *rng;
	xmlRelaxNGValidCtxt *vctx = NULL;
	int found, rc = -1;

	if (strchr(schema, '/') != NULL) {
		snprintf(spath, sizeof(spath), "%s", schema);
		found = access(spath, R_OK) == 0;
	} else {
		found = cfg_schema_path(schema, spath, sizeof(spath)) == 0;
	}
	if (!found && (e = schema_find(schema)) == NULL) {
		if (strchr(schema, '/') == NULL)
			return cfg_errs_add(
			    errs, path, 0,
			    "schema %s not found (looked in $LISP_SCHEMA_DIR, %s, %s/schema)",
			    schema, LISP_PKGDATADIR, LISP_SRCDIR);
		found = 1; /* libxml2 says why it cannot read it */
	}
	if (e != NULL) {
		rng = e->rng;
		snprintf(spath, sizeof(spath), "%s", e->path);
	} else if ((rng = schema_compile(schema, spath, errs)) == NULL) {
		return cfg_errs_add(errs, spath, 0, "cannot compile the schema");
	}
	vctx = xmlRelaxNGNewValidCtxt(rng);
	if (vctx == NULL)
		goto out;
	xmlSetStructuredErrorFunc(&dctx, cfg_xml_error);
	xmlRelaxNGSetValidStructuredErrors(vctx, cfg_xml_error, &dctx);
	unsigned before = errs->count;
	int v = xmlRelaxNGValidateDoc(vctx, doc);
	if (v == 0)
		rc = 0;
	else if (errs->count == before)
		cfg_errs_add(errs, path, 0, "document does not match schema %s", spath);
out:
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlRelaxNGFreeValidCtxt(vctx);
	return rc;
}

struct _xmlDoc *cfg_load(const char *path, const char *schema, struct cfg_errs *errs)
{
	struct cfg_errctx ctx = {errs, path};
	xmlParserCtxt *pctxt;
	xmlDoc *doc;
	FILE *f;

	/* a clear message for the common case rather than libxml2's "failed to load" */
	f = fopen(path, "r");
	if (f == NULL) {
		cfg_errs_add(errs, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	fclose(f);

	pctxt = xmlNewParserCtxt();
	if (pctxt == NULL) {
		cfg_errs_add(errs, path, 0, "out of memory");
		return NULL;
	}
	xmlSetStructuredErrorFunc(&ctx, cfg_xml_error);
	/* no network, no DTD loading, no entity substitution, line numbers past 65535 */
	doc = xmlCtxtReadFile(pctxt, path, NULL,
			      XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOWARNING);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL || !pctxt->wellFormed) {
		if (errs->count == 0)
			cfg_errs_add(errs, path, 0, "not a well-formed XML document");
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(pctxt);
		return NULL;
	}
	xmlFreeParserCtxt(pctxt);
	if (xmlDocGetRootElement(doc) == NULL) {
		cfg_errs_add(errs, path, 0, "empty document");
		xmlFreeDoc(doc);
		return NULL;
	}
	if (schema != NULL && cfg_validate(doc, path, schema, errs) < 0) {
		xmlFreeDoc(doc);
		return NULL;
	}
	doc->_private = errs;
	return doc;
}

void cfg_free(struct _xmlDoc *doc)
{
	if (doc != NULL)
		xmlFreeDoc(doc);
}

struct _xmlNode *cfg_root(struct _xmlDoc *doc)
{
	return doc ? xmlDocGetRootElement(doc) : NULL;
}

/* ---- nodes ---- */
long cfg_line(const struct _xmlNode *n)
{
	return n ? xmlGetLineNo(n) : 0;
}

const char *cfg_file(const struct _xmlNode *n)
{
	if (n == NULL || n->doc == NULL || n->doc->URL == NULL)
		return "(config)";
	return (const char *)n->doc->URL;
}

int cfg_resolve_path(const struct _xmlNode *n, const char *path, char *out, size_t len)
{
	const char *file = (n && n->doc && n->doc->URL) ? (const char *)n->doc->URL : NULL;
	const char *slash = file ? strrchr(file, '/') : NULL;
	int w;

	if (path[0] == '/' || slash == NULL)
		w = snprintf(out, len, "%s", path);
	else
		w = snprintf(out, len, "%.*s/%s", (int)(slash - file), file, path);
	return (w < 0 || (size_t)w >= len) ? -1 : 0;
}

int cfg_read_secret_file(const struct _xmlNode *n, const char *path, char *dst, size_t len)
{
	char full[4096];
	size_t got;
	FILE *f;

	if (len < 2 || cfg_resolve_path(n, path, full, sizeof(full)) == -1)
		return cfg_error(n, "secret-file %s: path too long", path);
	if ((f = fopen(full, "r")) == NULL)
		return cfg_error(n, "secret-file %s: %s", full, strerror(errno));
	got = fread(dst, 1, len - 1, f);
	bool longer = got == len - 1 && fgetc(f) != EOF;
	fclose(f);
	dst[got] = '\0';
	while (got > 0 && (dst[got - 1] == '\n' || dst[got - 1] == '\r'))
		dst[--got] = '\0';
	if (longer)
		return cfg_error(n, "secret-file %s: longer than %zu bytes", full, len - 1);
	if (got == 0)
		return cfg_error(n, "secret-file %s is empty", full);
	return 0;
}

const char *cfg_name(const struct _xmlNode *n)
{
	return n ? (const char *)n->name : "";
}

int cfg_error(const struct _xmlNode *n, const char *fmt, ...)
{
	struct cfg_errs *e = (n && n->doc) ? n->doc->_private : NULL;
	va_list ap;

	va_start(ap, fmt);
	if (e != NULL) {
		cfg_errs_vadd(e, cfg_file(n), cfg_line(n), fmt, ap);
	} else {
		/* a document not from cfg_load: still say where */
		fprintf(stderr, "%s:%ld: ", cfg_file(n), cfg_line(n));
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
	return -1;
}

static bool elem_is(const xmlNode *c, const char *name)
{
	return c->type == XML_ELEMENT_NODE &&
	       (name == NULL || strcmp((const char *)c->name, name) == 0);
}

struct _xmlNode *cfg_child(const struct _xmlNode *parent, const char *name)
{
	if (parent == NULL)
		return NULL;
	for (xmlNode *c = parent->children; c; c = c->next)
		if (elem_is(c, name))
			return c;
	return NULL;
}

struct _xmlNode *cfg_next(const struct _xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->next : NULL; c; c = c->next)
		if (elem_is(c, name))
			return c;
	return NULL;
}

size_t cfg_count(const struct _xmlNode *parent, const char *name)
{
	size_t k = 0;
	xmlNode *c;

	CFG_FOREACH(c, parent, name)
	k++;
	return k;
}

/* The raw value selected by `name` (allocated by libxml2, xmlFree) and the node that
 * errors should point at. NULL when absent. */
static xmlChar *cfg_raw(const xmlNode *n, const char *name, const xmlNode **where)
{
	*where = n;
	if (n == NULL)
		return NULL;
	if (name == NULL)
		return xmlNodeGetContent(n);
	if (name[0] == '@')
		return xmlGetProp(n, (const xmlChar *)name + 1);
	xmlNode *c = cfg_child(n, name);
	if (c == NULL)
		return NULL;
	*where = c;
	return xmlNodeGetContent(c);
}

/* Trimmed value in a bounded buffer: 0, CFG_ABSENT, or -1 (too long, recorded). */
static int cfg_text(const xmlNode *n, const char *name, char *dst, size_t len,
		    const xmlNode **where)
{
	xmlChar *raw = cfg_raw(n, name, where);
	const char *s, *e;

	if (raw == NULL)
		return CFG_ABSENT;
	s = (const char *)raw;
	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if ((size_t)(e - s) >= len) {
		xmlFree(raw);
		return cfg_error(*where, "%s: value too long (at most %zu characters)",
				 name ? name : cfg_name(n), len ? len - 1 : 0);
	}
	memcpy(dst, s, (size_t)(e - s));
	dst[e - s] = '\0';
	xmlFree(raw);
	return 0;
}

static const char *label(const xmlNode *n, const char *name)
{
	return name ? name : cfg_name(n);
}

int cfg_get_string(const struct _xmlNode *n, const char *name, char *dst, size_t len)
{
	const xmlNode *w;

	return cfg_text(n, name, dst, len, &w);
}

char *cfg_dup_string(const struct _xmlNode *n, const char *name, int *rc)
{
	const xmlNode *w;
	char buf[4096];
	int r = cfg_text(n, name, buf, sizeof(buf), &w);
	char *s = NULL;

	if (r == 0) {
		s = strdup(buf);
		if (s == NULL)
			r = cfg_error(w, "out of memory");
	}
	if (rc)
		*rc = r;
	return s;
}

int cfg_get_uint(const struct _xmlNode *n, const char *name, uint64_t min, uint64_t max,
		 uint64_t *out)
{
	const xmlNode *w;
	char buf[64], *end;
	int r = cfg_text(n, name, buf, sizeof(buf), &w);

	if (r != 0)
		return r;
	if (buf[0] == '\0' || buf[0] == '-' || buf[0] == '+' || isspace((unsigned char)buf[0]))
		return cfg_error(w, "%s: \"%s\" is not an unsigned integer", label(n, name), buf);
	errno = 0;
	/* decimal, or hex after 0x; never octal: "010" is ten, as xsd:unsignedShort reads it */
	bool hex = buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
	unsigned long long v = strtoull(hex ? buf + 2 : buf, &end, hex ? 16 : 10);
	if (hex &&
	    (buf[2] == '\0' || buf[2] == '-' || buf[2] == '+' || isspace((unsigned char)buf[2])))
		return cfg_error(w, "%s: \"%s\" is not an unsigned integer", label(n, name), buf);
	if (*end != '\0')
		return cfg_error(w, "%s: \"%s\" is not an unsigned integer", label(n, name), buf);
	if (errno == ERANGE || v < min || v > max)
		return cfg_error(w, "%s: %s is out of range [%" PRIu64 ", %" PRIu64 "]",
				 label(n, name), buf, min, max);
	*out = v;
	return 0;
}

int cfg_get_u32(const struct _xmlNode *n, const char *name, uint32_t min, uint32_t max,
		uint32_t *out)
{
	uint64_t v;
	int r = cfg_get_uint(n, name, min, max, &v);

	if (r == 0)
		*out = (uint32_t)v;
	return r;
}

int cfg_get_port(const struct _xmlNode *n, const char *name, uint16_t *out)
{
	uint32_t v;
	int r = cfg_get_u32(n, name, 1, 65535, &v);

	if (r == 0)
		*out = (uint16_t)v;
	return r;
}

int cfg_get_log_level(const struct _xmlNode *n, const char *name, int *out)
{
	int i;
	int r = cfg_get_enum(n, name, log_level_names, &i);

	if (r == 0)
		*out = log_level_value(i);
	return r;
}

int cfg_get_secret_named(const struct _xmlNode *n, const char *attr, const char *file_attr,
			 char *dst, size_t len, char *file, size_t flen)
{
	char path[512];
	int rc = cfg_get_string(n, attr, dst, len);

	if (file && flen)
		file[0] = '\0';
	if (rc < 0)
		return -1;
	if (rc == CFG_ABSENT) {
		rc = cfg_get_string(n, file_attr, path, sizeof(path));
		if (rc < 0)
			return -1;
		if (rc == CFG_ABSENT)
			return cfg_error(n, "<%s> needs %s or %s", cfg_name(n), attr + 1,
					 file_attr + 1);
		if (cfg_read_secret_file(n, path, dst, len) < 0)
			return -1;
		if (file && flen)
			snprintf(file, flen, "%s", path);
	}
	if (dst[0] == '\0')
		return cfg_error(n, "empty %s", attr + 1);
	return 0;
}

int cfg_get_secret(const struct _xmlNode *n, char *dst, size_t len, char *file, size_t flen)
{
	return cfg_get_secret_named(n, "@secret", "@secret-file", dst, len, file, flen);
}

void cfg_cli_init(struct cfg_cli *c, uint16_t default_port)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->addr, sizeof(c->addr), "127.0.0.1");
	c->port = default_port;
	c->socket_gid = -1;
	c->socket_mode = 0600;
}

/* socket, socket-group, socket-mode of <cli> n. */
static int read_cli_socket(const xmlNode *n, struct cfg_cli *c)
{
	char mode[16];
	int rc, bad = 0;

	rc = cfg_get_string(n, "@socket", c->socket, sizeof(c->socket));
	if (rc < 0)
		return -1;
	if (rc == 0 && c->socket[0] != '/') {
		c->socket[0] = '\0';
		return cfg_error(n, "socket must be an absolute path");
	}
	rc = cfg_get_string(n, "@socket-group", c->socket_group, sizeof(c->socket_group));
	if (rc < 0)
		bad = 1;
	else if (rc == 0) {
		const struct group *g = getgrnam(c->socket_group);
		char *end;
		unsigned long v = strtoul(c->socket_group, &end, 10);
		if (g)
			c->socket_gid = (long)g->gr_gid;
		else if (c->socket_group[0] && *end == '\0' && v < 0x7fffffffUL)
			c->socket_gid = (long)v;
		else
			bad = cfg_error(n, "socket-group %s: no such group", c->socket_group) < 0;
		c->socket_mode = 0660;
	}
	rc = cfg_get_string(n, "@socket-mode", mode, sizeof(mode));
	if (rc < 0) {
		bad = 1;
	} else if (rc == 0) {
		char *end;
		unsigned long v = strtoul(mode, &end, 8);
		size_t l = strlen(mode);
		if (l < 3 || l > 4 || *end != '\0' || v > 0777)
			bad =
			    cfg_error(n, "socket-mode %s: expected octal permission bits like 0660",
				      mode) < 0;
		else if (v & 07)
			bad = cfg_error(n,
					"socket-mode %s would let every local user run "
					"state-changing commands: give access through "
					"socket-group",
					mode) < 0;
		else
			c->socket_mode = (unsigned)v;
	}
	if (!c->socket[0] && (c->socket_group[0] || rc == 0))
		bad = cfg_error(n, "socket-group and socket-mode need socket") < 0;
	return bad ? -1 : 0;
}

int cfg_read_cli(const struct _xmlNode *root, struct cfg_cli *c)
{
	const xmlNode *n = cfg_child(root, "cli");
	struct ipaddr a;
	int bad = 0, rc;

	if (n == NULL)
		return 0;
	rc = cfg_get_addr(n, "@address", &a);
	if (rc < 0)
		bad = 1;
	else if (rc == 0)
		ipaddr_str(&a, c->addr, sizeof(c->addr));
	bad |= cfg_get_port(n, "@port", &c->port) < 0;
	bad |= cfg_get_string(n, "@password", c->password, sizeof(c->password)) < 0;
	bad |= read_cli_socket(n, c) < 0;
	if (xmlHasProp(n, (const xmlChar *)"enable-secret") ||
	    xmlHasProp(n, (const xmlChar *)"enable-secret-file")) {
		if (cfg_get_secret_named(n, "@enable-secret", "@enable-secret-file", c->enable,
					 sizeof(c->enable), c->enable_file,
					 sizeof(c->enable_file)) < 0)
			bad = 1;
		else if (c->password[0] && strcmp(c->password, c->enable) == 0)
			bad =
			    cfg_error(n, "the enable secret must differ from the password (whoever "
					 "logs in could enable)") < 0;
	}
	return bad ? -1 : 0;
}

void cfg_log_init(struct cfg_log *l)
{
	l->level = LOG_INFO;
	l->facility = LOG_DAEMON;
}

int cfg_read_log(const struct _xmlNode *root, struct cfg_log *l)
{
	const xmlNode *n = cfg_child(root, "log");
	int bad = 0, i, r;

	if (n == NULL)
		return 0;
	bad |= cfg_get_log_level(n, "@level", &l->level) < 0;
	r = cfg_get_enum(n, "@facility", log_facility_names, &i);
	if (r < 0)
		bad = 1;
	else if (r == 0)
		l->facility = log_facility_value(i);
	return bad ? -1 : 0;
}

const char *cfg_xml_escape(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return "";
	for (; *s; s++) {
		const char *e = NULL;
		switch (*s) {
		case '&':
			e = "&amp;";
			break;
		case '<':
			e = "&lt;";
			break;
		case '>':
			e = "&gt;";
			break;
		case '"':
			e = "&quot;";
			break;
		case '\'':
			e = "&apos;";
			break;
		default:
			break;
		}
		size_t n = e ? strlen(e) : 1;
		if (o + n >= len)
			break;
		if (e)
			memcpy(buf + o, e, n);
		else
			buf[o] = *s;
		o += n;
	}
	buf[o] = '\0';
	return buf;
}

void cfg_print_cli(const struct cfg_cli *c, FILE *out)
{
	char a[sizeof(c->addr) * 6];

	char p[sizeof(c->socket) * 6], g[sizeof(c->socket_group) * 6],
	    f[sizeof(c->enable_file) * 6];

	fprintf(out, "  <cli address=\"%s\" port=\"%u\"%s", cfg_xml_escape(c->addr, a, sizeof(a)),
		c->port, c->password[0] ? " password=\"(set)\"" : "");
	if (c->socket[0]) {
		fprintf(out, " socket=\"%s\"", cfg_xml_escape(c->socket, p, sizeof(p)));
		if (c->socket_group[0])
			fprintf(out, " socket-group=\"%s\"",
				cfg_xml_escape(c->socket_group, g, sizeof(g)));
		fprintf(out, " socket-mode=\"%04o\"", c->socket_mode);
	}
	if (c->enable_file[0])
		fprintf(out, " enable-secret-file=\"%s\"",
			cfg_xml_escape(c->enable_file, f, sizeof(f)));
	else if (c->enable[0])
		fprintf(out, " enable-secret=\"(set)\"");
	fprintf(out, "/>\n");
}

void cfg_print_log(const struct cfg_log *l, FILE *out)
{
	fprintf(out, "  <log level=\"%s\"", log_level_name(l->level));
	if (l->facility != LOG_DAEMON)
		fprintf(out, " facility=\"%s\"", log_facility_name(l->facility));
	fprintf(out, "/>\n");
}

bool cfg_cli_same_listener(const struct cfg_cli *a, const struct cfg_cli *b)
{
	return strcmp(a->addr, b->addr) == 0 && a->port == b->port &&
	       strcmp(a->socket, b->socket) == 0 && a->socket_gid == b->socket_gid &&
	       a->socket_mode == b->socket_mode;
}

int cfg_read_privileges(const struct _xmlNode *root, struct cfg_priv *p)
{
	const xmlNode *n = cfg_child(root, "privileges");
	int bad = 0;

	memset(p, 0, sizeof(*p));
	if (n == NULL)
		return 0;
	if (cfg_get_string(n, "@user", p->user, sizeof(p->user)) < 0 ||
	    cfg_get_string(n, "@group", p->group, sizeof(p->group)) < 0)
		return -1;
	if (xmlHasProp(n, (const xmlChar *)"user") != NULL && p->user[0] == '\0')
		bad |= cfg_error(n, "<privileges user> is empty");
	if (p->user[0] && getpwnam(p->user) == NULL)
		bad |= cfg_error(n, "<privileges>: no user %s", p->user);
	if (xmlHasProp(n, (const xmlChar *)"group") != NULL && p->group[0] == '\0')
		bad |= cfg_error(n, "<privileges group> is empty");
	if (p->group[0] && getgrnam(p->group) == NULL)
		bad |= cfg_error(n, "<privileges>: no group %s", p->group);
	if (strcmp(p->user, "root") == 0 && p->group[0])
		bad |= cfg_error(n, "<privileges user=\"root\"> keeps every privilege: no group");
	return bad ? -1 : 0;
}

void cfg_print_privileges(const struct cfg_priv *p, FILE *out)
{
	char u[sizeof(p->user) * 6], g[sizeof(p->group) * 6];

	if (p->user[0] == '\0') {
		fprintf(out, "  <privileges user=\"(default: lisp, else nobody)\"%s%s%s/>\n",
			p->group[0] ? " group=\"" : "", cfg_xml_escape(p->group, g, sizeof(g)),
			p->group[0] ? "\"" : "");
		return;
	}
	fprintf(out, "  <privileges user=\"%s\"%s%s%s/>%s\n", cfg_xml_escape(p->user, u, sizeof(u)),
		p->group[0] ? " group=\"" : "", cfg_xml_escape(p->group, g, sizeof(g)),
		p->group[0] ? "\"" : "",
		strcmp(p->user, "root") == 0 ? " <!-- NO PRIVILEGE IS DROPPED: debugging only -->"
					     : "");
}

bool cfg_priv_same(const struct cfg_priv *a, const struct cfg_priv *b)
{
	return strcmp(a->user, b->user) == 0 && strcmp(a->group, b->group) == 0;
}

void cfg_metrics_init(struct cfg_metrics *m, uint16_t default_port)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->addr, sizeof(m->addr), "127.0.0.1");
	m->port = default_port;
}

int cfg_read_metrics(const struct _xmlNode *root, struct cfg_metrics *m)
{
	const xmlNode *n = cfg_child(root, "metrics");
	struct ipaddr a;
	int bad = 0, rc;

	if (n == NULL)
		return 0;
	m->enabled = true;
	rc = cfg_get_addr(n, "@address", &a);
	if (rc < 0)
		bad = 1;
	else if (rc == 0)
		ipaddr_str(&a, m->addr, sizeof(m->addr));
	bad |= cfg_get_port(n, "@port", &m->port) < 0;
	return bad ? -1 : 0;
}

void cfg_print_metrics(const struct cfg_metrics *m, FILE *out)
{
	char a[sizeof(m->addr) * 6];

	if (m->enabled)
		fprintf(out, "  <metrics address=\"%s\" port=\"%u\"/>\n",
			cfg_xml_escape(m->addr, a, sizeof(a)), m->port);
}

bool cfg_metrics_same(const struct cfg_metrics *a, const struct cfg_metrics *b)
{
	return a->enabled == b->enabled &&
	       (!a->enabled || (strcmp(a->addr, b->addr) == 0 && a->port == b->port));
}

int cfg_get_enum(const struct _xmlNode *n, const char *name, const char *const *names, int *out)
{
	const xmlNode *w;
	char buf[128], list[512] = "";
	size_t off = 0;
	int r = cfg_text(n, name, buf, sizeof(buf), &w);

	if (r != 0)
		return r;
	for (int i = 0; names[i]; i++) {
		if (strcmp(buf, names[i]) == 0) {
			*out = i;
			return 0;
		}
		int k = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", names[i]);
		if (k > 0 && (size_t)k < sizeof(list) - off)
			off += (size_t)k;
	}
	return cfg_error(w, "%s: \"%s\" is not one of: %s", label(n, name), buf, list);
}

int cfg_get_bool(const struct _xmlNode *n, const char *name, bool *out)
{
	static const char *const names[] = {"false", "true", "no", "yes", "off",
					    "on",    "0",    "1",  NULL};
	int i, r = cfg_get_enum(n, name, names, &i);

	if (r == 0)
		*out = (i & 1) != 0;
	return r;
}

int cfg_get_addr(const struct _xmlNode *n, const char *name, struct ipaddr *out)
{
	const xmlNode *w;
	char buf[IPADDR_STRLEN + 8];
	struct ipaddr a;
	int r = cfg_text(n, name, buf, sizeof(buf), &w);

	if (r != 0)
		return r;
	if (ipaddr_parse(buf, &a) < 0)
		return cfg_error(w, "%s: \"%s\" is not an IPv4 or IPv6 address", label(n, name),
				 buf);
	*out = a;
	return 0;
}

int cfg_get_prefix(const struct _xmlNode *n, const char *name, bool lenient,
		   struct lisp_prefix *out)
{
	const xmlNode *w;
	char buf[PREFIX_STRLEN + 8];
	struct lisp_prefix p;
	int r = cfg_text(n, name, buf, sizeof(buf), &w);

	if (r != 0)
		return r;
	if (prefix_parse(buf, &p, lenient) < 0) {
		if (prefix_parse(buf, &p, true) == 0)
			return cfg_error(w, "%s: \"%s\" has host bits set beyond the prefix length",
					 label(n, name), buf);
		return cfg_error(w, "%s: \"%s\" is not a prefix ([iid]address/length)",
				 label(n, name), buf);
	}
	*out = p;
	return 0;
}
