// RUN: tessera-opt %s --split-input-file --tk-form-kernels --canonicalize | FileCheck %s
// With contractions-only (the CUDA pipeline) convolutions and row ops stay tg.
// RUN: tessera-opt %s --split-input-file --tk-form-kernels=contractions-only --canonicalize | FileCheck %s --check-prefix=ONLY
// RUN: tessera-opt %s --split-input-file --tk-form-kernels="contractions-only direct-convs" --canonicalize | FileCheck %s --check-prefix=DIRECT

// Inputs are what convert-tg-to-linalg makes of the tg graphs named in each
// comment.

// MatMul + bias Add + Reshape (heads) + Transpose, as every attention
// projection is exported: one kernel. The reshape splits the column loop
// into a head loop (a new batch loop, d0) and the head size (d3); the bias
// and the weight are read at d0 * 64 + d3, the output as [1, h, m, d].
// CHECK-DAG: #[[PX:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d4)>
// CHECK-DAG: #[[PW:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d4, d0 * 64 + d3)>
// CHECK-DAG: #[[PB:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0 * 64 + d3)>
// CHECK-DAG: #[[PO:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d0, d2, d3)>
// CHECK-LABEL: func.func @projection
// CHECK-SAME: (%[[X:.+]]: tensor<1x128x256xf32>, %[[W:.+]]: tensor<256x256xf32>, %[[B:.+]]: tensor<256xf32>)
// CHECK: %[[INIT:.+]] = tensor.empty() : tensor<1x4x128x64xf32>
// CHECK: %[[R:.+]] = tk.matmul ins(%[[X]], %[[W]] : {{.*}}) epilogue_ins(%[[B]] : tensor<256xf32>) outs(%[[INIT]] : tensor<1x4x128x64xf32>) maps = [#[[PX]], #[[PW]], #[[PB]], #[[PO]]] epilogue {
// CHECK-NEXT: ^bb0(%[[ACC:.+]]: f32, %[[BIAS:.+]]: f32):
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[ACC]], %[[BIAS]] : f32
// CHECK-NEXT: tk.yield %[[S]] : f32
// CHECK-NOT: linalg.
// CHECK: return %[[R]]
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
#map2 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#map3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map4 = affine_map<(d0, d1, d2) -> (d2)>
func.func @projection(%arg0: tensor<1x128x256xf32>, %arg1: tensor<256x256xf32>, %arg2: tensor<256xf32>) -> tensor<1x4x128x64xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x128x256xf32>
  %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<1x128x256xf32>) -> tensor<1x128x256xf32>
  %2 = linalg.generic {indexing_maps = [#map, #map1, #map2], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%arg0, %arg1 : tensor<1x128x256xf32>, tensor<256x256xf32>) outs(%1 : tensor<1x128x256xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %6 = arith.mulf %in, %in_0 : f32
    %7 = arith.addf %out, %6 : f32
    linalg.yield %7 : f32
  } -> tensor<1x128x256xf32>
  %3 = tensor.empty() : tensor<1x128x256xf32>
  %4 = linalg.generic {indexing_maps = [#map3, #map4, #map3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%2, %arg2 : tensor<1x128x256xf32>, tensor<256xf32>) outs(%3 : tensor<1x128x256xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %6 = arith.addf %in, %in_0 : f32
    linalg.yield %6 : f32
  } -> tensor<1x128x256xf32>
  %expanded = tensor.expand_shape %4 [[0], [1], [2, 3]] output_shape [1, 128, 4, 64] : tensor<1x128x256xf32> into tensor<1x128x4x64xf32>
  %5 = tensor.empty() : tensor<1x4x128x64xf32>
  %transposed = linalg.transpose ins(%expanded : tensor<1x128x4x64xf32>) outs(%5 : tensor<1x4x128x64xf32>) permutation = [0, 2, 1, 3] 
  return %transposed : tensor<1x4x128x64xf32>
}

// -----

// Activation x activation, batched over [1, 4]: one kernel with two batch
// loops.
// CHECK-DAG: #[[BQ:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[BK:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[BO:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @batched
// CHECK: tk.matmul ins(%arg0, %arg1 : tensor<1x4x128x64xf32>, tensor<1x4x64x128xf32>) outs(%{{.+}} : tensor<1x4x128x128xf32>) maps = [#[[BQ]], #[[BK]], #[[BO]]]
// CHECK-NOT: linalg.
#map5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#map6 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#map7 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
func.func @batched(%arg0: tensor<1x4x128x64xf32>, %arg1: tensor<1x4x64x128xf32>) -> tensor<1x4x128x128xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x4x128x128xf32>
  %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<1x4x128x128xf32>) -> tensor<1x4x128x128xf32>
  %2 = linalg.generic {indexing_maps = [#map5, #map6, #map7], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%arg0, %arg1 : tensor<1x4x128x64xf32>, tensor<1x4x64x128xf32>) outs(%1 : tensor<1x4x128x128xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %3 = arith.mulf %in, %in_0 : f32
    %4 = arith.addf %out, %3 : f32
    linalg.yield %4 : f32
  } -> tensor<1x4x128x128xf32>
  return %2 : tensor<1x4x128x128xf32>
}

