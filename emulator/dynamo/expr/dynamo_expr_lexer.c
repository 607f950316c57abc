/*
 * dynamo_expr_lexer.c - tokens of DynamoDB expressions, and DynamoDB's
 * reserved-word list.
 *
 * Role: turns an expression text into the token array described in
 * dynamo_expr_int.h; the parser (dynamo_expr_parser.c) consumes it.
 * Lexical rules, as DynamoDB applies them (ALT-tests
 * test_update_expression.py::test_update_expression_name_token):
 *   - a bare name starts with a letter and continues with letters, digits
 *     and '_' ("_abc" and "123a" are not names: '_' lexes as an invalid
 *     character and "123" as a number, so the parser reports a syntax error
 *     at "_" or at the number);
 *   - "#name" and ":value" placeholders continue with at least one letter,
 *     digit or '_' (so "#123" and ":_" are fine, a lone "#" is not);
 *   - numbers are runs of decimal digits (only list indexes use them);
 *   - punctuation: ( ) [ ] , . = <> < <= > >= + -;
 *   - blanks are space, tab, CR and LF; anything else is an invalid token
 *     (a whole UTF-8 sequence, so the error message shows the character).
 * Keywords are matched case-insensitively (ALT-tests
 * test_update_expression_action_case: "sEt" works) and reported through
 * expr_token.kw; function names are ordinary identifiers.
 * Invariants: see the token-array section of dynamo_expr_int.h.
 * Ownership: dynamo_expr__lex returns a malloc'd array the caller frees.
 * Threading: pure functions; the reserved-word table is const.
 */
#include <stdlib.h>
#include <string.h>

#include "dynamo_expr_int.h"
#include "emu_utf8.h"

/* DynamoDB's reserved words (developer guide, "Reserved words in DynamoDB";
 * the list is case-insensitive). Sorted, upper case; searched with bsearch.
 * A bare use gets "Attribute name is a reserved keyword; reserved keyword:
 * <word>" (DYN-test updateItem.js). */
