// Filter gradient of a 2-D convolution, NHWC, for the TensorFlow.js wasm backend's training steps.
//
//   dW[ky][kx][ci][co] = sum over n, oy, ox of x[n][oy*sh+ky-pt][ox*sw+kx-pl][ci] * dy[n][oy][ox][co]
//
// For each filter tap (ky, kx) this is a GEMM, dW_k = X_k^T * DY, with X_k gathered row by row from x
// (rows and columns that fall in the padding contribute nothing and are skipped). Register tile: up
// to 4 input channels x 8 output channels (8 f32x4 accumulators); output-channel tails use 4-wide
// and scalar tiles. Build: scripts/lib/tfjs/simd/build.sh (clang --target=wasm32 -msimd128); the
// .wasm is committed.
#include <wasm_simd128.h>

extern unsigned char __heap_base;

// First byte the caller may use for its buffers (everything above the module's own data/stack).
__attribute__((export_name("heap_base"))) unsigned int heap_base(void) {
  return (unsigned int)&__heap_base;
}

static inline int ceil_div(int a, int b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
static inline int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Valid output range [o0, o1) along one axis for kernel offset k: 0 <= o*s + k - p < in.
static inline void valid_range(int k, int s, int p, int in, int out, int* o0, int* o1) {
  int lo = ceil_div(p - k, s), hi = floor_div(in - 1 + p - k, s) + 1;
  *o0 = lo < 0 ? 0 : lo;
  *o1 = hi > out ? out : hi;
}

typedef struct {
  const float* x;
  const float* dy;
  int N, H, W, Ci, Ho, Wo, Co, sh, sw, ky, kx, pt, pl, oy0, oy1, ox0, ox1;
  int r0, r1;  // block of output rows (n * Ho + oy) being accumulated
} Tap;

// dW rows ci..ci+CT-1, columns co..co+7 of one tap (CT is a constant at every call: specialised).
static inline __attribute__((always_inline)) void tile8(const Tap* t, float* o, int ci, int co, const int CT) {
  int Co = t->Co;
  float* d = o + ci * Co + co;
  v128_t z = wasm_f32x4_splat(0);
  v128_t a00 = wasm_v128_load(d), a01 = wasm_v128_load(d + 4);
  v128_t a10 = CT > 1 ? wasm_v128_load(d + Co) : z, a11 = CT > 1 ? wasm_v128_load(d + Co + 4) : z;
  v128_t a20 = CT > 2 ? wasm_v128_load(d + 2 * Co) : z, a21 = CT > 2 ? wasm_v128_load(d + 2 * Co + 4) : z;
  v128_t a30 = CT > 3 ? wasm_v128_load(d + 3 * Co) : z, a31 = CT > 3 ? wasm_v128_load(d + 3 * Co + 4) : z;
  for (int r = t->r0; r < t->r1; r++) {
    int n = r / t->Ho, oy = r - n * t->Ho;
    if (oy < t->oy0 || oy >= t->oy1) continue;
    {
      const float* xr = t->x + ((n * t->H + oy * t->sh + t->ky - t->pt) * t->W) * t->Ci + ci;
      const float* dr = t->dy + ((n * t->Ho + oy) * t->Wo) * t->Co + co;
      for (int ox = t->ox0; ox < t->ox1; ox++) {
        const float* xp = xr + (ox * t->sw + t->kx - t->pl) * t->Ci;
        const float* dp = dr + ox * t->Co;
        v128_t b0 = wasm_v128_load(dp), b1 = wasm_v128_load(dp + 4);
        v128_t x0, x1, x2, x3;
        if (CT == 4) {  // four contiguous channels: one load, four lane broadcasts
          v128_t xv = wasm_v128_load(xp);
          x0 = wasm_i32x4_shuffle(xv, xv, 0, 0, 0, 0), x1 = wasm_i32x4_shuffle(xv, xv, 1, 1, 1, 1);
          x2 = wasm_i32x4_shuffle(xv, xv, 2, 2, 2, 2), x3 = wasm_i32x4_shuffle(xv, xv, 3, 3, 3, 3);
        } else {  // a tail: never read past the last channel
          x0 = wasm_f32x4_splat(xp[0]);
          x1 = CT > 1 ? wasm_f32x4_splat(xp[1]) : x0;
          x2 = CT > 2 ? wasm_f32x4_splat(xp[2]) : x0;
          x3 = x0;
        }
        a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(x0, b0));
        a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(x0, b1));
        if (CT > 1) {
          a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(x1, b0));
          a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(x1, b1));
        }
        if (CT > 2) {
          a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(x2, b0));
          a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(x2, b1));
        }
        if (CT > 3) {
          a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(x3, b0));
          a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(x3, b1));
        }
      }
    }
  }
  wasm_v128_store(d, a00), wasm_v128_store(d + 4, a01);
  if (CT > 1) wasm_v128_store(d + Co, a10), wasm_v128_store(d + Co + 4, a11);
  if (CT > 2) wasm_v128_store(d + 2 * Co, a20), wasm_v128_store(d + 2 * Co + 4, a21);
  if (CT > 3) wasm_v128_store(d + 3 * Co, a30), wasm_v128_store(d + 3 * Co + 4, a31);
}