// -----

// Gemm with transB (a transpose of an activation), bias and Relu: the
// transpose folds into the right operand's map (read as [n, k]), bias and
// Relu into the epilogue.
// CHECK-DAG: #[[GA:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[GB:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[GC:.+]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[GO:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @gemm_transb
// CHECK-NOT: linalg.transpose
// CHECK: tk.matmul ins(%arg0, %arg1 : tensor<8x32xf32>, tensor<16x32xf32>) epilogue_ins(%arg2 : tensor<16xf32>) outs({{.*}}) maps = [#[[GA]], #[[GB]], #[[GC]], #[[GO]]] epilogue {
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: tk.yield
// CHECK-NOT: linalg.
#map8 = affine_map<(d0, d1) -> (d0, d1)>
#map9 = affine_map<(d0, d1) -> (d1)>
func.func @gemm_transb(%arg0: tensor<8x32xf32>, %arg1: tensor<16x32xf32>, %arg2: tensor<16xf32>) -> tensor<8x16xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<32x16xf32>
  %transposed = linalg.transpose ins(%arg1 : tensor<16x32xf32>) outs(%0 : tensor<32x16xf32>) permutation = [1, 0] 
  %1 = tensor.empty() : tensor<8x16xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %3 = linalg.matmul ins(%arg0, %transposed : tensor<8x32xf32>, tensor<32x16xf32>) outs(%2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %4 = tensor.empty() : tensor<8x16xf32>
  %5 = linalg.generic {indexing_maps = [#map8, #map9, #map8], iterator_types = ["parallel", "parallel"]} ins(%3, %arg2 : tensor<8x16xf32>, tensor<16xf32>) outs(%4 : tensor<8x16xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %8 = arith.addf %in, %in_0 : f32
    linalg.yield %8 : f32
  } -> tensor<8x16xf32>
  %6 = tensor.empty() : tensor<8x16xf32>
  %7 = linalg.generic {indexing_maps = [#map8, #map8], iterator_types = ["parallel", "parallel"]} ins(%5 : tensor<8x16xf32>) outs(%6 : tensor<8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %8 = arith.maximumf %in, %cst : f32
    linalg.yield %8 : f32
  } -> tensor<8x16xf32>
  return %7 : tensor<8x16xf32>
}

// -----

// A batched MatMul whose weight is Expanded over the batch (a copy generic
// with a broadcast map, as tg.expand lowers) and whose activations come
// through a linalg.broadcast: both fold, the kernel reads the weight once
// for every batch (its map has no batch dim) and the [8, 32] activations.
// CHECK-DAG: #[[BA:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[BW:.+]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-LABEL: func.func @broadcast_inputs
// CHECK-NOT: linalg.broadcast
// CHECK-NOT: linalg.generic
// CHECK: tk.matmul ins(%arg0, %arg1 : tensor<8x32xf32>, tensor<32x16xf32>) outs({{.*}} : tensor<4x8x16xf32>) maps = [#[[BA]], #[[BW]], #{{.+}}] epilogue {
#bw_in = affine_map<(b, k, n) -> (k, n)>
#bw_out = affine_map<(b, k, n) -> (b, k, n)>
#bm_a = affine_map<(b, m, n, k) -> (b, m, k)>
#bm_b = affine_map<(b, m, n, k) -> (b, k, n)>
#bm_c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @broadcast_inputs(%a: tensor<8x32xf32>, %w: tensor<32x16xf32>) -> tensor<4x8x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %ai = tensor.empty() : tensor<4x8x32xf32>
  %ab = linalg.broadcast ins(%a : tensor<8x32xf32>) outs(%ai : tensor<4x8x32xf32>) dimensions = [0]
  %wi = tensor.empty() : tensor<4x32x16xf32>
  %wb = linalg.generic {indexing_maps = [#bw_in, #bw_out], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%w : tensor<32x16xf32>) outs(%wi : tensor<4x32x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<4x32x16xf32>
  %ci = tensor.empty() : tensor<4x8x16xf32>
  %c = linalg.fill ins(%zero : f32) outs(%ci : tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %r = linalg.generic {indexing_maps = [#bm_a, #bm_b, #bm_c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%ab, %wb : tensor<4x8x32xf32>, tensor<4x32x16xf32>) outs(%c : tensor<4x8x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x8x16xf32>
  return %r : tensor<4x8x16xf32>
}

// -----

// Q x K^T plus an additive mask broadcast over heads and rows.
// CHECK-DAG: #[[SK:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[SM:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, 0, d3)>
// CHECK-LABEL: func.func @scores_kt
// CHECK: tk.matmul ins(%arg0, %arg1 : {{.*}}) epilogue_ins(%arg2 : tensor<1x1x1x128xf32>) {{.*}} maps = [#{{.+}}, #[[SK]], #[[SM]], #{{.+}}]
// CHECK-NOT: linalg.
#map5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#map6 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#map7 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
#map10 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#map11 = affine_map<(d0, d1, d2, d3) -> (d0, 0, 0, d3)>
func.func @scores_kt(%arg0: tensor<1x4x128x64xf32>, %arg1: tensor<1x4x128x64xf32>, %arg2: tensor<1x1x1x128xf32>) -> tensor<1x4x128x128xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x4x64x128xf32>
  %transposed = linalg.transpose ins(%arg1 : tensor<1x4x128x64xf32>) outs(%0 : tensor<1x4x64x128xf32>) permutation = [0, 1, 3, 2] 
  %1 = tensor.empty() : tensor<1x4x128x128xf32>
  %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<1x4x128x128xf32>) -> tensor<1x4x128x128xf32>
  %3 = linalg.generic {indexing_maps = [#map5, #map6, #map7], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%arg0, %transposed : tensor<1x4x128x64xf32>, tensor<1x4x64x128xf32>) outs(%2 : tensor<1x4x128x128xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %6 = arith.mulf %in, %in_0 : f32
    %7 = arith.addf %out, %6 : f32
    linalg.yield %7 : f32
  } -> tensor<1x4x128x128xf32>
  %4 = tensor.empty() : tensor<1x4x128x128xf32>
  %5 = linalg.generic {indexing_maps = [#map10, #map11, #map10], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%3, %arg2 : tensor<1x4x128x128xf32>, tensor<1x1x1x128xf32>) outs(%4 : tensor<1x4x128x128xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %6 = arith.addf %in, %in_0 : f32
    linalg.yield %6 : f32
  } -> tensor<1x4x128x128xf32>
  return %5 : tensor<1x4x128x128xf32>
}

// -----

// P x V, then heads merged back (Transpose + Reshape): the output map
// writes [1, m, h * 64 + d].
// CHECK-DAG: #[[MO:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1 * 64 + d3)>
// CHECK-LABEL: func.func @merge_heads
// CHECK: tk.matmul {{.*}} outs(%{{.+}} : tensor<1x128x256xf32>) maps = [#{{.+}}, #{{.+}}, #[[MO]]]
// CHECK-NOT: linalg.
#map5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#map6 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#map7 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
func.func @merge_heads(%arg0: tensor<1x4x128x128xf32>, %arg1: tensor<1x4x128x64xf32>) -> tensor<1x128x256xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<1x4x128x64xf32>
  %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<1x4x128x64xf32>) -> tensor<1x4x128x64xf32>
  %2 = linalg.generic {indexing_maps = [#map5, #map6, #map7], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%arg0, %arg1 : tensor<1x4x128x128xf32>, tensor<1x4x128x64xf32>) outs(%1 : tensor<1x4x128x64xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %4 = arith.mulf %in, %in_0 : f32
    %5 = arith.addf %out, %4 : f32
    linalg.yield %5 : f32
  } -> tensor<1x4x128x64xf32>
  %3 = tensor.empty() : tensor<1x128x4x64xf32>
  %transposed = linalg.transpose ins(%2 : tensor<1x4x128x64xf32>) outs(%3 : tensor<1x128x4x64xf32>) permutation = [0, 2, 1, 3] 
  %collapsed = tensor.collapse_shape %transposed [[0], [1], [2, 3]] : tensor<1x128x4x64xf32> into tensor<1x128x256xf32>
  return %collapsed : tensor<1x128x256xf32>
}

// -----

// A transposed result is contiguous along the rows: the kernel swaps its
// operands (C^T = B^T A^T) so that columns are innermost.
// CHECK-DAG: #[[CA:.+]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-LABEL: func.func @column_output
// CHECK: tk.matmul ins(%arg1, %arg0 : tensor<32x16xf32>, tensor<8x32xf32>) outs(%{{.+}} : tensor<16x8xf32>) maps = [#[[CA]],
// CHECK-NOT: linalg.

func.func @column_output(%arg0: tensor<8x32xf32>, %arg1: tensor<32x16xf32>) -> tensor<16x8xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %0 = tensor.empty() : tensor<8x16xf32>
  %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %2 = linalg.matmul ins(%arg0, %arg1 : tensor<8x32xf32>, tensor<32x16xf32>) outs(%1 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %3 = tensor.empty() : tensor<16x8xf32>
  %transposed = linalg.transpose ins(%2 : tensor<8x16xf32>) outs(%3 : tensor<16x8xf32>) permutation = [1, 0] 
  return %transposed : tensor<16x8xf32>
}

// -----

// A transposed convolution is one tk.conv in its transposed mode (no
// zero-stuffed input, no flipped filter): strides, dilations and pads as
// the graph has them, the bias an epilogue input read per output channel.
// CHECK-DAG: #[[CB:.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @conv_transpose
// CHECK-SAME: (%[[X:.+]]: tensor<1x24x20x21xf32>, %[[W:.+]]: tensor<24x16x2x2xf32>, %[[B:.+]]: tensor<16xf32>)
// CHECK: %[[INIT:.+]] = tensor.empty() : tensor<1x16x40x42xf32>
// CHECK: tk.conv ins(%[[X]], %[[W]] : tensor<1x24x20x21xf32>, tensor<24x16x2x2xf32>) epilogue_ins(%[[B]] : tensor<16xf32>) outs(%[[INIT]] : tensor<1x16x40x42xf32>) strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1 epilogue_maps = [#[[CB]]] attributes {transposed} epilogue {
// CHECK-NEXT: ^bb0(%[[ACC:.+]]: f32, %[[BIAS:.+]]: f32):
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[ACC]], %[[BIAS]] : f32
// CHECK-NEXT: tk.yield %[[S]] : f32
// CHECK-NOT: tg.conv_transpose
// ONLY-LABEL: func.func @conv_transpose
// ONLY: tg.conv_transpose
// DIRECT-LABEL: func.func @conv_transpose
// DIRECT: tg.conv_transpose
func.func @conv_transpose(%x: tensor<1x24x20x21xf32>, %w: tensor<24x16x2x2xf32>, %b: tensor<16xf32>) -> tensor<1x16x40x42xf32> {
  %0 = tg.conv_transpose %x, %w, %b strides = [2, 2] pads = [0, 0, 0, 0]
         output_padding = [0, 0] dilations = [1, 1] group = 1
         : tensor<1x24x20x21xf32>, tensor<24x16x2x2xf32>, tensor<16xf32>
  return %0 : tensor<1x16x40x42xf32>
}

// -----

// Every f32 convolution is a direct tk.conv: 1-D, 2-D dense with pads and a
// bias, depthwise (groups = channels), 3-D.
// CHECK-LABEL: func.func @convs
// CHECK: tk.conv ins(%arg0, %arg1 : tensor<1x1x1600xf32>, tensor<12x1x64xf32>) outs(%{{.+}} : tensor<1x12x97xf32>) strides = [16] dilations = [1] pads = [0, 0] groups = 1 epilogue_maps = [] epilogue {
// CHECK: tk.conv ins(%arg2, %arg3 : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) epilogue_ins(%arg4 : tensor<4xf32>) outs(%{{.+}} : tensor<1x4x8x8xf32>) strides = [1, 1] dilations = [1, 1] pads = [1, 1, 1, 1] groups = 1 epilogue_maps = [#[[BIAS:.+]]] epilogue {
// CHECK: tk.conv ins(%arg5, %arg6 : tensor<1x6x8x8xf32>, tensor<6x1x3x3xf32>) outs(%{{.+}} : tensor<1x6x4x4xf32>) strides = [2, 2] dilations = [1, 1] pads = [1, 1, 0, 0] groups = 6 epilogue_maps = [] epilogue {
// CHECK: tk.conv ins(%arg7, %arg8 : tensor<1x2x4x6x6xf32>, tensor<3x2x3x3x3xf32>) outs(%{{.+}} : tensor<1x3x2x4x4xf32>) strides = [1, 1, 1] dilations = [1, 1, 1] pads = [0, 0, 0, 0, 0, 0] groups = 1 epilogue_maps = [] epilogue {
// CHECK-NOT: tg.conv
// contractions-only leaves them tg; with direct-convs (the CUDA pipeline)
// they are tk.conv too.
// ONLY-LABEL: func.func @convs
// ONLY-COUNT-4: tg.conv
// DIRECT-LABEL: func.func @convs
// DIRECT-COUNT-4: tk.conv ins
// DIRECT-NOT: tg.conv
func.func @convs(%x: tensor<1x1x1600xf32>, %w: tensor<12x1x64xf32>, %x2: tensor<1x3x8x8xf32>, %w2: tensor<4x3x3x3xf32>, %b2: tensor<4xf32>,
                 %x3: tensor<1x6x8x8xf32>, %w3: tensor<6x1x3x3xf32>, %x4: tensor<1x2x4x6x6xf32>, %w4: tensor<3x2x3x3x3xf32>)
    -> (tensor<1x12x97xf32>, tensor<1x4x8x8xf32>, tensor<1x6x4x4xf32>, tensor<1x3x2x4x4xf32>) {
  %0 = tg.conv %x, %w strides = [16] pads = [0, 0] dilations = [1] group = 1
         : tensor<1x1x1600xf32>, tensor<12x1x64xf32>
  %1 = tg.conv %x2, %w2, %b2 strides = [1, 1] pads = [1, 1, 1, 1] dilations = [1, 1] group = 1
         : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>
  %2 = tg.conv %x3, %w3 strides = [2, 2] pads = [1, 1, 0, 0] dilations = [1, 1] group = 6
         : tensor<1x6x8x8xf32>, tensor<6x1x3x3xf32>
  %3 = tg.conv %x4, %w4 strides = [1, 1, 1] pads = [0, 0, 0, 0, 0, 0] dilations = [1, 1, 1] group = 1
         : tensor<1x2x4x6x6xf32>, tensor<3x2x3x3x3xf32>
  return %0, %1, %2, %3 : tensor<1x12x97xf32>, tensor<1x4x8x8xf32>, tensor<1x6x4x4xf32>, tensor<1x3x2x4x4xf32>
}

// -----

// A dense convolution strided along its innermost dimension, with a constant
// filter of a multiple of the stride, runs stride 1 over a space-to-depth
// view: w'[r][q] = w[q*2 + r], the input regrouped [1, 1, 4, 2] -> [1, 2, 4];
// the padded 1-D one zero-extends its input to what the stride-1 form reads
// (5 outputs + 2 taps - 1 = 6 positions of 2: 1 + 10 + 1). A 3x3 stride-2
// filter would add 78% zero taps: it stays as it is.
// CHECK-LABEL: func.func @space_to_depth
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]]> : tensor<1x2x2xf32>
// CHECK: %[[R:.*]] = tg.reshape %arg0 : tensor<1x1x8xf32> -> tensor<1x1x4x2xf32>
// CHECK: %[[T:.*]] = tg.transpose %[[R]] perm = [0, 1, 3, 2]
// CHECK: %[[V:.*]] = tg.reshape %[[T]] : tensor<1x1x2x4xf32> -> tensor<1x2x4xf32>
// CHECK: tk.conv ins(%[[V]], %[[W]] : tensor<1x2x4xf32>, tensor<1x2x2xf32>)
// CHECK-SAME: strides = [1] dilations = [1] pads = [0, 0]
// CHECK: tg.pad %arg1 mode = constant pads = [0, 0, 1, 0, 0, 1]
// CHECK: tk.conv ins(%{{.*}} : tensor<1x2x6xf32>, tensor<1x2x2xf32>)
// CHECK: tk.conv ins(%arg2, %{{.*}} : tensor<1x1x9x9xf32>, tensor<1x1x3x3xf32>)
// CHECK-SAME: strides = [2, 2]
func.func @space_to_depth(%x: tensor<1x1x8xf32>, %y: tensor<1x1x10xf32>, %z: tensor<1x1x9x9xf32>)
    -> (tensor<1x1x3xf32>, tensor<1x1x5xf32>, tensor<1x1x4x4xf32>) {
  %w = arith.constant dense<[[[1.0, 2.0, 3.0, 4.0]]]> : tensor<1x1x4xf32>
  %w3 = arith.constant dense<1.0> : tensor<1x1x3x3xf32>
  %0 = tg.conv %x, %w strides = [2] pads = [0, 0] dilations = [1] group = 1
         : tensor<1x1x8xf32>, tensor<1x1x4xf32>
  %1 = tg.conv %y, %w strides = [2] pads = [1, 1] dilations = [1] group = 1
         : tensor<1x1x10xf32>, tensor<1x1x4xf32>
  %2 = tg.conv %z, %w3 strides = [2, 2] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1
         : tensor<1x1x9x9xf32>, tensor<1x1x3x3xf32>
  return %0, %1, %2 : tensor<1x1x3xf32>, tensor<1x1x5xf32>, tensor<1x1x4x4xf32>
}

// -----

// Max pooling is a max tk.pool; average pooling a sum tk.pool dividing by a
// constant when every window counts the same taps, by an epilogue input of
// divisors when the padding is not counted. Integer pools stay tg.
// CHECK-LABEL: func.func @pools
// CHECK: %[[COUNTS:.+]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00{{.*}}> : tensor<5x5xf32>
// CHECK: %[[FOUR:.+]] = arith.constant 4.000000e+00 : f32
// CHECK: tk.pool max ins(%arg0 : tensor<1x4x9x9xf32>) outs(%{{.+}} : tensor<1x4x5x5xf32>) window = [3, 3] strides = [2, 2] dilations = [1, 1] pads = [1, 1, 1, 1] epilogue_maps = [] epilogue {
// CHECK-NEXT: ^bb0(%[[M:.+]]: f32):
// CHECK-NEXT: tk.yield %[[M]] : f32
// CHECK: tk.pool sum ins(%arg0 : tensor<1x4x9x9xf32>) outs(%{{.+}} : tensor<1x4x4x4xf32>) window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] epilogue_maps = [] epilogue {
// CHECK: arith.divf %{{.+}}, %[[FOUR]] : f32
// CHECK: tk.pool sum ins(%arg0 : tensor<1x4x9x9xf32>) epilogue_ins(%[[COUNTS]] : tensor<5x5xf32>) {{.*}} window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [1, 1, 1, 1] epilogue_maps = [#{{.+}}] epilogue {
// CHECK-NEXT: ^bb0(%[[S:.+]]: f32, %[[N:.+]]: f32):
// CHECK-NEXT: %[[MEAN:.+]] = arith.divf %[[S]], %[[N]] : f32
// CHECK: tg.max_pool %arg1
func.func @pools(%x: tensor<1x4x9x9xf32>, %i: tensor<1x4x9x9xi8>)
    -> (tensor<1x4x5x5xf32>, tensor<1x4x4x4xf32>, tensor<1x4x5x5xf32>, tensor<1x4x5x5xi8>) {
  %0 = tg.max_pool %x kernel = [3, 3] strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] : tensor<1x4x9x9xf32>
  %1 = tg.avg_pool %x kernel = [2, 2] strides = [2, 2] pads = [0, 0, 0, 0] dilations = [1, 1] : tensor<1x4x9x9xf32>
  %2 = tg.avg_pool %x kernel = [2, 2] strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] : tensor<1x4x9x9xf32>
  %3 = tg.max_pool %i kernel = [3, 3] strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] : tensor<1x4x9x9xi8>
  return %0, %1, %2, %3 : tensor<1x4x5x5xf32>, tensor<1x4x4x4xf32>, tensor<1x4x5x5xf32>, tensor<1x4x5x5xi8>
}

