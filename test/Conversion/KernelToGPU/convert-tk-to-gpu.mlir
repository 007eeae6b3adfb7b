// RUN: tessera-opt %s --split-input-file --convert-tk-to-gpu --canonicalize | FileCheck %s
// RUN: tessera-opt %s --split-input-file --convert-tk-to-gpu="block-size=128 max-blocks=2" --canonicalize | FileCheck %s --check-prefix=SMALL
// RUN: tessera-opt %s --split-input-file --convert-tk-to-gpu="precision=fp32" --canonicalize | FileCheck %s --check-prefix=FP32
// RUN: not tessera-opt %s --split-input-file --convert-tk-to-gpu="precision=fp8" 2>&1 | FileCheck %s --check-prefix=BADPRECISION
// BADPRECISION: convert-tk-to-gpu: unknown precision 'fp8' (tf32, fp32)
// RUN: not tessera-opt %s --split-input-file --convert-tk-to-gpu="block-size=100" 2>&1 | FileCheck %s --check-prefix=BADOPT
// BADOPT: convert-tk-to-gpu: block-size must be a multiple of 32 in [32, 1024] and max-blocks positive
// RUN: not tessera-opt %S/Inputs/errors.mlir --split-input-file --convert-tk-to-gpu 2>&1 | FileCheck %s --check-prefix=ERRORS
// ERRORS: error: 'tk.conv' op in its transposed mode has no loop lowering yet
// ERRORS: error: 'scf.for' op computes a value on the device that is still needed after a kernel launch (the CUDA lowering cannot nest the launch)
// ERRORS: error: 'func.return' op returns a value computed on the device (the CUDA lowering keeps every result in a buffer)

// A tk.matmul with a bias epilogue: one launch over its 7 x 20 outputs (140
// threads: one block of 160, a multiple of the warp), each thread one
// output, delinearized with the columns fastest, the reduction a loop.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:.+]]: memref<7x3xf32>, %[[B:.+]]: memref<3x20xf32>, %[[BIAS:.+]]: memref<20xf32>, %[[C:.+]]: memref<7x20xf32>)
// CHECK: gpu.launch_func @matmul_gpu::@matmul_k0 blocks in (%c1, %c1, %c1) threads in (%c160, %c1, %c1) args(%[[A]] : memref<7x3xf32>, %[[B]] : memref<3x20xf32>, %[[BIAS]] : memref<20xf32>, %[[C]] : memref<7x20xf32>)
// CHECK: gpu.module @matmul_gpu
// CHECK: gpu.func @matmul_k0(%[[GA:.+]]: memref<7x3xf32>, %[[GB:.+]]: memref<3x20xf32>, %[[GBIAS:.+]]: memref<20xf32>, %[[GC:.+]]: memref<7x20xf32>) kernel
// CHECK: %[[BID:.+]] = gpu.block_id x
// CHECK: %[[TID:.+]] = gpu.thread_id x
// CHECK: scf.for %[[I:.+]] = %{{.+}} to %c140 step %c160
// CHECK-DAG: arith.remui %[[I]], %c20
// CHECK-DAG: arith.divui %[[I]], %c20
// CHECK: scf.for %{{.+}} = %c0 to %c3 step %c1 iter_args
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: memref.load %[[GBIAS]]
// CHECK: arith.addf
// CHECK: memref.store %{{.+}}, %[[GC]]
// With at most 2 blocks of 128 threads the grid strides by 256.
// SMALL-LABEL: func.func @matmul
// SMALL: threads in (%c128, %c1, %c1)
// SMALL: scf.for %{{.+}} = %{{.+}} to %c140 step %c256
#mA = affine_map<(m, n, k) -> (m, k)>
#mB = affine_map<(m, n, k) -> (k, n)>
#mBias = affine_map<(m, n, k) -> (n)>
#mC = affine_map<(m, n, k) -> (m, n)>
func.func @matmul(%a: memref<7x3xf32>, %b: memref<3x20xf32>, %bias: memref<20xf32>, %c: memref<7x20xf32>) {
  tk.matmul ins(%a, %b : memref<7x3xf32>, memref<3x20xf32>) epilogue_ins(%bias : memref<20xf32>) outs(%c : memref<7x20xf32>)
      maps = [#mA, #mB, #mBias, #mC] epilogue {
  ^bb0(%acc: f32, %x: f32):
    %s = arith.addf %acc, %x : f32
    tk.yield %s : f32
  }
  return
}

