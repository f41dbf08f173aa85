// Training-mode batch normalisation over the rows of a channels-last [M, C] matrix (M = N*H*W), for
// the TensorFlow.js wasm backend's training steps. tfjs computes it from generic ops (its reductions
// over leading axes transpose the whole activation first; its broadcasts are scalar loops); here
// each direction is two passes over the data, four channel vectors (16 channels) at a time.
//
//   forward:  mean, var (biased) per channel;  y = (x - mean) / sqrt(var + eps) * gamma + beta
//   backward: dbeta = sum dy;  dgamma = sum dy * xhat;
//             dx = gamma / sqrt(var + eps) * (dy - dbeta / M - xhat * dgamma / M)
//
// Sums run over blocks of rows into partial sums, so float32 rounding grows with the block size,
// not with M. Channel counts that are not a multiple of 4 finish with scalar code. Build:
// scripts/lib/tfjs/simd/build.sh (clang --target=wasm32 -msimd128); the .wasm is committed.
#include <wasm_simd128.h>

extern unsigned char __heap_base;

// First byte the caller may use for its buffers (everything above the module's own data/stack).
__attribute__((export_name("heap_base"))) unsigned int heap_base(void) {
  return (unsigned int)&__heap_base;
}

#define BLOCK 256  // rows per partial sum

// Column sums of x (and, when m is given, of (x - m)^2), channels c..c+4*NV-1, into out.
static inline __attribute__((always_inline)) void column_sums(const float* x, int M, int C, int c,
                                                                const float* m, float* out, const int NV) {
  v128_t t0 = wasm_f32x4_splat(0), t1 = t0, t2 = t0, t3 = t0;
  v128_t m0 = t0, m1 = t0, m2 = t0, m3 = t0;
  if (m) {
    m0 = wasm_v128_load(m + c);
    if (NV > 1) m1 = wasm_v128_load(m + c + 4);
    if (NV > 2) m2 = wasm_v128_load(m + c + 8);
    if (NV > 3) m3 = wasm_v128_load(m + c + 12);
  }
  for (int r0 = 0; r0 < M; r0 += BLOCK) {
    int r1 = r0 + BLOCK < M ? r0 + BLOCK : M;
    v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
    const float* p = x + r0 * C + c;
    for (int r = r0; r < r1; r++, p += C) {
      v128_t v0 = wasm_v128_load(p), v1 = NV > 1 ? wasm_v128_load(p + 4) : v0;
      v128_t v2 = NV > 2 ? wasm_v128_load(p + 8) : v0, v3 = NV > 3 ? wasm_v128_load(p + 12) : v0;
      if (m) {
        v0 = wasm_f32x4_sub(v0, m0), v0 = wasm_f32x4_mul(v0, v0);
        if (NV > 1) v1 = wasm_f32x4_sub(v1, m1), v1 = wasm_f32x4_mul(v1, v1);
        if (NV > 2) v2 = wasm_f32x4_sub(v2, m2), v2 = wasm_f32x4_mul(v2, v2);
        if (NV > 3) v3 = wasm_f32x4_sub(v3, m3), v3 = wasm_f32x4_mul(v3, v3);
      }
      a0 = wasm_f32x4_add(a0, v0);
      if (NV > 1) a1 = wasm_f32x4_add(a1, v1);
      if (NV > 2) a2 = wasm_f32x4_add(a2, v2);
      if (NV > 3) a3 = wasm_f32x4_add(a3, v3);
    }
    t0 = wasm_f32x4_add(t0, a0), t1 = wasm_f32x4_add(t1, a1);
    t2 = wasm_f32x4_add(t2, a2), t3 = wasm_f32x4_add(t3, a3);
  }
  wasm_v128_store(out + c, t0);
  if (NV > 1) wasm_v128_store(out + c + 4, t1);
  if (NV > 2) wasm_v128_store(out + c + 8, t2);
  if (NV > 3) wasm_v128_store(out + c + 12, t3);
}

// Column sums of dy and of dy * (x - m), channels c..c+4*NV-1.
static inline __attribute__((always_inline)) void grad_sums(const float* dy, const float* x, int M, int C, int c,
                                                              const float* m, float* sdy, float* sdyx,
                                                              const int NV) {
  v128_t z = wasm_f32x4_splat(0);
  v128_t s[4] = {z, z, z, z}, t[4] = {z, z, z, z}, mv[4] = {z, z, z, z};
  for (int v = 0; v < NV; v++) mv[v] = wasm_v128_load(m + c + 4 * v);
  for (int r0 = 0; r0 < M; r0 += BLOCK) {
    int r1 = r0 + BLOCK < M ? r0 + BLOCK : M;
    v128_t a[4] = {z, z, z, z}, b[4] = {z, z, z, z};
    const float* pd = dy + r0 * C + c;
    const float* px = x + r0 * C + c;
    for (int r = r0; r < r1; r++, pd += C, px += C) {
      for (int v = 0; v < NV; v++) {
        v128_t d = wasm_v128_load(pd + 4 * v);
        a[v] = wasm_f32x4_add(a[v], d);
        b[v] = wasm_f32x4_add(b[v], wasm_f32x4_mul(d, wasm_f32x4_sub(wasm_v128_load(px + 4 * v), mv[v])));
      }
    }
    for (int v = 0; v < NV; v++) s[v] = wasm_f32x4_add(s[v], a[v]), t[v] = wasm_f32x4_add(t[v], b[v]);
  }
  for (int v = 0; v < NV; v++) wasm_v128_store(sdy + c + 4 * v, s[v]), wasm_v128_store(sdyx + c + 4 * v, t[v]);
}

