/* Native 856 mapper: a certified ship notice's text straight to its event JSON.
 *
 * What gateway/mapping/ship_notice.py (ShipNoticeMap) and pydantic's encoder produce for one
 * 856 set, byte for byte, for the sets the native scanner certified clean and the maps
 * native/ship_notice.py could compile. Whenever the Python mapper would warn (a missing or
 * unreadable value, misaligned pairs, an odd hierarchy) or a value is outside what this file
 * converts (non-ASCII digits, exponents), it declines and the set goes to the Python mapper,
 * which stays the reference (tests/mapping/test_native_ship_notice.py holds the two to the
 * same bytes).
 *
 * Plan(spec): the map, compiled by native/ship_notice.py (see there for the spec's shape).
 * plan.load(body, element_sep, terminator, max_split) -> str: splits the set's body (the text
 *     between ST and SE, as the scanner kept it) as split_body() does and returns the text the
 *     event id hashes: per segment "\x1e" + its elements joined by "\x1f".
 * plan.encode(head, indent, depth) -> str | None: the event: the items of ``head`` (a dict of
 *     str, None, bool, lists and dicts), then "document"; json.dumps(..., indent=indent) with
 *     every newline followed by depth * indent more spaces (indent < 0: one line, ", " and
 *     ": " separators). None: declined.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <string.h>

#define MAX_HL_DEPTH 16
#define MAX_JSON_DEPTH 96

/* ---- small strings of the plan (UCS4) ---- */

typedef struct {
    Py_UCS4 *chars;
    Py_ssize_t len;
} UStr;

typedef struct {
    int element;
    int negate;
    int nvalues; /* -1: the element must be non-blank */
    UStr *values;
} Filter;

typedef struct {
    int tag;
    int element;
    int has_qualifier;
    UStr qualifier;
    int nfilters;
    Filter *filters;
} Cand;

typedef struct {
    int ncands;
    Cand *cands;
} Field;

typedef struct {
    UStr key;
    int has_value;
    UStr value;
} Pair;

enum { F_SHIPMENT_ID, F_PURPOSE, F_SHIP_DATE, F_SHIP_TIME, F_DELIVERY, F_LADING, N_HEADER };
enum { F_SCAC, F_NAME, F_MODE, N_CARRIER };
enum { F_PO, F_SSCC, F_TRACK, N_LEVEL };
enum { F_LINE_NUMBER, F_QUANTITY, F_UOM, F_LOT, F_EXPIRATION, F_DESCRIPTION, N_LINE };
enum { R_SHIPMENT, R_ORDER, R_TARE, R_PACK, R_ITEM };
static const char *ROLE_NAMES[] = {"shipment", "order", "tare", "pack", "item"};

/* ---- per set ---- */

typedef struct {
    Py_ssize_t s, e; /* s < 0: none */
} Span;

typedef struct {
    Span id, code;
    int role; /* -1: none */
    int parent, depth;
    int first, count; /* its segments */
    int is_line;
    Span po, sscc, track;
    Span nearest_po, container, parent_container, pack_sscc, tare_sscc;
    Span line[N_LINE];
    int first_child, last_child, next;
} Level;

typedef struct {
    int is_plan;
    const UStr *plan_key;
    Span key, value;
} ProductId;

typedef struct {
    char *buf;
    Py_ssize_t len, cap;
    int indent;
    int depth;
    char first[MAX_JSON_DEPTH];
} Writer;

typedef struct {
    PyObject_HEAD
    Field header[N_HEADER];
    Field carrier[N_CARRIER];
    Field level[N_LEVEL];
    Field line[N_LINE];
    Field tracking;
    Field products;
    int nroles;
    UStr *role_codes;
    int *role_of;
    int nline_tags;
    int *line_tags;
    int nqualifiers;
    Pair *qualifiers;
    int nuoms;
    Pair *uoms;
    int nformats;
    UStr *formats;
    int pivot;
    /* the loaded set */
    PyObject *text;
    int kind;
    const void *data;
    int nseg;
    int *seg_tag, *seg_e0, *seg_n;
    int seg_cap;
    Py_ssize_t *el_s, *el_e;
    int el_cap;
    int *all; /* 0, 1, 2...: a contiguous run's scope */
    int all_cap;
    int *heading;
    int heading_cap;
    Level *levels;
    int level_cap;
    int *table; /* HL01 -> level + 1 */
    int table_cap;
    int *stack;
    int stack_cap;
    Span *codes;
    int codes_cap;
    ProductId *products_buf;
    int products_cap;
    Span *tracking_buf;
    int tracking_cap;
    Writer w;
} Plan;

#define READ(p, i) PyUnicode_READ((p)->kind, (p)->data, (i))

static int grow(void **items, int *cap, int need, size_t size) {
    if (need <= *cap) return 0;
    int n = *cap ? *cap : 64;
    while (n < need) {
        if (n > INT_MAX / 2) {
            PyErr_NoMemory();
            return -1;
        }
        n *= 2;
    }
    void *more = PyMem_Realloc(*items, (size_t)n * size);
    if (more == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *items = more;
    *cap = n;
    return 0;
}

#define GROW(p, field, capfield, need) \
    grow((void **)&(p)->field, &(p)->capfield, (need), sizeof(*(p)->field))

/* ---- tags: up to 3 ASCII letters and digits, packed as in native/ship_notice.py ---- */

static int pack_tag(Plan *p, Py_ssize_t s, Py_ssize_t e) {
    Py_ssize_t n = e - s;
    if (n < 2 || n > 3) return 0;
    int code = (int)n << 24;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = READ(p, s + i);
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
        code |= (int)c << (8 * (2 - i));
    }
    return code;
}

#define TAG2(a, b) ((2 << 24) | ((a) << 16) | ((b) << 8))
#define TAG3(a, b, c) ((3 << 24) | ((a) << 16) | ((b) << 8) | (c))
static const int TAG_HL = TAG2('H', 'L');
static const int TAG_CTT = TAG3('C', 'T', 'T');
static const int TAG_N1 = TAG2('N', '1');
static const int TAG_N3 = TAG2('N', '3');
static const int TAG_N4 = TAG2('N', '4');

static int continues_party(int tag) {
    static const int tags[] = {
        TAG2('N', '2'), TAG2('N', '3'), TAG2('N', '4'), TAG3('R', 'E', 'F'), TAG3('P', 'E', 'R'),
        TAG3('F', 'O', 'B'), TAG3('D', 'T', 'M'), TAG2('S', 'I'), TAG3('G', '6', '1'),
        TAG3('T', 'D', '5')};
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
        if (tags[i] == tag) return 1;
    return 0;
}

/* ---- text spans ---- */

static Span strip(Plan *p, Py_ssize_t s, Py_ssize_t e) {
    while (s < e && Py_UNICODE_ISSPACE(READ(p, s))) s++;
    while (e > s && Py_UNICODE_ISSPACE(READ(p, e - 1))) e--;
    Span out = {s, e};
    return out;
}

static const Span NONE = {-1, -1};

static int blank(Span v) { return v.s < 0 || v.e <= v.s; }

