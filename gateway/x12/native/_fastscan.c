/* _fastscan: the native half of gateway/x12/native/fastpath.py (see there for the whole design).
 *
 * Why it exists: the pure-Python reader + validator does about 6 MB/s, and most files are clean.
 * Proving a transaction set clean needs no Python object per segment, so this module tokenizes a
 * buffer of complete segments and, for every ST..SE, decides whether the Python validator would
 * report nothing at all. It never reports a finding itself: a set it cannot certify is handed back
 * (as text offsets) to the Python validator, which stays the only producer of AK3/AK4 errors. Every
 * check here is therefore allowed to be stricter than Python (a needless fallback costs time) but
 * never looser (a wrong "clean" would hide an error); where in doubt it says "not clean".
 *
 * Contract with fastpath.py:
 *   Profile(elements, code_spans, code_chars, segments, rules, nodes, items, sets)
 *       dictionary + structure tables for one GS08 version (built by native/tables.py).
 *   Scanner(resolver, *, placements=False, max_elements, max_components, max_repeats, max_segments,
 *           max_set_elements)
 *                               resolver(GS08) -> Profile | None, called at every GS segment;
 *                               the max_* are gateway.x12.limits.Limits' (see "limits" below).
 *   scanner.reset(element, component, terminator, repetition, line_mode)   at every ISA Python read.
 *   scanner.scan(text, end) -> (events, stop)   text[0:end] is a run of whole segments.
 * Events are tuples:
 *   (0, elements)               an envelope segment (anything outside a set body, incl. ST and SE)
 *   (1, elements)               an ISA right after an IEA, same delimiters (the reader's fast path)
 *   (2, start, end, count)      `count` body segments of the open set, text[start:end]
 *   (3, clean, placements)      the open set ends (emitted just before its closing segment);
 *                               placements is None unless the set is clean and the Scanner was
 *                               made with placements=True: then one byte per body segment says
 *                               where structure._Walker puts it (d < 16: into the open loop at
 *                               depth d, 16 + d: a new loop, id = its tag, under the loop at
 *                               depth d; the set level is depth 0), so Python rebuilds the loop
 *                               tree without walking the structure again (loops.py).
 * stop is -1, or the offset of a piece after an IEA that is not such an ISA: the reader re-scans
 * from there (exactly SegmentReader._interchange's rule, including that it resets per buffer).
 *
 * Limits: a segment is split into at most max_elements + 2 pieces, the last holding the unsplit
 * rest (str.split(element, max_elements + 1), as the reader does); values are never split at
 * all. A set is not certified when Python would report a limit: a segment of more than
 * max_elements elements, an element of more than max_repeats repetitions or max_components
 * components, more than max_segments segments (ST and SE included) or more than max_set_elements
 * elements (tags included) between ST and SE; past a set limit no placement is recorded either.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 16     /* loop nesting a structure may have (ours: 3) */
#define MAX_ITEMS 64     /* items in one loop (ours: 36) */
#define MAX_POSITION 62  /* element positions fit a uint64 mask with bit 0 for the tag */
#define CTT_MAX 24       /* a longer CTT01 never equals a segment count */
#define PLACE_NEW_LOOP 16 /* placement code of a segment that opens a loop (+ parent depth) */

enum { EV_SEGMENT = 0, EV_ISA_AFTER_IEA = 1, EV_BODY = 2, EV_VERDICT = 3 };
enum { T_AN, T_ID, T_DT, T_TM, T_R, T_N, T_OTHER, T_COMPOSITE, T_COUNT };
enum { F_MANDATORY = 1, F_NO_COMPONENT = 2, F_CODES = 4 };
enum { OK = 0, STOP = 1 };

/* ---- tag ids ---------------------------------------------------------------------------------
 * Tags and set codes in the tables are 2-3 characters of [0-9A-Z]; each gets a dense id so that a
 * lookup is an array index. Anything else is -1, which no table holds, so such a segment is never
 * certified. tables.tag_id is the Python twin (a test keeps them equal). */
#define TAG_BASE 36
#define TAG_IDS (TAG_BASE * TAG_BASE + TAG_BASE * TAG_BASE * TAG_BASE)

static int tag_digit(Py_UCS4 ch)
{
    if (ch >= '0' && ch <= '9')
        return (int)(ch - '0');
    if (ch >= 'A' && ch <= 'Z')
        return (int)(ch - 'A') + 10;
    return -1;
}

static int tag_id(const Py_UCS4 *s, Py_ssize_t n)
{
    int a, b, c;
    if (n != 2 && n != 3)
        return -1;
    a = tag_digit(s[0]);
    b = tag_digit(s[1]);
    if (a < 0 || b < 0)
        return -1;
    if (n == 2)
        return a * TAG_BASE + b;
    c = tag_digit(s[2]);
    if (c < 0)
        return -1;
    return TAG_BASE * TAG_BASE + (a * TAG_BASE + b) * TAG_BASE + c;
}

static int ascii_tag_id(const char *s)
{
    Py_UCS4 u[3];
    Py_ssize_t n = (Py_ssize_t)strlen(s);
    for (Py_ssize_t i = 0; i < n && i < 3; i++)
        u[i] = (Py_UCS4)(unsigned char)s[i];
    return tag_id(u, n);
}

static int TAG_ISA, TAG_IEA, TAG_GS, TAG_GE, TAG_ST, TAG_SE, TAG_HL, TAG_CTT;
static unsigned char PRINTABLE[256]; /* str.isprintable() of the Latin-1 range, from CPython */

/* ---- Profile: the compiled tables ------------------------------------------------------------ */

typedef struct {
    int type, flags;
    int64_t min, max;
    Py_ssize_t code_start, code_count, comp_start, comp_count;
} ElemDef;

typedef struct {
    Py_ssize_t elem_start, elem_count, rule_start, rule_count;
    uint64_t mandatory;
} SegDef;

typedef struct {
    int kind;
    uint64_t first, rest;
} RuleDef;

typedef struct {
    Py_ssize_t item_start, item_count;
    int is_root;
} NodeDef;

typedef struct {
    int tag, child, mandatory;
    int64_t max;
} ItemDef;

typedef struct {
    int code, root, hl_check, counted;
} SetDef;

typedef struct {
    Py_ssize_t offset, length;
} CodeSpan;

typedef struct {
    PyObject_HEAD
    ElemDef *elems;
    CodeSpan *codes;
    Py_UCS4 *code_chars;
    SegDef *segs;
    RuleDef *rules;
    NodeDef *nodes;
    ItemDef *items;
    SetDef *sets;
    Py_ssize_t n_elems, n_codes, n_code_chars, n_segs, n_rules, n_nodes, n_items, n_sets;
    int16_t seg_of_tag[TAG_IDS];
} ProfileObject;

static PyTypeObject ProfileType;

