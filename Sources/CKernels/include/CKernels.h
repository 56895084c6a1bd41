#ifndef DISTILL_LAB_CKERNELS_H
#define DISTILL_LAB_CKERNELS_H
#include <stddef.h>

/// One Adam/AdamW step over n elements, in place (PyTorch semantics):
///   g' = g + l2·w;  m = b1·m + (1−b1)·g';  s = b2·s + (1−b2)·g'²;
///   w = w·shrink − step_size · m / (sqrt(s·inv_bias2) + eps)
/// with step_size = lr / (1 − b1^t), inv_bias2 = 1 / (1 − b2^t),
/// l2 = weight decay for Adam (0 for AdamW), shrink = 1 − lr·decay for AdamW (1 for Adam).
/// Written in C because Swift's SIMD square root is lowered lane by lane.
void distill_adam_update(float *w, const float *g, float *m, float *s, size_t n,
                         float b1, float b2, float eps, float step_size, float inv_bias2,
                         float l2, float shrink);

#endif
