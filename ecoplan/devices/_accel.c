/* Optional C accelerator of the HJ 212 codec (ecoplan.devices._accel).
 *
 * The pure-Python code in crc.py / codec.py is the reference; everything here must give exactly
 * what it gives (tests/devices/test_accel.py checks that differentially). Only the common case is
 * handled: decode_clean() returns None for anything that is not a clean packet (leading bytes,
 * wrong length field, lower-case or non-HJ 212 CRC, non-ASCII, odd header or CP …) and the
 * Python decoder then does the work, so every rejection and warning comes from one place.
 *
 * Built by hatch_build.py at install time; ECOPLAN_HJ212_ACCEL=0 disables it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* ------------------------------------------------------------------ CRC */
static unsigned short T[256]; /* one byte of the reflected 0xA001 polynomial */

static void init_table(void) {
    for (unsigned int x = 0; x < 256; x++) {
        unsigned int r = x;
        for (int k = 0; k < 8; k++) r = (r & 1) ? (r >> 1) ^ 0xA001 : r >> 1;
        T[x] = (unsigned short)r;
    }
}

/* HJ 212-2017 appendix A: reg = (reg >> 8) ^ b, then eight rounds of 0xA001. */
static unsigned int hj212_crc(const unsigned char *p, Py_ssize_t n) {
    unsigned int reg = 0xFFFF;
    for (Py_ssize_t i = 0; i < n; i++) reg = T[(reg >> 8) ^ p[i]];
    return reg;
}

/* CRC-16/MODBUS: reg = (reg >> 8) ^ T[(reg ^ b) & 0xFF]. */
static unsigned int modbus_crc(const unsigned char *p, Py_ssize_t n) {
    unsigned int reg = 0xFFFF;
    for (Py_ssize_t i = 0; i < n; i++) reg = (reg >> 8) ^ T[(reg ^ p[i]) & 0xFF];
    return reg;
}

static PyObject *py_crc_hj212(PyObject *Py_UNUSED(self), PyObject *arg) {
    Py_buffer b;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    unsigned int r = hj212_crc((const unsigned char *)b.buf, b.len);
    PyBuffer_Release(&b);
    return PyLong_FromUnsignedLong(r);
}

static PyObject *py_crc_modbus(PyObject *Py_UNUSED(self), PyObject *arg) {
    Py_buffer b;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    unsigned int r = modbus_crc((const unsigned char *)b.buf, b.len);
    PyBuffer_Release(&b);
    return PyLong_FromUnsignedLong(r);
}

