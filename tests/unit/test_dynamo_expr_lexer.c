/*
 * test_dynamo_expr_lexer.c - unit tests for emulator/dynamo/expr/dynamo_expr_lexer.c:
 * token kinds and boundaries, keywords, placeholders, invalid characters
 * and the reserved-word table.
 *
 * Tables have a reason column; token sequences are written as short kind
 * names separated by spaces ("IDENT EQ VAL EOF").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dynamo_expr_int.h"

static const char *kind_short(enum expr_tok k) {
  switch (k) {
  case EXPR_TOK_EOF:
    return "EOF";
  case EXPR_TOK_IDENT:
    return "IDENT";
  case EXPR_TOK_NAME_REF:
    return "NAME";
  case EXPR_TOK_VALUE_REF:
    return "VAL";
  case EXPR_TOK_NUMBER:
    return "NUM";
  case EXPR_TOK_LPAREN:
    return "(";
  case EXPR_TOK_RPAREN:
    return ")";
  case EXPR_TOK_LBRACKET:
    return "[";
  case EXPR_TOK_RBRACKET:
    return "]";
  case EXPR_TOK_COMMA:
    return ",";
  case EXPR_TOK_DOT:
    return ".";
  case EXPR_TOK_EQ:
    return "EQ";
  case EXPR_TOK_NE:
    return "NE";
  case EXPR_TOK_LT:
    return "LT";
  case EXPR_TOK_LE:
    return "LE";
  case EXPR_TOK_GT:
    return "GT";
  case EXPR_TOK_GE:
    return "GE";
  case EXPR_TOK_PLUS:
    return "+";
  case EXPR_TOK_MINUS:
    return "-";
  case EXPR_TOK_INVALID:
    return "BAD";
  }
  return "?";
}

/* Lexes text and renders the kinds, or the texts when texts != 0. */
static void render(const char *text, int texts, char *out, size_t cap) {
  struct expr_token *toks = NULL;
  size_t n = 0, i, used = 0;

  assert_int_equal(dynamo_expr__lex(text, strlen(text), &toks, &n), 0);
  out[0] = '\0';
  for (i = 0; i < n; i++) {
    int w;
    if (texts)
      w = snprintf(out + used, cap - used, "%s%.*s", i ? "|" : "", (int)toks[i].len,
                   text + toks[i].start);
    else
      w = snprintf(out + used, cap - used, "%s%s", i ? " " : "", kind_short(toks[i].kind));
    assert_true(w >= 0 && (size_t)w < cap - used);
    used += (size_t)w;
  }
  free(toks);
}

struct kinds_case {
  const char *text;
  const char *kinds;
  const char *reason;
};

static const struct kinds_case kinds_cases[] = {
    {"", "EOF", "empty text is just EOF"},
    {"   \t\r\n ", "EOF", "blanks only"},
    {"a = :v", "IDENT EQ VAL EOF", "simple comparison"},
    {"a<>b", "IDENT NE IDENT EOF", "<> is one token"},
    {"a<=b>=c<d>e", "IDENT LE IDENT GE IDENT LT IDENT GT IDENT EOF",
     "all orderings without blanks"},
    {"a.b[2].c", "IDENT . IDENT [ NUM ] . IDENT EOF", "document path"},
    {"a[0][1]", "IDENT [ NUM ] [ NUM ] EOF", "nested list indexes"},
    {"#n.x", "NAME . IDENT EOF", "name placeholder in a path"},
    {"#123 :_ :a1_", "NAME VAL VAL EOF", "placeholders may start with a digit or _"},
    {"# = :", "BAD EQ BAD EOF", "a lone # or : is not a placeholder"},
    {"SET a = b + c - d", "IDENT IDENT EQ IDENT + IDENT - IDENT EOF", "arithmetic"},
    {"f(a, :b)", "IDENT ( IDENT , VAL ) EOF", "function call"},
    {"_abc", "BAD IDENT EOF", "names cannot start with _"},
    {"123a", "NUM IDENT EOF", "names cannot start with a digit"},
    {"a!=b", "IDENT BAD EQ IDENT EOF", "! is not an operator"},
    {"a = \"x\"", "IDENT EQ BAD IDENT BAD EOF", "quotes are not string literals"},
    {"a\xc3\xa9", "IDENT BAD EOF", "a UTF-8 character is one invalid token"},
    {"Alpha_Numeric_123", "IDENT EOF", "letters, digits and underscores"},
};

static void lexer_splits_texts_into_expected_token_kinds(void **state) {
  char got[512];
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(kinds_cases) / sizeof(kinds_cases[0]); i++) {
    render(kinds_cases[i].text, 0, got, sizeof(got));
    if (strcmp(got, kinds_cases[i].kinds) != 0)
      fail_msg("\"%s\" (%s): got %s, want %s", kinds_cases[i].text, kinds_cases[i].reason, got,
               kinds_cases[i].kinds);
  }
}

static const struct kinds_case text_cases[] = {
    {"  a  =  :v  ", "a|=|:v|", "blanks belong to no token; EOF is empty"},
    {"SET a=b+c", "SET|a|=|b|+|c|", "tokens without blanks"},
    {"a\xe2\x82\xac b", "a|\xe2\x82\xac|b|", "a 3-byte UTF-8 character stays whole"},
    {"x\xe2\x82", "x|\xe2\x82|", "a truncated UTF-8 sequence stops at the end"},
    {"#abc.#d[10]", "#abc|.|#d|[|10|]|", "placeholder and index texts"},
};

