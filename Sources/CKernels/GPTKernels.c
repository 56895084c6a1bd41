#include "CKernels.h"
#include <string.h>

/* The tiny GPT's elementwise and row kernels, 8 lanes at a time (clang vector extensions, so they
   compile to SSE2 on any x86-64 and AVX/NEON where available). Swift called libm's expf/tanhf per
   element; these use one polynomial exp (Cephes expf, relative error ~2e-7) for softmax, the
   cross-entropy and GELU's tanh. Reductions keep 8 partial sums in a fixed order: deterministic. */

typedef float v8f __attribute__((ext_vector_type(8)));
typedef int v8i __attribute__((ext_vector_type(8)));

static inline v8f load8(const float *p) { v8f v; memcpy(&v, p, sizeof v); return v; }
static inline void store8(float *p, v8f v) { memcpy(p, &v, sizeof v); }
static inline v8f splat(float x) { return (v8f){x, x, x, x, x, x, x, x}; }
static inline float hsum(v8f v) {
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}
static inline float hmax(v8f v) {
    float m = v[0];
    for (int i = 1; i < 8; i++) m = v[i] > m ? v[i] : m;
    return m;
}

/* e^x for x in [-87.3, 88.7] (clamped): 2^n · p(r), r = x − n·ln2. */
static inline v8f vexp(v8f x) {
    x = __builtin_elementwise_min(__builtin_elementwise_max(x, splat(-87.3f)), splat(88.7f));
    /* floor by truncation and a fix-up: SSE2 has no vector floor (the builtin became floorf calls). */
    v8f t = x * 1.44269504088896341f + 0.5f;
    v8f fx = __builtin_convertvector(__builtin_convertvector(t, v8i), v8f);
    fx += __builtin_convertvector(fx > t, v8f); /* true is −1 */
    v8f r = x - fx * 0.693359375f + fx * 2.12194440e-4f;
    v8f y = splat(1.9875691500e-4f);
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r * r + r + 1.0f;
    v8i n = __builtin_convertvector(fx, v8i);
    n = (n + 127) << 23;
    v8f scale;
    memcpy(&scale, &n, sizeof scale);
    return y * scale;
}

static inline float sexp(float x) {
    v8f v = vexp(splat(x));
    return v[0];
}

/* tanh(u) = 1 − 2/(e^{2u} + 1). */
static inline v8f vtanh(v8f u) { return 1.0f - 2.0f / (vexp(2.0f * u) + 1.0f); }

#define GELU_S 0.7978845608028654f /* sqrt(2/pi) */

void distill_gelu_forward(float *out, const float *inp, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f x = load8(inp + i);
        store8(out + i, 0.5f * x * (1.0f + vtanh(GELU_S * (x + 0.044715f * x * x * x))));
    }
    for (; i < n; i++) {
        float x = inp[i];
        float t = 1.0f - 2.0f / (sexp(2.0f * GELU_S * (x + 0.044715f * x * x * x)) + 1.0f);
        out[i] = 0.5f * x * (1.0f + t);
    }
}

void distill_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f x = load8(inp + i);
        v8f th = vtanh(GELU_S * (x + 0.044715f * x * x * x));
        v8f local = 0.5f * (1.0f + th) + x * 0.5f * (1.0f - th * th) * GELU_S * (1.0f + 3.0f * 0.044715f * x * x);
        store8(dinp + i, local * load8(dout + i));
    }
    for (; i < n; i++) {
        float x = inp[i];
        float th = 1.0f - 2.0f / (sexp(2.0f * GELU_S * (x + 0.044715f * x * x * x)) + 1.0f);
        float local = 0.5f * (1.0f + th) + x * 0.5f * (1.0f - th * th) * GELU_S * (1.0f + 3.0f * 0.044715f * x * x);
        dinp[i] = local * dout[i];
    }
}

/* Unnormalised exp(row − max) over row[0..count), returns the sum; max in *mx. */
static float exp_shifted(float *dst, const float *row, size_t count, float *mx) {
    v8f vm = splat(-3.4e38f);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) vm = __builtin_elementwise_max(vm, load8(row + i));
    float m = hmax(vm);
    for (; i < count; i++) m = row[i] > m ? row[i] : m;
    v8f vs = splat(0);
    for (i = 0; i + 8 <= count; i += 8) {
        v8f e = vexp(load8(row + i) - m);
        store8(dst + i, e);
        vs += e;
    }
    float s = hsum(vs);
    for (; i < count; i++) { float e = sexp(row[i] - m); dst[i] = e; s += e; }
    *mx = m;
    return s;
}