/* Element ``k`` of segment ``seg``, trimmed (empty when absent). */
static Span element(Plan *p, int seg, int k) {
    if (k >= p->seg_n[seg]) {
        Span empty = {0, 0};
        return empty;
    }
    int at = p->seg_e0[seg] + k;
    return strip(p, p->el_s[at], p->el_e[at]);
}

static int equals(Plan *p, Span v, const UStr *u) {
    if (v.s < 0 || v.e - v.s != u->len) return 0;
    for (Py_ssize_t i = 0; i < u->len; i++)
        if (READ(p, v.s + i) != u->chars[i]) return 0;
    return 1;
}

static int spans_equal(Plan *p, Span a, Span b) {
    if (a.e - a.s != b.e - b.s) return 0;
    for (Py_ssize_t i = 0; i < a.e - a.s; i++)
        if (READ(p, a.s + i) != READ(p, b.s + i)) return 0;
    return 1;
}

/* ---- reading a field ---- */

static int filters_hold(Plan *p, const Cand *c, int seg) {
    for (int i = 0; i < c->nfilters; i++) {
        const Filter *f = &c->filters[i];
        Span v = element(p, seg, f->element);
        if (f->nvalues < 0) {
            if (blank(v)) return 0;
            continue;
        }
        int found = 0;
        for (int j = 0; j < f->nvalues && !found; j++) found = equals(p, v, &f->values[j]);
        if (found == f->negate) return 0;
    }
    return 1;
}

/* pair_map(segment, start).get(qualifier, ""): blank elements skipped, then paired; the last
 * pair with the qualifier wins. */
static Span pair_value(Plan *p, int seg, int start, const UStr *qualifier) {
    Span found = NONE;
    Span q = NONE;
    for (int k = start; k < p->seg_n[seg]; k++) {
        Span v = element(p, seg, k);
        if (blank(v)) continue;
        if (q.s < 0) {
            q = v;
        } else {
            if (equals(p, q, qualifier)) found = v;
            q = NONE;
        }
    }
    return found;
}

static Span read_cand(Plan *p, const Cand *c, int seg) {
    if (c->has_qualifier) return pair_value(p, seg, c->element, &c->qualifier);
    return element(p, seg, c->element);
}

/* first_hit(scope, paths): candidates in order, then segments in scope order. */
static Span first_hit(Plan *p, const Field *f, const int *scope, int n) {
    for (int i = 0; i < f->ncands; i++) {
        const Cand *c = &f->cands[i];
        for (int j = 0; j < n; j++) {
            int seg = scope[j];
            if (p->seg_tag[seg] != c->tag || !filters_hold(p, c, seg)) continue;
            Span v = read_cand(p, c, seg);
            if (!blank(v)) return v;
        }
    }
    return NONE;
}

/* ---- converting values (gateway/mapping/values.py); -1: unreadable (the mapper warns) ---- */

static int ascii_digits(Plan *p, Span v) {
    for (Py_ssize_t i = v.s; i < v.e; i++) {
        Py_UCS4 c = READ(p, i);
        if (c < '0' || c > '9') return 0;
    }
    return v.e > v.s;
}

static int two(Plan *p, Py_ssize_t at) {
    return (int)(READ(p, at) - '0') * 10 + (int)(READ(p, at + 1) - '0');
}

static int days_in(int year, int month) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
    return days[month - 1];
}

/* parse_date: "YYYY-MM-DD" into out[16]. Non-ASCII digits (which Python's \d accepts) are
 * declined rather than read: -2. */
static int date_of(Plan *p, Span v, char *out) {
    if (!ascii_digits(p, v)) {
        for (Py_ssize_t i = v.s; i < v.e; i++)
            if (READ(p, i) > 127) return -2;
        return -1;
    }
    Py_ssize_t n = v.e - v.s;
    for (int f = 0; f < p->nformats; f++) {
        const UStr *fmt = &p->formats[f];
        if (fmt->len != n) continue;
        int cc = -1, yy = 0, mm = 0, dd = 0;
        for (Py_ssize_t i = 0; i < n; i += 2) {
            int value = two(p, v.s + i);
            Py_UCS4 a = fmt->chars[i], b = fmt->chars[i + 1];
            if (a == 'C' && b == 'C') cc = value;
            else if (a == 'Y' && b == 'Y') yy = value;
            else if (a == 'M' && b == 'M') mm = value;
            else dd = value;
        }
        int year = cc >= 0 ? cc * 100 + yy : yy + (yy < p->pivot ? 2000 : 1900);
        if (year < 1 || mm < 1 || mm > 12 || dd < 1 || dd > days_in(year, mm)) continue;
        snprintf(out, 16, "%04u-%02u-%02u", (unsigned)year % 10000u, (unsigned)mm % 100u, (unsigned)dd % 100u);
        return 0;
    }
    return -1;
}

static int time_of(Plan *p, Span v, char *out) {
    Py_ssize_t n = v.e - v.s;
    if (!ascii_digits(p, v)) {
        for (Py_ssize_t i = v.s; i < v.e; i++)
            if (READ(p, i) > 127) return -2;
        return -1;
    }
    if (n != 4 && n != 6 && n != 7 && n != 8) return -1;
    int hh = two(p, v.s), mi = two(p, v.s + 2), ss = n >= 6 ? two(p, v.s + 4) : -1;
    if (hh > 23 || mi > 59 || ss > 59) return -1;
    if (ss < 0) snprintf(out, 16, "%02d:%02d", hh, mi);
    else snprintf(out, 16, "%02d:%02d:%02d", hh, mi, ss);
    return 0;
}

/* parse_decimal without implied decimals: sign, digits, point, digits; no exponent (-2). */
static int decimal_of(Plan *p, Span v, char *out, Py_ssize_t cap) {
    Py_ssize_t i = v.s, e = v.e;
    int negative = 0;
    if (i < e && (READ(p, i) == '+' || READ(p, i) == '-')) negative = READ(p, i++) == '-';
    Py_ssize_t int_s = i;
    while (i < e && READ(p, i) >= '0' && READ(p, i) <= '9') i++;
    Py_ssize_t int_e = i, frac_s = i, frac_e = i;
    if (i < e && READ(p, i) == '.') {
        frac_s = ++i;
        while (i < e && READ(p, i) >= '0' && READ(p, i) <= '9') i++;
        frac_e = i;
    }
    if (i != e) {
        for (Py_ssize_t k = v.s; k < v.e; k++) {
            Py_UCS4 c = READ(p, k);
            if (c > 127 || c == 'e' || c == 'E') return -2;
        }
        return -1;
    }
    if (int_e == int_s && frac_e == frac_s) return -1; /* "", "+", ".", "-." */
    while (int_s < int_e - 1 && READ(p, int_s) == '0') int_s++;
    int zero = 1;
    for (Py_ssize_t k = int_s; k < int_e && zero; k++) zero = READ(p, k) == '0';
    for (Py_ssize_t k = frac_s; k < frac_e && zero; k++) zero = READ(p, k) == '0';
    Py_ssize_t need = 2 + (int_e - int_s) + 1 + (frac_e - frac_s) + 1;
    if (need > cap) return -2;
    Py_ssize_t n = 0;
    if (negative && !zero) out[n++] = '-';
    if (int_e == int_s) out[n++] = '0';
    for (Py_ssize_t k = int_s; k < int_e; k++) out[n++] = (char)READ(p, k);
    if (frac_e > frac_s) {
        out[n++] = '.';
        for (Py_ssize_t k = frac_s; k < frac_e; k++) out[n++] = (char)READ(p, k);
    }
    out[n] = 0;
    return 0;
}