/* A table arrives as a bytes-like object of native int64 records, `width` fields each. */
typedef struct {
    const char *data;
    Py_ssize_t n;
    const char *name;
} Records;

static int records_of(Py_buffer *buf, Py_ssize_t width, const char *name, Records *out)
{
    Py_ssize_t size = width * (Py_ssize_t)sizeof(int64_t);
    if (buf->len % size != 0) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes is not a whole number of records", name,
                     buf->len);
        return -1;
    }
    out->data = (const char *)buf->buf;
    out->n = buf->len / size;
    out->name = name;
    return 0;
}

/* Field f of record i (memcpy: the buffer need not be aligned). */
static int64_t field(const Records *r, Py_ssize_t width, Py_ssize_t i, Py_ssize_t f)
{
    int64_t v;
    memcpy(&v, r->data + (i * width + f) * (Py_ssize_t)sizeof(int64_t), sizeof v);
    return v;
}

static int bad(const Records *r, Py_ssize_t i, const char *what)
{
    PyErr_Format(PyExc_ValueError, "%s record %zd: %s", r->name, i, what);
    return -1;
}

/* start/count must select a slice of a table of n entries. */
static int slice_ok(int64_t start, int64_t count, Py_ssize_t n)
{
    return start >= 0 && count >= 0 && start <= n && count <= n - start;
}

static void *table_alloc(Py_ssize_t n, size_t size)
{
    void *p = PyMem_Calloc(n > 0 ? (size_t)n : 1, size);
    if (p == NULL)
        PyErr_NoMemory();
    return p;
}

static int load_codes(ProfileObject *p, Py_buffer *spans, Py_buffer *chars)
{
    Records r;
    if (records_of(spans, 2, "code_spans", &r) < 0)
        return -1;
    if (chars->len % (Py_ssize_t)sizeof(Py_UCS4) != 0) {
        PyErr_SetString(PyExc_ValueError, "code_chars: not a whole number of UCS4 characters");
        return -1;
    }
    p->n_code_chars = chars->len / (Py_ssize_t)sizeof(Py_UCS4);
    p->code_chars = table_alloc(p->n_code_chars, sizeof(Py_UCS4));
    p->codes = table_alloc(r.n, sizeof(CodeSpan));
    if (p->code_chars == NULL || p->codes == NULL)
        return -1;
    memcpy(p->code_chars, chars->buf, (size_t)chars->len);
    p->n_codes = r.n;
    for (Py_ssize_t i = 0; i < r.n; i++) {
        int64_t off = field(&r, 2, i, 0), len = field(&r, 2, i, 1);
        if (!slice_ok(off, len, p->n_code_chars))
            return bad(&r, i, "code outside code_chars");
        p->codes[i].offset = (Py_ssize_t)off;
        p->codes[i].length = (Py_ssize_t)len;
    }
    return 0;
}

static int load_elements(ProfileObject *p, Py_buffer *buf)
{
    Records r;
    if (records_of(buf, 8, "elements", &r) < 0)
        return -1;
    p->elems = table_alloc(r.n, sizeof(ElemDef));
    if (p->elems == NULL)
        return -1;
    p->n_elems = r.n;
    for (Py_ssize_t i = 0; i < r.n; i++) {
        ElemDef *e = &p->elems[i];
        int64_t type = field(&r, 8, i, 0), flags = field(&r, 8, i, 1);
        int64_t cs = field(&r, 8, i, 4), cn = field(&r, 8, i, 5);
        int64_t ks = field(&r, 8, i, 6), kn = field(&r, 8, i, 7);
        if (type < 0 || type >= T_COUNT || flags < 0 || flags > 7)
            return bad(&r, i, "bad type or flags");
        if (!slice_ok(cs, cn, p->n_codes) || !slice_ok(ks, kn, r.n))
            return bad(&r, i, "codes or components out of range");
        e->type = (int)type;
        e->flags = (int)flags;
        e->min = field(&r, 8, i, 2);
        e->max = field(&r, 8, i, 3);
        e->code_start = (Py_ssize_t)cs;
        e->code_count = (Py_ssize_t)cn;
        e->comp_start = (Py_ssize_t)ks;
        e->comp_count = (Py_ssize_t)kn;
    }
    /* Components are simple elements: no recursion when checking a composite. */
    for (Py_ssize_t i = 0; i < r.n; i++) {
        const ElemDef *e = &p->elems[i];
        for (Py_ssize_t k = 0; e->type == T_COMPOSITE && k < e->comp_count; k++)
            if (p->elems[e->comp_start + k].type == T_COMPOSITE)
                return bad(&r, i, "nested composite");
    }
    return 0;
}

static int load_rules(ProfileObject *p, Py_buffer *buf)
{
    Records r;
    uint64_t allowed = ((((uint64_t)1) << MAX_POSITION) - 1) << 1; /* bits 1..MAX_POSITION */
    if (records_of(buf, 3, "rules", &r) < 0)
        return -1;
    p->rules = table_alloc(r.n, sizeof(RuleDef));
    if (p->rules == NULL)
        return -1;
    p->n_rules = r.n;
    for (Py_ssize_t i = 0; i < r.n; i++) {
        int64_t kind = field(&r, 3, i, 0), first = field(&r, 3, i, 1);
        uint64_t rest = (uint64_t)field(&r, 3, i, 2);
        if (kind != 'P' && kind != 'R' && kind != 'E' && kind != 'C' && kind != 'L')
            return bad(&r, i, "unknown syntax note");
        if (first < 1 || first > MAX_POSITION || (rest & ~allowed) != 0)
            return bad(&r, i, "position out of range");
        p->rules[i].kind = (int)kind;
        p->rules[i].first = ((uint64_t)1) << first;
        p->rules[i].rest = rest;
    }
    return 0;
}

static int load_segments(ProfileObject *p, Py_buffer *buf)
{
    Records r;
    if (records_of(buf, 5, "segments", &r) < 0)
        return -1;
    p->segs = table_alloc(r.n, sizeof(SegDef));
    if (p->segs == NULL)
        return -1;
    if (r.n > INT16_MAX)
        return bad(&r, r.n, "too many segments");
    p->n_segs = r.n;
    for (Py_ssize_t t = 0; t < TAG_IDS; t++)
        p->seg_of_tag[t] = -1;
    for (Py_ssize_t i = 0; i < r.n; i++) {
        SegDef *s = &p->segs[i];
        int64_t tag = field(&r, 5, i, 0), es = field(&r, 5, i, 1), en = field(&r, 5, i, 2);
        int64_t rs = field(&r, 5, i, 3), rn = field(&r, 5, i, 4);
        if (tag < 0 || tag >= TAG_IDS || p->seg_of_tag[tag] >= 0)
            return bad(&r, i, "bad or duplicate tag");
        if (!slice_ok(es, en, p->n_elems) || en > MAX_POSITION || !slice_ok(rs, rn, p->n_rules))
            return bad(&r, i, "elements or rules out of range");
        p->seg_of_tag[tag] = (int16_t)i;
        s->elem_start = (Py_ssize_t)es;
        s->elem_count = (Py_ssize_t)en;
        s->rule_start = (Py_ssize_t)rs;
        s->rule_count = (Py_ssize_t)rn;
        s->mandatory = 0;
        for (Py_ssize_t k = 0; k < s->elem_count; k++)
            if (p->elems[s->elem_start + k].flags & F_MANDATORY)
                s->mandatory |= ((uint64_t)1) << (k + 1);
    }
    return 0;
}

