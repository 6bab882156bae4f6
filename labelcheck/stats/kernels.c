/* The scan's compiled kernels: one pass per batch that reads each value once.
 *
 * Loaded with ctypes by labelcheck/stats/native.py (no Python headers, no ABI
 * tag: a plain shared library). Every function is re-entrant and runs without
 * the GIL (ctypes releases it), so the local engine's threads run them in
 * parallel. The numpy code in rowhash.py and column.py is the reference: the
 * row hashes here are bit-identical to it; the statistics are exact for
 * counts, bounds and row bounds, and the shifted sums are accumulated in
 * float64 (more accurate than the numpy route's float32 blocks).
 *
 * Floating-point keys are built with integer operations on the bits, so the
 * compiler flags that let the sums be reassociated (-fassociative-math
 * -fno-signed-zeros) cannot change a hash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NAN_KEY 0x7FF8000000000000ULL
#define NULL_KEY 0x7FF0000000000001ULL
#define EXP_MASK 0x7FF0000000000000ULL
#define ABS_MASK 0x7FFFFFFFFFFFFFFFULL
#define M1 0xBF58476D1CE4E5B9ULL
#define M2 0x94D049BB133111EBULL
#define M3 0xFF51AFD7ED558CCDULL
#define M4 0xC4CEB9FE1A85EC53ULL

/* Rows per block: the block's row sums (16 bytes a row) stay in the L2 cache
 * while every column of the batch is folded into them. */
#define BLOCK 4096

/* x86-64: one copy of lc_batch per instruction set level, chosen when the
 * library loads (GCC's function multi-versioning): AVX-512 multiplies four
 * to eight 64-bit lanes at once (the hashes), and the wheel still runs on a
 * machine without it. Never -march=native: an image built on one machine
 * must run on another. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif
#define ALWAYS_INLINE __attribute__((always_inline))

enum { LC_F32 = 0, LC_F64 = 1, LC_KEYS = 2, LC_KEYS2 = 3 };

/* Bumped with any change to a signature, a struct or the kinds above: native.py
 * refuses a library of another version (a stale build) and takes the numpy route. */
#define LC_ABI 4

/* One column of a batch. Mirrored by native.Column (ctypes): keep in step. */
typedef struct {
    const void *values;     /* float32/float64 values, or the first hash's uint64 keys */
    const uint64_t *keys_b; /* LC_KEYS: the second hash's keys (text); NULL: square of the first;
                               LC_KEYS2 (numbers keyed per hash): its mix, squared */
    const uint8_t *valid;   /* Arrow validity bitmap; NULL: no null */
    int64_t valid_offset;   /* bit of row 0 in valid */
    uint64_t salt_a, salt_b;
    int32_t kind;
    int32_t hash;  /* fold this column into the row sums */
    int32_t stats; /* floats without null: counts, bounds, row bounds, shifted sums */
    int32_t overflow; /* out: a finite value's square overflowed (use the float64 kernels) */
    int64_t width;    /* values per row of the row bounds (a power of two) */
    void *row_lo, *row_hi; /* n / width row bounds, in the values' type */
    double shift;
    /* out */
    double s1, s2, lo, hi;
    int64_t nan, posinf, neginf;
} lc_column;

static inline uint64_t mix(uint64_t x) {
    x *= M1;
    x ^= x >> 29;
    x *= M2;
    x ^= x >> 32;
    return x;
}

static inline uint64_t murmur(uint64_t x) {
    x ^= x >> 33;
    x *= M3;
    x ^= x >> 33;
    x *= M4;
    x ^= x >> 33;
    return x;
}

/* The canonical key of a float64: -0.0 -> 0.0, every NaN -> one NaN. */
static inline uint64_t float_key(uint64_t bits) {
    uint64_t a = bits & ABS_MASK; /* selects, not branches: the loops vectorise */
    uint64_t k = a > EXP_MASK ? NAN_KEY : bits;
    return a == 0 ? 0 : k;
}

static inline int is_valid(const uint8_t *valid, int64_t bit) {
    return (valid[bit >> 3] >> (bit & 7)) & 1;
}