// -----

// The elementwise op after a tk.conv (here Relu, as convert-tg-to-linalg
// spells it) moves into its epilogue.
// CHECK-LABEL: func.func @conv_relu
// CHECK: tk.conv {{.*}} outs(%{{.+}} : tensor<1x4x9xf32>) {{.*}} epilogue {
// CHECK-NEXT: ^bb0(%[[ACC:.+]]: f32):
// CHECK-NEXT: %[[R:.+]] = arith.maximumf %[[ACC]], %{{.+}} : f32
// CHECK-NEXT: tk.yield %[[R]] : f32
// CHECK-NOT: linalg.generic
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @conv_relu(%x: tensor<1x2x9xf32>, %w: tensor<2x4x1xf32>) -> tensor<1x4x9xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<1x4x9xf32>
  %0 = tk.conv ins(%x, %w : tensor<1x2x9xf32>, tensor<2x4x1xf32>) outs(%init : tensor<1x4x9xf32>)
      strides = [1] dilations = [1] pads = [0, 0] groups = 1 epilogue_maps = []
      attributes {transposed} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x4x9xf32>
  %out = tensor.empty() : tensor<1x4x9xf32>
  %1 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%0 : tensor<1x4x9xf32>) outs(%out : tensor<1x4x9xf32>) {
  ^bb0(%in: f32, %o: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  } -> tensor<1x4x9xf32>
  return %1 : tensor<1x4x9xf32>
}