/* ---- the JSON writer: json.dumps(ensure_ascii=True) with an indent, or one line ---- */

static int w_reserve(Writer *w, Py_ssize_t more) {
    if (w->len + more <= w->cap) return 0;
    Py_ssize_t n = w->cap ? w->cap : 65536;
    while (n < w->len + more) n *= 2;
    char *buf = PyMem_Realloc(w->buf, (size_t)n);
    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    w->buf = buf;
    w->cap = n;
    return 0;
}

static int w_raw(Writer *w, const char *s, Py_ssize_t n) {
    if (w_reserve(w, n) < 0) return -1;
    memcpy(w->buf + w->len, s, (size_t)n);
    w->len += n;
    return 0;
}

#define W(w, lit) w_raw((w), (lit), (Py_ssize_t)(sizeof(lit) - 1))

static int w_newline(Writer *w) {
    Py_ssize_t n = 1 + (Py_ssize_t)w->indent * w->depth;
    if (w_reserve(w, n) < 0) return -1;
    w->buf[w->len] = '\n';
    memset(w->buf + w->len + 1, ' ', (size_t)(n - 1));
    w->len += n;
    return 0;
}

static int w_item(Writer *w) {
    int first = w->first[w->depth];
    w->first[w->depth] = 0;
    if (!first && W(w, ",") < 0) return -1;
    if (w->indent > 0) return w_newline(w);
    return first ? 0 : W(w, " ");
}

static int w_open(Writer *w, const char *bracket) {
    if (w->depth + 1 >= MAX_JSON_DEPTH) {
        PyErr_SetString(PyExc_ValueError, "JSON nested too deep");
        return -1;
    }
    if (w_raw(w, bracket, 1) < 0) return -1;
    w->first[++w->depth] = 1;
    return 0;
}

static int w_close(Writer *w, const char *bracket) {
    int empty = w->first[w->depth];
    w->depth--;
    if (!empty && w->indent > 0 && w_newline(w) < 0) return -1;
    return w_raw(w, bracket, 1);
}

static int w_key(Writer *w, const char *key) {
    if (w_item(w) < 0 || W(w, "\"") < 0 || w_raw(w, key, (Py_ssize_t)strlen(key)) < 0) return -1;
    return W(w, "\": ");
}

static int w_char(Writer *w, Py_UCS4 c) {
    char tmp[16];
    switch (c) {
    case '"': return W(w, "\\\"");
    case '\\': return W(w, "\\\\");
    case '\n': return W(w, "\\n");
    case '\r': return W(w, "\\r");
    case '\t': return W(w, "\\t");
    case '\b': return W(w, "\\b");
    case '\f': return W(w, "\\f");
    }
    if (c >= 0x20 && c < 0x7f) {
        tmp[0] = (char)c;
        return w_raw(w, tmp, 1);
    }
    if (c >= 0x10000) {
        Py_UCS4 v = c - 0x10000;
        snprintf(tmp, sizeof tmp, "\\u%04x\\u%04x", 0xd800 | ((v >> 10) & 0x3ff), 0xdc00 | (v & 0x3ff));
        return w_raw(w, tmp, 12);
    }
    snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)c);
    return w_raw(w, tmp, 6);
}

static int w_span(Plan *p, Span v) {
    Writer *w = &p->w;
    if (v.s < 0) return W(w, "null");
    if (w_reserve(w, 2 + (v.e - v.s)) < 0 || W(w, "\"") < 0) return -1;
    for (Py_ssize_t i = v.s; i < v.e; i++) {
        Py_UCS4 c = READ(p, i);
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            if (w->len >= w->cap && w_reserve(w, 1) < 0) return -1;
            w->buf[w->len++] = (char)c;
        } else if (w_char(w, c) < 0) {
            return -1;
        }
    }
    return W(w, "\"");
}

static int w_ustr(Writer *w, const UStr *u) {
    if (W(w, "\"") < 0) return -1;
    for (Py_ssize_t i = 0; i < u->len; i++)
        if (w_char(w, u->chars[i]) < 0) return -1;
    return W(w, "\"");
}

static int w_ascii(Writer *w, const char *s) {
    if (s == NULL) return W(w, "null");
    if (W(w, "\"") < 0 || w_raw(w, s, (Py_ssize_t)strlen(s)) < 0) return -1;
    return W(w, "\"");
}

static int w_pystr(Writer *w, PyObject *s) {
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    if (W(w, "\"") < 0) return -1;
    for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(s); i++)
        if (w_char(w, PyUnicode_READ(kind, data, i)) < 0) return -1;
    return W(w, "\"");
}

/* The head's values: str, None, bool, and lists and dicts of them. */
static int w_object(Writer *w, PyObject *value) {
    if (value == Py_None) return W(w, "null");
    if (value == Py_True) return W(w, "true");
    if (value == Py_False) return W(w, "false");
    if (PyUnicode_Check(value)) return w_pystr(w, value);
    if (PyList_Check(value)) {
        if (w_open(w, "[") < 0) return -1;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(value); i++)
            if (w_item(w) < 0 || w_object(w, PyList_GET_ITEM(value, i)) < 0) return -1;
        return w_close(w, "]");
    }
    if (PyDict_Check(value)) {
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        if (w_open(w, "{") < 0) return -1;
        while (PyDict_Next(value, &pos, &k, &v)) {
            if (!PyUnicode_Check(k)) {
                PyErr_SetString(PyExc_TypeError, "head keys must be str");
                return -1;
            }
            if (w_item(w) < 0 || w_pystr(w, k) < 0 || W(w, ": ") < 0 || w_object(w, v) < 0)
                return -1;
        }
        return w_close(w, "}");
    }
    PyErr_Format(PyExc_TypeError, "cannot encode %.80s in the head", Py_TYPE(value)->tp_name);
    return -1;
}

/* ---- the document; every writer returns 0, -1 (error set) or DECLINE ---- */

#define DECLINE 1
#define TRY(x) do { int _r = (x); if (_r) return _r; } while (0)

/* "key": the span's text (or null) */
static int w_text(Plan *p, const char *key, Span v) {
    TRY(w_key(&p->w, key));
    return w_span(p, v);
}