static inline ALWAYS_INLINE void hash_block(const lc_column *c, int64_t start, int64_t n, uint64_t *sa, uint64_t *sb) {
    const uint64_t salt = c->salt_a;
    if (c->kind == LC_KEYS) {
        const uint64_t *ka = (const uint64_t *)c->values + start;
        if (c->keys_b) {
            const uint64_t *kb = c->keys_b + start;
            for (int64_t i = 0; i < n; i++) {
                sa[i] += mix(ka[i] ^ salt);
                sb[i] += murmur(kb[i] ^ c->salt_b);
            }
        } else {
            for (int64_t i = 0; i < n; i++) {
                uint64_t m = mix(ka[i] ^ salt);
                sa[i] += m;
                sb[i] += m * m;
            }
        }
        return;
    }
    if (c->kind == LC_KEYS2) {
        const uint64_t *ka = (const uint64_t *)c->values + start, *kb = c->keys_b + start;
        for (int64_t i = 0; i < n; i++) {
            uint64_t m = mix(kb[i] ^ salt);
            sa[i] += mix(ka[i] ^ salt);
            sb[i] += m * m;
        }
        return;
    }
    if (!c->valid) { /* the common case: one loop, no key array */
        if (c->kind == LC_F32) {
            const float *v = (const float *)c->values + start;
            for (int64_t i = 0; i < n; i++) {
                double d = (double)v[i];
                uint64_t bits;
                memcpy(&bits, &d, 8);
                uint64_t m = mix(float_key(bits) ^ salt);
                sa[i] += m;
                sb[i] += m * m;
            }
        } else {
            const uint64_t *v = (const uint64_t *)c->values + start;
            for (int64_t i = 0; i < n; i++) {
                uint64_t m = mix(float_key(v[i]) ^ salt);
                sa[i] += m;
                sb[i] += m * m;
            }
        }
        return;
    }
    uint64_t key[BLOCK];
    if (c->kind == LC_F32) {
        const float *v = (const float *)c->values + start;
        for (int64_t i = 0; i < n; i++) {
            double d = (double)v[i];
            uint64_t bits;
            memcpy(&bits, &d, 8);
            key[i] = float_key(bits);
        }
    } else {
        const uint64_t *v = (const uint64_t *)c->values + start;
        for (int64_t i = 0; i < n; i++) key[i] = float_key(v[i]);
    }
    if (c->valid) {
        for (int64_t i = 0; i < n; i++)
            if (!is_valid(c->valid, c->valid_offset + start + i)) key[i] = NULL_KEY;
    }
    for (int64_t i = 0; i < n; i++) {
        uint64_t m = mix(key[i] ^ salt);
        sa[i] += m;
        sb[i] += m * m;
    }
}

static inline int finite(double x) {
    uint64_t b;
    memcpy(&b, &x, 8);
    return (b & ABS_MASK) < EXP_MASK;
}

/* Statistics of values [start, start + n) of a float column: one function per
 * type. Each segment (a row of the row bounds) is one vectorised loop (the
 * OpenMP simd reductions let the compiler reorder these sums, and only these:
 * -fopenmp-simd needs no OpenMP runtime); a segment holding NaN or Inf, which
 * make its sum of squares non-finite, is done again value by value (rare). */