// -----

// Softmax, log-softmax and layer norm are one row kernel each.
// CHECK-LABEL: func.func @rows
// CHECK: tk.reduce ins(%arg0 : tensor<1x4x16x16xf32>) outs(%{{.+}} : tensor<1x4x16x16xf32>) kind = softmax axis = 3
// CHECK: tk.reduce ins(%arg1 : tensor<3x5xf32>) outs(%{{.+}} : tensor<3x5xf32>) kind = log_softmax axis = 0
// CHECK: tk.reduce ins(%arg2 : tensor<1x8x32xf32>) params(%arg3, %arg4 : tensor<32xf32>, tensor<32xf32>) outs(%{{.+}} : tensor<1x8x32xf32>) kind = layer_norm axis = 2 ->
// CHECK-NOT: tg.
// ONLY-LABEL: func.func @rows
// ONLY: tg.softmax
// ONLY: tg.log_softmax
// ONLY: tg.layer_norm
func.func @rows(%s: tensor<1x4x16x16xf32>, %l: tensor<3x5xf32>, %x: tensor<1x8x32xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>)
    -> (tensor<1x4x16x16xf32>, tensor<3x5xf32>, tensor<1x8x32xf32>) {
  %0 = tg.softmax %s axis = 3 : tensor<1x4x16x16xf32>
  %1 = tg.log_softmax %l axis = 0 : tensor<3x5xf32>
  %2 = tg.layer_norm %x, %g, %b axis = 2 {epsilon = 1.0e-05 : f32} : tensor<1x8x32xf32>, tensor<32xf32>, tensor<32xf32>
  return %0, %1, %2 : tensor<1x4x16x16xf32>, tensor<3x5xf32>, tensor<1x8x32xf32>
}

