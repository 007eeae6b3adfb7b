//===- RegisterTile.h - register tile of a CPU vector unit --------*- C++ -*-===//
//
// The one formula for the register tile and cache blocking of Tessera's CPU
// microkernels, shared by the tk cost model and the kernel lowerings.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_SUPPORT_REGISTERTILE_H
#define TESSERA_SUPPORT_REGISTERTILE_H

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tessera {

struct RegisterTile {
  int64_t lanes; // f32 lanes per vector register
  int64_t mr;    // rows (broadcast operand)
  int64_t nr;    // columns (vector operand), a multiple of lanes
  int64_t kc;    // reduction block
  int64_t mc;    // row block
};

/// The tile for a vector unit of `vectorBits` x `registers`: MR x 2
/// accumulators, two right-hand vectors and one broadcast fit in the
/// registers; a KC x NR micro-panel stays in L1 (32 KiB at AVX-512's NR of
/// 32, 16 KiB at AVX2's 16); an MC x KC block of the left operand is about
/// 256 KiB.
inline RegisterTile registerTileFor(int64_t vectorBits, int64_t registers) {
  RegisterTile tile;
  tile.lanes = std::max<int64_t>(vectorBits / 32, 1);
  tile.nr = 2 * tile.lanes;
  tile.mr = std::clamp<int64_t>((registers - 3) / 2, 1, 12);
  tile.kc = 256;
  tile.mc = std::max<int64_t>(256 * 1024 / (tile.kc * 4) / tile.mr, 1) * tile.mr;
  return tile;
}

/// The instruction the 8-bit integer matmul kernels accumulate with (one
/// per target, chosen from its features). Every choice gives the same
/// integers: the products are exact and the sums are taken modulo 2^32.
enum class Int8Dot {
  None,  // no vector kernel: plain loops
  Pairs, // x86 pmaddwd: pairs of i16 products summed into i32 lanes
  Vnni,  // x86 vpdpbusd (AVX512-VNNI or AVX-VNNI): four u8 x s8 products
  Sdot,  // AArch64 sdot (dotprod): four s8 x s8 products
  Amx,   // x86 AMX tiles (tdpb[su][su]d): 16 x 16 x 64 products per step
};

inline std::string_view stringifyInt8Dot(Int8Dot dot) {
  switch (dot) {
  case Int8Dot::None:
    return "none";
  case Int8Dot::Pairs:
    return "pairs";
  case Int8Dot::Vnni:
    return "vnni";
  case Int8Dot::Sdot:
    return "sdot";
  case Int8Dot::Amx:
    return "amx";
  }
  return "none";
}

inline std::optional<Int8Dot> parseInt8Dot(std::string_view name) {
  for (Int8Dot dot : {Int8Dot::None, Int8Dot::Pairs, Int8Dot::Vnni,
                      Int8Dot::Sdot, Int8Dot::Amx})
    if (stringifyInt8Dot(dot) == name)
      return dot;
  return std::nullopt;
}

} // namespace tessera

#endif // TESSERA_SUPPORT_REGISTERTILE_H