static int w_parties(Plan *p, const int *scope, int n) {
    Writer *w = &p->w;
    TRY(w_open(w, "["));
    int i = 0;
    while (i < n && p->seg_tag[scope[i]] != TAG_N1) i++;
    while (i < n) {
        /* an N1 opens a party; the segments a group allows continue it; anything else ends it */
        int end = i + 1;
        while (end < n && p->seg_tag[scope[end]] != TAG_N1 && continues_party(p->seg_tag[scope[end]]))
            end++;
        int n1 = scope[i], n4 = -1;
        for (int j = i; j < end; j++)
            if (p->seg_tag[scope[j]] == TAG_N4) {
                n4 = scope[j];
                break;
            }
        TRY(w_item(w));
        TRY(w_open(w, "{"));
        TRY(w_text(p, "role", element(p, n1, 1)));
        static const char *ids[] = {"name", "id_qualifier", "id"};
        for (int k = 0; k < 3; k++) {
            Span v = element(p, n1, k + 2);
            TRY(w_text(p, ids[k], blank(v) ? NONE : v));
        }
        TRY(w_key(w, "address_lines"));
        TRY(w_open(w, "["));
        for (int j = i; j < end; j++) {
            if (p->seg_tag[scope[j]] != TAG_N3) continue;
            for (int k = 1; k <= 2; k++) {
                Span v = element(p, scope[j], k);
                if (blank(v)) continue;
                TRY(w_item(w));
                TRY(w_span(p, v));
            }
        }
        TRY(w_close(w, "]"));
        static const char *places[] = {"city", "state", "postal_code", "country"};
        for (int k = 0; k < 4; k++) {
            Span v = n4 < 0 ? NONE : element(p, n4, k + 1);
            TRY(w_text(p, places[k], blank(v) ? NONE : v));
        }
        TRY(w_close(w, "}"));
        i = end;
        while (i < n && p->seg_tag[scope[i]] != TAG_N1) i++;
    }
    return w_close(w, "]");
}

static int w_role(Writer *w, int role) {
    return role < 0 ? W(w, "null") : w_ascii(w, ROLE_NAMES[role]);
}

static int w_node(Plan *p, int at) {
    Writer *w = &p->w;
    Level *lv = &p->levels[at];
    TRY(w_open(w, "{"));
    TRY(w_text(p, "id", lv->id));
    TRY(w_text(p, "level", lv->code));
    TRY(w_key(w, "role"));
    TRY(w_role(w, lv->role));
    TRY(w_text(p, "parent_id", lv->parent < 0 ? NONE : p->levels[lv->parent].id));
    TRY(w_text(p, "po_number", lv->po));
    TRY(w_text(p, "sscc", lv->sscc));
    TRY(w_text(p, "tracking_number", lv->track));
    TRY(w_key(w, "parties"));
    TRY(w_parties(p, p->all + lv->first, lv->count));
    TRY(w_key(w, "children"));
    TRY(w_open(w, "["));
    for (int c = lv->first_child; c >= 0; c = p->levels[c].next) {
        TRY(w_item(w));
        TRY(w_node(p, c));
    }
    TRY(w_close(w, "]"));
    return w_close(w, "}");
}

static int w_product_ids(Plan *p, const Level *lv) {
    Writer *w = &p->w;
    const int *scope = p->all + lv->first;
    int found = 0;
    for (int i = 0; i < p->products.ncands; i++) {
        const Cand *c = &p->products.cands[i];
        for (int j = 0; j < lv->count; j++) {
            int seg = scope[j];
            if (p->seg_tag[seg] != c->tag || !filters_hold(p, c, seg)) continue;
            /* pairs_aligned, else the mapper warns */
            int n = p->seg_n[seg];
            for (int k = c->element; k < n; k += 2) {
                int has_value = k + 1 < n && !blank(element(p, seg, k + 1));
                if ((!blank(element(p, seg, k))) != has_value) return DECLINE;
            }
            Span q = NONE;
            for (int k = c->element; k < n; k++) {
                Span v = element(p, seg, k);
                if (blank(v)) continue;
                if (q.s < 0) {
                    q = v;
                    continue;
                }
                ProductId id = {0, NULL, q, v};
                for (int m = 0; m < p->nqualifiers; m++)
                    if (equals(p, q, &p->qualifiers[m].key)) {
                        id.is_plan = 1;
                        id.plan_key = p->qualifiers[m].has_value ? &p->qualifiers[m].value : NULL;
                        break;
                    }
                q = NONE;
                if (id.is_plan && id.plan_key == NULL) continue; /* not a product id */
                int seen = 0;
                for (int m = 0; m < found && !seen; m++) {
                    ProductId *o = &p->products_buf[m];
                    if (o->is_plan && id.is_plan) seen = o->plan_key == id.plan_key ||
                        (o->plan_key->len == id.plan_key->len &&
                         !memcmp(o->plan_key->chars, id.plan_key->chars,
                                 (size_t)id.plan_key->len * sizeof(Py_UCS4)));
                    else if (o->is_plan) seen = equals(p, id.key, o->plan_key);
                    else if (id.is_plan) seen = equals(p, o->key, id.plan_key);
                    else seen = spans_equal(p, o->key, id.key);
                }
                if (seen) continue;
                if (GROW(p, products_buf, products_cap, found + 1) < 0) return -1;
                p->products_buf[found++] = id;
            }
        }
    }
    TRY(w_open(w, "{"));
    for (int m = 0; m < found; m++) {
        ProductId *id = &p->products_buf[m];
        TRY(w_item(w));
        TRY(id->is_plan ? w_ustr(w, id->plan_key) : w_span(p, id->key));
        TRY(W(w, ": "));
        TRY(w_span(p, id->value));
    }
    return w_close(w, "}");
}

static int w_uom(Plan *p, Span v) {
    if (v.s >= 0)
        for (int m = 0; m < p->nuoms; m++)
            if (equals(p, v, &p->uoms[m].key)) return w_ustr(&p->w, &p->uoms[m].value);
    return w_span(p, v);
}

/* A date, time or decimal field: null, the converted value, or DECLINE (the mapper warns). */
static int w_converted(Plan *p, Span v, int (*convert)(Plan *, Span, char *), int required) {
    char out[16];
    if (v.s < 0) return required ? DECLINE : W(&p->w, "null");
    if (convert(p, v, out) != 0) return DECLINE;
    return w_ascii(&p->w, out);
}

static int w_line(Plan *p, const Level *lv) {
    Writer *w = &p->w;
    char quantity[128];
    if (lv->nearest_po.s < 0 || lv->line[F_QUANTITY].s < 0) return DECLINE;
    if (decimal_of(p, lv->line[F_QUANTITY], quantity, sizeof quantity) != 0) return DECLINE;
    TRY(w_open(w, "{"));
    TRY(w_text(p, "hl_id", lv->id));
    TRY(w_text(p, "po_number", lv->nearest_po));
    TRY(w_key(w, "sscc"));
    Span sscc = lv->sscc.s >= 0 ? lv->sscc : lv->pack_sscc.s >= 0 ? lv->pack_sscc : lv->tare_sscc;
    TRY(w_span(p, sscc));
    TRY(w_text(p, "line_number", lv->line[F_LINE_NUMBER]));
    TRY(w_key(w, "quantity"));
    TRY(w_ascii(w, quantity));
    TRY(w_key(w, "uom"));
    TRY(w_uom(p, lv->line[F_UOM]));
    TRY(w_key(w, "product_ids"));
    TRY(w_product_ids(p, lv));
    TRY(w_text(p, "lot", lv->line[F_LOT]));
    TRY(w_key(w, "expiration_date"));
    TRY(w_converted(p, lv->line[F_EXPIRATION], date_of, 0));
    TRY(w_text(p, "description", lv->line[F_DESCRIPTION]));
    return w_close(w, "}");
}

