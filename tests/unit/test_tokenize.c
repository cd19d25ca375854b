/*
 * Unit tests of util/tokenize: the tokens a document and a query give (the
 * full-text index matches a query's tokens as a phrase against the
 * document's positions), folding, limits and hostile bytes; and of
 * core/search.h's query building.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/search.h"
#include "util/tokenize.h"

/* The tokens as one line: "tok@pos" each, space-separated; a colocated
 * token shares the previous position. */
struct collect {
	char out[4096];
	size_t n;
	int pos;
};

static int collect_token(void *ctx, const char *tok, size_t len, size_t start, size_t end,
                         bool colocated)
{
	struct collect *c = ctx;
	assert_true(start < end);
	assert_true(len > 0 && len <= TOKEN_MAX);
	if (!colocated)
		c->pos++;
	c->n += (size_t)snprintf(c->out + c->n, sizeof c->out - c->n, "%s%.*s@%d", c->n ? " " : "",
	                         (int)len, tok, c->pos - 1);
	return 0;
}

static const char *toks(const char *text, enum tokenize_mode mode)
{
	static struct collect c;
	memset(&c, 0, sizeof c);
	assert_int_equal(tokenize(text, strlen(text), mode, collect_token, &c), 0);
	return c.out;
}

static void cjk_document(void **state)
{
	(void)state;
	/* each bigram first, its first character at the same position */
	assert_string_equal(toks("路灯不亮", TOKENIZE_DOCUMENT),
	                    "路灯@0 路@0 灯不@1 灯@1 不亮@2 不@2 亮@3");
	assert_string_equal(toks("噪", TOKENIZE_DOCUMENT), "噪@0");
	/* punctuation ends a run: no bigram across it */
	assert_string_equal(toks("停水，停电", TOKENIZE_DOCUMENT),
	                    "停水@0 停@0 水@1 停电@2 停@2 电@3");
}

static void cjk_query(void **state)
{
	(void)state;
	assert_string_equal(toks("路灯不亮", TOKENIZE_QUERY), "路灯@0 灯不@1 不亮@2");
	assert_string_equal(toks("噪", TOKENIZE_QUERY), "噪@0");
	assert_string_equal(toks("停水", TOKENIZE_QUERY), "停水@0");
	/* mixed Chinese and ASCII: 5G at one position, 基站 at the next, as in
	 * the document, so the phrase matches */
	assert_string_equal(toks("5G基站", TOKENIZE_QUERY), "5g@0 基站@1");
	assert_string_equal(toks("5G基站", TOKENIZE_DOCUMENT), "5g@0 基站@1 基@1 站@2");
	/* a run followed by more: its last character is owed one more position,
	 * as the document gives it one (分页@0 页@1 x@2) */
	assert_string_equal(toks("分页x", TOKENIZE_DOCUMENT), "分页@0 分@0 页@1 x@2");
	assert_string_equal(toks("分页x", TOKENIZE_QUERY), "分页@0 页@1 x@2");
	assert_string_equal(toks("路灯，停水", TOKENIZE_QUERY), "路灯@0 灯@1 停水@2");
	assert_string_equal(toks("路灯，噪", TOKENIZE_QUERY), "路灯@0 灯@1 噪@2");
	assert_string_equal(toks("路灯，", TOKENIZE_QUERY), "路灯@0");
}

static void words_and_numbers(void **state)
{
	(void)state;
	assert_string_equal(toks("WiFi 信号", TOKENIZE_DOCUMENT), "wifi@0 信号@1 信@1 号@2");
	/* full-width letters and digits fold to ASCII */
	assert_string_equal(toks("ＡＢＣ１２３", TOKENIZE_QUERY), "abc123@0");
	/* a plate: the letters-and-digits word, and its digit run at its position */
	assert_string_equal(toks("赣B12345", TOKENIZE_DOCUMENT), "赣@0 b12345@1 12345@1");
	assert_string_equal(toks("赣B12345", TOKENIZE_QUERY), "赣@0 b12345@1");
	/* a case number */
	assert_string_equal(toks("RX20261201000001", TOKENIZE_DOCUMENT),
	                    "rx20261201000001@0 20261201000001@0");
	/* short digit runs inside a word are not split out */
	assert_string_equal(toks("a1b22", TOKENIZE_DOCUMENT), "a1b22@0");
}

static void traditional_folds(void **state)
{
	(void)state;
	assert_true(han_fold_ready());
	assert_string_equal(toks("路燈", TOKENIZE_QUERY), "路灯@0");
	assert_string_equal(toks("噪音擾民", TOKENIZE_QUERY), "噪音@0 音扰@1 扰民@2");
	assert_int_equal(han_fold(0x6C34), 0x6C34); /* 水 is its own */
	assert_int_equal(han_fold('a'), 'a');
}

static void hostile_bytes(void **state)
{
	(void)state;
	/* invalid and cut UTF-8 separates tokens and never reaches a token */
	assert_string_equal(toks("停\xff水\xe8\xb7", TOKENIZE_DOCUMENT), "停@0 水@1");
	assert_string_equal(toks("", TOKENIZE_QUERY), "");
	assert_string_equal(toks("，。！？ \t\n", TOKENIZE_QUERY), "");
	/* an endless word is cut at TOKEN_MAX bytes, on a character boundary */
	char longw[300];
	memset(longw, 'x', sizeof longw - 1);
	longw[sizeof longw - 1] = '\0';
	const char *t = toks(longw, TOKENIZE_DOCUMENT);
	assert_int_equal(strlen(t), TOKEN_MAX + 2); /* "xxx…@0" */
	/* four-byte characters (Extension B) are CJK too */
	assert_string_equal(toks("\xf0\xa0\x80\x80\xe5\xa4\xa7", TOKENIZE_QUERY),
	                    "\xf0\xa0\x80\x80\xe5\xa4\xa7@0");
}

static void query_building(void **state)
{
	(void)state;
	char m[SEARCH_MATCH_CAP];
	struct err e;
	assert_int_equal(search_match("路灯 解放路", m, &e), 0);
	assert_string_equal(m, "\"路灯\" \"解放路\"");
	/* FTS5's syntax is quoted away: a quote is doubled inside a phrase */
	assert_int_equal(search_match("a\"b OR NEAR(x) *", m, &e), 0);
	assert_string_equal(m, "\"a\"\"b\" \"OR\" \"NEAR(x)\"");
	/* the ideographic space separates terms */
	assert_int_equal(search_match("停水\xe3\x80\x80小区", m, &e), 0);
	assert_string_equal(m, "\"停水\" \"小区\"");
	assert_int_equal(search_match("，，", m, &e), SEARCH_NO_TERMS);
	assert_string_equal(e.field, "q");
	assert_int_equal(search_match("a b c d e f g h i", m, &e), -1);
	assert_int_equal(search_match("\xff", m, &e), -1);
	char longq[800];
	for (int i = 0; i < 201; i++)
		memcpy(longq + 3 * i, "字", 3);
	longq[3 * 201] = '\0';
	assert_int_equal(search_match(longq, m, &e), -1);
	/* the longest query fits the buffer: 200 characters of quotes doubled */
	char quotes[201];
	memset(quotes, '"', 200);
	quotes[200] = '\0';
	memcpy(quotes, "ab", 2);
	assert_int_equal(search_match(quotes, m, &e), 0);
	assert_true(strlen(m) < sizeof m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cjk_document),      cmocka_unit_test(cjk_query),
	    cmocka_unit_test(words_and_numbers), cmocka_unit_test(traditional_folds),
	    cmocka_unit_test(hostile_bytes),     cmocka_unit_test(query_building),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