static int load_items(ProfileObject *p, Py_buffer *buf)
{
    Records r;
    if (records_of(buf, 4, "items", &r) < 0)
        return -1;
    p->items = table_alloc(r.n, sizeof(ItemDef));
    if (p->items == NULL)
        return -1;
    p->n_items = r.n;
    for (Py_ssize_t i = 0; i < r.n; i++) {
        int64_t tag = field(&r, 4, i, 0), child = field(&r, 4, i, 1);
        int64_t max = field(&r, 4, i, 3);
        if (tag < 0 || tag >= TAG_IDS || child < -1 || child > INT32_MAX || max < 0)
            return bad(&r, i, "bad tag, child or max");
        p->items[i].tag = (int)tag;
        p->items[i].child = (int)child;
        p->items[i].mandatory = field(&r, 4, i, 2) != 0;
        p->items[i].max = max;
    }
    return 0;
}

/* Children must come after their parent: that makes the loop graph acyclic, and one pass in
 * index order then computes every node's depth, which must fit the scanner's frame stack. */
static int load_nodes(ProfileObject *p, Py_buffer *buf)
{
    Records r;
    int *depth;
    if (records_of(buf, 3, "nodes", &r) < 0)
        return -1;
    p->nodes = table_alloc(r.n, sizeof(NodeDef));
    depth = table_alloc(r.n, sizeof(int));
    if (p->nodes == NULL || depth == NULL)
        goto fail;
    p->n_nodes = r.n;
    for (Py_ssize_t i = 0; i < r.n; i++) {
        int64_t start = field(&r, 3, i, 0), count = field(&r, 3, i, 1);
        if (!slice_ok(start, count, p->n_items) || count < 1 || count > MAX_ITEMS) {
            bad(&r, i, "items out of range");
            goto fail;
        }
        p->nodes[i].item_start = (Py_ssize_t)start;
        p->nodes[i].item_count = (Py_ssize_t)count;
        p->nodes[i].is_root = field(&r, 3, i, 2) != 0;
    }
    for (Py_ssize_t i = 0; i < r.n; i++) {
        depth[i] = depth[i] > 0 ? depth[i] : 1;
        for (Py_ssize_t k = 0; k < p->nodes[i].item_count; k++) {
            int child = p->items[p->nodes[i].item_start + k].child;
            if (child < 0)
                continue;
            if (child <= i || child >= r.n || depth[i] + 1 > MAX_DEPTH) {
                bad(&r, i, "child loop out of order, missing or too deep");
                goto fail;
            }
            depth[child] = depth[child] > depth[i] + 1 ? depth[child] : depth[i] + 1;
        }
    }
    PyMem_Free(depth);
    return 0;
fail:
    PyMem_Free(depth);
    return -1;
}

static int load_sets(ProfileObject *p, Py_buffer *buf)
{
    Records r;
    if (records_of(buf, 4, "sets", &r) < 0)
        return -1;
    p->sets = table_alloc(r.n, sizeof(SetDef));
    if (p->sets == NULL)
        return -1;
    p->n_sets = r.n;
    for (Py_ssize_t i = 0; i < r.n; i++) {
        int64_t code = field(&r, 4, i, 0), root = field(&r, 4, i, 1);
        int64_t counted = field(&r, 4, i, 3);
        if (code < 0 || code >= TAG_IDS || root < 0 || root >= p->n_nodes || counted < -1 ||
            counted >= TAG_IDS || !p->nodes[root].is_root)
            return bad(&r, i, "bad code, root or counted tag");
        p->sets[i].code = (int)code;
        p->sets[i].root = (int)root;
        p->sets[i].hl_check = field(&r, 4, i, 2) != 0;
        p->sets[i].counted = (int)counted;
    }
    return 0;
}

static void Profile_dealloc(ProfileObject *p)
{
    PyMem_Free(p->elems);
    PyMem_Free(p->codes);
    PyMem_Free(p->code_chars);
    PyMem_Free(p->segs);
    PyMem_Free(p->rules);
    PyMem_Free(p->nodes);
    PyMem_Free(p->items);
    PyMem_Free(p->sets);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

static PyObject *Profile_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"elements", "code_spans", "code_chars", "segments", "rules",
                             "nodes",    "items",      "sets",       NULL};
    Py_buffer b[8];
    ProfileObject *p;
    memset(b, 0, sizeof b);
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*y*y*y*y*y*y*y*:Profile", kwlist, &b[0],
                                     &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7]))
        return NULL;
    p = (ProfileObject *)type->tp_alloc(type, 0);
    /* Order matters: each table is checked against the ones it refers to. */
    if (p != NULL &&
        (load_codes(p, &b[1], &b[2]) < 0 || load_elements(p, &b[0]) < 0 ||
         load_rules(p, &b[4]) < 0 || load_segments(p, &b[3]) < 0 || load_items(p, &b[6]) < 0 ||
         load_nodes(p, &b[5]) < 0 || load_sets(p, &b[7]) < 0))
        Py_CLEAR(p);
    for (int i = 0; i < 8; i++)
        PyBuffer_Release(&b[i]);
    return (PyObject *)p;
}

static PyTypeObject ProfileType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gateway.x12.native._fastscan.Profile",
    .tp_basicsize = sizeof(ProfileObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Dictionary and structure tables for one version (see native/tables.py).",
    .tp_new = Profile_new,
    .tp_dealloc = (destructor)Profile_dealloc,
};

/* ---- values: the checks of elements._check_value, on one simple value ---------------------- */

static int is_digit(Py_UCS4 ch) { return ch >= '0' && ch <= '9'; }

/* -?\d+ (ASCII digits only: other Unicode digits are left to Python). */
static int numeric_ok(const Py_UCS4 *v, Py_ssize_t n, Py_ssize_t *digits)
{
    Py_ssize_t i = (n > 0 && v[0] == '-') ? 1 : 0;
    if (i == n)
        return 0;
    *digits = n - i;
    for (; i < n; i++)
        if (!is_digit(v[i]))
            return 0;
    return 1;
}