static int w_pack(Plan *p, const Level *lv) {
    Writer *w = &p->w;
    TRY(w_open(w, "{"));
    TRY(w_text(p, "hl_id", lv->id));
    TRY(w_text(p, "level", lv->code));
    TRY(w_key(w, "role"));
    TRY(w_role(w, lv->role));
    TRY(w_text(p, "sscc", lv->sscc));
    TRY(w_text(p, "parent_sscc", lv->parent_container));
    TRY(w_text(p, "po_number", lv->nearest_po));
    TRY(w_text(p, "tracking_number", lv->track));
    return w_close(w, "}");
}

/* ---- the HL tree (gateway/mapping/hl_tree.py) ---- */

static Py_ssize_t hash_span(Plan *p, Span v) {
    size_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = v.s; i < v.e; i++) h = (h ^ READ(p, i)) * 1099511628211ULL;
    return (Py_ssize_t)(h >> 1);
}

/* The slot of ``id`` in the HL01 table: where it is, or the empty slot it would take. */
static int slot_of(Plan *p, Span id) {
    int mask = p->table_cap - 1;
    int at = (int)(hash_span(p, id) & mask);
    while (p->table[at] && !spans_equal(p, p->levels[p->table[at] - 1].id, id)) at = (at + 1) & mask;
    return at;
}

static int role_of(Plan *p, Span code) {
    for (int i = 0; i < p->nroles; i++)
        if (equals(p, code, &p->role_codes[i])) return p->role_of[i];
    return -1;
}

static int is_line_tag(Plan *p, int tag) {
    for (int i = 0; i < p->nline_tags; i++)
        if (p->line_tags[i] == tag) return 1;
    return 0;
}

static void read_fields(Plan *p, const Field *fields, int count, const int *scope, int n, Span *out) {
    for (int i = 0; i < count; i++) out[i] = first_hit(p, &fields[i], scope, n);
}

/* Levels, parents and facts; DECLINE where build_levels or the mapper would warn. */
static int build_levels(Plan *p, int first_hl, int summary, int *nlevels) {
    int n = 0;
    for (int s = first_hl; s < summary; s++) n += p->seg_tag[s] == TAG_HL;
    if (GROW(p, levels, level_cap, n) < 0 || GROW(p, stack, stack_cap, n) < 0 ||
        GROW(p, codes, codes_cap, n))
        return -1;
    int size = 16;
    while (size < 2 * n) size *= 2;
    if (size > p->table_cap) {
        PyMem_Free(p->table);
        p->table = PyMem_Malloc((size_t)size * sizeof(int));
        p->table_cap = p->table ? size : 0;
        if (p->table == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    memset(p->table, 0, (size_t)p->table_cap * sizeof(int));
    int ncodes = 0, depth = 0, at = 0;
    for (int s = first_hl; s < summary; at++) {
        int end = s + 1;
        while (end < summary && p->seg_tag[end] != TAG_HL) end++;
        Level *lv = &p->levels[at];
        memset(lv, 0, sizeof *lv);
        lv->first = s;
        lv->count = end - s;
        lv->id = element(p, s, 1);
        Span given = element(p, s, 2);
        lv->code = element(p, s, 3);
        lv->role = role_of(p, lv->code);
        lv->first_child = lv->last_child = lv->next = -1;
        int rank = INT_MAX;
        if (lv->role != R_ITEM) {
            for (rank = 0; rank < ncodes && !spans_equal(p, p->codes[rank], lv->code); rank++)
                ;
            if (rank == ncodes) p->codes[ncodes++] = lv->code;
        }
        /* the stack holds (rank, level); ranks are kept in ``next`` until the level is done */
        while (depth && p->levels[p->stack[depth - 1]].next >= rank) depth--;
        int parent = -1;
        if (!blank(given)) {
            int slot = slot_of(p, given);
            if (!p->table[slot]) return DECLINE; /* names no earlier level */
            parent = p->table[slot] - 1;
        } else if (depth) {
            parent = p->stack[depth - 1];
        }
        lv->parent = parent;
        if (parent >= 0) {
            if (p->levels[parent].depth + 1 > MAX_HL_DEPTH) return DECLINE;
            lv->depth = p->levels[parent].depth + 1;
        }
        int slot = slot_of(p, lv->id);
        if (p->table[slot]) return DECLINE; /* HL01 used twice */
        p->table[slot] = at + 1;
        lv->next = rank;
        p->stack[depth++] = at;
        s = end;
    }
    /* facts, in document order (parents first) */
    for (int i = 0; i < n; i++) {
        Level *lv = &p->levels[i];
        lv->next = -1;
        const int *scope = p->all + lv->first;
        lv->is_line = lv->role == R_ITEM;
        if (!lv->is_line && lv->role != R_SHIPMENT)
            for (int j = 0; j < lv->count && !lv->is_line; j++) lv->is_line = is_line_tag(p, p->seg_tag[scope[j]]);
        Span own[N_LEVEL];
        read_fields(p, p->level, N_LEVEL, scope, lv->count, own);
        lv->po = own[F_PO];
        lv->sscc = own[F_SSCC];
        lv->track = own[F_TRACK];
        if (lv->is_line) read_fields(p, p->line, N_LINE, scope, lv->count, lv->line);
        Level *up = lv->parent >= 0 ? &p->levels[lv->parent] : NULL;
        lv->nearest_po = lv->po.s >= 0 ? lv->po : up ? up->nearest_po : NONE;
        lv->parent_container = up ? up->container : NONE;
        int box = lv->role == R_PACK || lv->role == R_TARE;
        lv->container = box && lv->sscc.s >= 0 ? lv->sscc : up ? up->container : NONE;
        lv->pack_sscc = lv->role == R_PACK && lv->sscc.s >= 0 ? lv->sscc : up ? up->pack_sscc : NONE;
        lv->tare_sscc = lv->role == R_TARE && lv->sscc.s >= 0 ? lv->sscc : up ? up->tare_sscc : NONE;
        if (up) {
            if (up->last_child >= 0) p->levels[up->last_child].next = i;
            else up->first_child = i;
            up->last_child = i;
        }
    }
    *nlevels = n;
    return 0;
}

/* ---- the document ---- */

static int w_document(Plan *p) {
    Writer *w = &p->w;
    int n = p->nseg, first_hl = 0;
    while (first_hl < n && p->seg_tag[first_hl] != TAG_HL) first_hl++;
    if (first_hl == n) return DECLINE; /* no levels: the mapper warns */
    int summary = first_hl;
    while (summary < n && p->seg_tag[summary] != TAG_CTT) summary++;
    for (int s = summary; s < n; s++)
        if (p->seg_tag[s] == TAG_HL) return DECLINE; /* not the shape this file knows */
    int nlevels = 0;
    TRY(build_levels(p, first_hl, summary, &nlevels));
    /* the heading: outside the HL loops, then the shipment levels */
    if (GROW(p, heading, heading_cap, n) < 0) return -1;
    int nh = 0;
    for (int s = 0; s < first_hl; s++) p->heading[nh++] = s;
    for (int s = summary; s < n; s++) p->heading[nh++] = s;
    int any_line = 0;
    for (int i = 0; i < nlevels; i++) {
        Level *lv = &p->levels[i];
        any_line |= lv->is_line;
        if (lv->role == R_SHIPMENT)
            for (int j = 0; j < lv->count; j++) p->heading[nh++] = lv->first + j;
    }
    if (!any_line) return DECLINE;
    Span head[N_HEADER], carrier[N_CARRIER];
    read_fields(p, p->header, N_HEADER, p->heading, nh, head);
    read_fields(p, p->carrier, N_CARRIER, p->heading, nh, carrier);
    if (head[F_SHIPMENT_ID].s < 0) return DECLINE;

    TRY(w_key(w, "document"));
    TRY(w_open(w, "{"));
    TRY(w_text(p, "shipment_id", head[F_SHIPMENT_ID]));
    TRY(w_text(p, "purpose", head[F_PURPOSE]));
    TRY(w_key(w, "ship_date"));
    TRY(w_converted(p, head[F_SHIP_DATE], date_of, 0));
    TRY(w_key(w, "ship_time"));
    TRY(w_converted(p, head[F_SHIP_TIME], time_of, 0));
    TRY(w_key(w, "estimated_delivery"));
    TRY(w_converted(p, head[F_DELIVERY], date_of, 0));
    TRY(w_key(w, "carrier"));
    if (carrier[0].s < 0 && carrier[1].s < 0 && carrier[2].s < 0) {
        TRY(W(w, "null"));
    } else {
        static const char *names[] = {"scac", "name", "mode"};
        TRY(w_open(w, "{"));
        for (int k = 0; k < N_CARRIER; k++) {
            TRY(w_text(p, names[k], carrier[k]));
        }
        TRY(w_close(w, "}"));
    }
    TRY(w_text(p, "bill_of_lading", head[F_LADING]));

    /* tracking numbers: every header value (all_hits), then each pack's, without repeats */
    int nt = 0;
    for (int i = 0; i < p->tracking.ncands; i++) {
        const Cand *c = &p->tracking.cands[i];
        for (int j = 0; j < nh; j++) {
            int seg = p->heading[j];
            if (p->seg_tag[seg] != c->tag || !filters_hold(p, c, seg)) continue;
            Span v = read_cand(p, c, seg);
            if (blank(v)) continue;
            int seen = 0;
            for (int m = 0; m < nt && !seen; m++) seen = spans_equal(p, p->tracking_buf[m], v);
            if (seen) continue;
            if (GROW(p, tracking_buf, tracking_cap, nt + 1) < 0) return -1;
            p->tracking_buf[nt++] = v;
        }
    }
    for (int i = 0; i < nlevels; i++) {
        Level *lv = &p->levels[i];
        if ((lv->role != R_PACK && lv->role != R_TARE) || blank(lv->track)) continue;
        int seen = 0;
        for (int m = 0; m < nt && !seen; m++) seen = spans_equal(p, p->tracking_buf[m], lv->track);
        if (seen) continue;
        if (GROW(p, tracking_buf, tracking_cap, nt + 1) < 0) return -1;
        p->tracking_buf[nt++] = lv->track;
    }
    TRY(w_key(w, "tracking_numbers"));
    TRY(w_open(w, "["));
    for (int m = 0; m < nt; m++) {
        TRY(w_item(w));
        TRY(w_span(p, p->tracking_buf[m]));
    }
    TRY(w_close(w, "]"));
    TRY(w_key(w, "parties"));
    TRY(w_parties(p, p->heading, nh));
    TRY(w_key(w, "packs"));
    TRY(w_open(w, "["));
    for (int i = 0; i < nlevels; i++) {
        if (p->levels[i].role != R_PACK && p->levels[i].role != R_TARE) continue;
        TRY(w_item(w));
        TRY(w_pack(p, &p->levels[i]));
    }
    TRY(w_close(w, "]"));
    TRY(w_key(w, "lines"));
    TRY(w_open(w, "["));
    for (int i = 0; i < nlevels; i++) {
        if (!p->levels[i].is_line) continue;
        TRY(w_item(w));
        TRY(w_line(p, &p->levels[i]));
    }
    TRY(w_close(w, "]"));
    TRY(w_key(w, "hierarchy"));
    TRY(w_open(w, "["));
    for (int i = 0; i < nlevels; i++) {
        if (p->levels[i].parent >= 0) continue;
        TRY(w_item(w));
        TRY(w_node(p, i));
    }
    TRY(w_close(w, "]"));
    return w_close(w, "}");
}

/* ---- Plan: compiling the spec ---- */

/* ``count`` zeroed items (one more, so that a count of 0 still allocates) into *out. */
static int zeroed(void *out, Py_ssize_t count, size_t size) {
    void *items = PyMem_Calloc((size_t)count + 1, size);
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *(void **)out = items;
    return 0;
}

static int ustr_from(PyObject *s, UStr *out) {
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "expected str");
        return -1;
    }
    Py_UCS4 *chars = PyUnicode_AsUCS4Copy(s);
    if (chars == NULL) return -1;
    out->chars = chars;
    out->len = PyUnicode_GET_LENGTH(s);
    return 0;
}