// out = a * u + b * w + k per channel (w may be null), channels c..c+4*NV-1.
static inline __attribute__((always_inline)) void affine(const float* u, const float* w, int M, int C, int c,
                                                           const float* a, const float* b, const float* k,
                                                           float* out, const int NV) {
  v128_t z = wasm_f32x4_splat(0);
  v128_t av[4] = {z, z, z, z}, bv[4] = {z, z, z, z}, kv[4] = {z, z, z, z};
  for (int v = 0; v < NV; v++) {
    av[v] = wasm_v128_load(a + c + 4 * v), kv[v] = wasm_v128_load(k + c + 4 * v);
    if (w) bv[v] = wasm_v128_load(b + c + 4 * v);
  }
  for (int r = 0; r < M; r++) {
    const float* pu = u + r * C + c;
    const float* pw = w ? w + r * C + c : 0;
    float* po = out + r * C + c;
    for (int v = 0; v < NV; v++) {
      v128_t o = wasm_f32x4_add(wasm_f32x4_mul(av[v], wasm_v128_load(pu + 4 * v)), kv[v]);
      if (w) o = wasm_f32x4_add(o, wasm_f32x4_mul(bv[v], wasm_v128_load(pw + 4 * v)));
      wasm_v128_store(po + 4 * v, o);
    }
  }
}

// Runs BODY(c, NV) over the channels in groups of 16, then one group of 4, 8 or 12; leaves the
// scalar tail (C % 4) to the caller.
#define OVER_CHANNEL_VECTORS(C, BODY)               \
  do {                                              \
    int c_ = 0;                                     \
    for (; c_ + 16 <= (C); c_ += 16) BODY(c_, 4);   \
    switch (((C) - c_) / 4) {                       \
      case 3: BODY(c_, 3); break;                   \
      case 2: BODY(c_, 2); break;                   \
      case 1: BODY(c_, 1); break;                   \
    }                                               \
  } while (0)

static float sqrt_f(float v) { return wasm_f32x4_extract_lane(wasm_f32x4_sqrt(wasm_f32x4_splat(v)), 0); }

// Scalar column sums for the channels from c0 on (the C % 4 tail).
static void tail_sums(const float* x, int M, int C, int c0, const float* m, float* out) {
  for (int c = c0; c < C; c++) {
    float t = 0;
    for (int r0 = 0; r0 < M; r0 += BLOCK) {
      int r1 = r0 + BLOCK < M ? r0 + BLOCK : M;
      float a = 0;
      for (int r = r0; r < r1; r++) {
        float v = x[r * C + c];
        if (m) v = (v - m[c]) * (v - m[c]);
        a += v;
      }
      t += a;
    }
    out[c] = t;
  }
}

// mean, var: [C] outputs; y: [M, C] output; scale, shift: [C] scratch.
__attribute__((export_name("bn_forward"))) void bn_forward(const float* x, const float* gamma, const float* beta,
                                                             float eps, int M, int C, float* y, float* mean,
                                                             float* var, float* scale, float* shift) {
  int c4 = C - C % 4;
#define SUM(c, NV) column_sums(x, M, C, c, 0, mean, NV)
  OVER_CHANNEL_VECTORS(C, SUM);
#undef SUM
  tail_sums(x, M, C, c4, 0, mean);
  for (int c = 0; c < C; c++) mean[c] /= (float)M;
#define SSD(c, NV) column_sums(x, M, C, c, mean, var, NV)
  OVER_CHANNEL_VECTORS(C, SSD);
#undef SSD
  tail_sums(x, M, C, c4, mean, var);
  for (int c = 0; c < C; c++) {
    var[c] /= (float)M;
    scale[c] = gamma[c] / sqrt_f(var[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
#define APPLY(c, NV) affine(x, 0, M, C, c, scale, 0, shift, y, NV)
  OVER_CHANNEL_VECTORS(C, APPLY);
#undef APPLY
  for (int r = 0; r < M; r++) {
    for (int c = c4; c < C; c++) y[r * C + c] = x[r * C + c] * scale[c] + shift[c];
  }
}

// dx: [M, C] output; dgamma, dbeta: [C] outputs; a, b, k: [C] scratch.
__attribute__((export_name("bn_backward"))) void bn_backward(const float* dy, const float* x, const float* mean,
                                                               const float* var, const float* gamma, float eps,
                                                               int M, int C, float* dx, float* dgamma, float* dbeta,
                                                               float* a, float* b, float* k) {
  int c4 = C - C % 4;
#define SUMS(c, NV) grad_sums(dy, x, M, C, c, mean, dbeta, dgamma, NV)
  OVER_CHANNEL_VECTORS(C, SUMS);
#undef SUMS
  for (int c = c4; c < C; c++) {
    float s = 0, t = 0;
    for (int r = 0; r < M; r++) s += dy[r * C + c], t += dy[r * C + c] * (x[r * C + c] - mean[c]);
    dbeta[c] = s, dgamma[c] = t;
  }
  // dgamma so far is sum dy * (x - mean); xhat = (x - mean) * inv. dx = a * dy + b * x + k.
  for (int c = 0; c < C; c++) {
    float inv = 1.0f / sqrt_f(var[c] + eps);
    dgamma[c] *= inv;
    a[c] = gamma[c] * inv;
    b[c] = -a[c] * inv * dgamma[c] / (float)M;
    k[c] = -b[c] * mean[c] - a[c] * dbeta[c] / (float)M;
  }
#define APPLY(c, NV) affine(dy, x, M, C, c, a, b, k, dx, NV)
  OVER_CHANNEL_VECTORS(C, APPLY);
#undef APPLY
  for (int r = 0; r < M; r++) {
    for (int c = c4; c < C; c++) dx[r * C + c] = a[c] * dy[r * C + c] + b[c] * x[r * C + c] + k[c];
  }
}
