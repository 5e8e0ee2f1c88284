/* Unit tests of common/ks_escape and common/ks_json: every escaping mode
 * on hostile and invalid input, the same bytes to a stream and to a
 * buffer, and the JSON writer's output and its refusals of misuse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_escape.h"
#include "ks_json.h"

/* @in (@n bytes) escaped for @mode, checked to be the same through a
 * stream and a buffer; caller frees. */
static char *esc(enum ks_escape_mode mode, const char *in, size_t n)
{
	struct ks_buf b = KS_BUF_INIT;
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);

	assert_non_null(f);
	ks_escape_write(f, mode, in, n);
	assert_int_equal(fclose(f), 0);
	ks_escape_add(&b, mode, in, n);
	ks_buf_puts(&b, "");
	assert_int_equal(b.len, len);
	assert_memory_equal(b.p, mem, len);
	ks_buf_free(&b);
	return mem;
}

static void expect(enum ks_escape_mode mode, const char *in, const char *want)
{
	char *got = esc(mode, in, strlen(in));

	assert_string_equal(got, want);
	free(got);
}

static void test_json_strings(void **state)
{
	char *got;

	(void)state;
	expect(KS_ESC_JSON, "task_struct", "\"task_struct\"");
	expect(KS_ESC_JSON, "a\"b\\c", "\"a\\\"b\\\\c\"");
	expect(KS_ESC_JSON, "l1\nl2\tx\ry", "\"l1\\nl2\\tx\\ry\"");
	expect(KS_ESC_JSON, "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	/* '<' and '/' are fine in JSON proper */
	expect(KS_ESC_JSON, "</script>", "\"</script>\"");
	/* valid UTF-8 passes as it is, U+2028 included */
	expect(KS_ESC_JSON, "\xce\x94 \xe2\x80\xa8 \xf0\x9f\x98\x80", "\"\xce\x94 \xe2\x80\xa8 \xf0\x9f\x98\x80\"");
	/* a NUL inside the counted bytes is escaped, not the end */
	got = esc(KS_ESC_JSON, "a\0b", 3);
	assert_string_equal(got, "\"a\\u0000b\"");
	free(got);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	/* one U+FFFD per maximal invalid subpart */
	expect(KS_ESC_JSON, "a\x80" "b", "\"a\xef\xbf\xbd" "b\"");
	expect(KS_ESC_JSON, "\xe2\x82", "\"\xef\xbf\xbd\"");	/* truncated at the end */
	expect(KS_ESC_JSON, "\xe2\x82x", "\"\xef\xbf\xbdx\"");	/* broken by an ASCII byte */
	expect(KS_ESC_JSON, "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"");	/* overlong */
	expect(KS_ESC_JSON, "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");	/* surrogate */
	expect(KS_ESC_JSON, "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	expect(KS_ESC_JSON, "\xff", "\"\xef\xbf\xbd\"");
	/* the replacement keeps an escapable byte after it escaped */
	expect(KS_ESC_SCRIPT, "\xe2<", "\"\xef\xbf\xbd\\u003c\"");
	expect(KS_ESC_HTML, "\xe2\x80<", "\xef\xbf\xbd&lt;");
	/* the byte-wise modes are reversible instead */
	expect(KS_ESC_URL, "\xe2\x82", "%E2%82");
	expect(KS_ESC_FILE, "\xff", "%FF");
}

static void test_script(void **state)
{
	(void)state;
	expect(KS_ESC_SCRIPT, "</script><script>alert(1)</script>",
	       "\"\\u003c/script>\\u003cscript>alert(1)\\u003c/script>\"");
	expect(KS_ESC_SCRIPT, "<!--", "\"\\u003c!--\"");
	expect(KS_ESC_SCRIPT, "a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\"");
	expect(KS_ESC_SCRIPT, "x\"];alert(1);//", "\"x\\\"];alert(1);//\"");
	expect(KS_ESC_SCRIPT, "bpf_mem_alloc", "\"bpf_mem_alloc\"");
}

static void test_html(void **state)
{
	(void)state;
	expect(KS_ESC_HTML, "6.2\"<b>x", "6.2&quot;&lt;b&gt;x");
	expect(KS_ESC_HTML, "a&b 'c'", "a&amp;b &#39;c&#39;");
	expect(KS_ESC_HTML, "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	expect(KS_ESC_HTML, "t\tn\nr\r", "t\tn\nr\r");
	expect(KS_ESC_HTML, "a\x01" "b\x7f", "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	expect(KS_ESC_HTML, "struct sk_buff *skb", "struct sk_buff *skb");
}

static void test_url_and_file(void **state)
{
	char *d;

	(void)state;
	/* ordinary names are their own file names and links */
	expect(KS_ESC_FILE, "6.1.0-47-generic-amd64", "6.1.0-47-generic-amd64");
	expect(KS_ESC_FILE, "6.1+deb12_x", "6.1+deb12_x");
	expect(KS_ESC_URL, "s/bpf_mem_alloc.html", "s/bpf_mem_alloc.html");
	/* a hostile one can neither leave its folder nor break a link */
	expect(KS_ESC_FILE, "6.2\"<b>x", "6.2%22%3Cb%3Ex");
	expect(KS_ESC_FILE, "../etc/passwd", "%2E.%2Fetc%2Fpasswd");
	expect(KS_ESC_FILE, ".hidden", "%2Ehidden");
	expect(KS_ESC_FILE, "a b%c#d?e", "a%20b%25c%23d%3Fe");
	expect(KS_ESC_URL, "d/6.2%22x..6.3.html", "d/6.2%2522x..6.3.html");
	expect(KS_ESC_URL, "s/a b#c?d\"e'<f>&.html", "s/a%20b%23c%3Fd%22e%27%3Cf%3E%26.html");
	expect(KS_ESC_URL, "javascript:alert(1)", "javascript%3Aalert%281%29");
	d = ks_escape_dup(KS_ESC_HTML, "<&>");
	assert_string_equal(d, "&lt;&amp;&gt;");
	free(d);
	d = ks_escape_dup(KS_ESC_FILE, "");
	assert_string_equal(d, "");
	free(d);
}

/* ---- the JSON writer ---- */

struct out {
	char *mem;
	size_t len;
	FILE *f;
	struct ks_json j;
};

static void out_open(struct out *o, int pretty)
{
	o->mem = NULL;
	o->f = open_memstream(&o->mem, &o->len);
	assert_non_null(o->f);
	ks_json_init(&o->j, o->f);
	o->j.pretty = pretty;
}

/* Finishes the document: its return, with the text in @o->mem. */
static int out_close(struct out *o)
{
	int err = ks_json_finish(&o->j);

	assert_int_equal(fclose(o->f), 0);
	return err;
}

static void test_json_document(void **state)
{
	struct out o;

	(void)state;
	out_open(&o, 1);
	ks_json_begin_object(&o.j, NULL);
	ks_json_put_str(&o.j, "name", "6.2\"<b>x");
	ks_json_put_uint(&o.j, "size", 48);
	ks_json_put_bool(&o.j, "ok", 1);
	ks_json_put_null(&o.j, "none");
	ks_json_put_str(&o.j, "null_str", NULL);
	ks_json_put_strn(&o.j, "cut", "abcdef", 3);
	ks_json_begin_array(&o.j, "empty");
	ks_json_end_array(&o.j);
	ks_json_begin_array(&o.j, "list");
	ks_json_put_uint(&o.j, NULL, 1);
	ks_json_begin_object(&o.j, NULL);
	ks_json_end_object(&o.j);
	ks_json_end_array(&o.j);
	ks_json_end_object(&o.j);
	assert_int_equal(out_close(&o), 0);
	assert_string_equal(o.mem,
		"{\n  \"name\": \"6.2\\\"<b>x\",\n  \"size\": 48,\n  \"ok\": true,\n"
		"  \"none\": null,\n  \"null_str\": null,\n  \"cut\": \"abc\",\n"
		"  \"empty\": [],\n  \"list\": [\n    1,\n    {}\n  ]\n}\n");
	free(o.mem);

	out_open(&o, 0);
	ks_json_begin_array(&o.j, NULL);
	ks_json_put_str(&o.j, NULL, "a");
	ks_json_begin_object(&o.j, NULL);
	ks_json_put_bool(&o.j, "b", 0);
	ks_json_end_object(&o.j);
	ks_json_end_array(&o.j);
	assert_int_equal(out_close(&o), 0);
	assert_string_equal(o.mem, "[\"a\",{\"b\":false}]\n");
	free(o.mem);

	/* a scalar alone is a document */
	out_open(&o, 1);
	ks_json_put_uint(&o.j, NULL, 7);
	assert_int_equal(out_close(&o), 0);
	assert_string_equal(o.mem, "7\n");
	free(o.mem);
}

/* The writer refused: KS_EINVAL, a message naming @why, and nothing
 * written after the refusal (the output is @upto exactly). */
static void refused(struct out *o, const char *why, const char *upto)
{
	assert_int_equal(out_close(o), KS_EINVAL);
	assert_non_null(strstr(ks_err_msg(), why));
	assert_string_equal(o->mem, upto);
	free(o->mem);
}

static void test_json_refusals(void **state)
{
	struct out o;

	(void)state;
	/* ending an object while an array is open */
	out_open(&o, 0);
	ks_json_begin_object(&o.j, NULL);
	ks_json_begin_array(&o.j, "a");
	ks_json_end_object(&o.j);
	ks_json_end_array(&o.j);	/* sticky: ignored from here */
	ks_json_end_object(&o.j);
	refused(&o, "end of an object while an array is open", "{\"a\":[");

	out_open(&o, 0);
	ks_json_begin_array(&o.j, NULL);
	ks_json_end_object(&o.j);
	refused(&o, "end of an object while an array is open", "[");

	/* ending more than was begun */
	out_open(&o, 0);
	ks_json_begin_array(&o.j, NULL);
	ks_json_end_array(&o.j);
	ks_json_end_array(&o.j);
	refused(&o, "end of an array that was not begun", "[]");

	/* finishing with open containers */
	out_open(&o, 0);
	ks_json_begin_object(&o.j, NULL);
	ks_json_begin_object(&o.j, "x");
	refused(&o, "finished with 2 containers open", "{\"x\":{");

	/* keys where they do not belong, none where they do */
	out_open(&o, 0);
	ks_json_begin_array(&o.j, NULL);
	ks_json_put_str(&o.j, "k", "v");
	refused(&o, "key \"k\" inside an array", "[");
	out_open(&o, 0);
	ks_json_begin_object(&o.j, NULL);
	ks_json_put_uint(&o.j, NULL, 1);
	refused(&o, "a number without a key inside an object", "{");
	out_open(&o, 0);
	ks_json_put_uint(&o.j, "top", 1);
	refused(&o, "key \"top\" outside an object", "");

	/* one document per writer */
	out_open(&o, 0);
	ks_json_begin_object(&o.j, NULL);
	ks_json_end_object(&o.j);
	ks_json_begin_object(&o.j, NULL);
	refused(&o, "a second top-level value", "{}");
	out_open(&o, 0);
	refused(&o, "nothing written", "");
}

static void test_json_depth(void **state)
{
	struct ks_buf want = KS_BUF_INIT;
	struct out o;
	int i;

	(void)state;
	/* the limit itself is fine */
	out_open(&o, 0);
	for (i = 0; i < KS_JSON_MAX_DEPTH; i++)
		ks_json_begin_array(&o.j, NULL);
	for (i = 0; i < KS_JSON_MAX_DEPTH; i++)
		ks_json_end_array(&o.j);
	assert_int_equal(out_close(&o), 0);
	for (i = 0; i < KS_JSON_MAX_DEPTH; i++)
		ks_buf_putc(&want, '[');
	for (i = 0; i < KS_JSON_MAX_DEPTH; i++)
		ks_buf_putc(&want, ']');
	ks_buf_putc(&want, '\n');
	assert_string_equal(o.mem, want.p);
	free(o.mem);

	/* one more is refused, however it is closed afterwards */
	out_open(&o, 0);
	for (i = 0; i < KS_JSON_MAX_DEPTH + 1; i++)
		ks_json_begin_array(&o.j, NULL);
	for (i = 0; i < KS_JSON_MAX_DEPTH + 1; i++)
		ks_json_end_array(&o.j);
	ks_buf_truncate(&want, KS_JSON_MAX_DEPTH);
	refused(&o, "nesting deeper than 32", want.p);
	ks_buf_free(&want);
}

static void test_json_stream_error(void **state)
{
	struct ks_json j;
	FILE *f = fopen("/dev/null", "r");	/* every write fails */

	(void)state;
	assert_non_null(f);
	ks_json_init(&j, f);
	ks_json_begin_object(&j, NULL);
	ks_json_put_str(&j, "a", "b");
	ks_json_end_object(&j);
	assert_int_equal(ks_json_finish(&j), KS_EIO);
	assert_non_null(strstr(ks_err_msg(), "cannot write"));
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_url_and_file),
		cmocka_unit_test(test_json_document),
		cmocka_unit_test(test_json_refusals),
		cmocka_unit_test(test_json_depth),
		cmocka_unit_test(test_json_stream_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