static void ustr_free(UStr *u) {
    PyMem_Free(u->chars);
    u->chars = NULL;
}

static int int_from(PyObject *o, int *out) {
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v < INT_MIN || v > INT_MAX) {
        PyErr_SetString(PyExc_ValueError, "integer out of range");
        return -1;
    }
    *out = (int)v;
    return 0;
}

static PyObject *seq(PyObject *o, Py_ssize_t want) {
    if (!PyTuple_Check(o) || (want >= 0 && PyTuple_GET_SIZE(o) != want)) {
        PyErr_SetString(PyExc_TypeError, "malformed plan spec");
        return NULL;
    }
    return o;
}

/* (tag, element, qualifier | None, ((element, negate, values | None), ...)) */
static int cand_from(PyObject *o, Cand *c) {
    if (!seq(o, 4)) return -1;
    if (int_from(PyTuple_GET_ITEM(o, 0), &c->tag) < 0 || int_from(PyTuple_GET_ITEM(o, 1), &c->element) < 0)
        return -1;
    PyObject *q = PyTuple_GET_ITEM(o, 2);
    c->has_qualifier = q != Py_None;
    if (c->has_qualifier && ustr_from(q, &c->qualifier) < 0) return -1;
    PyObject *filters = seq(PyTuple_GET_ITEM(o, 3), -1);
    if (!filters) return -1;
    c->nfilters = (int)PyTuple_GET_SIZE(filters);
    if (zeroed(&c->filters, c->nfilters, sizeof(Filter)) < 0) return -1;
    for (int i = 0; i < c->nfilters; i++) {
        PyObject *f = seq(PyTuple_GET_ITEM(filters, i), 3);
        Filter *out = &c->filters[i];
        if (!f || int_from(PyTuple_GET_ITEM(f, 0), &out->element) < 0 ||
            int_from(PyTuple_GET_ITEM(f, 1), &out->negate) < 0)
            return -1;
        PyObject *values = PyTuple_GET_ITEM(f, 2);
        out->nvalues = -1;
        if (values == Py_None) continue;
        if (!seq(values, -1)) return -1;
        out->nvalues = (int)PyTuple_GET_SIZE(values);
        if (zeroed(&out->values, out->nvalues, sizeof(UStr)) < 0) return -1;
        for (int j = 0; j < out->nvalues; j++)
            if (ustr_from(PyTuple_GET_ITEM(values, j), &out->values[j]) < 0) return -1;
    }
    return 0;
}