// dW[ci][co] for one (ci, co) pair over the row block: the output-channel tail.
static float dot(const Tap* t, int ci, int co) {
  float s = 0;
  for (int r = t->r0; r < t->r1; r++) {
    int n = r / t->Ho, oy = r - n * t->Ho;
    if (oy < t->oy0 || oy >= t->oy1) continue;
    for (int ox = t->ox0; ox < t->ox1; ox++)
        s += t->x[((n * t->H + oy * t->sh + t->ky - t->pt) * t->W + ox * t->sw + t->kx - t->pl) * t->Ci + ci] *
             t->dy[((n * t->Ho + oy) * t->Wo + ox) * t->Co + co];
  }
  return s;
}

__attribute__((export_name("filter_grad"))) void filter_grad(
    const float* x, const float* dy, float* out, int N, int H, int W, int Ci, int Ho, int Wo, int Co, int KH, int KW,
    int sh, int sw, int pt, int pl) {
  Tap t = {x, dy, N, H, W, Ci, Ho, Wo, Co, sh, sw, 0, 0, pt, pl, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < KH * KW * Ci * Co; i++) out[i] = 0;
  // Blocks of whole output rows, about 64 output pixels each: the block's input rows, output-gradient
  // rows and the accumulated dW stay in cache while every tap and tile passes over them.
  int rows = N * Ho, block = Wo >= 64 ? 1 : (64 + Wo - 1) / Wo;
  int co8 = Co & ~7;
  for (t.r0 = 0; t.r0 < rows; t.r0 += block) {
    t.r1 = t.r0 + block < rows ? t.r0 + block : rows;
    for (int ky = 0; ky < KH; ky++) {
      t.ky = ky;
      valid_range(ky, sh, pt, H, Ho, &t.oy0, &t.oy1);
      for (int kx = 0; kx < KW; kx++) {
        t.kx = kx;
        valid_range(kx, sw, pl, W, Wo, &t.ox0, &t.ox1);
        float* o = out + (ky * KW + kx) * Ci * Co;
        for (int co = 0; co < co8; co += 8) {
          int ci = 0;
          for (; ci + 4 <= Ci; ci += 4) tile8(&t, o, ci, co, 4);
          switch (Ci - ci) {
            case 3: tile8(&t, o, ci, co, 3); break;
            case 2: tile8(&t, o, ci, co, 2); break;
            case 1: tile8(&t, o, ci, co, 1); break;
            default: break;
          }
        }
        for (int ci = 0; ci < Ci; ci++)
          for (int co = co8; co < Co; co++) o[ci * Co + co] += dot(&t, ci, co);
      }
    }
  }
}

// Input gradient of a 2-D convolution, NHWC (the strided convs' case; stride 1 is a plain conv):
//
//   dx[n][iy][ix][ci] = sum over taps (ky, kx) with oy = (iy+pt-ky)/sh and ox = (ix+pl-kx)/sw whole
//                       numbers inside dy, of sum over co of dy[n][oy][ox][co] * w[ky][kx][ci][co]
//
// Pixels of one row that share a phase (ix mod sw) share their taps; four of them (consecutive ox)
// are computed together with 8 input channels: 8 f32x4 accumulators, each dy value broadcast once.
// `wt` is scratch for the filter transposed to [KH][KW][Co][Ci] (input channels contiguous).
static inline int mod(int a, int m) { return ((a % m) + m) % m; }

