/* Daily air-quality values in one pass over the hours (ecoplan.standards._air_daily_kernel).
 *
 * The same rules as ecoplan.standards.air_daily.daily_values (GB 3095-2012/2026 Table 4 daily
 * validity, HJ 663-2013 §6.1.2 O3 daily maximum 8-h mean), computed on a dense station × day grid
 * instead of an engine's hash aggregation. The Ibis function is the reference: every value here
 * must be bit-identical to it (tests/air/test_air_kernel.py checks that differentially), so the
 * arithmetic is the reference's step for step:
 *
 *   scaled value      v = floor(x * 1000 + 0.5)            (NaN / null: missing)
 *   daily mean        (Σv / 1000) / n              when n ≥ min_hours, else null
 *   O3 1-h maximum    max(v) / 1000                when n(O3) ≥ min_hours
 *   hour slot h       max(v) of the rows labelled h (1…24, label = hour(ts − 1 h) + 1)
 *   8-h window w      Σ slots w−7…w (missing = 0), m = its valid slots;
 *                     mean (Σ / 1000) / m when m ≥ window_min_hours, else −1
 *   O3 8-h            the largest window mean, kept when ≥ min_windows windows are valid, or
 *                     (exceedance exception) fewer than that but above the limit
 *
 * Values are integers (units of 0.001) and their sums are exact in any order while they stay
 * below 2^53; values of magnitude ≥ 2^36 (or not finite) and anything else the grid cannot represent
 * exactly make locate() or accumulate() report a status other than 0, and the caller uses the
 * reference. locate() finds each row's cell and hour slot once; accumulate() adds a batch's
 * columns there — two threads may add disjoint columns of the same rows at once.
 *
 * iaqi() is the IAQI of HJ 633 (formula (1), rounded up) as ecoplan.standards.aqi.with_iaqis
 * computes it in SQL, for ecoplan.standards.aqi_arrays (tests/air/test_aqi_arrays.py).
 *
 * Built by hatch_build.py at install time (with -ffp-contract=off: no fused multiply-add, so
 * x * 1000 + 0.5 is rounded twice, as the engines do). Optional: without it the engine runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define N_MEAN 5            /* pollutants whose daily value is a mean (all but O3) */
#define N_HOURS 24
#define SLOT_LIMIT 16777216.0  /* 2^24: |v| below it is held exactly by an int32 slot */
#define SLOT_BIAS 16777217     /* a slot holds v + SLOT_BIAS ≥ 1; 0 = no value (calloc) */
#define VALUE_LIMIT 68719476736.0  /* 2^36: 30,000 of them still sum exactly (< 2^53) */

/* status codes of accumulate(): 0 = fine, anything else = use the reference pipeline */
enum { OK = 0, NOT_WHOLE_SECOND = 1, BEFORE_1970 = 2, OUTSIDE_GRID = 3, VALUE_RANGE = 4,
       BAD_STATION = 5 };

typedef struct {
    Py_ssize_t stations, days;
    int64_t day0;
    void *block;            /* one zeroed mapping holding the four arrays below */
    size_t block_bytes;
    int32_t *rows;          /* rows seen per cell */
    double *sum;            /* [N_MEAN][cell] Σ scaled values */
    int32_t *count;         /* [N_MEAN + 1][cell] valid values; the last is O3 */
    int32_t *slot;          /* [cell][24] largest scaled O3 of each hour label + SLOT_BIAS
                               (0: none); the day's O3 1-h maximum is the largest slot */
} Grid;

static void grid_free(PyObject *capsule) {
    Grid *g = (Grid *)PyCapsule_GetPointer(capsule, "ecoplan.air_grid");
    if (g == NULL) return;
    munmap(g->block, g->block_bytes);
    free(g);
}

static Grid *grid_of(PyObject *capsule) {
    return (Grid *)PyCapsule_GetPointer(capsule, "ecoplan.air_grid");
}