#define STATS_BLOCK(NAME, T)                                                              \
    static inline ALWAYS_INLINE void NAME(lc_column *c, int64_t start, int64_t n,         \
                                          int64_t body) {                                \
        const T *v = (const T *)c->values;                                                \
        T *rlo = (T *)c->row_lo, *rhi = (T *)c->row_hi;                                   \
        const double shift = c->shift;                                                    \
        const int64_t w = c->width;                                                       \
        int64_t i = start, stop = start + n;                                              \
        while (i < stop) {                                                                \
            /* a segment: within one row of the row bounds (or in the tail) */            \
            int64_t row = i / w, end = i < body ? (row + 1) * w : stop;                   \
            if (end > stop) end = stop;                                                   \
            double a1 = 0, a2 = 0, lo = __builtin_inf(), hi = -__builtin_inf();         \
            _Pragma("omp simd reduction(+ : a1, a2) reduction(min : lo) reduction(max : hi)") \
            for (int64_t k = i; k < end; k++) {                                           \
                double x = (double)v[k], d = x - shift;                                   \
                a1 += d;                                                                  \
                a2 += d * d;                                                              \
                lo = x < lo ? x : lo;                                                     \
                hi = x > hi ? x : hi;                                                     \
            }                                                                             \
            /* NaN or Inf (or an overflow) make the sum of squares non-finite */         \
            if (!finite(a2)) {                                                            \
                a1 = a2 = 0;                                                              \
                lo = __builtin_inf();                                                     \
                hi = -__builtin_inf();                                                    \
                for (int64_t k = i; k < end; k++) {                                       \
                    double x = (double)v[k];                                              \
                    if (x != x) {                                                         \
                        c->nan++;                                                         \
                    } else if (!finite(x)) {                                              \
                        if (x > 0)                                                        \
                            c->posinf++;                                                  \
                        else                                                              \
                            c->neginf++;                                                  \
                    } else {                                                              \
                        double d = (double)x - shift;                                     \
                        a1 += d;                                                          \
                        a2 += d * d;                                                      \
                        lo = x < lo ? x : lo;                                             \
                        hi = x > hi ? x : hi;                                             \
                    }                                                                     \
                }                                                                         \
                if (!finite(a2)) c->overflow = 1;                                         \
            }                                                                             \
            c->s1 += a1;                                                                  \
            c->s2 += a2;                                                                  \
            if (i < body) {                                                               \
                if (i == row * w) {                                                       \
                    rlo[row] = (T)lo;                                                     \
                    rhi[row] = (T)hi;                                                     \
                } else {                                                                  \
                    rlo[row] = (T)lo < rlo[row] ? (T)lo : rlo[row];                       \
                    rhi[row] = (T)hi > rhi[row] ? (T)hi : rhi[row];                       \
                }                                                                         \
            }                                                                             \
            if (lo < c->lo) c->lo = lo;                                                   \
            if (hi > c->hi) c->hi = hi;                                                   \
            i = end;                                                                      \
        }                                                                                 \
    }

STATS_BLOCK(stats_f32, float)
STATS_BLOCK(stats_f64, double)

/* One pass over a batch of n rows: every column's statistics (where asked) and
 * its share of the two row hashes, summed into sum_a and sum_b (NULL: no row
 * hashes). Values are read block by block, each block of every column once
 * while it is in cache. The sums need not be zeroed: reading fresh pages
 * before writing them maps the zero page, then copies it (measured: a third
 * of the scan's page-fault time). */
CLONES void lc_batch(lc_column *cols, int32_t ncols, int64_t n, uint64_t *sum_a, uint64_t *sum_b) {
    for (int32_t j = 0; j < ncols; j++) {
        lc_column *c = &cols[j];
        c->s1 = c->s2 = 0;
        c->lo = __builtin_inf();
        c->hi = -__builtin_inf();
        c->nan = c->posinf = c->neginf = 0;
        c->overflow = 0;
    }
    for (int64_t start = 0; start < n; start += BLOCK) {
        int64_t m = n - start < BLOCK ? n - start : BLOCK;
        if (sum_a) { /* the sums start here: fresh memory is written, never read first */
            memset(sum_a + start, 0, (size_t)m * 8);
            memset(sum_b + start, 0, (size_t)m * 8);
        }
        for (int32_t j = 0; j < ncols; j++) {
            lc_column *c = &cols[j];
            if (c->stats) {
                int64_t body = n - n % c->width;
                if (c->kind == LC_F32)
                    stats_f32(c, start, m, body);
                else
                    stats_f64(c, start, m, body);
            }
            if (c->hash && sum_a) hash_block(c, start, m, sum_a + start, sum_b + start);
        }
    }
}

/* ---------------------------------------------------------------- repeats */

/* The repeats of one bucket, appended to rep: an open-addressing table of
 * size slots (a power of two, at least twice m) that fits in the cache. */
