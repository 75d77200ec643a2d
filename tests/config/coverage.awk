# SPDX-License-Identifier: ISC
# tests/config/coverage.awk - which elements and attributes of a RelaxNG schema a set of
# XML files uses. Every element of the schema is named by its path from the root element
# ("lisp-xtrd/site/gateway"), every attribute by its element's path and "@name"
# ("lisp-xtrd/site/gateway@mac"); <ref>, <include> and <externalRef> are followed, so an
# attribute of a shared <define> is listed under each element that uses it.
#
#   awk -v schema=SCHEMA.rng [-v list=1] -f coverage.awk FILE.xml...
#
# Prints the schema's items that no FILE uses, one per line, and exits 1 when there is one
# (0 otherwise); with list=1 it prints every item of the schema instead. Plain POSIX awk:
# the schemas and the test files are simple enough for a tag scanner (no '>' inside
# attribute values, no CDATA).

function fail(msg) {
	print "coverage.awk: " msg | "cat 1>&2"
	close("cat 1>&2")
	failed = 1
	exit 2
}

function slurp(f,    s, line, r) {
	s = ""
	while ((r = (getline line < f)) > 0)
		s = s line "\n"
	if (r < 0)
		fail("cannot read " f)
	close(f)
	return s
}

function strip_comments(s,    out, i, j) {
	out = ""
	while ((i = index(s, "<!--")) > 0) {
		out = out substr(s, 1, i - 1)
		s = substr(s, i + 4)
		j = index(s, "-->")
		if (j == 0)
			return out
		s = substr(s, j + 3)
	}
	return out s
}

# The tags of file f as TOK[f, 1..NTOK[f]] ("element name=\"x\"", "/element", "empty/").
# Processing instructions and declarations are skipped, text is dropped.
function tokenize(f,    s, n, i, j, t) {
	s = strip_comments(slurp(f))
	n = 0
	while ((i = index(s, "<")) > 0) {
		s = substr(s, i + 1)
		j = index(s, ">")
		if (j == 0)
			fail(f ": unterminated tag")
		t = substr(s, 1, j - 1)
		s = substr(s, j + 1)
		if (t ~ /^[?!]/)
			continue
		TOK[f, ++n] = t
	}
	NTOK[f] = n
}

