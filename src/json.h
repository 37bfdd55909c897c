/*
 * json.h — a strict JSON (RFC 8259) reader that builds a read-only tree,
 * typed getters that report field-level errors, and writer helpers on
 * sp__out.  Used for instances and matchings (io_json.c) and, later, for
 * applicant profiles, HTTP request bodies and calibration tables.
 *
 * A parse gives an sp__json_doc that owns every node and string in one
 * arena; nodes are valid until sp__json_free.  Every node records the
 * 1-based line and column (in bytes) where it starts; a member of an
 * object records where its key starts, so that errors about a field point
 * at the field's name.
 *
 * Strictness: one value per document (after an optional UTF-8 byte order
 * mark), no comments, no trailing commas, no leading zeros, no NaN or
 * Infinity, strings must be valid UTF-8 with no raw control characters,
 * \u escapes must pair surrogates, and an object may not repeat a key.
 */
#ifndef SP_JSON_H
#define SP_JSON_H

#include "internal.h"

typedef enum {
	SP__JSON_NULL = 0,
	SP__JSON_FALSE,
	SP__JSON_TRUE,
	SP__JSON_NUMBER,
	SP__JSON_STRING,
	SP__JSON_ARRAY,
	SP__JSON_OBJECT
} sp__json_type;

/* One value.  Read the fields directly or through the accessors below. */
typedef struct sp__json sp__json;
struct sp__json {
	uint8_t type;   /* sp__json_type */
	uint8_t is_int; /* numbers: an integer in int64 range (see
	                   sp__json_int) */
	uint32_t line;  /* 1-based */
	uint32_t col;   /* 1-based, in bytes */
	uint32_t keylen;
	const char *key; /* members of an object: the key (NUL-terminated);
	                    NULL otherwise */
	union {
		struct {
			double d;  /* the value, correctly rounded */
			int64_t i; /* the exact value when is_int */
		} num;
		struct {
			const char *s; /* UTF-8, NUL-terminated; never
			                  holds a NUL (\u0000 is refused) */
			size_t len;
		} str;
		struct {
			sp__json **v; /* elements, or members in order */
			size_t n;
		} kids;
	} u;
};

/* Caps on one parse.  A zero field takes the default. */
typedef struct {
	size_t max_bytes;  /* input size; default SP_MAX_FILE */
	size_t max_nodes;  /* values in the document; default 1 << 25,
	                      at most UINT32_MAX / 4 */
	size_t max_string; /* decoded bytes of a string or key;
	                      default 1 MiB, at most UINT32_MAX */
	int max_depth;     /* nesting of arrays and objects; default
	                      SP_MAX_JSON_DEPTH, at most 1024 */
} sp__json_limits;

/* A parsed document; owns its nodes and strings. */
typedef struct {
	sp__json *root;
	const char *name; /* for messages, copied from sp__json_parse */
	size_t nodes;     /* values in the tree */
	sp__arena arena;
} sp__json_doc;

/* Parses buf[0..len) (no terminator needed).  `name` (borrowed) names the
 * input in messages: "name:LINE:COL: expected ',' or '}' after object
 * member".  `lim` may be NULL for the defaults.  Gives *out, freed with
 * sp__json_free; on failure *out is NULL and the status is SP_EPARSE,
 * SP_ELIMIT or SP_ENOMEM. */
sp_status sp__json_parse(const char *buf, size_t len, const char *name,
                         const sp__json_limits *lim, sp__json_doc **out,
                         sp_err *err) SP_MUST_CHECK;
void sp__json_free(sp__json_doc *d);

/* Short English name of a type ("a string", "an object", ...). */
const char *sp__json_type_name(sp__json_type t);

/* Elements of an array or members of an object; 0 for other values. */
size_t sp__json_len(const sp__json *n);
/* The i-th element or member (i < sp__json_len). */
const sp__json *sp__json_at(const sp__json *n, size_t i);
/* The member of object `obj` named key, or NULL (also when obj is NULL or
 * not an object).  Constant time for large objects, which carry a hash
 * index; a linear scan for small ones. */
const sp__json *sp__json_get(const sp__json *obj, const char *key);
const sp__json *sp__json_getn(const sp__json *obj, const char *key,
                              size_t keylen);
/* True when n is a number whose exact decimal value is an integer in
 * int64 range, whatever its spelling: "12", "-3", "12.0", "1.2e1" and
 * "1e18" are integers; "12.5", "1e19" and "1e-400" are not.  *v is
 * exact even where the double is rounded. */
