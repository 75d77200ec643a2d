/* SPDX-License-Identifier: ISC */
/* tests/unit/test_json.c - common/json: strbuf, string escaping vectors (controls, quotes,
 * backslash, UTF-8 valid and malformed), numbers at their limits, nesting and misuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "common/json.h"

struct esc_vec {
	const char *name;
	const char *in;
	size_t len;
	const char *out;
};

#define V(name, lit, out)                                                                          \
	{                                                                                          \
		name, lit, sizeof(lit) - 1, out                                                    \
	}

static const struct esc_vec esc_vecs[] = {
    V("empty", "", "\"\""),
    V("plain", "abc 123", "\"abc 123\""),
    V("quote", "a\"b", "\"a\\\"b\""),
    V("backslash", "a\\b", "\"a\\\\b\""),
    V("slash not escaped", "a/b", "\"a/b\""),
    V("short escapes", "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""),
    V("nul", "a\0b", "\"a\\u0000b\""),
    V("other controls", "\x01\x1f\x1b", "\"\\u0001\\u001f\\u001b\""),
    V("del", "\x7f", "\"\\u007f\""),
    V("utf8 2 bytes", "caf\xc3\xa9", "\"caf\xc3\xa9\""),
    V("utf8 3 bytes", "\xe2\x82\xac", "\"\xe2\x82\xac\""),
    V("utf8 4 bytes", "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""),
    V("lone continuation", "\x80", "\"\\ufffd\""),
    V("ff byte", "\xff", "\"\\ufffd\""),
    V("telnet iac", "\xff\xfb\x01", "\"\\ufffd\\ufffd\\u0001\""),
    V("overlong slash", "\xc0\xaf", "\"\\ufffd\\ufffd\""),
    V("overlong 3", "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""),
    V("surrogate", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""),
    V("above 10ffff", "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""),
    V("truncated seq", "a\xe2\x82", "\"a\\ufffd\\ufffd\""),
    V("truncated then ascii", "\xc3z", "\"\\ufffdz\""),
};

static void test_escape_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(esc_vecs) / sizeof(esc_vecs[0]); i++) {
		const struct esc_vec *v = &esc_vecs[i];
		struct strbuf sb;
		strbuf_init(&sb);
		assert_int_equal(json_escape(&sb, v->in, v->len), 0);
		if (strcmp(strbuf_str(&sb), v->out) != 0)
			fail_msg("%s: got %s want %s", v->name, strbuf_str(&sb), v->out);
		strbuf_free(&sb);
	}
}

static void test_every_byte(void **state)
{
	(void)state;
	/* every single byte yields a quoted string with no raw control bytes inside */
	for (int c = 0; c < 256; c++) {
		struct strbuf sb;
		char in = (char)c;
		strbuf_init(&sb);
		assert_int_equal(json_escape(&sb, &in, 1), 0);
		assert_true(sb.len >= 3);
		assert_int_equal(sb.s[0], '"');
		assert_int_equal(sb.s[sb.len - 1], '"');
		for (size_t k = 0; k < sb.len; k++)
			assert_true((unsigned char)sb.s[k] >= 0x20 && sb.s[k] != 0x7f);
		strbuf_free(&sb);
	}
}

static void test_compact_document(void **state)
{
	(void)state;
	struct strbuf sb;
	struct json j;
	strbuf_init(&sb);
	json_init(&j, &sb, 0);
	assert_int_equal(json_begin_object(&j, NULL), 0);
	assert_int_equal(json_str(&j, "name", "lisp-msd"), 0);
	assert_int_equal(json_int(&j, "min", INT64_MIN), 0);
	assert_int_equal(json_uint(&j, "max", UINT64_MAX), 0);
	assert_int_equal(json_bool(&j, "up", true), 0);
	assert_int_equal(json_bool(&j, "down", false), 0);
	assert_int_equal(json_null(&j, "none"), 0);
	assert_int_equal(json_str(&j, "nullStr", NULL), 0);
	assert_int_equal(json_begin_array(&j, "list"), 0);
	assert_int_equal(json_int(&j, NULL, -1), 0);
	assert_int_equal(json_begin_object(&j, NULL), 0);
	assert_int_equal(json_end(&j), 0);
	assert_int_equal(json_begin_array(&j, NULL), 0);
	assert_int_equal(json_end(&j), 0);
	assert_int_equal(json_end(&j), 0);
	assert_int_equal(json_end(&j), 0);
	assert_int_equal(json_finish(&j), 0);
	assert_string_equal(strbuf_str(&sb),
			    "{\"name\":\"lisp-msd\",\"min\":-9223372036854775808,"
			    "\"max\":18446744073709551615,\"up\":true,\"down\":false,"
			    "\"none\":null,\"nullStr\":null,\"list\":[-1,{},[]]}");
	strbuf_free(&sb);
}