static void lexer_token_texts_match_the_source(void **state) {
  char got[512];
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
    render(text_cases[i].text, 1, got, sizeof(got));
    if (strcmp(got, text_cases[i].kinds) != 0)
      fail_msg("\"%s\" (%s): got %s, want %s", text_cases[i].text, text_cases[i].reason, got,
               text_cases[i].kinds);
  }
}

static void lexer_places_eof_after_the_last_token(void **state) {
  struct expr_token *toks = NULL;
  size_t n = 0;
  const char *text = "ab   ";

  (void)state;
  assert_int_equal(dynamo_expr__lex(text, strlen(text), &toks, &n), 0);
  assert_int_equal(n, 2);
  assert_int_equal(toks[1].kind, EXPR_TOK_EOF);
  assert_int_equal(toks[1].start, 2); /* not 5: trailing blanks excluded */
  assert_int_equal(toks[1].len, 0);
  free(toks);
}

struct kw_case {
  const char *text;
  enum expr_kw kw;
  const char *reason;
};

static const struct kw_case kw_cases[] = {
    {"AND", EXPR_KW_AND, "upper case"},
    {"and", EXPR_KW_AND, "lower case"},
    {"aNd", EXPR_KW_AND, "mixed case"},
    {"or", EXPR_KW_OR, "OR"},
    {"Not", EXPR_KW_NOT, "NOT"},
    {"between", EXPR_KW_BETWEEN, "BETWEEN"},
    {"In", EXPR_KW_IN, "IN"},
    {"sEt", EXPR_KW_SET, "SET, as ALT-tests test_update_expression_action_case"},
    {"remove", EXPR_KW_REMOVE, "REMOVE"},
    {"ADD", EXPR_KW_ADD, "ADD"},
    {"Delete", EXPR_KW_DELETE, "DELETE"},
    {"andy", EXPR_KW_NONE, "a keyword prefix is a plain name"},
    {"an", EXPR_KW_NONE, "a keyword's prefix is a plain name"},
    {"set_", EXPR_KW_NONE, "underscore continues the word"},
    {"size", EXPR_KW_NONE, "function names are not keywords"},
};

static void lexer_marks_keywords_case_insensitively(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(kw_cases) / sizeof(kw_cases[0]); i++) {
    struct expr_token *toks = NULL;
    size_t n = 0;
    assert_int_equal(dynamo_expr__lex(kw_cases[i].text, strlen(kw_cases[i].text), &toks, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(toks[0].kind, EXPR_TOK_IDENT);
    if (toks[0].kw != kw_cases[i].kw)
      fail_msg("\"%s\" (%s): kw %d, want %d", kw_cases[i].text, kw_cases[i].reason, (int)toks[0].kw,
               (int)kw_cases[i].kw);
    free(toks);
  }
}

struct reserved_case {
  const char *word;
  int reserved;
  const char *reason;
};

static const struct reserved_case reserved_cases[] = {
    {"ABORT", 1, "first word of the table"},
    {"ZONE", 1, "last word of the table"},
    {"status", 1, "common surprise, lower case"},
    {"Name", 1, "mixed case"},
    {"LOCALTIMESTAMP", 1, "longest word"},
    {"count", 1, "COUNT"},
    {"size", 1, "function names are reserved words too"},
    {"FLATTERN", 1, "the documentation's spelling is kept"},
    {"statu", 0, "prefix of a reserved word"},
    {"statuses", 0, "extension of a reserved word"},
    {"a", 0, "ordinary name"},
    {"", 0, "empty"},
    {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0, "longer than any reserved word"},
};

static void reserved_words_are_found_in_any_case(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(reserved_cases) / sizeof(reserved_cases[0]); i++) {
    const struct reserved_case *c = &reserved_cases[i];
    if (dynamo_expr__is_reserved(c->word, strlen(c->word)) != c->reserved)
      fail_msg("\"%s\" (%s): want %d", c->word, c->reason, c->reserved);
  }
}

static void reserved_word_table_has_the_documented_size(void **state) {
  (void)state;
  /* developer guide "Reserved words in DynamoDB": 573 entries */
  assert_int_equal(dynamo_expr__reserved_count(), 573);
}

static void lexer_handles_a_maximal_text_of_single_character_tokens(void **state) {
  char text[DYNAMO_EXPR_MAX_TEXT + 1];
  struct expr_token *toks = NULL;
  size_t n = 0;

  (void)state;
  memset(text, '(', sizeof(text) - 1);
  text[sizeof(text) - 1] = '\0';
  assert_int_equal(dynamo_expr__lex(text, strlen(text), &toks, &n), 0);
  assert_int_equal(n, DYNAMO_EXPR_MAX_TEXT + 1);
  assert_int_equal(toks[n - 1].kind, EXPR_TOK_EOF);
  free(toks);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(lexer_splits_texts_into_expected_token_kinds),
      cmocka_unit_test(lexer_token_texts_match_the_source),
      cmocka_unit_test(lexer_places_eof_after_the_last_token),
      cmocka_unit_test(lexer_marks_keywords_case_insensitively),
      cmocka_unit_test(reserved_words_are_found_in_any_case),
      cmocka_unit_test(reserved_word_table_has_the_documented_size),
      cmocka_unit_test(lexer_handles_a_maximal_text_of_single_character_tokens),
  };
  return cmocka_run_group_tests_name("dynamo_expr_lexer", tests, NULL, NULL);
}