static int field_from(PyObject *o, Field *f) {
    if (!seq(o, -1)) return -1;
    f->ncands = (int)PyTuple_GET_SIZE(o);
    if (zeroed(&f->cands, f->ncands, sizeof(Cand)) < 0) return -1;
    for (int i = 0; i < f->ncands; i++)
        if (cand_from(PyTuple_GET_ITEM(o, i), &f->cands[i]) < 0) return -1;
    return 0;
}

static int fields_from(PyObject *o, Field *fields, int count) {
    if (!seq(o, count)) return -1;
    for (int i = 0; i < count; i++)
        if (field_from(PyTuple_GET_ITEM(o, i), &fields[i]) < 0) return -1;
    return 0;
}

/* ((key, value | None), ...) */
static int pairs_from(PyObject *o, Pair **out, int *count) {
    if (!seq(o, -1)) return -1;
    *count = (int)PyTuple_GET_SIZE(o);
    if (zeroed(out, *count, sizeof(Pair)) < 0) return -1;
    for (int i = 0; i < *count; i++) {
        PyObject *pair = seq(PyTuple_GET_ITEM(o, i), 2);
        if (!pair || ustr_from(PyTuple_GET_ITEM(pair, 0), &(*out)[i].key) < 0) return -1;
        PyObject *v = PyTuple_GET_ITEM(pair, 1);
        (*out)[i].has_value = v != Py_None;
        if (v != Py_None && ustr_from(v, &(*out)[i].value) < 0) return -1;
    }
    return 0;
}

static void field_free(Field *f) {
    for (int i = 0; i < f->ncands; i++) {
        Cand *c = &f->cands[i];
        if (c->has_qualifier) ustr_free(&c->qualifier);
        for (int j = 0; j < c->nfilters; j++) {
            for (int k = 0; k < c->filters[j].nvalues; k++) ustr_free(&c->filters[j].values[k]);
            PyMem_Free(c->filters[j].values);
        }
        PyMem_Free(c->filters);
    }
    PyMem_Free(f->cands);
    f->cands = NULL;
    f->ncands = 0;
}

static void pairs_free(Pair *pairs, int count) {
    for (int i = 0; i < count; i++) {
        ustr_free(&pairs[i].key);
        if (pairs[i].has_value) ustr_free(&pairs[i].value);
    }
    PyMem_Free(pairs);
}