/* ------------------------------------------------------------------ clean-packet decoding */
/* What Python's str.isspace() (and so the regex \s of codec.py) is true for, in ASCII. */
static int is_space(unsigned char c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static int is_upper_hex(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static int hexval(unsigned char c) {
    return c <= '9' ? c - '0' : c - 'A' + 10;
}

static const char *STD_KEYS[] = {"QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO", NULL};

static int std_key(const char *k, Py_ssize_t n) {
    for (int i = 0; STD_KEYS[i]; i++)
        if ((Py_ssize_t)strlen(STD_KEYS[i]) == n && memcmp(STD_KEYS[i], k, (size_t)n) == 0) return 1;
    return 0;
}

static PyObject *str_of(const char *s, Py_ssize_t n) {
    return PyUnicode_FromStringAndSize(s, n); /* ASCII checked by the caller */
}

/* Field names (header keys, factor codes, suffixes, parameter names) repeat in every packet of
 * a network: they are kept in a small fixed table of interned strings (hash computed once,
 * no allocation). Bounded: when the table is full, names are simply created each time. */
#define KEY_SLOTS 512
#define KEY_MAX 24
static PyObject *key_cache[KEY_SLOTS];
static int key_count = 0;

static PyObject *key_of(const char *s, Py_ssize_t n) {
    if (n <= 0 || n > KEY_MAX) return str_of(s, n);
    unsigned int h = 2166136261u;
    for (Py_ssize_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    for (int probe = 0; probe < 8; probe++) {
        unsigned int slot = (h + (unsigned int)probe) % KEY_SLOTS;
        PyObject *k = key_cache[slot];
        if (k == NULL) {
            if (key_count >= KEY_SLOTS / 2) break;
            k = str_of(s, n);
            if (k == NULL) return NULL;
            PyUnicode_InternInPlace(&k);
            (void)PyObject_Hash(k);
            Py_INCREF(k); /* one reference owned by the table */
            key_cache[slot] = k;
            key_count++;
            return k;
        }
        if (PyUnicode_GET_LENGTH(k) == n && memcmp(PyUnicode_DATA(k), s, (size_t)n) == 0) {
            Py_INCREF(k);
            return k;
        }
    }
    return str_of(s, n);
}

/* Header items ``key=value`` separated by ``;``: the standard keys only, no blanks or commas.
 * Returns 1 on success, 0 to fall back, -1 on a Python error. */
static int parse_header(const char *s, Py_ssize_t n, PyObject *header) {
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i] == ',' || is_space((unsigned char)s[i])) return 0;
    Py_ssize_t i = 0;
    while (i <= n) {
        Py_ssize_t j = i;
        while (j < n && s[j] != ';') j++;
        if (j > i) {
            const char *eq = memchr(s + i, '=', (size_t)(j - i));
            if (eq == NULL || !std_key(s + i, eq - (s + i))) return 0;
            PyObject *k = key_of(s + i, eq - (s + i));
            PyObject *v = k ? str_of(eq + 1, s + j - eq - 1) : NULL;
            int rc = (k && v) ? PyDict_SetItem(header, k, v) : -1;
            Py_XDECREF(k);
            Py_XDECREF(v);
            if (rc < 0) return -1;
        }
        i = j + 1;
    }
    return 1;
}

/* The CP fast path of codec._parse_cp: items split on ``;`` and ``,``, each ``key=value`` with
 * a non-empty key; ``code-suffix`` keys (non-empty code) are factor fields, others parameters;
 * no repeats, no blanks, no ``//``. Returns 1, 0 (fall back) or -1 (error). */
static int parse_cp(const char *s, Py_ssize_t n, PyObject *factor_type, PyObject *factors,
                    PyObject *params) {
    if (n == 0) return 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (is_space((unsigned char)s[i])) return 0;
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') return 0;
    }
    PyObject *fields_of = PyDict_New(); /* code -> fields dict */
    if (fields_of == NULL) return -1;
    int result = 1;
    Py_ssize_t i = 0;
    while (i <= n) {
        Py_ssize_t j = i;
        while (j < n && s[j] != ';' && s[j] != ',') j++;
        const char *item = s + i;
        Py_ssize_t len = j - i;
        const char *eq = len ? memchr(item, '=', (size_t)len) : NULL;
        if (eq == NULL || eq == item) { result = 0; goto done; }
        Py_ssize_t klen = eq - item;
        const char *dash = memchr(item, '-', (size_t)klen);
        PyObject *value = str_of(eq + 1, item + len - eq - 1);
        if (value == NULL) { result = -1; goto done; }
        if (dash != NULL && dash > item) {
            PyObject *code = key_of(item, dash - item);
            PyObject *suffix = code ? key_of(dash + 1, eq - dash - 1) : NULL;
            if (suffix == NULL) { Py_XDECREF(code); Py_DECREF(value); result = -1; goto done; }
            PyObject *fields = PyDict_GetItemWithError(fields_of, code); /* borrowed */
            int rc = 0;
            if (fields == NULL && PyErr_Occurred()) {
                rc = -1;
            } else if (fields == NULL) {
                fields = PyDict_New();
                rc = fields ? PyDict_SetItem(fields, suffix, value) : -1;
                if (rc == 0) rc = PyDict_SetItem(fields_of, code, fields);
                if (rc == 0) {
                    PyObject *fac = PyObject_CallFunctionObjArgs(factor_type, code, fields, NULL);
                    rc = fac ? PyDict_SetItem(factors, code, fac) : -1;
                    Py_XDECREF(fac);
                }
                Py_XDECREF(fields);
            } else {
                int has = PyDict_Contains(fields, suffix);
                if (has < 0) rc = -1;
                else if (has) rc = 1; /* repeated field: the detailed parser decides */
                else rc = PyDict_SetItem(fields, suffix, value);
            }
            Py_DECREF(code);
            Py_DECREF(suffix);
            Py_DECREF(value);
            if (rc != 0) { result = rc < 0 ? -1 : 0; goto done; }
        } else {
            PyObject *key = key_of(item, klen);
            if (key == NULL) { Py_DECREF(value); result = -1; goto done; }
            int has = PyDict_Contains(params, key);
            int rc = has < 0 ? -1 : has ? 1 : PyDict_SetItem(params, key, value);
            Py_DECREF(key);
            Py_DECREF(value);
            if (rc != 0) { result = rc < 0 ? -1 : 0; goto done; }
        }
        i = j + 1;
    }
done:
    Py_DECREF(fields_of);
    return result;
}

/* decode_clean(raw: bytes, max_segment: int, factor_type) ->
 *     (segment: bytes, crc_text: str, header: dict, cp: str, factors: dict, params: dict) | None
 *
 * None unless ``raw`` is exactly ``##`` + 4-digit length + ASCII segment of that length +
 * upper-case hex appendix-A CRC that verifies + ``\r\n``, with a header of standard keys and a
 * CP area the fast path can split. */