static Py_ssize_t skip_digits(const Py_UCS4 *v, Py_ssize_t i, Py_ssize_t n)
{
    while (i < n && is_digit(v[i]))
        i++;
    return i;
}

/* -?(?:\d+\.?\d*|\.\d+)(?:[eE]-?\d+)?  (elements._DECIMAL); *digits counts every digit, as the
 * X12 length of a decimal does. */
static int decimal_ok(const Py_UCS4 *v, Py_ssize_t n, Py_ssize_t *digits)
{
    Py_ssize_t i = (n > 0 && v[0] == '-') ? 1 : 0, j, count = 0;
    if (i < n && is_digit(v[i])) {
        j = skip_digits(v, i, n);
        count += j - i;
        i = j;
        if (i < n && v[i] == '.') {
            j = skip_digits(v, i + 1, n);
            count += j - i - 1;
            i = j;
        }
    } else if (i + 1 < n && v[i] == '.' && is_digit(v[i + 1])) {
        j = skip_digits(v, i + 1, n);
        count += j - i - 1;
        i = j;
    } else {
        return 0;
    }
    if (i < n && (v[i] == 'e' || v[i] == 'E')) {
        i += (i + 1 < n && v[i + 1] == '-') ? 2 : 1;
        j = skip_digits(v, i, n);
        if (j == i)
            return 0;
        count += j - i;
        i = j;
    }
    *digits = count;
    return i == n;
}

static int two(const Py_UCS4 *v) { return (int)(v[0] - '0') * 10 + (int)(v[1] - '0'); }

/* elements.valid_date: CCYYMMDD or YYMMDD, a real day (YY < 50 is 20YY for February 29). */
static int date_ok(const Py_UCS4 *v, Py_ssize_t n)
{
    static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, month, day;
    if (n != 6 && n != 8)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!is_digit(v[i]))
            return 0;
    year = n == 8 ? two(v) * 100 + two(v + 2) : two(v);
    month = two(v + n - 4);
    day = two(v + n - 2);
    if (month < 1 || month > 12 || day < 1 || day > days[month - 1])
        return 0;
    if (month == 2 && day == 29) {
        if (n == 6)
            year += year < 50 ? 2000 : 1900;
        return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    }
    return 1;
}

/* (?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d(?:\d{1,2})?)?  (elements._TIME) */
static int time_ok(const Py_UCS4 *v, Py_ssize_t n)
{
    if (n != 4 && n != 6 && n != 7 && n != 8)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!is_digit(v[i]))
            return 0;
    if (two(v) > 23 || v[2] > '5' || (n >= 6 && v[4] > '5'))
        return 0;
    return 1;
}

static int code_ok(const ProfileObject *p, const ElemDef *e, const Py_UCS4 *v, Py_ssize_t n)
{
    for (Py_ssize_t k = 0; k < e->code_count; k++) {
        const CodeSpan *c = &p->codes[e->code_start + k];
        if (c->length == n &&
            memcmp(p->code_chars + c->offset, v, (size_t)n * sizeof(Py_UCS4)) == 0)
            return 1;
    }
    return 0;
}

static int printable_ok(const Py_UCS4 *v, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = v[i];
        if (ch < 256 ? !PRINTABLE[ch] : !Py_UNICODE_ISPRINTABLE(ch))
            return 0;
    }
    return 1;
}

static int value_ok(const ProfileObject *p, const ElemDef *e, const Py_UCS4 *v, Py_ssize_t n)
{
    Py_ssize_t size = n;
    if (e->type == T_R && !decimal_ok(v, n, &size))
        return 0;
    if (e->type == T_N && !numeric_ok(v, n, &size))
        return 0;
    if (size < e->min || size > e->max)
        return 0;
    switch (e->type) {
    case T_DT:
        return date_ok(v, n);
    case T_TM:
        return time_ok(v, n);
    case T_ID:
        return !(e->flags & F_CODES) || code_ok(p, e, v, n);
    case T_AN:
        return printable_ok(v, n);
    default:
        return 1;
    }
}

/* ---- Scanner state ---------------------------------------------------------------------------- */

typedef struct {
    const NodeDef *node;
    Py_ssize_t pos;
    int64_t counts[MAX_ITEMS];
} Frame;

typedef struct {
    int have, too_long;
    Py_ssize_t len;
    Py_UCS4 chars[CTT_MAX];
} Ctt;

typedef struct {
    PyObject_HEAD
    PyObject *resolver;
    ProfileObject *profile; /* the open group's tables, NULL outside a group */
    int ready;
    Py_UCS4 element, component, terminator, repetition;
    int has_repetition, line_mode;
    /* the open transaction set */
    int in_set, clean;
    const SetDef *set;
    Frame frames[MAX_DEPTH];
    int depth;
    int64_t hl_count, counted;
    Ctt ctt_root, ctt_any;
    int record, placement;     /* placements wanted; where the last segment went */
    unsigned char *placed;     /* the open set's placements so far */
    Py_ssize_t placed_len, placed_cap;
    /* limits (gateway.x12.limits.Limits) */
    Py_ssize_t max_split, max_components, max_repeats, max_segments, max_set_elements;
    Py_ssize_t set_body;     /* body segments of the open set so far */
    Py_ssize_t set_elements; /* elements of its body segments, while it is clean */
    /* scratch, reused across calls */
    Py_UCS4 *text;
    Py_ssize_t text_cap;
    Py_ssize_t *spans; /* start, end of each element of the current segment */
    Py_ssize_t spans_cap, n_el;
} ScannerObject;

/* Per scan() call: the events so far and the body run of the open set inside this buffer. */
typedef struct {
    PyObject *events;
    Py_ssize_t run_start, run_count, stop;
    int after_iea;
} Scan;

static const Py_UCS4 *el_ptr(const ScannerObject *S, Py_ssize_t i) { return S->text + S->spans[2 * i]; }

static Py_ssize_t el_len(const ScannerObject *S, Py_ssize_t i)
{
    return i < S->n_el ? S->spans[2 * i + 1] - S->spans[2 * i] : 0;
}

static int contains(const Py_UCS4 *v, Py_ssize_t n, Py_UCS4 ch)
{
    for (Py_ssize_t i = 0; i < n; i++)
        if (v[i] == ch)
            return 1;
    return 0;
}

/* ---- elements: elements.check_segment, as a yes/no ------------------------------------------ */