static void test_pretty_document(void **state)
{
	(void)state;
	struct strbuf sb;
	struct json j;
	strbuf_init(&sb);
	json_init(&j, &sb, JSON_PRETTY);
	json_begin_object(&j, NULL);
	json_str(&j, "a", "x");
	json_begin_array(&j, "b");
	json_uint(&j, NULL, 1);
	json_uint(&j, NULL, 2);
	json_end(&j);
	json_begin_object(&j, "c");
	json_end(&j);
	json_end(&j);
	assert_int_equal(json_finish(&j), 0);
	assert_string_equal(strbuf_str(&sb), "{\n  \"a\": \"x\",\n  \"b\": [\n    1,\n    2\n  ],\n"
					     "  \"c\": {}\n}");
	strbuf_free(&sb);
}

static void test_key_escaped(void **state)
{
	(void)state;
	struct strbuf sb;
	struct json j;
	strbuf_init(&sb);
	json_init(&j, &sb, 0);
	json_begin_object(&j, NULL);
	json_bool(&j, "k\"\n", true);
	json_end(&j);
	assert_int_equal(json_finish(&j), 0);
	assert_string_equal(strbuf_str(&sb), "{\"k\\\"\\n\":true}");
	strbuf_free(&sb);
}

/* Each misuse makes the writer fail, and it stays failed. */
static void test_misuse(void **state)
{
	(void)state;
	struct strbuf sb;
	struct json j;
	strbuf_init(&sb);

	/* key at top level */
	json_init(&j, &sb, 0);
	assert_int_equal(json_int(&j, "k", 1), -1);
	assert_int_equal(json_begin_object(&j, NULL), -1); /* sticky */
	assert_int_equal(json_finish(&j), -1);

	/* missing key in object */
	strbuf_reset(&sb);
	json_init(&j, &sb, 0);
	assert_int_equal(json_begin_object(&j, NULL), 0);
	assert_int_equal(json_int(&j, NULL, 1), -1);
	assert_int_equal(json_finish(&j), -1);

	/* key in array */
	strbuf_reset(&sb);
	json_init(&j, &sb, 0);
	assert_int_equal(json_begin_array(&j, NULL), 0);
	assert_int_equal(json_int(&j, "k", 1), -1);

	/* unmatched end */
	strbuf_reset(&sb);
	json_init(&j, &sb, 0);
	assert_int_equal(json_end(&j), -1);

	/* two top-level values */
	strbuf_reset(&sb);
	json_init(&j, &sb, 0);
	assert_int_equal(json_int(&j, NULL, 1), 0);
	assert_int_equal(json_finish(&j), 0);
	assert_int_equal(json_int(&j, NULL, 2), -1);
	assert_int_equal(json_finish(&j), -1);

	/* unclosed container */
	strbuf_reset(&sb);
	json_init(&j, &sb, 0);
	assert_int_equal(json_begin_array(&j, NULL), 0);
	assert_int_equal(json_finish(&j), -1);

	/* nothing written */
	strbuf_reset(&sb);
	json_init(&j, &sb, 0);
	assert_int_equal(json_finish(&j), -1);
	strbuf_free(&sb);
}

static void test_depth_limit(void **state)
{
	(void)state;
	struct strbuf sb;
	struct json j;
	strbuf_init(&sb);
	json_init(&j, &sb, 0);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		assert_int_equal(json_begin_array(&j, NULL), 0);
	assert_int_equal(json_begin_array(&j, NULL), -1);
	assert_int_equal(json_end(&j), -1);
	assert_int_equal(json_finish(&j), -1);
	strbuf_free(&sb);
}

static void test_strbuf(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb);
	assert_string_equal(strbuf_str(&sb), "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(strbuf_printf(&sb, "%d,", i % 10), 0);
	assert_int_equal(sb.len, 2000);
	assert_int_equal(strlen(sb.s), 2000);
	assert_int_equal(strbuf_add(&sb, "x", STRBUF_MAX), -1); /* over the cap */
	assert_true(sb.oom);
	assert_int_equal(strbuf_puts(&sb, "y"), -1); /* sticky */
	strbuf_reset(&sb);
	assert_false(sb.oom);
	assert_int_equal(strbuf_puts(&sb, "ok"), 0);
	assert_string_equal(strbuf_str(&sb), "ok");
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape_vectors),   cmocka_unit_test(test_every_byte),
	    cmocka_unit_test(test_compact_document), cmocka_unit_test(test_pretty_document),
	    cmocka_unit_test(test_key_escaped),	     cmocka_unit_test(test_misuse),
	    cmocka_unit_test(test_depth_limit),	     cmocka_unit_test(test_strbuf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