// -----

// A reduction over the outer dimension (a column sum): its loops are
// reordered parallel-first, so each thread owns one output column and sums
// down it; a fusion reads through a transposed map. Views of the workspace
// are rebuilt inside the kernels: the only arguments are whole buffers.
// CHECK-LABEL: func.func @reduce_then_fuse
// CHECK-SAME: (%[[X:.+]]: memref<64x32xf32>, %[[Y:.+]]: memref<32x2xf32>, %[[W:.+]]: memref<256xi8>)
// CHECK: gpu.launch_func @reduce_then_fuse_gpu::@reduce_then_fuse_k0 {{.+}} args(%[[W]] : memref<256xi8>, %[[X]] : memref<64x32xf32>)
// CHECK: gpu.launch_func @reduce_then_fuse_gpu::@reduce_then_fuse_k1 {{.+}} args(%[[W]] : memref<256xi8>, %[[Y]] : memref<32x2xf32>)
// CHECK: gpu.func @reduce_then_fuse_k0
// CHECK: memref.view
// CHECK: scf.for %[[COL:.+]] = %{{.+}} to %c32 step
// CHECK: scf.for %[[ROW:.+]] = %c0 to %c64 step %c1
// CHECK: memref.load %{{.+}}[%[[ROW]], %[[COL]]]
// CHECK: gpu.func @reduce_then_fuse_k1
// CHECK: memref.view
// CHECK: arith.mulf
func.func @reduce_then_fuse(%x: memref<64x32xf32>, %y: memref<32x2xf32>, %w: memref<256xi8>) {
  %c0 = arith.constant 0 : index
  %sum = memref.view %w[%c0][] : memref<256xi8> to memref<32xf32>
  linalg.generic {indexing_maps = [affine_map<(r, c) -> (r, c)>, affine_map<(r, c) -> (c)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<64x32xf32>) outs(%sum : memref<32xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %in, %acc : f32
    linalg.yield %s : f32
  }
  tk.fusion ins(%sum : memref<32xf32>) outs(%y : memref<32x2xf32>)
      maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>] body {
  ^bb0(%a: f32):
    %m = arith.mulf %a, %a : f32
    tk.yield %m : f32
  }
  return
}

// -----

// What is sequential (a walk whose every step depends on the last, and the
// op reading its result) runs on one thread.
// CHECK-LABEL: func.func @serial
// CHECK: gpu.launch_func @serial_gpu::@serial_k0 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.func @serial_k0
// CHECK: scf.for
// CHECK: memref.store
func.func @serial(%x: memref<16xi64>, %y: memref<1xi64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0 : i64
  %total = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> i64 {
    %v = memref.load %x[%i] : memref<16xi64>
    %m = arith.maxsi %acc, %v : i64
    scf.yield %m : i64
  }
  memref.store %total, %y[%c0] : memref<1xi64>
  return
}


// -----