void distill_softmax_row(float *row, size_t count, size_t width) {
    float m;
    float inv = 1.0f / exp_shifted(row, row, count, &m);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) store8(row + i, load8(row + i) * inv);
    for (; i < count; i++) row[i] *= inv;
    for (i = count; i < width; i++) row[i] = 0;
}

void distill_causal_softmax(float *att, size_t T) {
    for (size_t t = 0; t < T; t++) distill_softmax_row(att + t * T, t + 1, T);
}

void distill_softmax_row_backward(const float *a, float *d, size_t n) {
    size_t j = 0;
    v8f vs = splat(0);
    for (; j + 8 <= n; j += 8) vs += load8(a + j) * load8(d + j);
    float dot = hsum(vs);
    for (; j < n; j++) dot += a[j] * d[j];
    for (j = 0; j + 8 <= n; j += 8) store8(d + j, load8(a + j) * (load8(d + j) - dot));
    for (; j < n; j++) d[j] = a[j] * (d[j] - dot);
}

void distill_causal_softmax_backward(const float *att, float *datt, size_t T) {
    for (size_t t = 0; t < T; t++) {
        distill_softmax_row_backward(att + t * T, datt + t * T, t + 1);
        for (size_t j = t + 1; j < T; j++) datt[t * T + j] = 0;
    }
}

float distill_softmax_logz(float *probs, const float *logits, size_t V) {
    float m;
    float s = exp_shifted(probs, logits, V, &m);
    float inv = 1.0f / s;
    size_t i = 0;
    for (; i + 8 <= V; i += 8) store8(probs + i, load8(probs + i) * inv);
    for (; i < V; i++) probs[i] *= inv;
    return __builtin_logf(s) + m;
}

void distill_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
                               const float *w, const float *b, size_t N, size_t C) {
    float invC = 1.0f / (float)C;
    for (size_t n = 0; n < N; n++) {
        const float *x = inp + n * C;
        float *o = out + n * C;
        v8f vs = splat(0);
        size_t i = 0;
        for (; i + 8 <= C; i += 8) vs += load8(x + i);
        float m = hsum(vs);
        for (; i < C; i++) m += x[i];
        m *= invC;
        v8f vv = splat(0);
        for (i = 0; i + 8 <= C; i += 8) { v8f d = load8(x + i) - m; vv += d * d; }
        float v = hsum(vv);
        for (; i < C; i++) { float d = x[i] - m; v += d * d; }
        v *= invC;
        float s = 1.0f / __builtin_sqrtf(v + 1e-5f);
        for (i = 0; i + 8 <= C; i += 8) store8(o + i, (load8(x + i) - m) * s * load8(w + i) + load8(b + i));
        for (; i < C; i++) o[i] = (x[i] - m) * s * w[i] + b[i];
        mean[n] = m; rstd[n] = s;
    }
}

void distill_layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                                const float *w, const float *mean, const float *rstd, size_t N, size_t C) {
    float invC = 1.0f / (float)C;
    for (size_t n = 0; n < N; n++) {
        const float *d = dout + n * C, *x = inp + n * C;
        float *di = dinp + n * C;
        float m = mean[n], s = rstd[n];
        v8f va = splat(0), vb = splat(0);
        size_t i = 0;
        for (; i + 8 <= C; i += 8) {
            v8f norm = (load8(x + i) - m) * s, dn = load8(w + i) * load8(d + i);
            va += dn; vb += dn * norm;
        }
        float dm = hsum(va), dnm = hsum(vb);
        for (; i < C; i++) { float norm = (x[i] - m) * s, dn = w[i] * d[i]; dm += dn; dnm += dn * norm; }
        dm *= invC; dnm *= invC;
        for (i = 0; i + 8 <= C; i += 8) {
            v8f dd = load8(d + i), norm = (load8(x + i) - m) * s, dn = load8(w + i) * dd;
            store8(db + i, load8(db + i) + dd);
            store8(dw + i, load8(dw + i) + norm * dd);
            store8(di + i, load8(di + i) + (dn - dm - norm * dnm) * s);
        }
        for (; i < C; i++) {
            float norm = (x[i] - m) * s, dn = w[i] * d[i];
            db[i] += d[i]; dw[i] += norm * d[i]; di[i] += (dn - dm - norm * dnm) * s;
        }
    }
}

void distill_add_rows(float *acc, const float *rows, size_t N, size_t C) {
    for (size_t n = 0; n < N; n++) {
        const float *r = rows + n * C;
        size_t i = 0;
        for (; i + 8 <= C; i += 8) store8(acc + i, load8(acc + i) + load8(r + i));
        for (; i < C; i++) acc[i] += r[i];
    }
}