static int64_t bucket_repeats(const uint64_t *vals, int64_t m, uint64_t *table, uint8_t *seen,
                              int64_t size, uint64_t *rep, int64_t nrep) {
    const uint64_t mask = (uint64_t)size - 1;
    memset(seen, 0, (size_t)size);
    for (int64_t i = 0; i < m; i++) {
        /* the low bits of a multiply: the bucket's values share their top bits */
        uint64_t x = vals[i], h = (x * M1) >> 20;
        for (;;) {
            uint64_t s = h & mask;
            if (!seen[s]) {
                seen[s] = 1;
                table[s] = x;
                break;
            }
            if (table[s] == x) {
                if (seen[s] == 1) rep[nrep++] = x;
                seen[s] = 2;
                break;
            }
            h++;
        }
    }
    return nrep;
}

static int cmp_u64(const void *p, const void *q) {
    uint64_t a = *(const uint64_t *)p, b = *(const uint64_t *)q;
    return a < b ? -1 : a > b;
}

/* The values that occur more than once in the nparts arrays (uniform 64-bit
 * hashes), each once and ascending, into rep (room for half the values + 1);
 * returns how many, or -1 when memory runs out. The values are spread into
 * 2**bits buckets by their top bits (one counting pass, one scatter), then
 * each bucket's repeats are found in a table that stays in the cache: a few
 * passes over memory, where a sort of 10M hashes takes a dozen.
 *
 * Only buckets [bucket_lo, bucket_hi) are done (two threads take a half each).
 * scratch holds scratch_size + 1 values: buckets are scattered a run at a time,
 * each run filling at most scratch_size (a bucket larger than that gets its
 * own buffer), because fresh memory is what costs most here: a run re-reads
 * the hashes, which are in memory already. */
int64_t lc_repeats(const uint64_t *const *parts, const int64_t *sizes, int32_t nparts,
                   int32_t bits, int64_t bucket_lo, int64_t bucket_hi, uint64_t *scratch,
                   int64_t scratch_size, uint64_t *rep) {
    const int64_t nb = (int64_t)1 << bits;
    const int sh = 64 - bits;
    int64_t *counts = calloc((size_t)nb, sizeof(int64_t));
    int64_t *next = malloc((size_t)nb * sizeof(int64_t));
    uint64_t *table = NULL, *big = NULL;
    uint8_t *seen = NULL;
    int64_t nrep = -1;
    if (!counts || !next) goto done;
    for (int32_t p = 0; p < nparts; p++)
        for (int64_t i = 0; i < sizes[p]; i++) counts[parts[p][i] >> sh]++;
    int64_t largest = 0;
    for (int64_t b = 0; b < nb; b++)
        if (counts[b] > largest) largest = counts[b];
    int64_t cap = 16;
    while (cap < 2 * largest) cap <<= 1;
    table = malloc((size_t)cap * 8);
    seen = malloc((size_t)cap);
    if (!table || !seen) goto done;
    nrep = 0;
    if (bucket_hi > nb) bucket_hi = nb;
    for (int64_t first = bucket_lo; first < bucket_hi;) {
        /* a run of buckets [first, last) whose values fit in scratch */
        int64_t last = first, fill = 0;
        while (last < bucket_hi && (last == first || fill + counts[last] <= scratch_size))
            fill += counts[last++];
        uint64_t *buf = scratch;
        int64_t dummy = scratch_size; /* scratch has one more slot: values of other runs */
        if (fill > scratch_size) { /* one bucket larger than scratch (a mass of copies) */
            free(big);
            big = malloc((size_t)(fill + 1) * 8);
            dummy = fill;
            if (!big) {
                nrep = -1;
                goto done;
            }
            buf = big;
        }
        int64_t pos = 0;
        for (int64_t b = first; b < last; b++) {
            next[b] = pos;
            pos += counts[b];
        }
        for (int32_t p = 0; p < nparts; p++) {
            const uint64_t *a = parts[p];
            for (int64_t i = 0; i < sizes[p]; i++) {
                /* no branch: which run a hash falls in is random, a branch would
                 * mispredict half the time; a value of another run goes to the
                 * dummy slot and moves no cursor */
                uint64_t v = a[i];
                int64_t b = (int64_t)(v >> sh);
                int64_t in = (uint64_t)(b - first) < (uint64_t)(last - first);
                int64_t slot = in ? next[b] : dummy;
                buf[slot] = v;
                next[b] += in;
            }
        }
        int64_t begin = 0;
        for (int64_t b = first; b < last; b++) {
            int64_t m = counts[b];
            if (m > 1) {
                int64_t size = 16;
                while (size < 2 * m) size <<= 1;
                int64_t before = nrep;
                nrep = bucket_repeats(buf + begin, m, table, seen, size, rep, nrep);
                if (nrep - before > 1) qsort(rep + before, (size_t)(nrep - before), 8, cmp_u64);
            }
            begin += m;
        }
        first = last;
    }
done:
    free(counts);
    free(next);
    free(big);
    free(table);
    free(seen);
    return nrep;
}