// An f32 matmul of at least 32 x 32 x 16 goes to tensor cores: one launch
// of 64 x 64 tiles (here 1 x 2 blocks: 64 rows, 96 columns), four warps,
// both operands staged in shared memory per 16-deep step (the right one read
// transposed through its map), 2 x 4 mma.sync tiles per warp and step,
// the epilogue on the accumulators. With precision=fp32 it stays exact:
// the reference loops, no mma.
// CHECK-LABEL: func.func @mma
// CHECK: gpu.launch_func @mma_gpu::@mma_k0 blocks in (%c2, %c1, %c1) threads in (%c128, %c1, %c1)
// CHECK: gpu.func @mma_k0({{.+}}) workgroup(%[[SA:.+]] : memref<64x20xf32, #gpu.address_space<workgroup>>, %[[SB:.+]] : memref<16x72xf32, #gpu.address_space<workgroup>>) kernel
// CHECK: scf.for %{{.+}} = %c0 to %c48 step %c16 iter_args
// CHECK: memref.store %{{.+}}, %[[SA]]
// CHECK: memref.store %{{.+}}, %[[SB]]
// CHECK: gpu.barrier
// CHECK-COUNT-16: nvgpu.mma.sync
// CHECK: gpu.barrier
// CHECK: scf.yield
// CHECK-COUNT-32: arith.mulf
// FP32-LABEL: func.func @mma
// FP32-NOT: nvgpu.mma.sync
// FP32: gpu.func @mma_k0
// FP32-NOT: nvgpu.mma.sync
#nA = affine_map<(m, n, k) -> (m, k)>
#nB = affine_map<(m, n, k) -> (n, k)>
#nC = affine_map<(m, n, k) -> (m, n)>
func.func @mma(%a: memref<64x48xf32>, %b: memref<96x48xf32>, %c: memref<64x96xf32>) {
  %two = arith.constant 2.0 : f32
  tk.matmul ins(%a, %b : memref<64x48xf32>, memref<96x48xf32>) outs(%c : memref<64x96xf32>)
      maps = [#nA, #nB, #nC] epilogue {
  ^bb0(%acc: f32):
    %s = arith.mulf %acc, %two : f32
    tk.yield %s : f32
  }
  return
}

// -----

// A direct tk.conv with too few filters for the tiles: its implicit GEMM as
// loops, one thread per (position, filter) of the 1 x 5 x 4 x 4 output, the
// channels and taps a loop carrying the sum, each tap's bounds one
// unsigned comparison (zero outside the input), then the epilogue.
// CHECK-LABEL: func.func @small_conv
// CHECK: gpu.launch_func @small_conv_gpu::@small_conv_k0 blocks in (%c1, %c1, %c1) threads in (%c96, %c1, %c1)
// CHECK: gpu.func @small_conv_k0
// CHECK: scf.for %{{.+}} = %{{.+}} to %c80 step %c96
// CHECK: scf.for %{{.+}} = %c0 to %c18 step %c1 iter_args
// CHECK: arith.cmpi ult
// CHECK: scf.if
// CHECK: arith.mulf
// CHECK: arith.maximumf
// CHECK: memref.store
// CHECK-NOT: nvgpu.mma.sync
func.func @small_conv(%x: memref<1x2x9x9xf32>, %w: memref<5x2x3x3xf32>, %y: memref<1x5x4x4xf32>) {
  tk.conv ins(%x, %w : memref<1x2x9x9xf32>, memref<5x2x3x3xf32>) outs(%y : memref<1x5x4x4xf32>)
      strides = [2, 2] dilations = [1, 1] pads = [1, 1, 0, 0] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %acc, %zero : f32
    tk.yield %r : f32
  }
  return
}

// -----

// A grouped tk.conv large enough for the tiles: one tensor-core launch, the
// groups the grid's z (2), 392 rows of positions (7 tiles), 32 filters per
// group (1 tile); with precision=fp32 the loops instead.
// CHECK-LABEL: func.func @grouped_conv
// CHECK: gpu.launch_func @grouped_conv_gpu::@grouped_conv_k0 blocks in (%c1, %c7, %c2) threads in (%c128, %c1, %c1)
// CHECK: gpu.func @grouped_conv_k0
// CHECK-COUNT-8: nvgpu.mma.sync
// FP32-LABEL: func.func @grouped_conv
// FP32-NOT: nvgpu.mma.sync
// FP32: gpu.func @grouped_conv_k0
// FP32-NOT: nvgpu.mma.sync
func.func @grouped_conv(%x: memref<2x16x14x14xf32>, %w: memref<64x8x3x3xf32>, %y: memref<2x64x14x14xf32>) {
  tk.conv ins(%x, %w : memref<2x16x14x14xf32>, memref<64x8x3x3xf32>) outs(%y : memref<2x64x14x14xf32>)
      strides = [1, 1] dilations = [1, 1] pads = [1, 1, 1, 1] groups = 2 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}