static const char *const reserved_words[] = {
    // clang-format off
    "ABORT", "ABSOLUTE", "ACTION", "ADD", "AFTER", "AGENT", "AGGREGATE", "ALL",
    "ALLOCATE", "ALTER", "ANALYZE", "AND", "ANY", "ARCHIVE", "ARE", "ARRAY",
    "AS", "ASC", "ASCII", "ASENSITIVE", "ASSERTION", "ASYMMETRIC", "AT",
    "ATOMIC", "ATTACH", "ATTRIBUTE", "AUTH", "AUTHORIZATION", "AUTHORIZE",
    "AUTO", "AVG", "BACK", "BACKUP", "BASE", "BATCH", "BEFORE", "BEGIN",
    "BETWEEN", "BIGINT", "BINARY", "BIT", "BLOB", "BLOCK", "BOOLEAN", "BOTH",
    "BREADTH", "BUCKET", "BULK", "BY", "BYTE", "CALL", "CALLED", "CALLING",
    "CAPACITY", "CASCADE", "CASCADED", "CASE", "CAST", "CATALOG", "CHAR",
    "CHARACTER", "CHECK", "CLASS", "CLOB", "CLOSE", "CLUSTER", "CLUSTERED",
    "CLUSTERING", "CLUSTERS", "COALESCE", "COLLATE", "COLLATION", "COLLECTION",
    "COLUMN", "COLUMNS", "COMBINE", "COMMENT", "COMMIT", "COMPACT", "COMPILE",
    "COMPRESS", "CONDITION", "CONFLICT", "CONNECT", "CONNECTION", "CONSISTENCY",
    "CONSISTENT", "CONSTRAINT", "CONSTRAINTS", "CONSTRUCTOR", "CONSUMED",
    "CONTINUE", "CONVERT", "COPY", "CORRESPONDING", "COUNT", "COUNTER",
    "CREATE", "CROSS", "CUBE", "CURRENT", "CURSOR", "CYCLE", "DATA", "DATABASE",
    "DATE", "DATETIME", "DAY", "DEALLOCATE", "DEC", "DECIMAL", "DECLARE",
    "DEFAULT", "DEFERRABLE", "DEFERRED", "DEFINE", "DEFINED", "DEFINITION",
    "DELETE", "DELIMITED", "DEPTH", "DEREF", "DESC", "DESCRIBE", "DESCRIPTOR",
    "DETACH", "DETERMINISTIC", "DIAGNOSTICS", "DIRECTORIES", "DISABLE",
    "DISCONNECT", "DISTINCT", "DISTRIBUTE", "DO", "DOMAIN", "DOUBLE", "DROP",
    "DUMP", "DURATION", "DYNAMIC", "EACH", "ELEMENT", "ELSE", "ELSEIF", "EMPTY",
    "ENABLE", "END", "EQUAL", "EQUALS", "ERROR", "ESCAPE", "ESCAPED", "EVAL",
    "EVALUATE", "EXCEEDED", "EXCEPT", "EXCEPTION", "EXCEPTIONS", "EXCLUSIVE",
    "EXEC", "EXECUTE", "EXISTS", "EXIT", "EXPLAIN", "EXPLODE", "EXPORT",
    "EXPRESSION", "EXTENDED", "EXTERNAL", "EXTRACT", "FAIL", "FALSE", "FAMILY",
    "FETCH", "FIELDS", "FILE", "FILTER", "FILTERING", "FINAL", "FINISH",
    "FIRST", "FIXED", "FLATTERN", "FLOAT", "FOR", "FORCE", "FOREIGN", "FORMAT",
    "FORWARD", "FOUND", "FREE", "FROM", "FULL", "FUNCTION", "FUNCTIONS",
    "GENERAL", "GENERATE", "GET", "GLOB", "GLOBAL", "GO", "GOTO", "GRANT",
    "GREATER", "GROUP", "GROUPING", "HANDLER", "HASH", "HAVE", "HAVING", "HEAP",
    "HIDDEN", "HOLD", "HOUR", "IDENTIFIED", "IDENTITY", "IF", "IGNORE",
    "IMMEDIATE", "IMPORT", "IN", "INCLUDING", "INCLUSIVE", "INCREMENT",
    "INCREMENTAL", "INDEX", "INDEXED", "INDEXES", "INDICATOR", "INFINITE",
    "INITIALLY", "INLINE", "INNER", "INNTER", "INOUT", "INPUT", "INSENSITIVE",
    "INSERT", "INSTEAD", "INT", "INTEGER", "INTERSECT", "INTERVAL", "INTO",
    "INVALIDATE", "IS", "ISOLATION", "ITEM", "ITEMS", "ITERATE", "JOIN", "KEY",
    "KEYS", "LAG", "LANGUAGE", "LARGE", "LAST", "LATERAL", "LEAD", "LEADING",
    "LEAVE", "LEFT", "LENGTH", "LESS", "LEVEL", "LIKE", "LIMIT", "LIMITED",
    "LINES", "LIST", "LOAD", "LOCAL", "LOCALTIME", "LOCALTIMESTAMP", "LOCATION",
    "LOCATOR", "LOCK", "LOCKS", "LOG", "LOGED", "LONG", "LOOP", "LOWER", "MAP",
    "MATCH", "MATERIALIZED", "MAX", "MAXLEN", "MEMBER", "MERGE", "METHOD",
    "METRICS", "MIN", "MINUS", "MINUTE", "MISSING", "MOD", "MODE", "MODIFIES",
    "MODIFY", "MODULE", "MONTH", "MULTI", "MULTISET", "NAME", "NAMES",
    "NATIONAL", "NATURAL", "NCHAR", "NCLOB", "NEW", "NEXT", "NO", "NONE", "NOT",
    "NULL", "NULLIF", "NUMBER", "NUMERIC", "OBJECT", "OF", "OFFLINE", "OFFSET",
    "OLD", "ON", "ONLINE", "ONLY", "OPAQUE", "OPEN", "OPERATOR", "OPTION", "OR",
    "ORDER", "ORDINALITY", "OTHER", "OTHERS", "OUT", "OUTER", "OUTPUT", "OVER",
    "OVERLAPS", "OVERRIDE", "OWNER", "PAD", "PARALLEL", "PARAMETER",
    "PARAMETERS", "PARTIAL", "PARTITION", "PARTITIONED", "PARTITIONS", "PATH",
    "PERCENT", "PERCENTILE", "PERMISSION", "PERMISSIONS", "PIPE", "PIPELINED",
    "PLAN", "POOL", "POSITION", "PRECISION", "PREPARE", "PRESERVE", "PRIMARY",
    "PRIOR", "PRIVATE", "PRIVILEGES", "PROCEDURE", "PROCESSED", "PROJECT",
    "PROJECTION", "PROPERTY", "PROVISIONING", "PUBLIC", "PUT", "QUERY", "QUIT",
    "QUORUM", "RAISE", "RANDOM", "RANGE", "RANK", "RAW", "READ", "READS",
    "REAL", "REBUILD", "RECORD", "RECURSIVE", "REDUCE", "REF", "REFERENCE",
    "REFERENCES", "REFERENCING", "REGEXP", "REGION", "REINDEX", "RELATIVE",
    "RELEASE", "REMAINDER", "RENAME", "REPEAT", "REPLACE", "REQUEST", "RESET",
    "RESIGNAL", "RESOURCE", "RESPONSE", "RESTORE", "RESTRICT", "RESULT",
    "RETURN", "RETURNING", "RETURNS", "REVERSE", "REVOKE", "RIGHT", "ROLE",
    "ROLES", "ROLLBACK", "ROLLUP", "ROUTINE", "ROW", "ROWS", "RULE", "RULES",
    "SAMPLE", "SATISFIES", "SAVE", "SAVEPOINT", "SCAN", "SCHEMA", "SCOPE",
    "SCROLL", "SEARCH", "SECOND", "SECTION", "SEGMENT", "SEGMENTS", "SELECT",
    "SELF", "SEMI", "SENSITIVE", "SEPARATE", "SEQUENCE", "SERIALIZABLE",
    "SESSION", "SET", "SETS", "SHARD", "SHARE", "SHARED", "SHORT", "SHOW",
    "SIGNAL", "SIMILAR", "SIZE", "SKEWED", "SMALLINT", "SNAPSHOT", "SOME",
    "SOURCE", "SPACE", "SPACES", "SPARSE", "SPECIFIC", "SPECIFICTYPE", "SPLIT",
    "SQL", "SQLCODE", "SQLERROR", "SQLEXCEPTION", "SQLSTATE", "SQLWARNING",
    "START", "STATE", "STATIC", "STATUS", "STORAGE", "STORE", "STORED",
    "STREAM", "STRING", "STRUCT", "STYLE", "SUB", "SUBMULTISET", "SUBPARTITION",
    "SUBSTRING", "SUBTYPE", "SUM", "SUPER", "SYMMETRIC", "SYNONYM", "SYSTEM",
    "TABLE", "TABLESAMPLE", "TEMP", "TEMPORARY", "TERMINATED", "TEXT", "THAN",
    "THEN", "THROUGHPUT", "TIME", "TIMESTAMP", "TIMEZONE", "TINYINT", "TO",
    "TOKEN", "TOTAL", "TOUCH", "TRAILING", "TRANSACTION", "TRANSFORM",
    "TRANSLATE", "TRANSLATION", "TREAT", "TRIGGER", "TRIM", "TRUE", "TRUNCATE",
    "TTL", "TUPLE", "TYPE", "UNDER", "UNDO", "UNION", "UNIQUE", "UNIT",
    "UNKNOWN", "UNLOGGED", "UNNEST", "UNPROCESSED", "UNSIGNED", "UNTIL",
    "UPDATE", "UPPER", "URL", "USAGE", "USE", "USER", "USERS", "USING", "UUID",
    "VACUUM", "VALUE", "VALUED", "VALUES", "VARCHAR", "VARIABLE", "VARIANCE",
    "VARINT", "VARYING", "VIEW", "VIEWS", "VIRTUAL", "VOID", "WAIT", "WHEN",
    "WHENEVER", "WHERE", "WHILE", "WINDOW", "WITH", "WITHIN", "WITHOUT", "WORK",
    "WRAPPED", "WRITE", "YEAR", "ZONE",
    // clang-format on
};