/* What native.py checks before it calls anything: the ABI version and the size of
 * lc_column as this build laid it out. */
int64_t lc_abi(void) { return LC_ABI; }
int64_t lc_column_size(void) { return (int64_t)sizeof(lc_column); }

/* One decoded 8-bit image: per-band 256-bin histograms of its bytes (bands interleaved:
 * R G B R G B ...) added into hist[band * 256 + value], and a 128-bit key of the bytes:
 * two lanes, each the sum (mod 2^64) of splitmix64(word ^ (index * golden + salt)) over the
 * native-order 8-byte words (the tail zero-padded). A sum of position-salted mixes is what
 * numpy computes too (stats/image.py's twin), bit for bit. */
static inline uint64_t splitmix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void lc_image_u8(const uint8_t *data, int64_t n, int32_t bands, int64_t *hist, uint64_t *key) {
    const uint64_t golden = 0x9e3779b97f4a7c15ULL;
    const uint64_t salt_a = 0x243f6a8885a308d3ULL, salt_b = 0x13198a2e03707344ULL;
    uint64_t a = 0, b = 0;
    int64_t words = n / 8;
    for (int64_t i = 0; i < words; i++) {
        uint64_t w;
        memcpy(&w, data + 8 * i, 8);
        uint64_t at = (uint64_t)i * golden;
        a += splitmix(w ^ (at + salt_a));
        b += splitmix(w ^ (at + salt_b));
    }
    if (n % 8) {
        uint64_t w = 0;
        memcpy(&w, data + 8 * words, (size_t)(n % 8));
        uint64_t at = (uint64_t)words * golden;
        a += splitmix(w ^ (at + salt_a));
        b += splitmix(w ^ (at + salt_b));
    }
    key[0] = a;
    key[1] = b;
    int64_t pixels = n / bands;
    if (bands == 3) {
        int64_t *r = hist, *g = hist + 256, *bl = hist + 512;
        for (int64_t i = 0; i < pixels; i++, data += 3) {
            r[data[0]]++;
            g[data[1]]++;
            bl[data[2]]++;
        }
        return;
    }
    if (bands == 1) {
        for (int64_t i = 0; i < pixels; i++) hist[data[i]]++;
        return;
    }
    for (int64_t i = 0; i < pixels; i++)
        for (int32_t k = 0; k < bands; k++) hist[k * 256 + *data++]++;
}

/* List rows of int64 values (token ids): per row, the two sums of rowhash._list_keys
 * before its length and final mix: a = sum of splitmix64(v ^ (position * golden + tag)),
 * b = the sum of their squares (mod 2^64), the same numbers numpy's route adds up. Rows
 * are [starts[r], starts[r] + lengths[r]) of values; a row of length 0 sums to 0. */
CLONES void lc_list_sums(const int64_t *values, const int64_t *starts, const int64_t *lengths,
                         int64_t n, uint64_t tag, uint64_t *sum_a, uint64_t *sum_b) {
    const uint64_t golden = 0x9e3779b97f4a7c15ULL;
    for (int64_t r = 0; r < n; r++) {
        const int64_t *v = values + starts[r];
        const int64_t len = lengths[r];
        uint64_t a = 0, b = 0;
        for (int64_t j = 0; j < len; j++) {
            uint64_t x = splitmix((uint64_t)v[j] ^ ((uint64_t)j * golden + tag));
            a += x;
            b += x * x;
        }
        sum_a[r] = a;
        sum_b[r] = b;
    }
}