function tagname(t) {
	sub(/^\//, "", t)
	match(t, /^[^ \t\n\/]+/)
	return substr(t, RSTART, RLENGTH)
}

function closing(t) { return t ~ /^\// }
function selfclosing(t) { return t ~ /\/[ \t\n]*$/ }

# The value of attribute a in tag t ("" when absent).
function attrval(t, a,    v) {
	if (match(t, "[ \t\n]" a "[ \t\n]*=[ \t\n]*\"[^\"]*\"") ||
	    match(t, "[ \t\n]" a "[ \t\n]*=[ \t\n]*'[^']*'")) {
		v = substr(t, RSTART, RLENGTH)
		sub(/^[^=]*=[ \t\n]*/, "", v)
		return substr(v, 2, length(v) - 2)
	}
	return ""
}

function dirof(f) {
	return match(f, /.*\//) ? substr(f, 1, RLENGTH) : ""
}

# Load a schema file once: tags, the matching end tag of every start tag (CLOSE[f, i]),
# its <start>, and its <define>s under `scope` (an <include> shares the includer's scope,
# an <externalRef> is a grammar of its own).
function load_rng(f, scope,    i, n, t, sp, stk, nm, incs) {
	if (f in LOADED)
		return
	LOADED[f] = 1
	tokenize(f)
	sp = 0
	for (i = 1; i <= NTOK[f]; i++) {
		t = TOK[f, i]
		if (closing(t)) {
			if (sp == 0)
				fail(f ": unbalanced </" tagname(t) ">")
			CLOSE[f, stk[sp--]] = i
			continue
		}
		if (selfclosing(t))
			CLOSE[f, i] = i
		else
			stk[++sp] = i
		nm = tagname(t)
		if (nm == "start")
			START[f] = i
		else if (nm == "define") {
			n = ++NDEF[scope, attrval(t, "name")]
			DEFF[scope, attrval(t, "name"), n] = f
			DEFI[scope, attrval(t, "name"), n] = i
		} else if (nm == "include") {
			INCLUDES[f] = INCLUDES[f] SUBSEP dirof(f) attrval(t, "href")
		}
	}
	if (sp != 0)
		fail(f ": unbalanced <" tagname(TOK[f, stk[sp]]) ">")
	# includes after the scan: they register their defines in the same scope
	n = split(substr(INCLUDES[f], 2), incs, SUBSEP)
	for (i = 1; i <= n; i++)
		load_rng(incs[i], scope)
}

function add_item(item) {
	if (!(item in ITEM)) {
		ITEM[item] = ++NITEM
		ORDER[NITEM] = item
	}
}

# The children of the tag at f:i, with `path` the element they belong to.
function walk(f, i, path, scope, depth,    k, e, t, nm, n, d, ext) {
	if (depth > 64)
		fail("recursion too deep at " path)
	e = CLOSE[f, i]
	for (k = i + 1; k < e; k = CLOSE[f, k] + 1) {
		t = TOK[f, k]
		nm = tagname(t)
		if (nm == "element") {
			if (attrval(t, "name") == "")
				fail(f ": an <element> without a name attribute is not supported")
			add_item(path "/" attrval(t, "name"))
			walk(f, k, path "/" attrval(t, "name"), scope, depth + 1)
		} else if (nm == "attribute") {
			if (attrval(t, "name") == "")
				fail(f ": an <attribute> without a name attribute is not supported")
			add_item(path "@" attrval(t, "name"))
		} else if (nm == "ref") {
			n = NDEF[scope, attrval(t, "name")]
			if (n == 0)
				fail(f ": no <define name=\"" attrval(t, "name") "\">")
			for (d = 1; d <= n; d++)
				walk(DEFF[scope, attrval(t, "name"), d], DEFI[scope, attrval(t, "name"), d],
				     path, scope, depth + 1)
		} else if (nm == "externalRef") {
			ext = dirof(f) attrval(t, "href")
			load_rng(ext, ext)
			if (!(ext in START))
				fail(ext ": no <start>")
			walk(ext, START[ext], path, ext, depth + 1)
		} else if (nm == "parentRef" || nm == "grammar") {
			fail(f ": <" nm "> is not supported")
		} else {
			walk(f, k, path, scope, depth + 1)
		}
	}
}

# Mark the elements and attributes one XML file uses.
function use_xml(f,    i, t, nm, sp, stk, p, rest, a) {
	tokenize(f)
	sp = 0
	for (i = 1; i <= NTOK[f]; i++) {
		t = TOK[f, i]
		if (closing(t)) {
			sp--
			continue
		}
		nm = tagname(t)
		p = (sp > 0 ? stk[sp] "/" : "") nm
		USED[p] = 1
		rest = substr(t, length(nm) + 1)
		while (match(rest, /[ \t\n][A-Za-z_][-A-Za-z0-9_.:]*[ \t\n]*=/)) {
			a = substr(rest, RSTART + 1, RLENGTH - 2)
			sub(/[ \t\n]+$/, "", a)
			USED[p "@" a] = 1
			rest = substr(rest, RSTART + RLENGTH)
			# skip the value, quoted with " or '
			if (match(rest, /^[ \t\n]*"[^"]*"/) || match(rest, /^[ \t\n]*'[^']*'/))
				rest = substr(rest, RSTART + RLENGTH)
		}
		if (!selfclosing(t))
			stk[++sp] = p
	}
}

BEGIN {
	if (schema == "")
		fail("usage: awk -v schema=FILE.rng [-v list=1] -f coverage.awk FILE.xml...")
	load_rng(schema, schema)
	if (!(schema in START))
		fail(schema ": no <start>")
	walk(schema, START[schema], "", schema, 0)
	# items are "/root/..." from the walk: drop the leading slash
	for (k = 1; k <= NITEM; k++)
		ORDER[k] = substr(ORDER[k], 2)
	if (list) {
		for (k = 1; k <= NITEM; k++)
			print ORDER[k]
		exit 0
	}
	for (k = 1; k < ARGC; k++)
		use_xml(ARGV[k])
	missing = 0
	for (k = 1; k <= NITEM; k++)
		if (!(ORDER[k] in USED)) {
			print ORDER[k]
			missing++
		}
	exit missing > 0
}