// -----

// RMS normalisation as decoder exports spell it (Pow, ReduceMean with
// keepdims, Add eps, Sqrt, Reciprocal, Mul), then its weight: one row
// kernel with the weight as its scale.
// CHECK-LABEL: func.func @rms_norm
// CHECK: %[[R:.+]] = tk.reduce ins(%arg0 : tensor<1x7x64xf32>) params(%arg1 : tensor<64xf32>) outs(%{{.+}} : tensor<1x7x64xf32>) kind = rms_norm axis = 2 {epsilon = 9.99999997E-7 : f32}
// CHECK-NEXT: return %[[R]]
func.func @rms_norm(%x: tensor<1x7x64xf32>, %w: tensor<64xf32>) -> tensor<1x7x64xf32> {
  %two = tg.constant dense<2.0> : tensor<f32>
  %eps = tg.constant dense<1.0e-6> : tensor<f32>
  %0 = tg.pow %x, %two : tensor<1x7x64xf32>, tensor<f32>
  %1 = tg.reduce_mean %0 axes = [2] keepdims : tensor<1x7x64xf32>
  %2 = tg.add %1, %eps : tensor<1x7x1xf32>, tensor<f32>
  %3 = tg.sqrt %2 : tensor<1x7x1xf32>
  %4 = tg.reciprocal %3 : tensor<1x7x1xf32>
  %5 = tg.mul %x, %4 : tensor<1x7x64xf32>, tensor<1x7x1xf32>
  %6 = tg.mul %5, %w : tensor<1x7x64xf32>, tensor<64xf32>
  return %6 : tensor<1x7x64xf32>
}