/* new_grid(stations, days, day0) -> capsule */
static PyObject *py_new_grid(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_ssize_t stations, days;
    long long day0;
    if (!PyArg_ParseTuple(args, "nnL", &stations, &days, &day0)) return NULL;
    if (stations <= 0 || days <= 0) {
        PyErr_SetString(PyExc_ValueError, "empty grid");
        return NULL;
    }
    Grid *g = (Grid *)calloc(1, sizeof(Grid));
    if (g == NULL) return PyErr_NoMemory();
    size_t cells = (size_t)stations * (size_t)days;
    g->stations = stations; g->days = days; g->day0 = day0;
    /* one zeroed mapping, its pages supplied at once (MAP_POPULATE): a page fault for every
     * 4 KiB touched later costs more than the whole accumulation in a virtual machine */
    size_t sum_bytes = cells * N_MEAN * sizeof(double);
    size_t slot_bytes = cells * N_HOURS * sizeof(int32_t);
    size_t count_bytes = cells * (N_MEAN + 1) * sizeof(int32_t);
    g->block_bytes = sum_bytes + slot_bytes + count_bytes + cells * sizeof(int32_t);
    void *block;
    size_t block_bytes = g->block_bytes;
    Py_BEGIN_ALLOW_THREADS  /* the readers may decode meanwhile */
    block = mmap(NULL, block_bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    Py_END_ALLOW_THREADS
    g->block = block;
    if (g->block == MAP_FAILED) {
        free(g);
        return PyErr_NoMemory();
    }
    char *at = (char *)g->block;  /* doubles first: every array stays aligned */
    g->sum = (double *)at; at += sum_bytes;
    g->slot = (int32_t *)at; at += slot_bytes;
    g->count = (int32_t *)at; at += count_bytes;
    g->rows = (int32_t *)at;
    PyObject *capsule = PyCapsule_New(g, "ecoplan.air_grid", grid_free);
    if (capsule == NULL) {
        munmap(g->block, g->block_bytes);
        free(g);
    }
    return capsule;
}

typedef struct {
    Py_buffer data, valid;
    int has_data, has_valid;
    Py_ssize_t offset;       /* element (and bit) offset of the Arrow array */
} Column;

static int column_open(PyObject *spec, Column *c) {
    /* spec: None (no such column: every value missing) or (data, validity or None, offset) */
    memset(c, 0, sizeof(Column));
    if (spec == Py_None) return 0;
    PyObject *data, *valid;
    if (!PyArg_ParseTuple(spec, "OOn", &data, &valid, &c->offset)) return -1;
    if (PyObject_GetBuffer(data, &c->data, PyBUF_SIMPLE) < 0) return -1;
    c->has_data = 1;
    if (valid != Py_None) {
        if (PyObject_GetBuffer(valid, &c->valid, PyBUF_SIMPLE) < 0) return -1;
        c->has_valid = 1;
    }
    return 0;
}

static void column_close(Column *c) {
    if (c->has_data) PyBuffer_Release(&c->data);
    if (c->has_valid) PyBuffer_Release(&c->valid);
}

/* Row i's value in units of 0.001, floor(x * 1000 + 0.5), as an integer in *v: returns 1 when
 * the row has a value, 0 when it is missing (null or NaN), −1 when |x * 1000 + 0.5| ≥ limit
 * (the caller then declines). The engines compute the same in doubles; below 2^53 the integer
 * and the double are the same number, and their sums agree in any order. */
static inline int column_value(const Column *c, Py_ssize_t i, int64_t *v, double limit) {
    Py_ssize_t j = i + c->offset;
    if (c->has_valid) {
        const unsigned char *bits = (const unsigned char *)c->valid.buf;
        if (!(bits[j >> 3] & (1u << (j & 7)))) return 0;
    }
    double x = ((const double *)c->data.buf)[j];
    if (isnan(x)) return 0;
    double y = x * 1000.0 + 0.5;  /* two roundings (built with -ffp-contract=off) */
    if (!(fabs(y) < limit)) return -1;
    int64_t t = (int64_t)y;       /* truncation towards zero … */
    *v = (double)t > y ? t - 1 : t;  /* … then floor; y is never −0.0 */
    return 1;
}

static int writable(PyObject *obj, Py_buffer *b, Py_ssize_t need) {
    if (PyObject_GetBuffer(obj, b, PyBUF_WRITABLE) < 0) return -1;
    if (b->len < need) {
        PyBuffer_Release(b);
        PyErr_SetString(PyExc_ValueError, "short output buffer");
        return -1;
    }
    return 0;
}

/* locate(grid, codes int32, codes_offset, lookup int32, timestamps int64 µs, n, cells, hours)
 *   -> status
 * The cell (uint64) and hour slot (uint8, 0…23) of each of the batch's n rows, written to the
 * buffers `cells` and `hours`; the grid's row count of each cell grows by its rows.
 * codes: the batch's dictionary indices of the station code; lookup: grid row of each
 * dictionary entry (−1: not wanted). */
static PyObject *py_locate(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *capsule, *o_cells, *o_hours;
    Py_buffer st, lk, ts, b_cells, b_hours;
    Py_ssize_t n, st_off;
    if (!PyArg_ParseTuple(args, "Oy*ny*y*nOO", &capsule, &st, &st_off, &lk, &ts, &n, &o_cells,
                          &o_hours))
        return NULL;
    Grid *g = grid_of(capsule);
    int status = OK, have_cells = 0, have_hours = 0;
    if (g == NULL) goto done;
    if (n < 0 || st_off < 0 || st.len < (n + st_off) * (Py_ssize_t)sizeof(int32_t)
            || ts.len < n * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "short station or time buffer");
        goto done;
    }
    if (writable(o_cells, &b_cells, n * (Py_ssize_t)sizeof(uint64_t)) < 0) goto done;
    have_cells = 1;
    if (writable(o_hours, &b_hours, n) < 0) goto done;
    have_hours = 1;
    const int32_t *code = (const int32_t *)st.buf + st_off;
    const int32_t *lookup = (const int32_t *)lk.buf;
    Py_ssize_t n_lookup = lk.len / (Py_ssize_t)sizeof(int32_t);
    const int64_t *tus = (const int64_t *)ts.buf;
    uint64_t *cell_of = (uint64_t *)b_cells.buf;
    unsigned char *hour_of = (unsigned char *)b_hours.buf;
    Py_BEGIN_ALLOW_THREADS
    int64_t last_us = 0, day = 0;
    int hour = 0, have_last = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t us = tus[i];
        if (have_last && us - last_us == 3600000000LL && hour < 23) {
            hour++;  /* the next hour of the same day: no divisions */
        } else {
            if (us % 1000000 != 0) { status = NOT_WHOLE_SECOND; break; }
            int64_t s = us / 1000000 - 3600;  /* CNEMC day: the hour-ending label minus 1 h */
            if (s < 0) { status = BEFORE_1970; break; }
            int64_t hours = s / 3600;
            day = hours / 24 - g->day0;
            hour = (int)(hours % 24);
        }
        last_us = us;
        have_last = 1;
        int32_t idx = code[i];
        if (idx < 0 || idx >= n_lookup) { status = BAD_STATION; break; }
        int32_t k = lookup[idx];
        if (k < 0 || k >= g->stations) { status = BAD_STATION; break; }
        if (day < 0 || day >= g->days) { status = OUTSIDE_GRID; break; }
        uint64_t cell = (uint64_t)k * (uint64_t)g->days + (uint64_t)day;
        cell_of[i] = cell;
        hour_of[i] = (unsigned char)hour;
        if (++g->rows[cell] > 30000) { status = VALUE_RANGE; break; }  /* int16 counts */
    }
    Py_END_ALLOW_THREADS
