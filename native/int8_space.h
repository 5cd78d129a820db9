// int8 scalar quantisation as an hnswlib space, with WebAssembly SIMD
// distances. Each element's data is
//   [f32 scale][f32 squared norm of the dequantised vector][dim int8 codes]
// with codes = round(v_i / max|v| * 127) and scale = max|v| / 127, so that
// v_i ≈ scale * code_i. Queries are quantised the same way: hnswlib compares
// stored elements with each other while it builds, so distances have to be
// symmetric anyway, and a query then reads a quarter of the bytes of float32.
#pragma once

#include <wasm_simd128.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "hnswlib/hnswlib.h"

namespace vicinity {

enum Int8Metric { INT8_L2 = 0, INT8_DOT = 1 };

/** Bytes of one element's data: the scale and norm, then one code a dimension. */
constexpr size_t int8_data_size(size_t dim) { return 2 * sizeof(float) + dim; }

// src/native/int8Codes.ts reads and writes the same data: 8 bytes of float32 scale and norm, then the codes.
static_assert(sizeof(float) == 4 && int8_data_size(0) == 8, "an element's data starts with two float32");

/** What the distance function is given: hnswlib passes one pointer, read as this. */
struct Int8Param {
  size_t dim;
};

inline float int8_scale(const uint8_t* e) {
  float s;
  std::memcpy(&s, e, sizeof s);
  return s;
}

inline float int8_norm(const uint8_t* e) {
  float n;
  std::memcpy(&n, e + sizeof(float), sizeof n);
  return n;
}

inline const int8_t* int8_codes(const uint8_t* e) { return reinterpret_cast<const int8_t*>(e + 2 * sizeof(float)); }

/** Σ a_i b_i over int8 codes: 16 a step, sign-extended to i16 and summed by i32x4 dot. */
inline int32_t int8_dot(const int8_t* a, const int8_t* b, size_t dim) {
  v128_t acc0 = wasm_i32x4_splat(0);
  v128_t acc1 = wasm_i32x4_splat(0);
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    const v128_t x0 = wasm_v128_load(a + i);
    const v128_t y0 = wasm_v128_load(b + i);
    const v128_t x1 = wasm_v128_load(a + i + 16);
    const v128_t y1 = wasm_v128_load(b + i + 16);
    acc0 = wasm_i32x4_add(acc0, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(x0), wasm_i16x8_extend_low_i8x16(y0)));
    acc1 = wasm_i32x4_add(acc1, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(x0), wasm_i16x8_extend_high_i8x16(y0)));
    acc0 = wasm_i32x4_add(acc0, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(x1), wasm_i16x8_extend_low_i8x16(y1)));
    acc1 = wasm_i32x4_add(acc1, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(x1), wasm_i16x8_extend_high_i8x16(y1)));
  }
  for (; i + 16 <= dim; i += 16) {
    const v128_t x = wasm_v128_load(a + i);
    const v128_t y = wasm_v128_load(b + i);
    acc0 = wasm_i32x4_add(acc0, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(x), wasm_i16x8_extend_low_i8x16(y)));
    acc1 = wasm_i32x4_add(acc1, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(x), wasm_i16x8_extend_high_i8x16(y)));
  }
  const v128_t acc = wasm_i32x4_add(acc0, acc1);
  int32_t sum = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
                wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
  for (; i < dim; i++) sum += static_cast<int32_t>(a[i]) * static_cast<int32_t>(b[i]);
  return sum;
}

/** The dequantised dot product of two elements. */
inline float int8_element_dot(const uint8_t* a, const uint8_t* b, size_t dim) {
  return int8_scale(a) * int8_scale(b) * static_cast<float>(int8_dot(int8_codes(a), int8_codes(b), dim));
}

/** 1 − a·b: cosine (on vectors normalised before quantising) and ip, as hnswlib's InnerProductSpace. */
inline float int8_dot_distance(const void* a, const void* b, const void* param) {
  const size_t dim = static_cast<const Int8Param*>(param)->dim;
  return 1.0f - int8_element_dot(static_cast<const uint8_t*>(a), static_cast<const uint8_t*>(b), dim);
}

/** |a|² + |b|² − 2a·b on the dequantised vectors: squared L2, as hnswlib's L2Space. */
inline float int8_l2_distance(const void* a, const void* b, const void* param) {
  const size_t dim = static_cast<const Int8Param*>(param)->dim;
  const uint8_t* x = static_cast<const uint8_t*>(a);
  const uint8_t* y = static_cast<const uint8_t*>(b);
  const float d = int8_norm(x) + int8_norm(y) - 2.0f * int8_element_dot(x, y, dim);
  return d > 0.0f ? d : 0.0f;
}

/** Quantises `v` into one element's data (`int8_data_size(dim)` bytes at `out`). */
inline void int8_encode(const float* v, size_t dim, uint8_t* out) {
  float max = 0.0f;
  for (size_t i = 0; i < dim; i++) max = std::fmax(max, std::fabs(v[i]));
  const float scale = max / 127.0f;
  const float inverse = max > 0.0f ? 127.0f / max : 0.0f;
  int8_t* codes = reinterpret_cast<int8_t*>(out + 2 * sizeof(float));
  int64_t norm = 0;
  for (size_t i = 0; i < dim; i++) {
    float q = std::nearbyint(v[i] * inverse);
    q = q > 127.0f ? 127.0f : (q < -127.0f ? -127.0f : q);
    codes[i] = static_cast<int8_t>(q);
    norm += static_cast<int64_t>(codes[i]) * codes[i];
  }
  const float squared = scale * scale * static_cast<float>(norm);
  std::memcpy(out, &scale, sizeof scale);
  std::memcpy(out + sizeof(float), &squared, sizeof squared);
}

/** The dequantised vector of one element: scale · code. */
inline void int8_decode(const uint8_t* e, size_t dim, float* out) {
  const float scale = int8_scale(e);
  const int8_t* codes = int8_codes(e);
  for (size_t i = 0; i < dim; i++) out[i] = scale * static_cast<float>(codes[i]);
}

/** An hnswlib space over int8 elements; `metric` INT8_L2 or INT8_DOT (cosine and ip). */
class Int8Space : public hnswlib::SpaceInterface<float> {
  Int8Param param_;
  hnswlib::DISTFUNC<float> dist_;

 public:
  Int8Space(int metric, size_t dim) : param_{dim}, dist_(metric == INT8_L2 ? int8_l2_distance : int8_dot_distance) {}
  size_t get_data_size() override { return int8_data_size(param_.dim); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return dist_; }
  void* get_dist_func_param() override { return &param_; }
};

}  // namespace vicinity