bool sp__json_int(const sp__json *n, int64_t *v);

/* Fills err with "name:LINE: field 'field': <message>" where LINE is
 * at's line (at may be NULL, field may be NULL) and returns s. */
sp_status sp__json_err(sp_err *err, const sp__json_doc *d, const sp__json *at,
                       sp_status s, const char *field, const char *fmt, ...)
    SP_PRINTF(6, 7);

/* Typed conversions of one value; on a mismatch they fill err naming
 * `field` and n's line and return SP_EPARSE:
 *   "inst.json:14: field 'quota': expected an integer between 0 and 100000"
 */
sp_status sp__json_as_int(const sp__json_doc *d, const sp__json *n,
                          const char *field, int64_t lo, int64_t hi, int64_t *v,
                          sp_err *err) SP_MUST_CHECK;
/* A number between lo and hi (inclusive). */
sp_status sp__json_as_double(const sp__json_doc *d, const sp__json *n,
                             const char *field, double lo, double hi, double *v,
                             sp_err *err) SP_MUST_CHECK;
/* A string of at most maxlen bytes; *s borrows from the document. */
sp_status sp__json_as_str(const sp__json_doc *d, const sp__json *n,
                          const char *field, size_t maxlen, const char **s,
                          size_t *len, sp_err *err) SP_MUST_CHECK;

/* Typed getters on a member of `obj`.  When the key is absent they fail
 * with "field 'key': missing" (at obj's line) if `required`, and
 * otherwise return SP_OK leaving *v untouched (pointers stay as the
 * caller set them, typically NULL). */
sp_status sp__json_get_int(const sp__json_doc *d, const sp__json *obj,
                           const char *key, bool required, int64_t lo,
                           int64_t hi, int64_t *v, sp_err *err) SP_MUST_CHECK;
sp_status sp__json_get_double(const sp__json_doc *d, const sp__json *obj,
                              const char *key, bool required, double lo,
                              double hi, double *v, sp_err *err) SP_MUST_CHECK;
sp_status sp__json_get_str(const sp__json_doc *d, const sp__json *obj,
                           const char *key, bool required, size_t maxlen,
                           const char **s, size_t *len,
                           sp_err *err) SP_MUST_CHECK;
sp_status sp__json_get_bool(const sp__json_doc *d, const sp__json *obj,
                            const char *key, bool required, bool *v,
                            sp_err *err) SP_MUST_CHECK;
sp_status sp__json_get_array(const sp__json_doc *d, const sp__json *obj,
                             const char *key, bool required,
                             const sp__json **arr, sp_err *err) SP_MUST_CHECK;
sp_status sp__json_get_object(const sp__json_doc *d, const sp__json *obj,
                              const char *key, bool required,
                              const sp__json **o, sp_err *err) SP_MUST_CHECK;

/* Checks that n is an object (field names it in the message) whose keys
 * are all among allowed[0..nallowed):
 *   "inst.json:3: field 'quotas': unknown field (expected id, quota,
 *    track or rol)" */
sp_status sp__json_check_object(const sp__json_doc *d, const sp__json *n,
                                const char *field, const char *const *allowed,
                                size_t nallowed, sp_err *err) SP_MUST_CHECK;

/* Writes s[0..len) into dst[0..size) as a double-quoted value fit for a
 * message, the convention of every reader (docs/formats.md): '"', '\\'
 * and control bytes escaped ("\\x01"), long values cut at a character
 * boundary with "...".  size >= 16.  Returns dst. */
const char *sp__json_quote(char *dst, size_t size, const char *s, size_t len);
#define SP__JSON_QUOTE_SIZE 96

/* Writer helpers.  Strings are quoted and escaped ('"', '\\' and control
 * characters; bytes that are not valid UTF-8 become U+FFFD), so the
 * output is always valid JSON. */
void sp__json_write_str(sp__out *o, const char *s, size_t len);
void sp__json_write_strz(sp__out *o, const char *s);
void sp__json_write_int(sp__out *o, int64_t v);
/* The shortest of %.15g, %.16g and %.17g that reads back to v exactly,
 * whatever the locale; integral values below 2^53 exactly as integers;
 * "null" for NaN and infinities, which JSON cannot represent. */
void sp__json_write_double(sp__out *o, double v);

#endif /* SP_JSON_H */