done:
    if (have_hours) PyBuffer_Release(&b_hours);
    if (have_cells) PyBuffer_Release(&b_cells);
    PyBuffer_Release(&st);
    PyBuffer_Release(&lk);
    PyBuffer_Release(&ts);
    if (PyErr_Occurred()) return NULL;
    return PyLong_FromLong(status);
}

/* accumulate(grid, cells, hours, n, columns) -> status
 * Adds the batch's values to the grid, at the cells and hour slots locate() found for its rows.
 * columns: N_MEAN + 1 column specs, the mean pollutants then O3 (None: not added by this call).
 * Two threads may add disjoint columns of the same rows to one grid at once. Column by column;
 * rows of one station-day usually follow each other, so each column's sums and counts are kept
 * in locals and added to the grid when the cell changes (exact: integers below 2^53). */
static PyObject *py_accumulate(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *capsule, *cols;
    Py_buffer b_cells, b_hours;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "Oy*y*nO", &capsule, &b_cells, &b_hours, &n, &cols))
        return NULL;
    Grid *g = grid_of(capsule);
    Column c[N_MEAN + 1];
    int opened = 0, status = OK;
    if (g == NULL) goto fail;
    if (!PySequence_Check(cols) || PySequence_Size(cols) != N_MEAN + 1) {
        PyErr_SetString(PyExc_ValueError, "six pollutant columns expected");
        goto fail;
    }
    if (n < 0 || b_cells.len < n * (Py_ssize_t)sizeof(uint64_t) || b_hours.len < n) {
        PyErr_SetString(PyExc_ValueError, "short cell or hour buffer");
        goto fail;
    }
    for (; opened < N_MEAN + 1; opened++) {
        PyObject *spec = PySequence_GetItem(cols, opened);
        if (spec == NULL) goto fail;
        int rc = column_open(spec, &c[opened]);
        Py_DECREF(spec);
        if (rc < 0) { column_close(&c[opened]); goto fail; }
        if (c[opened].has_data && c[opened].data.len
                < (n + c[opened].offset) * (Py_ssize_t)sizeof(double)) {
            opened++;
            PyErr_SetString(PyExc_ValueError, "short value buffer");
            goto fail;
        }
    }
    const uint64_t *cell_of = (const uint64_t *)b_cells.buf;
    const unsigned char *hour_of = (const unsigned char *)b_hours.buf;
    size_t cells = (size_t)g->stations * (size_t)g->days;
    for (Py_ssize_t i = 0; i < n; i++) {  /* cheap: a bad buffer must not write astray */
        if (cell_of[i] >= cells || hour_of[i] >= N_HOURS) {
            PyErr_SetString(PyExc_ValueError, "cell or hour outside the grid");
            goto fail;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    /* 2. the mean pollutants, one column at a time */
    for (int p = 0; p < N_MEAN && status == OK && n > 0; p++) {
        if (!c[p].has_data) continue;
        double *sum = g->sum + (size_t)p * cells;
        int32_t *count = g->count + (size_t)p * cells;
        size_t cur = cell_of[0];
        int64_t acc = 0;
        int32_t cnt = 0;
        int bad = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            size_t cell = cell_of[i];
            if (cell != cur) {
                sum[cur] += (double)acc; count[cur] += cnt;
                cur = cell; acc = 0; cnt = 0;
            }
            int64_t v = 0;
            int r = column_value(&c[p], i, &v, VALUE_LIMIT);
            acc += r > 0 ? v : 0;
            cnt += r > 0;
            bad |= r < 0;
        }
        sum[cur] += (double)acc; count[cur] += cnt;
        if (bad) status = VALUE_RANGE;
    }
    /* 3. O3: count and the largest value of each hour slot */
    if (status == OK && n > 0 && c[N_MEAN].has_data) {
        int32_t *count = g->count + (size_t)N_MEAN * cells;
        size_t cur = cell_of[0];
        int32_t cnt = 0;
        int bad = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            size_t cell = cell_of[i];
            if (cell != cur) {
                count[cur] += cnt;
                cur = cell; cnt = 0;
            }
            int64_t v;
            int r = column_value(&c[N_MEAN], i, &v, SLOT_LIMIT);
            if (r <= 0) { bad |= r < 0; continue; }
            cnt++;
            int32_t sv = (int32_t)(v + SLOT_BIAS);
            int32_t *slot = &g->slot[cell * N_HOURS + hour_of[i]];
            if (sv > *slot) *slot = sv;
        }
        count[cur] += cnt;
        if (bad) status = VALUE_RANGE;
    }
    Py_END_ALLOW_THREADS
    for (int p = 0; p < opened; p++) column_close(&c[p]);
    PyBuffer_Release(&b_cells);
    PyBuffer_Release(&b_hours);
    return PyLong_FromLong(status);