static int composite_ok(const ScannerObject *S, const ElemDef *e, const Py_UCS4 *v, Py_ssize_t n)
{
    const ProfileObject *p = S->profile;
    Py_ssize_t k = 0, start = 0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        Py_ssize_t len;
        if (i < n && v[i] != S->component)
            continue;
        if (k >= S->max_components) /* more components than the limit: code 13 */
            return 0;
        len = i - start;
        if (k >= e->comp_count) {
            if (len > 0) /* a non-empty component the composite does not define */
                return 0;
        } else if (len == 0) {
            if (p->elems[e->comp_start + k].flags & F_MANDATORY)
                return 0;
        } else if (!value_ok(p, &p->elems[e->comp_start + k], v + start, len)) {
            return 0;
        }
        k++;
        start = i + 1;
    }
    for (; k < e->comp_count; k++)
        if (p->elems[e->comp_start + k].flags & F_MANDATORY)
            return 0;
    return 1;
}

/* elements._check_one: one value, or one repetition of it. */
static int one_ok(const ScannerObject *S, const ElemDef *e, const Py_UCS4 *v, Py_ssize_t n)
{
    if (e->type == T_COMPOSITE)
        return composite_ok(S, e, v, n);
    if ((e->flags & F_NO_COMPONENT) && n > 1 && contains(v, n, S->component))
        return 0;
    return value_ok(S->profile, e, v, n);
}

static int element_ok(const ScannerObject *S, const ElemDef *e, const Py_UCS4 *v, Py_ssize_t n)
{
    Py_ssize_t start = 0, k = 0;
    if (!S->has_repetition || !contains(v, n, S->repetition))
        return one_ok(S, e, v, n);
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i < n && v[i] != S->repetition)
            continue;
        if (k++ >= S->max_repeats) /* more repetitions than the limit: code 12 */
            return 0;
        if (!one_ok(S, e, v + start, i - start))
            return 0;
        start = i + 1;
    }
    return 1;
}

/* elements._rule_holds: X12 syntax notes as bit tests on the mask of present positions. */
static int rule_holds(const RuleDef *r, uint64_t present)
{
    uint64_t all = r->first | r->rest, hit = present & all;
    switch (r->kind) {
    case 'P':
        return hit == 0 || hit == all;
    case 'R':
        return hit != 0;
    case 'E':
        return (hit & (hit - 1)) == 0;
    case 'C':
        return !(present & r->first) || (present & r->rest) == r->rest;
    default: /* 'L' */
        return !(present & r->first) || (present & r->rest) != 0;
    }
}

static int segment_ok(const ScannerObject *S, const SegDef *sd)
{
    const ProfileObject *p = S->profile;
    uint64_t present = 0;
    for (Py_ssize_t pos = 1; pos < S->n_el; pos++) {
        Py_ssize_t len = el_len(S, pos);
        if (len == 0)
            continue;
        if (pos > sd->elem_count) /* a non-empty element past the last one defined */
            return 0;
        present |= ((uint64_t)1) << pos;
        if (!element_ok(S, &p->elems[sd->elem_start + pos - 1], el_ptr(S, pos), len))
            return 0;
    }
    if (sd->mandatory & ~present)
        return 0;
    for (Py_ssize_t k = 0; k < sd->rule_count; k++)
        if (!rule_holds(&p->rules[sd->rule_start + k], present))
            return 0;
    return 1;
}

/* ---- structure: structure._Walker, stopping at its first finding ----------------------------- */

static Py_ssize_t find_item(const ProfileObject *p, const Frame *f, int tag)
{
    const NodeDef *node = f->node;
    for (Py_ssize_t k = f->pos < 0 ? 0 : f->pos; k < node->item_count; k++) {
        if (p->items[node->item_start + k].tag != tag)
            continue;
        /* At the cursor only a repeat of a non-trigger item counts (see _Walker._find). */
        if (k > f->pos || k > 0 || node->is_root)
            return k;
    }
    return -1;
}

static void push_frame(ScannerObject *S, const NodeDef *node, Py_ssize_t pos)
{
    Frame *f = &S->frames[S->depth++];
    f->node = node;
    f->pos = pos;
    memset(f->counts, 0, sizeof f->counts);
}

/* Every mandatory item of the frame was seen (_Walker._close / _skipped). */
static int frame_complete(const ProfileObject *p, const Frame *f, Py_ssize_t stop)
{
    for (Py_ssize_t k = 0; k < stop; k++)
        if (p->items[f->node->item_start + k].mandatory && f->counts[k] == 0)
            return 0;
    return 1;
}

/* Place segment `tag`; returns the depth of the loop that now holds it, -1 on any finding. */
static int structure_feed(ScannerObject *S, int tag)
{
    const ProfileObject *p = S->profile;
    for (int d = S->depth - 1; d >= 0; d--) {
        Frame *f = &S->frames[d];
        Py_ssize_t k = find_item(p, f, tag);
        const ItemDef *item;
        if (k < 0)
            continue;
        for (; S->depth - 1 > d; S->depth--)
            if (!frame_complete(p, &S->frames[S->depth - 1], S->frames[S->depth - 1].node->item_count))
                return -1;
        item = &p->items[f->node->item_start + k];
        f->pos = k;
        if (++f->counts[k] > item->max)
            return -1;
        S->placement = item->child < 0 ? d : PLACE_NEW_LOOP + d;
        if (item->child < 0)
            return d;
        push_frame(S, &p->nodes[item->child], 0);
        S->frames[S->depth - 1].counts[0] = 1;
        return d + 1;
    }
    return -1; /* misplaced: out of sequence, not in the set, or unrecognized */
}

/* ---- HL and CTT: hierarchy.check_hierarchy / check_ctt ---------------------------------------- */

static int equals_decimal(const Py_UCS4 *v, Py_ssize_t n, int64_t value)
{
    char buf[24];
    int len = snprintf(buf, sizeof buf, "%lld", (long long)value);
    if (len < 0 || n != len)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (v[i] != (Py_UCS4)(unsigned char)buf[i])
            return 0;
    return 1;
}

/* HL01 is the next number; a non-empty HL02 names an earlier HL01. With every earlier HL01 right,
 * those are exactly "1".."HL01-1", so HL02 must be one of them written without leading zeros. */
static int hl_ok(ScannerObject *S)
{
    const Py_UCS4 *v;
    Py_ssize_t n = el_len(S, 2);
    int64_t parent = 0;
    S->hl_count++;
    if (!equals_decimal(el_len(S, 1) ? el_ptr(S, 1) : NULL, el_len(S, 1), S->hl_count))
        return 0;
    if (n == 0)
        return 1;
    v = el_ptr(S, 2);
    if (n > 18 || v[0] < '1' || v[0] > '9')
        return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!is_digit(v[i]))
            return 0;
        parent = parent * 10 + (int64_t)(v[i] - '0');
    }
    return parent < S->hl_count;
}

static void keep_ctt(ScannerObject *S, Ctt *c)
{
    Py_ssize_t n = el_len(S, 1);
    c->have = 1;
    c->too_long = n > CTT_MAX;
    c->len = n > CTT_MAX ? 0 : n;
    if (c->len > 0)
        memcpy(c->chars, el_ptr(S, 1), (size_t)c->len * sizeof(Py_UCS4));
}

