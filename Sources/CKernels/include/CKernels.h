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

/* The tiny GPT's row and elementwise kernels (GPTKernels.c), 8 lanes at a time. */
/// GELU (tanh form) and its backward: dinp = gelu'(inp)·dout (overwrites).
void distill_gelu_forward(float *out, const float *inp, size_t n);
void distill_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n);
/// Softmax over row[0..count) in place; row[count..width) set to 0.
void distill_softmax_row(float *row, size_t count, size_t width);
/// Row t of the T×T block: softmax over columns 0...t, zeros after (the causal mask).
void distill_causal_softmax(float *att, size_t T);
/// In place: datt = att ⊙ (datt − Σ att·datt) per row over 0...t, zeros after.
void distill_causal_softmax_backward(const float *att, float *datt, size_t T);
/// In place over one row's first n entries: d = a ⊙ (d − Σ a·d).
void distill_softmax_row_backward(const float *a, float *d, size_t n);
/// probs = softmax(logits) over V; returns log Σ exp(logits).
float distill_softmax_logz(float *probs, const float *logits, size_t V);
/// LayerNorm (eps 1e-5) and its backward (accumulates into dinp, dw, db).
void distill_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
                               const float *w, const float *b, size_t N, size_t C);
void distill_layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                                const float *w, const float *mean, const float *rstd, size_t N, size_t C);
/// acc[c] += Σ_n rows[n·C + c] (bias gradients).
void distill_add_rows(float *acc, const float *rows, size_t N, size_t C);

#endif