fail:
    for (int p = 0; p < opened; p++) column_close(&c[p]);
    PyBuffer_Release(&b_cells);
    PyBuffer_Release(&b_hours);
    return NULL;
}

/* occupied(grid, cell_from, cell_to) -> the number of cells in [cell_from, cell_to) with rows
 * (where finish() of the next range starts writing). */
static PyObject *py_occupied(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *capsule;
    Py_ssize_t from, to, r = 0;
    if (!PyArg_ParseTuple(args, "Onn", &capsule, &from, &to)) return NULL;
    Grid *g = grid_of(capsule);
    if (g == NULL) return NULL;
    if (from < 0 || to > g->stations * g->days || from > to) {
        PyErr_SetString(PyExc_ValueError, "cell range outside the grid");
        return NULL;
    }
    for (Py_ssize_t cell = from; cell < to; cell++) r += g->rows[cell] != 0;
    return PyLong_FromSsize_t(r);
}

/* finish(grid, min_hours, window_min_hours, first_window, last_window, min_windows,
 *        exceedance_exception, o3_8h_limit, cell_from, cell_to, r0,
 *        cell, means, o3_8h, o3_1h_max, counts, windows)
 *   -> number of station-days written
 * Outputs, one entry per station-day of cells [cell_from, cell_to) that has at least one row,
 * in cell order (station, day), from entry r0 on (two threads can finish two ranges):
 *   cell int64; means float64 [N_MEAN][rows] (NaN: null); o3_8h, o3_1h_max float64 (NaN: null);
 *   counts int16 [N_MEAN + 1][rows]; windows int16. Buffers are sized for every cell. */