/* check_ctt uses the first CTT of the set's own level, else the first anywhere. */
static void note_ctt(ScannerObject *S, int depth)
{
    if (depth == 0 && !S->ctt_root.have)
        keep_ctt(S, &S->ctt_root);
    if (!S->ctt_any.have)
        keep_ctt(S, &S->ctt_any);
}

static int ctt_ok(const ScannerObject *S)
{
    const Ctt *c = S->ctt_root.have ? &S->ctt_root : &S->ctt_any;
    if (S->set->counted < 0 || !c->have || (!c->too_long && c->len == 0))
        return 1;
    return !c->too_long && equals_decimal(c->chars, c->len, S->counted);
}

/* ---- the open set ----------------------------------------------------------------------------- */

static const SetDef *set_for(const ProfileObject *p, int code)
{
    for (Py_ssize_t i = 0; p != NULL && code >= 0 && i < p->n_sets; i++)
        if (p->sets[i].code == code)
            return &p->sets[i];
    return NULL;
}

static void open_set(ScannerObject *S)
{
    S->in_set = 1;
    S->hl_count = S->counted = 0;
    memset(&S->ctt_root, 0, sizeof S->ctt_root);
    memset(&S->ctt_any, 0, sizeof S->ctt_any);
    S->depth = 0;
    S->placed_len = 0;
    S->set_body = S->set_elements = 0;
    S->set = el_len(S, 1) ? set_for(S->profile, tag_id(el_ptr(S, 1), el_len(S, 1))) : NULL;
    S->clean = S->set != NULL;
    if (!S->clean)
        return;
    push_frame(S, &S->profile->nodes[S->set->root], -1);
    S->clean = structure_feed(S, TAG_ST) >= 0;
}

/* Keep where the segment just placed went; -1 when out of memory. */
static int record_placement(ScannerObject *S)
{
    if (S->placed_len == S->placed_cap) {
        Py_ssize_t cap = S->placed_cap * 2 + 256;
        unsigned char *grown = PyMem_Realloc(S->placed, (size_t)cap);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        S->placed = grown;
        S->placed_cap = cap;
    }
    S->placed[S->placed_len++] = (unsigned char)S->placement;
    return 0;
}

/* One body segment of a set still believed clean: 1 clean so far, 0 not clean, -1 error. */
static int body_ok(ScannerObject *S, int tag)
{
    int depth, seg;
    if (tag < 0 || S->n_el > S->max_split) /* more elements than the limit: code 3 */
        return 0;
    depth = structure_feed(S, tag);
    if (depth < 0)
        return 0;
    if (S->record && record_placement(S) < 0)
        return -1;
    seg = S->profile->seg_of_tag[tag];
    if (seg >= 0 && !segment_ok(S, &S->profile->segs[seg]))
        return 0;
    if (tag == TAG_HL && S->set->hl_check && !hl_ok(S))
        return 0;
    if (tag == S->set->counted)
        S->counted++;
    if (tag == TAG_CTT)
        note_ctt(S, depth);
    return 1;
}

/* The set closes with SE: place SE, close open loops, then the set level's mandatory items. */
static int finish_ok(ScannerObject *S)
{
    const ProfileObject *p = S->profile;
    if (structure_feed(S, TAG_SE) < 0)
        return 0;
    for (; S->depth > 1; S->depth--)
        if (!frame_complete(p, &S->frames[S->depth - 1], S->frames[S->depth - 1].node->item_count))
            return 0;
    if (!frame_complete(p, &S->frames[0], S->frames[0].node->item_count - 1))
        return 0;
    return ctt_ok(S);
}

/* ---- events ----------------------------------------------------------------------------------- */

static int append_event(Scan *c, PyObject *event)
{
    int rc;
    if (event == NULL)
        return -1;
    rc = PyList_Append(c->events, event);
    Py_DECREF(event);
    return rc;
}

static PyObject *pair(long kind, PyObject *value) /* steals value */
{
    PyObject *t, *k;
    if (value == NULL)
        return NULL;
    t = PyTuple_New(2);
    k = PyLong_FromLong(kind);
    if (t == NULL || k == NULL) {
        Py_XDECREF(t);
        Py_XDECREF(k);
        Py_DECREF(value);
        return NULL;
    }
    PyTuple_SET_ITEM(t, 0, k);
    PyTuple_SET_ITEM(t, 1, value);
    return t;
}

static PyObject *element_str(const ScannerObject *S, Py_ssize_t i)
{
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, el_ptr(S, i), el_len(S, i));
}

static PyObject *element_list(const ScannerObject *S)
{
    PyObject *list = PyList_New(S->n_el);
    for (Py_ssize_t i = 0; list != NULL && i < S->n_el; i++) {
        PyObject *s = element_str(S, i);
        if (s == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, i, s);
    }
    return list;
}

static int emit_segment(const ScannerObject *S, Scan *c, long kind)
{
    return append_event(c, pair(kind, element_list(S)));
}

static int emit_body(Scan *c, Py_ssize_t end)
{
    if (c->run_count == 0)
        return 0;
    return append_event(c, Py_BuildValue("(innn)", EV_BODY, c->run_start, end, c->run_count));
}

/* The open set ends at the segment starting at piece_start (SE or another envelope segment). */
static int close_set(ScannerObject *S, Scan *c, int tag, Py_ssize_t piece_start)
{
    int clean;
    PyObject *placements;
    if (emit_body(c, piece_start - 1) < 0)
        return -1;
    clean = S->clean && tag == TAG_SE && finish_ok(S);
    S->in_set = 0;
    S->clean = 0;
    if (clean && S->record)
        placements = PyBytes_FromStringAndSize((const char *)S->placed, S->placed_len);
    else
        placements = Py_NewRef(Py_None);
    if (placements == NULL)
        return -1;
    return append_event(c, Py_BuildValue("(iNN)", EV_VERDICT, PyBool_FromLong(clean), placements));
}

/* ---- envelope --------------------------------------------------------------------------------- */

static void set_profile(ScannerObject *S, PyObject *profile)
{
    Py_XINCREF(profile);
    Py_XSETREF(S->profile, (ProfileObject *)profile);
}

/* A GS opens a group: ask Python for its version's tables. */
static int open_group(ScannerObject *S)
{
    PyObject *version, *profile;
    version = S->n_el > 8 ? element_str(S, 8) : PyUnicode_FromStringAndSize("", 0);
    if (version == NULL)
        return -1;
    profile = PyObject_CallOneArg(S->resolver, version);
    Py_DECREF(version);
    if (profile == NULL)
        return -1;
    if (profile != Py_None && !PyObject_TypeCheck(profile, &ProfileType)) {
        PyErr_SetString(PyExc_TypeError, "resolver must return a Profile or None");
        Py_DECREF(profile);
        return -1;
    }
    set_profile(S, profile == Py_None ? NULL : profile);
    Py_DECREF(profile);
    return 0;
}

