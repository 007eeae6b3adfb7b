// RUN: tessera-opt %s --pass-pipeline='builtin.module(gpu.module(convert-libdevice-to-intrinsics))' | FileCheck %s

// The libdevice functions PTX has an instruction for become intrinsics;
// their declarations go. The others (sinf here) stay calls.
// CHECK-LABEL: gpu.module @kernels
// CHECK-NOT: llvm.func @__nv_fmaf
// CHECK-NOT: llvm.func @__nv_sqrt(
// CHECK: llvm.func @__nv_sinf(f32) -> f32
gpu.module @kernels {
  llvm.func @__nv_fmaf(f32, f32, f32) -> f32
  llvm.func @__nv_sqrt(f64) -> f64
  llvm.func @__nv_rsqrtf(f32) -> f32
  llvm.func @__nv_fabsf(f32) -> f32
  llvm.func @__nv_floorf(f32) -> f32
  llvm.func @__nv_ceil(f64) -> f64
  llvm.func @__nv_truncf(f32) -> f32
  llvm.func @__nv_rintf(f32) -> f32
  llvm.func @__nv_roundf(f32) -> f32
  llvm.func @__nv_copysignf(f32, f32) -> f32
  llvm.func @__nv_sinf(f32) -> f32

  // CHECK-LABEL: llvm.func @native
  // CHECK-SAME: (%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32, %[[D:.*]]: f64)
  llvm.func @native(%a: f32, %b: f32, %c: f32, %d: f64) -> f32 {
    // CHECK-DAG: %[[ONE:.*]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
    // CHECK-DAG: %[[FMA:.*]] = llvm.intr.fma(%[[A]], %[[B]], %[[C]]) : (f32, f32, f32) -> f32
    %0 = llvm.call @__nv_fmaf(%a, %b, %c) : (f32, f32, f32) -> f32
    // CHECK: %[[SQRT:.*]] = llvm.intr.sqrt(%[[D]]) : (f64) -> f64
    %1 = llvm.call @__nv_sqrt(%d) : (f64) -> f64
    // rsqrt: 1 / sqrt, correctly rounded (libdevice's is rsqrt.approx).
    // CHECK: %[[ROOT:.*]] = llvm.intr.sqrt(%[[FMA]]) : (f32) -> f32
    // CHECK: llvm.fdiv %[[ONE]], %[[ROOT]] : f32
    %2 = llvm.call @__nv_rsqrtf(%0) : (f32) -> f32
    // CHECK: llvm.intr.fabs
    %3 = llvm.call @__nv_fabsf(%2) : (f32) -> f32
    // CHECK: llvm.intr.floor
    %4 = llvm.call @__nv_floorf(%3) : (f32) -> f32
    // CHECK: llvm.intr.ceil(%[[SQRT]]) : (f64) -> f64
    %5 = llvm.call @__nv_ceil(%1) : (f64) -> f64
    // CHECK: llvm.intr.trunc
    %6 = llvm.call @__nv_truncf(%4) : (f32) -> f32
    // CHECK: llvm.intr.roundeven
    %7 = llvm.call @__nv_rintf(%6) : (f32) -> f32
    // CHECK: llvm.intr.round(
    %8 = llvm.call @__nv_roundf(%7) : (f32) -> f32
    // CHECK: llvm.intr.copysign
    %9 = llvm.call @__nv_copysignf(%8, %b) : (f32, f32) -> f32
    // CHECK: llvm.call @__nv_sinf
    %10 = llvm.call @__nv_sinf(%9) : (f32) -> f32
    %11 = llvm.fptrunc %5 : f64 to f32
    %12 = llvm.fadd %10, %11 : f32
    llvm.return %12 : f32
  }
}

// fmaxf/fminf: maxnum/minnum (the number when one operand is NaN), as C's.
// CHECK-LABEL: llvm.func @clamp
// CHECK: llvm.intr.maxnum
// CHECK: llvm.intr.minnum
gpu.module @clamps {
  llvm.func @__nv_fmaxf(f32, f32) -> f32
  llvm.func @__nv_fminf(f32, f32) -> f32
  llvm.func @clamp(%x: f32, %lo: f32, %hi: f32) -> f32 {
    %0 = llvm.call @__nv_fmaxf(%x, %lo) : (f32, f32) -> f32
    %1 = llvm.call @__nv_fminf(%0, %hi) : (f32, f32) -> f32
    llvm.return %1 : f32
  }
}