static inline __attribute__((always_inline)) void dx_tile(const float* dy, const float* wt, float* dx, int n, int iy,
                                                          int px, int j0, int m, int ci, const int CW, int W, int H,
                                                          int Ci, int Ho, int Wo, int Co, int KW, int sw, const int* kys,
                                                          const int* oys, int nky, const int* kxs, const int* cxs,
                                                          int nkx) {
  v128_t z = wasm_f32x4_splat(0);
  v128_t a0[4] = {z, z, z, z}, a1[4] = {z, z, z, z};
  float s[4] = {0, 0, 0, 0};
  for (int a = 0; a < nky; a++) {
    const float* drow = dy + ((n * Ho + oys[a]) * Wo) * Co;
    for (int b = 0; b < nkx; b++) {
      const float* wp = wt + ((kys[a] * KW + kxs[b]) * Co) * Ci + ci;
      int o0 = j0 + cxs[b];
      if (m == 4 && o0 >= 0 && o0 + 3 < Wo) {
        const float* d0 = drow + o0 * Co;
        const float *d1 = d0 + Co, *d2 = d1 + Co, *d3 = d2 + Co;
        for (int co = 0; co < Co; co++) {
          const float* wc = wp + co * Ci;
          if (CW == 1) {
            float wv = wc[0];
            s[0] += d0[co] * wv, s[1] += d1[co] * wv, s[2] += d2[co] * wv, s[3] += d3[co] * wv;
            continue;
          }
          v128_t w0 = wasm_v128_load(wc), w1 = CW == 8 ? wasm_v128_load(wc + 4) : z;
          v128_t e0 = wasm_f32x4_splat(d0[co]), e1 = wasm_f32x4_splat(d1[co]);
          v128_t e2 = wasm_f32x4_splat(d2[co]), e3 = wasm_f32x4_splat(d3[co]);
          a0[0] = wasm_f32x4_add(a0[0], wasm_f32x4_mul(e0, w0));
          a0[1] = wasm_f32x4_add(a0[1], wasm_f32x4_mul(e1, w0));
          a0[2] = wasm_f32x4_add(a0[2], wasm_f32x4_mul(e2, w0));
          a0[3] = wasm_f32x4_add(a0[3], wasm_f32x4_mul(e3, w0));
          if (CW == 8) {
            a1[0] = wasm_f32x4_add(a1[0], wasm_f32x4_mul(e0, w1));
            a1[1] = wasm_f32x4_add(a1[1], wasm_f32x4_mul(e1, w1));
            a1[2] = wasm_f32x4_add(a1[2], wasm_f32x4_mul(e2, w1));
            a1[3] = wasm_f32x4_add(a1[3], wasm_f32x4_mul(e3, w1));
          }
        }
      } else {  // at the borders (or fewer than 4 pixels left): pixel by pixel
        for (int p = 0; p < m; p++) {
          int ox = o0 + p;
          if (ox < 0 || ox >= Wo) continue;
          const float* d = drow + ox * Co;
          for (int co = 0; co < Co; co++) {
            const float* wc = wp + co * Ci;
            if (CW == 1) {
              s[p] += d[co] * wc[0];
              continue;
            }
            v128_t e = wasm_f32x4_splat(d[co]);
            a0[p] = wasm_f32x4_add(a0[p], wasm_f32x4_mul(e, wasm_v128_load(wc)));
            if (CW == 8) a1[p] = wasm_f32x4_add(a1[p], wasm_f32x4_mul(e, wasm_v128_load(wc + 4)));
          }
        }
      }
    }
  }
  for (int p = 0; p < m; p++) {
    float* o = dx + ((n * H + iy) * W + px + sw * (j0 + p)) * Ci + ci;
    if (CW == 1) {
      o[0] = s[p];
    } else {
      wasm_v128_store(o, a0[p]);
      if (CW == 8) wasm_v128_store(o + 4, a1[p]);
    }
  }
}

#define MAX_TAPS 64

__attribute__((export_name("input_grad"))) int input_grad(const float* dy, const float* w, float* wt, float* dx, int N,
                                                          int H, int W, int Ci, int Ho, int Wo, int Co, int KH,
                                                          int KW, int sh, int sw, int pt, int pl) {
  if (KH > MAX_TAPS || KW > MAX_TAPS) return -1;
  for (int t = 0; t < KH * KW; t++)
    for (int ci = 0; ci < Ci; ci++)
      for (int co = 0; co < Co; co++) wt[(t * Co + co) * Ci + ci] = w[(t * Ci + ci) * Co + co];
  int kys[MAX_TAPS], oys[MAX_TAPS], kxs[MAX_TAPS], cxs[MAX_TAPS];
  for (int n = 0; n < N; n++) {
    for (int iy = 0; iy < H; iy++) {
      int nky = 0;
      for (int ky = 0; ky < KH; ky++) {
        int t = iy + pt - ky;
        if (t < 0 || mod(t, sh) != 0 || t / sh >= Ho) continue;
        kys[nky] = ky, oys[nky] = t / sh, nky++;
      }
      for (int px = 0; px < sw && px < W; px++) {
        int nj = (W - px + sw - 1) / sw, nkx = 0;
        for (int kx = 0; kx < KW; kx++) {
          int t = px + pl - kx;  // ox of this phase's j-th pixel: j + t / sw
          if (mod(t, sw) != 0) continue;
          kxs[nkx] = kx, cxs[nkx] = t >= 0 ? t / sw : -((-t) / sw), nkx++;
        }
        for (int j0 = 0; j0 < nj; j0 += 4) {
          int m = nj - j0 < 4 ? nj - j0 : 4, ci = 0;
          for (; ci + 8 <= Ci; ci += 8)
            dx_tile(dy, wt, dx, n, iy, px, j0, m, ci, 8, W, H, Ci, Ho, Wo, Co, KW, sw, kys, oys, nky, kxs, cxs, nkx);
          for (; ci + 4 <= Ci; ci += 4)
            dx_tile(dy, wt, dx, n, iy, px, j0, m, ci, 4, W, H, Ci, Ho, Wo, Co, KW, sw, kys, oys, nky, kxs, cxs, nkx);
          for (; ci < Ci; ci++)
            dx_tile(dy, wt, dx, n, iy, px, j0, m, ci, 1, W, H, Ci, Ho, Wo, Co, KW, sw, kys, oys, nky, kxs, cxs, nkx);
        }
      }
    }
  }
  return 0;
}