static int envelope_segment(ScannerObject *S, Scan *c, int tag, Py_ssize_t piece_end)
{
    if (tag == TAG_ST) {
        open_set(S);
        c->run_start = piece_end + 1;
        c->run_count = 0;
    } else if (tag == TAG_GS) {
        return open_group(S);
    } else if (tag == TAG_GE || tag == TAG_ISA || tag == TAG_IEA) {
        set_profile(S, NULL);
        c->after_iea = tag == TAG_IEA;
    }
    return 0;
}

/* SegmentReader._same_delimiters_isa */
static int same_delimiters_isa(const ScannerObject *S, int tag)
{
    return tag == TAG_ISA && S->n_el == 17 && el_len(S, 16) == 1 &&
           el_ptr(S, 16)[0] == S->component && !S->line_mode;
}

static int ends_set(int tag)
{
    return tag == TAG_SE || tag == TAG_GE || tag == TAG_IEA || tag == TAG_ST || tag == TAG_GS ||
           tag == TAG_ISA;
}

/* ---- tokenizer -------------------------------------------------------------------------------- */

static int split_elements(ScannerObject *S, Py_ssize_t s, Py_ssize_t e)
{
    Py_ssize_t n = 0, start = s;
    for (Py_ssize_t i = s; i <= e; i++) {
        if (i < e && (S->text[i] != S->element || n == S->max_split))
            continue; /* past max_split separators the last piece is the rest, as str.split */
        if (2 * (n + 1) > S->spans_cap) {
            Py_ssize_t cap = S->spans_cap * 2 + 64;
            Py_ssize_t *grown = PyMem_Realloc(S->spans, (size_t)cap * sizeof(Py_ssize_t));
            if (grown == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            S->spans = grown;
            S->spans_cap = cap;
        }
        S->spans[2 * n] = start;
        S->spans[2 * n + 1] = i;
        n++;
        start = i + 1;
    }
    S->n_el = n;
    return 0;
}

static int tag_of_segment(const ScannerObject *S, Py_ssize_t s, Py_ssize_t e)
{
    Py_ssize_t i = s;
    while (i < e && i - s < 4 && S->text[i] != S->element)
        i++;
    return tag_id(S->text + s, i - s);
}

/* One non-blank piece, stripped to [s, e); mirrors SegmentReader._interchange + EnvelopeWalker. */
static int handle_segment(ScannerObject *S, Scan *c, Py_ssize_t piece_start, Py_ssize_t piece_end,
                          Py_ssize_t s, Py_ssize_t e)
{
    int tag = tag_of_segment(S, s, e);
    if (S->in_set && !ends_set(tag) && !c->after_iea) {
        c->run_count++;
        if (++S->set_body + 2 > S->max_segments) /* with ST and SE: past the limit */
            S->clean = 0;
        if (S->clean) {
            if (split_elements(S, s, e) < 0)
                return -1;
            S->set_elements += S->n_el;
            if (S->set_elements > S->max_set_elements)
                S->clean = 0;
            else
                S->clean = body_ok(S, tag);
            if (S->clean < 0)
                return -1;
        }
        return OK;
    }
    if (split_elements(S, s, e) < 0)
        return -1;
    if (c->after_iea) {
        c->after_iea = 0;
        if (!same_delimiters_isa(S, tag)) {
            c->stop = piece_start;
            return STOP;
        }
        return emit_segment(S, c, EV_ISA_AFTER_IEA);
    }
    if (S->in_set && close_set(S, c, tag, piece_start) < 0)
        return -1;
    if (emit_segment(S, c, EV_SEGMENT) < 0)
        return -1;
    return envelope_segment(S, c, tag, piece_end);
}

static int is_space(Py_UCS4 ch) { return Py_UNICODE_ISSPACE(ch); }

/* text[0:end].split(terminator), each piece stripped like str.strip(), blanks skipped. */
static int tokenize(ScannerObject *S, Scan *c, Py_ssize_t end)
{
    const Py_UCS4 *t = S->text;
    Py_ssize_t pos = 0;
    while (pos <= end) {
        Py_ssize_t stop = pos, s, e;
        while (stop < end && t[stop] != S->terminator)
            stop++;
        s = pos;
        e = stop;
        while (s < e && is_space(t[s]))
            s++;
        while (e > s && is_space(t[e - 1]))
            e--;
        if (s < e) {
            int rc = handle_segment(S, c, pos, stop, s, e);
            if (rc != OK)
                return rc < 0 ? -1 : 0;
        }
        pos = stop + 1;
    }
    return 0;
}

/* Copy text[0:end] into the UCS4 scratch buffer: one code path whatever the string's width. */
static int widen(ScannerObject *S, PyObject *text, Py_ssize_t end)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (end + 1 > S->text_cap) {
        Py_ssize_t cap = end + 1 > 2 * S->text_cap ? end + 1 : 2 * S->text_cap;
        Py_UCS4 *grown = PyMem_Realloc(S->text, (size_t)cap * sizeof(Py_UCS4));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        S->text = grown;
        S->text_cap = cap;
    }
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *src = data;
        for (Py_ssize_t i = 0; i < end; i++)
            S->text[i] = src[i];
    } else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *src = data;
        for (Py_ssize_t i = 0; i < end; i++)
            S->text[i] = src[i];
    } else {
        memcpy(S->text, data, (size_t)end * sizeof(Py_UCS4));
    }
    return 0;
}

/* ---- Scanner methods -------------------------------------------------------------------------- */

static PyObject *Scanner_scan(ScannerObject *S, PyObject *args)
{
    PyObject *text, *result, *stop;
    Py_ssize_t end;
    Scan c;
    if (!PyArg_ParseTuple(args, "Un:scan", &text, &end))
        return NULL;
    if (!S->ready) {
        PyErr_SetString(PyExc_RuntimeError, "Scanner.reset() must be called first");
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0)
        return NULL;
#endif
    if (end < 0 || end > PyUnicode_GET_LENGTH(text)) {
        PyErr_SetString(PyExc_ValueError, "end outside the text");
        return NULL;
    }
    if (widen(S, text, end) < 0)
        return NULL;
    c.events = PyList_New(0);
    if (c.events == NULL)
        return NULL;
    c.run_start = 0; /* a set still open from the previous buffer continues here */
    c.run_count = 0;
    c.stop = -1;
    c.after_iea = 0;
    if (tokenize(S, &c, end) < 0 || (S->in_set && emit_body(&c, end) < 0)) {
        Py_DECREF(c.events);
        return NULL;
    }
    stop = PyLong_FromSsize_t(c.stop);
    result = stop == NULL ? NULL : PyTuple_Pack(2, c.events, stop);
    Py_XDECREF(stop);
    Py_DECREF(c.events);
    return result;
}