static PyObject *py_finish(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *capsule, *o_cell, *o_means, *o_o3, *o_o3h, *o_counts, *o_win;
    int min_hours, wmin, first, last, min_windows, exception;
    double limit;
    Py_ssize_t from, to, r0;
    if (!PyArg_ParseTuple(args, "OiiiiipdnnnOOOOOO", &capsule, &min_hours, &wmin, &first,
                          &last, &min_windows, &exception, &limit, &from, &to, &r0, &o_cell,
                          &o_means, &o_o3, &o_o3h, &o_counts, &o_win)) return NULL;
    Grid *g = grid_of(capsule);
    if (g == NULL) return NULL;
    if (first < 8 || last > N_HOURS || first > last) {
        PyErr_SetString(PyExc_ValueError, "8-h windows must lie within the day");
        return NULL;
    }
    Py_ssize_t cells = g->stations * g->days;
    if (from < 0 || to > cells || from > to || r0 < 0 || r0 > from) {
        PyErr_SetString(PyExc_ValueError, "cell range outside the grid");
        return NULL;
    }
    Py_buffer b_cell, b_means, b_o3, b_o3h, b_counts, b_win;
    if (writable(o_cell, &b_cell, cells * 8) < 0) return NULL;
    if (writable(o_means, &b_means, cells * 8 * N_MEAN) < 0) goto f1;
    if (writable(o_o3, &b_o3, cells * 8) < 0) goto f2;
    if (writable(o_o3h, &b_o3h, cells * 8) < 0) goto f3;
    if (writable(o_counts, &b_counts, cells * 2 * (N_MEAN + 1)) < 0) goto f4;
    if (writable(o_win, &b_win, cells * 2) < 0) goto f5;
    int64_t *out_cell = (int64_t *)b_cell.buf;
    double *out_means = (double *)b_means.buf, *out_o3 = (double *)b_o3.buf;
    double *out_o3h = (double *)b_o3h.buf;
    int16_t *out_counts = (int16_t *)b_counts.buf, *out_win = (int16_t *)b_win.buf;
    Py_ssize_t r = r0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t cell = from; cell < to; cell++) {
        if (g->rows[cell] == 0) continue;
        out_cell[r] = cell;
        for (int p = 0; p < N_MEAN; p++) {
            int32_t cnt = g->count[p * cells + cell];
            out_means[p * cells + r] = cnt >= min_hours
                ? (g->sum[p * cells + cell] / 1000.0) / (double)cnt : NAN;
            out_counts[p * cells + r] = (int16_t)cnt;
        }
        int32_t n_o3 = g->count[N_MEAN * cells + cell];
        out_counts[N_MEAN * cells + r] = (int16_t)n_o3;
        /* prefix sums over the hour slots: window w (labels w−7 … w) is slots w−8 … w−1;
         * the largest slot is the day's largest O3 value (each slot is its label's largest) */
        const int32_t *slot = &g->slot[cell * N_HOURS];
        double ps[N_HOURS + 1];
        int pc[N_HOURS + 1];
        int32_t top = 0;
        ps[0] = 0.0; pc[0] = 0;
        for (int h = 0; h < N_HOURS; h++) {
            int here = slot[h] != 0;
            ps[h + 1] = ps[h] + (here ? (double)(slot[h] - SLOT_BIAS) : 0.0);
            pc[h + 1] = pc[h] + here;
            if (slot[h] > top) top = slot[h];
        }
        out_o3h[r] = n_o3 >= min_hours && top ? (double)(top - SLOT_BIAS) / 1000.0 : NAN;
        int valid = 0;
        double best = -1.0;
        for (int w = first; w <= last; w++) {
            double s = ps[w] - ps[w - 8];  /* integers below 2^53: exact in any order */
            int m = pc[w] - pc[w - 8];
            double mean = m >= wmin ? (s / 1000.0) / (double)m : -1.0;
            if (m >= wmin) valid++;
            if (mean > best) best = mean;
        }
        int ok = valid >= min_windows;
        if (exception) ok = ok || (valid > 0 && best > limit);
        ok = ok && valid > 0;
        out_o3[r] = ok ? best : NAN;
        out_win[r] = (int16_t)valid;
        r++;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&b_win);
    PyBuffer_Release(&b_counts);
    PyBuffer_Release(&b_o3h);
    PyBuffer_Release(&b_o3);
    PyBuffer_Release(&b_means);
    PyBuffer_Release(&b_cell);
    return PyLong_FromSsize_t(r - r0);