static void plan_dealloc(Plan *p) {
    for (int i = 0; i < N_HEADER; i++) field_free(&p->header[i]);
    for (int i = 0; i < N_CARRIER; i++) field_free(&p->carrier[i]);
    for (int i = 0; i < N_LEVEL; i++) field_free(&p->level[i]);
    for (int i = 0; i < N_LINE; i++) field_free(&p->line[i]);
    field_free(&p->tracking);
    field_free(&p->products);
    for (int i = 0; i < p->nroles; i++) ustr_free(&p->role_codes[i]);
    PyMem_Free(p->role_codes);
    PyMem_Free(p->role_of);
    PyMem_Free(p->line_tags);
    pairs_free(p->qualifiers, p->nqualifiers);
    pairs_free(p->uoms, p->nuoms);
    for (int i = 0; i < p->nformats; i++) ustr_free(&p->formats[i]);
    PyMem_Free(p->formats);
    Py_XDECREF(p->text);
    PyMem_Free(p->seg_tag);
    PyMem_Free(p->seg_e0);
    PyMem_Free(p->seg_n);
    PyMem_Free(p->el_s);
    PyMem_Free(p->el_e);
    PyMem_Free(p->all);
    PyMem_Free(p->heading);
    PyMem_Free(p->levels);
    PyMem_Free(p->table);
    PyMem_Free(p->stack);
    PyMem_Free(p->codes);
    PyMem_Free(p->products_buf);
    PyMem_Free(p->tracking_buf);
    PyMem_Free(p->w.buf);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

/* spec: (header(6), carrier(3), level(3), line(6), tracking, product_starts,
 *        ((code, role), ...), (line tag, ...), qualifiers, uoms, (format, ...), pivot) */
static int plan_init(Plan *p, PyObject *args, PyObject *kwds) {
    PyObject *spec;
    static char *kwlist[] = {"spec", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O", kwlist, &spec)) return -1;
    if (p->nroles || p->header[0].cands) {
        PyErr_SetString(PyExc_RuntimeError, "Plan is initialised once");
        return -1;
    }
    if (!seq(spec, 12)) return -1;
    if (fields_from(PyTuple_GET_ITEM(spec, 0), p->header, N_HEADER) < 0 ||
        fields_from(PyTuple_GET_ITEM(spec, 1), p->carrier, N_CARRIER) < 0 ||
        fields_from(PyTuple_GET_ITEM(spec, 2), p->level, N_LEVEL) < 0 ||
        fields_from(PyTuple_GET_ITEM(spec, 3), p->line, N_LINE) < 0 ||
        field_from(PyTuple_GET_ITEM(spec, 4), &p->tracking) < 0 ||
        field_from(PyTuple_GET_ITEM(spec, 5), &p->products) < 0)
        return -1;
    PyObject *roles = seq(PyTuple_GET_ITEM(spec, 6), -1);
    if (!roles) return -1;
    int nroles = (int)PyTuple_GET_SIZE(roles);
    if (zeroed(&p->role_codes, nroles, sizeof(UStr)) < 0 || zeroed(&p->role_of, nroles, sizeof(int)) < 0)
        return -1;
    for (int i = 0; i < nroles; i++) {
        PyObject *pair = seq(PyTuple_GET_ITEM(roles, i), 2);
        if (!pair || ustr_from(PyTuple_GET_ITEM(pair, 0), &p->role_codes[i]) < 0) return -1;
        p->nroles = i + 1;
        if (int_from(PyTuple_GET_ITEM(pair, 1), &p->role_of[i]) < 0) return -1;
        if (p->role_of[i] < 0 || p->role_of[i] > R_ITEM) {
            PyErr_SetString(PyExc_ValueError, "unknown role");
            return -1;
        }
    }
    PyObject *tags = seq(PyTuple_GET_ITEM(spec, 7), -1);
    if (!tags) return -1;
    p->nline_tags = (int)PyTuple_GET_SIZE(tags);
    if (zeroed(&p->line_tags, p->nline_tags, sizeof(int)) < 0) return -1;
    for (int i = 0; i < p->nline_tags; i++)
        if (int_from(PyTuple_GET_ITEM(tags, i), &p->line_tags[i]) < 0) return -1;
    if (pairs_from(PyTuple_GET_ITEM(spec, 8), &p->qualifiers, &p->nqualifiers) < 0 ||
        pairs_from(PyTuple_GET_ITEM(spec, 9), &p->uoms, &p->nuoms) < 0)
        return -1;
    PyObject *formats = seq(PyTuple_GET_ITEM(spec, 10), -1);
    if (!formats) return -1;
    int nformats = (int)PyTuple_GET_SIZE(formats);
    if (zeroed(&p->formats, nformats, sizeof(UStr)) < 0) return -1;
    for (int i = 0; i < nformats; i++) {
        if (ustr_from(PyTuple_GET_ITEM(formats, i), &p->formats[i]) < 0) return -1;
        p->nformats = i + 1;
        if (p->formats[i].len % 2) {
            PyErr_SetString(PyExc_ValueError, "date formats are pairs of letters");
            return -1;
        }
    }
    return int_from(PyTuple_GET_ITEM(spec, 11), &p->pivot);
}

/* ---- Plan.load and Plan.encode ---- */

/* seg_tag, seg_e0 and seg_n share seg_cap; el_s and el_e share el_cap */
static int grow_segments(Plan *p, int need) {
    int cap = p->seg_cap;
    if (grow((void **)&p->seg_tag, &cap, need, sizeof(int)) < 0) return -1;
    int *e0 = PyMem_Realloc(p->seg_e0, (size_t)cap * sizeof(int));
    if (e0) p->seg_e0 = e0;
    int *sn = e0 ? PyMem_Realloc(p->seg_n, (size_t)cap * sizeof(int)) : NULL;
    if (sn) p->seg_n = sn;
    if (!e0 || !sn) {
        PyErr_NoMemory();
        return -1;
    }
    p->seg_cap = cap;
    return 0;
}

static int grow_elements(Plan *p, int need) {
    int cap = p->el_cap;
    if (grow((void **)&p->el_s, &cap, need, sizeof(Py_ssize_t)) < 0) return -1;
    Py_ssize_t *e = PyMem_Realloc(p->el_e, (size_t)cap * sizeof(Py_ssize_t));
    if (!e) {
        PyErr_NoMemory();
        return -1;
    }
    p->el_e = e;
    p->el_cap = cap;
    return 0;
}

static PyObject *plan_load(Plan *p, PyObject *args) {
    PyObject *text;
    Py_UCS4 esep, term;
    Py_ssize_t max_split;
    PyObject *esep_s, *term_s;
    if (!PyArg_ParseTuple(args, "UUUn", &text, &esep_s, &term_s, &max_split)) return NULL;
    if (PyUnicode_GET_LENGTH(esep_s) != 1 || PyUnicode_GET_LENGTH(term_s) != 1) {
        PyErr_SetString(PyExc_ValueError, "delimiters are one character each");
        return NULL;
    }
    esep = PyUnicode_READ_CHAR(esep_s, 0);
    term = PyUnicode_READ_CHAR(term_s, 0);
    Py_INCREF(text);
    Py_XSETREF(p->text, text);
    p->kind = PyUnicode_KIND(text);
    p->data = PyUnicode_DATA(text);
    p->nseg = 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    /* the hash text: at most one separator more per segment than there are characters */
    Py_ssize_t cap = n + n / 2 + 2;
    void *out = PyMem_Malloc((size_t)cap * (size_t)p->kind);
    if (out == NULL) return PyErr_NoMemory();
    Py_ssize_t o = 0;
    int nel = 0;
    Py_ssize_t pos = 0;
    while (pos <= n) {
        Py_ssize_t end = pos;
        while (end < n && READ(p, end) != term) end++;
        Span piece = strip(p, pos, end);
        pos = end + 1;
        if (piece.e <= piece.s) continue;
        if (p->nseg + 1 > p->seg_cap && grow_segments(p, p->nseg + 1) < 0) goto fail;
        if (o + 1 + (piece.e - piece.s) > cap) {
            PyErr_SetString(PyExc_RuntimeError, "hash buffer overrun");
            goto fail;
        }
        PyUnicode_WRITE(p->kind, out, o++, 0x1e);
        int seg = p->nseg++;
        p->seg_e0[seg] = nel;
        Py_ssize_t start = piece.s, splits = 0;
        for (Py_ssize_t i = piece.s; i <= piece.e; i++) {
            Py_UCS4 c = i < piece.e ? READ(p, i) : 0;
            if (i == piece.e || (c == esep && splits < max_split)) {
                if (i < piece.e) splits++;
                if (nel + 1 > p->el_cap && grow_elements(p, nel + 1) < 0) goto fail;
                p->el_s[nel] = start;
                p->el_e[nel] = i;
                nel++;
                start = i + 1;
                if (i < piece.e) PyUnicode_WRITE(p->kind, out, o++, 0x1f);
            } else {
                PyUnicode_WRITE(p->kind, out, o++, c);
            }
        }
        p->seg_n[seg] = nel - p->seg_e0[seg];
        p->seg_tag[seg] = pack_tag(p, p->el_s[p->seg_e0[seg]], p->el_e[p->seg_e0[seg]]);
    }
    if (GROW(p, all, all_cap, p->nseg) < 0) goto fail;
    for (int i = 0; i < p->nseg; i++) p->all[i] = i;
    PyObject *hashed = PyUnicode_FromKindAndData(p->kind, out, o);
    PyMem_Free(out);
    return hashed;
fail:
    PyMem_Free(out);
    Py_CLEAR(p->text);
    return NULL;
}

static PyObject *plan_encode(Plan *p, PyObject *args) {
    PyObject *head;
    int indent, depth;
    if (!PyArg_ParseTuple(args, "O!ii", &PyDict_Type, &head, &indent, &depth)) return NULL;
    if (p->text == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "load a set first");
        return NULL;
    }
    if (depth < 0 || depth > 8) {
        PyErr_SetString(PyExc_ValueError, "depth must be 0..8");
        return NULL;
    }
    Writer *w = &p->w;
    w->len = 0;
    w->indent = indent;
    w->depth = depth;
    /* the head's items, then "document", in one object */
    if (w_open(w, "{") < 0) return NULL;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(head, &pos, &k, &v)) {
        if (!PyUnicode_Check(k)) {
            PyErr_SetString(PyExc_TypeError, "head keys must be str");
            return NULL;
        }
        if (w_item(w) < 0 || w_pystr(w, k) < 0 || W(w, ": ") < 0 || w_object(w, v) < 0) return NULL;
    }
    int r = w_document(p);
    if (r == 0) r = w_close(w, "}");
    Py_CLEAR(p->text);
    if (r < 0) return NULL;
    if (r == DECLINE) Py_RETURN_NONE;
    PyObject *s = PyUnicode_New(w->len, 127);
    if (s == NULL) return NULL;
    memcpy(PyUnicode_DATA(s), w->buf, (size_t)w->len);
    if (w->cap > (1 << 24)) { /* a huge set once: do not keep its buffer */
        PyMem_Free(w->buf);
        w->buf = NULL;
        w->cap = 0;
    }
    return s;
}

static PyMethodDef plan_methods[] = {
    {"load", (PyCFunction)plan_load, METH_VARARGS,
     "load(body, element_sep, terminator, max_split) -> the text the event id hashes"},
    {"encode", (PyCFunction)plan_encode, METH_VARARGS,
     "encode(head, indent, depth) -> the event's JSON, or None (declined)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject PlanType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gateway.mapping.native._shipmap.Plan",
    .tp_basicsize = sizeof(Plan),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A compiled 856 map (see native/ship_notice.py).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)plan_init,
    .tp_dealloc = (destructor)plan_dealloc,
    .tp_methods = plan_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_shipmap", "Native 856 mapper (see _shipmap.c).", -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__shipmap(void) {
    if (PyType_Ready(&PlanType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&PlanType);
    if (PyModule_AddObject(m, "Plan", (PyObject *)&PlanType) < 0) {
        Py_DECREF(&PlanType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