/* List rows of int64 values: per row, how many values differ from `ne`, how many lie
 * outside [lo, hi) and are not `skip` (any such value when `has_skip` is 0), and the
 * largest value (INT64_MIN when empty): the token statistic's row checks in one read
 * of the values (Lists.count in tokens.py is the numpy twin). */
CLONES void lc_list_counts(const int64_t *values, const int64_t *starts, const int64_t *lengths,
                    int64_t n, int64_t ne, int64_t lo, int64_t hi, int64_t skip,
                    int64_t has_skip, int64_t *count_ne, int64_t *count_bad, int64_t *row_max) {
    for (int64_t r = 0; r < n; r++) {
        const int64_t *v = values + starts[r];
        const int64_t len = lengths[r];
        int64_t c = 0, bad = 0, top = INT64_MIN;
        for (int64_t j = 0; j < len; j++) {
            int64_t x = v[j];
            c += x != ne;
            bad += (x < lo || x >= hi) & ((x != skip) | !has_skip);
            top = x > top ? x : top;
        }
        count_ne[r] = c;
        count_bad[r] = bad;
        row_max[r] = top;
    }
}

/* Integer ids of one batch part (labelcheck/batches.py's guard), in one read: how many
 * values lie outside [0, k) and are not `skip` (any such value when has_skip is 0), or -1
 * when there are values and every one is `skip` (has_skip only). `layout` packs the bytes
 * per value (1, 2, 4 or 8) in bits 0-3, signed in bit 4, has_skip in bit 5: one argument,
 * since ctypes' cost is per argument. Unsigned 8-byte values are never passed (they may
 * not fit in int64). */
#define IDS_LOOP(T)                                                        \
    do {                                                                   \
        const T *v = (const T *)data;                                      \
        for (int64_t i = 0; i < n; i++) {                                  \
            int64_t x = (int64_t)v[i];                                     \
            bad += ((x < 0) | (x >= k)) & ((x != skip) | !has_skip);       \
            other += x != skip;                                            \
        }                                                                  \
    } while (0)

CLONES int64_t lc_ids_check(const void *data, int64_t n, int32_t layout, int64_t k,
                            int64_t skip) {
    const int32_t width = layout & 15, is_signed = (layout >> 4) & 1, has_skip = (layout >> 5) & 1;
    int64_t bad = 0, other = 0;
    if (width == 8) IDS_LOOP(int64_t);
    else if (width == 4 && is_signed) IDS_LOOP(int32_t);
    else if (width == 4) IDS_LOOP(uint32_t);
    else if (width == 2 && is_signed) IDS_LOOP(int16_t);
    else if (width == 2) IDS_LOOP(uint16_t);
    else if (width == 1 && is_signed) IDS_LOOP(int8_t);
    else IDS_LOOP(uint8_t);
    return has_skip && n > 0 && other == 0 ? -1 : bad;
}

/* Rows of a 2-D attention mask stored as `row_bytes` bytes each (integers or booleans:
 * a row attends somewhere when any byte is nonzero): how many rows are all zero. Each
 * row is read up to its first nonzero byte, so a batch of ordinary masks costs a few
 * reads per row. */
CLONES int64_t lc_empty_rows(const uint8_t *data, int64_t rows, int64_t row_bytes) {
    int64_t empty = 0;
    for (int64_t r = 0; r < rows; r++, data += row_bytes) {
        int64_t j = 0;
        while (j < row_bytes && !data[j]) j++;
        empty += j == row_bytes;
    }
    return empty;
}

/* Whether n float values (width 4: float32, 8: float64) are all finite: no value has its
 * exponent bits all set (NaN, Inf). Read as integers, so the test vectorises without
 * reassociating float sums and never overflows. */
CLONES int32_t lc_all_finite(const void *data, int64_t n, int32_t width) {
    if (width == 4) {
        const uint32_t *v = (const uint32_t *)data;
        uint32_t bad = 0;
        for (int64_t i = 0; i < n; i++) bad |= (v[i] & 0x7F800000u) == 0x7F800000u;
        return !bad;
    }
    const uint64_t *v = (const uint64_t *)data;
    uint64_t bad = 0;
    for (int64_t i = 0; i < n; i++) bad |= (v[i] & EXP_MASK) == EXP_MASK;
    return !bad;
}