f5: PyBuffer_Release(&b_counts);
f4: PyBuffer_Release(&b_o3h);
f3: PyBuffer_Release(&b_o3);
f2: PyBuffer_Release(&b_means);
f1: PyBuffer_Release(&b_cell);
    return NULL;
}

/* iaqi(values, decimals, points, levels, above_table, special_above, special_iaqi, out, valid)
 * -> status: the IAQI (HJ 633 formula (1), rounded up: 2012 §6.2, 2026 §4.2.6) of each
 * concentration, as ecoplan.standards.aqi.with_iaqis computes it in SQL, step for step:
 *
 *   m   = ROUND(x * 1000000) as int64        (half away from zero; NaN, ±inf: missing)
 *   m   = GB/T 8170 rounding to `decimals` (HJ 633-2026 §4.2.2): k = floor((m + half) / unit),
 *         minus 1 when m % unit == half (C's truncated remainder, as SQL's) and k is odd
 *   m < 0                           → missing
 *   m > special_above (≥ 0)         → special_iaqi, or missing when it is < 0 (table notes)
 *   m > the last breakpoint         → above_table
 *   points[i−1] < m ≤ points[i]     → ceil((m − lo) · span / (hi − lo)) + levels[i−1]
 *
 * `points` and `levels` are int64 arrays (breakpoints in 10⁻⁶ units, IAQI levels); `out` int64
 * and `valid` uint8 outputs of len(values). Status 1 (nothing written is to be used) when a
 * value is too large for exact integers; the caller then keeps the SQL. */
/* One concentration's IAQI (see py_iaqi); returns 1 when the IAQI is valid, 0 when missing,
 * -1 when out of the exact range. Inlined with `unit` a constant, so its divisions by `unit`
 * become multiplications. */
static inline __attribute__((always_inline)) int iaqi_one(
        double x, int64_t unit, const int64_t *pts, const int64_t *lev, Py_ssize_t np_,
        int64_t above_table, int64_t special_above, int64_t special_iaqi, int64_t *out) {
    double y = x * 1000000.0;
    if (isnan(y) || isinf(y)) return 0;
    if (fabs(y) >= 4503599627370496.0) return -1;  /* 2^52 */
    int64_t m = (int64_t)round(y);
    int64_t k = (int64_t)floor((double)(m + unit / 2) / (double)unit);
    if (m % unit == unit / 2 && k % 2 == 1) k -= 1;
    m = k * unit;
    if (m < 0) return 0;
    if (special_above >= 0 && m > special_above) {
        if (special_iaqi < 0) return 0;
        *out = special_iaqi;
        return 1;
    }
    if (m > pts[np_ - 1]) { *out = above_table; return 1; }
    Py_ssize_t i = 1;
    while (m > pts[i]) i++;
    *out = (int64_t)ceil((double)((m - pts[i - 1]) * (lev[i] - lev[i - 1]))
                         / (double)(pts[i] - pts[i - 1])) + lev[i - 1];
    return 1;
}

