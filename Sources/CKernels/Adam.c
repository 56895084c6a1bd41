#include "CKernels.h"

typedef float v8f __attribute__((ext_vector_type(8)));

void distill_adam_update(float *w, const float *g, float *m, float *s, size_t n,
                         float b1, float b2, float eps, float step_size, float inv_bias2,
                         float l2, float shrink) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f W, G, M, S;
        __builtin_memcpy(&W, w + i, sizeof W); __builtin_memcpy(&G, g + i, sizeof G);
        __builtin_memcpy(&M, m + i, sizeof M); __builtin_memcpy(&S, s + i, sizeof S);
        G = G + l2 * W;
        M = b1 * M + (1 - b1) * G;
        S = b2 * S + (1 - b2) * G * G;
        /* __builtin_elementwise_sqrt: a vector sqrt with no errno side effect. */
        W = W * shrink - step_size * M / (__builtin_elementwise_sqrt(S * inv_bias2) + eps);
        __builtin_memcpy(w + i, &W, sizeof W); __builtin_memcpy(m + i, &M, sizeof M);
        __builtin_memcpy(s + i, &S, sizeof S);
    }
    for (; i < n; i++) {
        float gi = g[i] + l2 * w[i];
        float mi = b1 * m[i] + (1 - b1) * gi;
        float si = b2 * s[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        s[i] = si;
        w[i] = w[i] * shrink - step_size * mi / (__builtin_sqrtf(si * inv_bias2) + eps);
    }
}