#define RESERVED_COUNT (sizeof(reserved_words) / sizeof(reserved_words[0]))

/* Longest reserved word is "LOCALTIMESTAMP" (14 letters); longer words
 * cannot match. */
#define RESERVED_MAX_LEN 32

struct keyword {
  const char *upper;
  enum expr_kw kw;
};

static const struct keyword keywords[] = {
    {"AND", EXPR_KW_AND},         {"OR", EXPR_KW_OR},   {"NOT", EXPR_KW_NOT},
    {"BETWEEN", EXPR_KW_BETWEEN}, {"IN", EXPR_KW_IN},   {"SET", EXPR_KW_SET},
    {"REMOVE", EXPR_KW_REMOVE},   {"ADD", EXPR_KW_ADD}, {"DELETE", EXPR_KW_DELETE},
};

static int is_alpha(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

static int is_word(unsigned char c) {
  return is_alpha(c) || is_digit(c) || c == '_';
}

static int is_blank(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static unsigned char to_upper(unsigned char c) {
  return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
}

/* Case-insensitive compare of word[0, len) with an upper-case C string. */
static int compare_upper(const char *word, size_t len, const char *upper) {
  size_t i;

  for (i = 0; i < len; i++) {
    unsigned char a = to_upper((unsigned char)word[i]);
    unsigned char b = (unsigned char)upper[i];
    if (b == '\0')
      return 1;
    if (a != b)
      return a < b ? -1 : 1;
  }
  return upper[len] == '\0' ? 0 : -1;
}

static enum expr_kw keyword_of(const char *word, size_t len) {
  size_t i;

  for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
    if (compare_upper(word, len, keywords[i].upper) == 0)
      return keywords[i].kw;
  return EXPR_KW_NONE;
}

int dynamo_expr__is_reserved(const char *word, size_t len) {
  size_t lo = 0, hi = RESERVED_COUNT;

  if (len == 0 || len > RESERVED_MAX_LEN)
    return 0;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = compare_upper(word, len, reserved_words[mid]);
    if (c == 0)
      return 1;
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return 0;
}

size_t dynamo_expr__reserved_count(void) {
  return RESERVED_COUNT;
}

/* Punctuation at text[i]: sets *kind and returns its length, or 0. */
static size_t punct(const char *text, size_t len, size_t i, enum expr_tok *kind) {
  char c = text[i];
  char d = i + 1 < len ? text[i + 1] : '\0';

  switch (c) {
  case '(':
    *kind = EXPR_TOK_LPAREN;
    return 1;
  case ')':
    *kind = EXPR_TOK_RPAREN;
    return 1;
  case '[':
    *kind = EXPR_TOK_LBRACKET;
    return 1;
  case ']':
    *kind = EXPR_TOK_RBRACKET;
    return 1;
  case ',':
    *kind = EXPR_TOK_COMMA;
    return 1;
  case '.':
    *kind = EXPR_TOK_DOT;
    return 1;
  case '=':
    *kind = EXPR_TOK_EQ;
    return 1;
  case '+':
    *kind = EXPR_TOK_PLUS;
    return 1;
  case '-':
    *kind = EXPR_TOK_MINUS;
    return 1;
  case '<':
    if (d == '>') {
      *kind = EXPR_TOK_NE;
      return 2;
    }
    if (d == '=') {
      *kind = EXPR_TOK_LE;
      return 2;
    }
    *kind = EXPR_TOK_LT;
    return 1;
  case '>':
    if (d == '=') {
      *kind = EXPR_TOK_GE;
      return 2;
    }
    *kind = EXPR_TOK_GT;
    return 1;
  default:
    return 0;
  }
}

int dynamo_expr__lex(const char *text, size_t len, struct expr_token **toks, size_t *ntoks) {
  struct expr_token *v;
  size_t n = 0, i = 0, last_end = 0;

  /* At most one token per byte, plus EOF. */
  v = calloc(len + 1, sizeof(*v));
  if (!v)
    return -1;
  while (i < len) {
    unsigned char c = (unsigned char)text[i];
    struct expr_token *t;
    size_t j;

    if (is_blank(c)) {
      i++;
      continue;
    }
    t = &v[n++];
    t->start = i;
    t->kw = EXPR_KW_NONE;
    if (is_alpha(c)) {
      for (j = i + 1; j < len && is_word((unsigned char)text[j]); j++)
        ;
      t->kind = EXPR_TOK_IDENT;
      t->kw = keyword_of(text + i, j - i);
    } else if (is_digit(c)) {
      for (j = i + 1; j < len && is_digit((unsigned char)text[j]); j++)
        ;
      t->kind = EXPR_TOK_NUMBER;
    } else if (c == '#' || c == ':') {
      for (j = i + 1; j < len && is_word((unsigned char)text[j]); j++)
        ;
      if (j == i + 1)
        t->kind = EXPR_TOK_INVALID; /* a lone '#' or ':' */
      else
        t->kind = c == '#' ? EXPR_TOK_NAME_REF : EXPR_TOK_VALUE_REF;
    } else {
      size_t plen = punct(text, len, i, &t->kind);
      if (plen) {
        j = i + plen;
      } else {
        t->kind = EXPR_TOK_INVALID;
        j = i + emu_utf8_seq_len((const unsigned char *)text + i, len - i);
      }
    }
    t->len = j - i;
    last_end = j;
    i = j;
  }
  v[n].kind = EXPR_TOK_EOF;
  v[n].kw = EXPR_KW_NONE;
  v[n].start = last_end;
  v[n].len = 0;
  *toks = v;
  *ntoks = n + 1;
  return 0;
}