static PyObject *py_iaqi(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer b_x, b_pts, b_lev, b_out, b_ok;
    int decimals;
    long long above_table, special_above, special_iaqi;
    PyObject *o_out, *o_ok;
    if (!PyArg_ParseTuple(args, "y*iy*y*LLLOO", &b_x, &decimals, &b_pts, &b_lev, &above_table,
                          &special_above, &special_iaqi, &o_out, &o_ok))
        return NULL;
    Py_ssize_t n = b_x.len / (Py_ssize_t)sizeof(double);
    Py_ssize_t np_ = b_pts.len / (Py_ssize_t)sizeof(int64_t);
    int status = OK;
    if (np_ < 2 || b_lev.len / (Py_ssize_t)sizeof(int64_t) < np_ || decimals < 0 || decimals > 6) {
        PyErr_SetString(PyExc_ValueError, "bad breakpoints or decimals");
        goto f0;
    }
    if (writable(o_out, &b_out, n * (Py_ssize_t)sizeof(int64_t)) < 0) goto f0;
    if (writable(o_ok, &b_ok, n) < 0) goto f1;
    const double *x = (const double *)b_x.buf;
    const int64_t *pts = (const int64_t *)b_pts.buf, *lev = (const int64_t *)b_lev.buf;
    int64_t *out = (int64_t *)b_out.buf;
    unsigned char *ok = (unsigned char *)b_ok.buf;
    int64_t unit = 1;
    for (int i = 0; i < 6 - decimals; i++) unit *= 10;
    Py_BEGIN_ALLOW_THREADS
#define IAQI_LOOP(UNIT)                                                                    \
    for (Py_ssize_t j = 0; j < n; j++) {                                                   \
        out[j] = 0;                                                                        \
        int r = iaqi_one(x[j], (UNIT), pts, lev, np_, above_table, special_above,          \
                         special_iaqi, &out[j]);                                           \
        if (r < 0) { status = VALUE_RANGE; break; }                                        \
        ok[j] = (unsigned char)r;                                                          \
    }
    if (unit == 1000000) { IAQI_LOOP(1000000) }
    else if (unit == 100000) { IAQI_LOOP(100000) }
    else { IAQI_LOOP(unit) }
#undef IAQI_LOOP
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&b_ok);
f1: PyBuffer_Release(&b_out);
f0: PyBuffer_Release(&b_lev);
    PyBuffer_Release(&b_pts);
    PyBuffer_Release(&b_x);
    if (PyErr_Occurred()) return NULL;
    return PyLong_FromLong(status);
}

static PyMethodDef methods[] = {
    {"new_grid", py_new_grid, METH_VARARGS, "new_grid(stations, days, day0) -> grid"},
    {"locate", py_locate, METH_VARARGS,
     "locate(grid, codes, codes_offset, lookup, timestamps_us, n, cells, hours) -> status"},
    {"accumulate", py_accumulate, METH_VARARGS,
     "accumulate(grid, cells, hours, n, columns) -> status"},
    {"occupied", py_occupied, METH_VARARGS, "occupied(grid, cell_from, cell_to) -> cells"},
    {"finish", py_finish, METH_VARARGS,
     "finish(grid, rules…, cell_from, cell_to, r0, outputs…) -> station-days"},
    {"iaqi", py_iaqi, METH_VARARGS,
     "iaqi(values, decimals, points, levels, above_table, special_above, special_iaqi, out, "
     "valid) -> status"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_air_daily_kernel",
    "Daily air-quality values on a station × day grid (optional C kernel).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__air_daily_kernel(void) { return PyModule_Create(&module); }