static int one_char(PyObject *s, const char *name, int optional, Py_UCS4 *out)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (n == 1) {
        *out = PyUnicode_READ_CHAR(s, 0);
        return 1;
    }
    if (n == 0 && optional)
        return 0;
    PyErr_Format(PyExc_ValueError, "%s delimiter must be one character", name);
    return -1;
}

static PyObject *Scanner_reset(ScannerObject *S, PyObject *args)
{
    PyObject *el, *comp, *term, *rep;
    int line_mode, has_rep;
    if (!PyArg_ParseTuple(args, "UUUUp:reset", &el, &comp, &term, &rep, &line_mode))
        return NULL;
    if (one_char(el, "element", 0, &S->element) < 0 ||
        one_char(comp, "component", 0, &S->component) < 0 ||
        one_char(term, "segment", 0, &S->terminator) < 0)
        return NULL;
    has_rep = one_char(rep, "repetition", 1, &S->repetition);
    if (has_rep < 0)
        return NULL;
    S->has_repetition = has_rep;
    S->line_mode = line_mode;
    S->in_set = S->clean = 0;
    S->depth = 0;
    set_profile(S, NULL);
    S->ready = 1;
    Py_RETURN_NONE;
}

static PyObject *Scanner_in_set(ScannerObject *S, void *closure)
{
    (void)closure;
    return PyBool_FromLong(S->in_set);
}

static int Scanner_init(ScannerObject *S, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"resolver",     "placements",   "max_elements",     "max_components",
                             "max_repeats",  "max_segments", "max_set_elements", NULL};
    PyObject *resolver;
    int record = 0;
    Py_ssize_t max_elements = PY_SSIZE_T_MAX - 2, max_components = PY_SSIZE_T_MAX,
               max_repeats = PY_SSIZE_T_MAX, max_segments = PY_SSIZE_T_MAX - 2,
               max_set_elements = PY_SSIZE_T_MAX;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|$pnnnnn:Scanner", kwlist, &resolver, &record,
                                     &max_elements, &max_components, &max_repeats, &max_segments,
                                     &max_set_elements))
        return -1;
    if (max_elements < 1 || max_components < 1 || max_repeats < 1 || max_segments < 2 ||
        max_set_elements < 0 ||
        max_elements > PY_SSIZE_T_MAX - 2 || max_segments > PY_SSIZE_T_MAX - 2) {
        PyErr_SetString(PyExc_ValueError, "Scanner limits out of range");
        return -1;
    }
    S->record = record;
    S->max_split = max_elements + 1;
    S->max_components = max_components;
    S->max_repeats = max_repeats;
    S->max_segments = max_segments;
    S->max_set_elements = max_set_elements;
    if (!PyCallable_Check(resolver)) {
        PyErr_SetString(PyExc_TypeError, "resolver must be callable");
        return -1;
    }
    Py_INCREF(resolver);
    Py_XSETREF(S->resolver, resolver);
    return 0;
}

static int Scanner_traverse(ScannerObject *S, visitproc visit, void *arg)
{
    Py_VISIT(S->resolver);
    Py_VISIT(S->profile);
    return 0;
}

static int Scanner_clear(ScannerObject *S)
{
    Py_CLEAR(S->resolver);
    Py_CLEAR(S->profile);
    return 0;
}

static void Scanner_dealloc(ScannerObject *S)
{
    PyObject_GC_UnTrack(S);
    Scanner_clear(S);
    PyMem_Free(S->text);
    PyMem_Free(S->spans);
    PyMem_Free(S->placed);
    Py_TYPE(S)->tp_free((PyObject *)S);
}

static PyMethodDef Scanner_methods[] = {
    {"scan", (PyCFunction)Scanner_scan, METH_VARARGS,
     "scan(text, end) -> (events, stop): tokenize text[0:end], a run of whole segments."},
    {"reset", (PyCFunction)Scanner_reset, METH_VARARGS,
     "reset(element, component, terminator, repetition, line_mode): a new interchange."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Scanner_getset[] = {
    {"in_set", (getter)Scanner_in_set, NULL, "True while a transaction set is open.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gateway.x12.native._fastscan.Scanner",
    .tp_basicsize = sizeof(ScannerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Tokenizes buffers of X12 segments and certifies clean transaction sets.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_traverse = (traverseproc)Scanner_traverse,
    .tp_clear = (inquiry)Scanner_clear,
    .tp_methods = Scanner_methods,
    .tp_getset = Scanner_getset,
};

/* ---- module ----------------------------------------------------------------------------------- */

static PyObject *fastscan_tag_id(PyObject *module, PyObject *arg)
{
    Py_UCS4 buf[4];
    Py_ssize_t n;
    (void)module;
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "tag_id expects a str");
        return NULL;
    }
    n = PyUnicode_GET_LENGTH(arg);
    if (n > 3)
        return PyLong_FromLong(-1);
    if (PyUnicode_AsUCS4(arg, buf, 4, 0) == NULL)
        return NULL;
    return PyLong_FromLong(tag_id(buf, n));
}

static PyMethodDef module_methods[] = {
    {"tag_id", fastscan_tag_id, METH_O, "The dense id the tables use for a tag (-1: none)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fastscan_module = {
    PyModuleDef_HEAD_INIT, "gateway.x12.native._fastscan",
    "Native tokenizer and clean-set certifier behind gateway.x12.native.fastpath.", -1, module_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastscan(void)
{
    PyObject *m;
    for (int ch = 0; ch < 256; ch++)
        PRINTABLE[ch] = (unsigned char)(Py_UNICODE_ISPRINTABLE((Py_UCS4)ch) != 0);
    TAG_ISA = ascii_tag_id("ISA");
    TAG_IEA = ascii_tag_id("IEA");
    TAG_GS = ascii_tag_id("GS");
    TAG_GE = ascii_tag_id("GE");
    TAG_ST = ascii_tag_id("ST");
    TAG_SE = ascii_tag_id("SE");
    TAG_HL = ascii_tag_id("HL");
    TAG_CTT = ascii_tag_id("CTT");
    if (PyType_Ready(&ProfileType) < 0 || PyType_Ready(&ScannerType) < 0)
        return NULL;
    m = PyModule_Create(&fastscan_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "TAG_IDS", TAG_IDS) < 0 ||
        PyModule_AddIntConstant(m, "MAX_POSITION", MAX_POSITION) < 0 ||
        PyModule_AddIntConstant(m, "PLACE_NEW_LOOP", PLACE_NEW_LOOP) < 0 ||
        PyModule_AddObjectRef(m, "Profile", (PyObject *)&ProfileType) < 0 ||
        PyModule_AddObjectRef(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