static PyObject *py_decode_clean(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "decode_clean(raw, max_segment, factor_type)");
        return NULL;
    }
    PyObject *raw = args[0];
    if (!PyBytes_CheckExact(raw)) Py_RETURN_NONE;
    long max_segment = PyLong_AsLong(args[1]);
    if (max_segment == -1 && PyErr_Occurred()) return NULL;
    PyObject *factor_type = args[2];
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(raw);
    Py_ssize_t n = PyBytes_GET_SIZE(raw);
    if (n < 12 || p[0] != '#' || p[1] != '#' || p[n - 2] != '\r' || p[n - 1] != '\n')
        Py_RETURN_NONE;
    long declared = 0;
    for (int k = 2; k < 6; k++) {
        if (p[k] < '0' || p[k] > '9') Py_RETURN_NONE;
        declared = declared * 10 + (p[k] - '0');
    }
    if (declared > max_segment || declared + 12 != n) Py_RETURN_NONE;
    const unsigned char *seg = p + 6, *crc = p + 6 + declared;
    unsigned int sent = 0;
    for (int k = 0; k < 4; k++) {
        if (!is_upper_hex(crc[k])) Py_RETURN_NONE;
        sent = sent << 4 | (unsigned int)hexval(crc[k]);
    }
    for (Py_ssize_t k = 0; k < declared; k++)
        if (seg[k] & 0x80) Py_RETURN_NONE;
    if (hj212_crc(seg, declared) != sent) Py_RETURN_NONE;
    const char *s = (const char *)seg;
    const char *cp_at = NULL;
    for (Py_ssize_t k = 0; k + 5 <= declared; k++)
        if (memcmp(s + k, "CP=&&", 5) == 0) { cp_at = s + k; break; }
    if (cp_at == NULL) Py_RETURN_NONE;
    const char *cp = cp_at + 5;
    Py_ssize_t cp_len = s + declared - cp;
    /* the closing && must end the segment (rfind of "&&" lands there) */
    if (cp_len < 2 || cp[cp_len - 2] != '&' || cp[cp_len - 1] != '&') Py_RETURN_NONE;
    cp_len -= 2;
    PyObject *header = NULL, *factors = NULL, *params = NULL, *cp_str = NULL;
    PyObject *segment = NULL, *crc_text = NULL, *out = NULL;
    header = PyDict_New();
    factors = PyDict_New();
    params = PyDict_New();
    if (!header || !factors || !params) goto fail;
    int rc = parse_header(s, cp_at - s, header);
    if (rc < 0) goto fail;
    if (rc == 0) goto fallback;
    rc = parse_cp(cp, cp_len, factor_type, factors, params);
    if (rc < 0) goto fail;
    if (rc == 0) goto fallback;
    cp_str = str_of(cp, cp_len);
    segment = PyBytes_FromStringAndSize(s, declared);
    crc_text = str_of((const char *)crc, 4);
    if (!cp_str || !segment || !crc_text) goto fail;
    out = PyTuple_Pack(6, segment, crc_text, header, cp_str, factors, params);
fail:
    Py_XDECREF(header);
    Py_XDECREF(factors);
    Py_XDECREF(params);
    Py_XDECREF(cp_str);
    Py_XDECREF(segment);
    Py_XDECREF(crc_text);
    return out;
fallback:
    Py_XDECREF(header);
    Py_XDECREF(factors);
    Py_XDECREF(params);
    Py_RETURN_NONE;
}

/* is_clean_frame(data: bytes, max_segment: int) -> bool: the framer's one-whole-packet test
 * (``##`` + 4 digits whose value + 12 is the size, within the limit, 4 hex digits, CRLF). */
static PyObject *py_is_clean_frame(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "is_clean_frame(data, max_segment)");
        return NULL;
    }
    Py_buffer b;
    if (PyObject_GetBuffer(args[0], &b, PyBUF_SIMPLE) < 0) return NULL;
    long max_segment = PyLong_AsLong(args[1]);
    int ok = 0;
    if (max_segment == -1 && PyErr_Occurred()) { PyBuffer_Release(&b); return NULL; }
    const unsigned char *p = (const unsigned char *)b.buf;
    Py_ssize_t n = b.len;
    if (n >= 12 && p[0] == '#' && p[1] == '#' && p[n - 2] == '\r' && p[n - 1] == '\n') {
        long length = 0;
        ok = 1;
        for (int k = 2; k < 6 && ok; k++) {
            if (p[k] < '0' || p[k] > '9') ok = 0;
            else length = length * 10 + (p[k] - '0');
        }
        if (ok && (length + 12 != n || length > max_segment)) ok = 0;
        for (Py_ssize_t k = n - 6; k < n - 2 && ok; k++) {
            unsigned char c = p[k];
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')))
                ok = 0;
        }
    }
    PyBuffer_Release(&b);
    return PyBool_FromLong(ok);
}

static PyMethodDef methods[] = {
    {"crc_hj212", py_crc_hj212, METH_O, "HJ 212-2017 appendix A CRC of a bytes-like object."},
    {"crc_modbus", py_crc_modbus, METH_O, "CRC-16/MODBUS of a bytes-like object."},
    {"decode_clean", (PyCFunction)(void (*)(void))py_decode_clean, METH_FASTCALL,
     "Parts of a clean HJ 212 packet, or None when the Python decoder must look at it."},
    {"is_clean_frame", (PyCFunction)(void (*)(void))py_is_clean_frame, METH_FASTCALL,
     "Whether data is exactly one whole packet (the framer's fast path)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_accel", "C accelerator of the HJ 212 codec (optional).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__accel(void) {
    init_table();
    return PyModule_Create(&module);
}
