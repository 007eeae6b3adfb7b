// RUN: tessera-opt %s --pass-pipeline='builtin.module(func.func(tessera-tag-kernels))' --mlir-print-debuginfo | FileCheck %s

// Every tk op's location gains a tk.kernel_info (kind, FLOPs, id); other ops
// keep theirs. FLOPs: 2 per multiply-add of the whole iteration space.
// matmul: 2 * 4*8*10*16 = 10240. direct conv: 2 * out (2*9*34) * taps (2*3)
// = 7344. transposed conv: 2 * in (1*24*80*80) * taps (16*2*2) = 19660800.
// attention: Q x K^T and P x V, 2 * h*m*n * (d + e) = 2 * 4*8*10 * (16 + 24)
// = 25600 (the softmax is not counted).

// CHECK-LABEL: func.func @kernels
// CHECK: tk.matmul
// CHECK: } loc(#[[MM:loc[0-9]+]])
// CHECK: tk.conv
// CHECK: } loc(#[[CONV:loc[0-9]+]])
// CHECK: tk.conv
// CHECK: } loc(#[[UP:loc[0-9]+]])
// CHECK: tk.fusion
// CHECK: } loc(#[[FUSE:loc[0-9]+]])
// CHECK: memref.copy {{.*}} loc(#[[COPY:loc[0-9]+]])
// CHECK: tk.attention
// CHECK: } loc(#[[ATT:loc[0-9]+]])
// CHECK-DAG: #[[COPY]] = loc("copy_node")
// CHECK-DAG: #[[MM]] = loc(fused<{tk.kernel_info = {flops = 10240 : i64, id = 0 : i64, kind = "tk.matmul"}}>[#{{.+}}])
// CHECK-DAG: #[[CONV]] = loc(fused<{tk.kernel_info = {flops = 7344 : i64, id = 1 : i64, kind = "tk.conv"}}>[#{{.+}}])
// CHECK-DAG: #[[UP]] = loc(fused<{tk.kernel_info = {flops = 19660800 : i64, id = 2 : i64, kind = "tk.conv"}}>[#{{.+}}])
// CHECK-DAG: #[[ATT]] = loc(fused<{tk.kernel_info = {flops = 25600 : i64, id = 4 : i64, kind = "tk.attention"}}>[#{{.+}}])
// CHECK-DAG: #[[FUSE]] = loc(fused<{tk.kernel_info = {flops = 0 : i64, id = 3 : i64, kind = "tk.fusion"}}>[#{{.+}}])
func.func @kernels(%q: memref<4x8x16xf32>, %k: memref<4x10x16xf32>, %s: memref<4x8x10xf32>,
                   %x: memref<2x6x40xf32>, %w: memref<9x2x3xf32>, %y: memref<2x9x34xf32>,
                   %u: memref<1x24x80x80xf32>, %uw: memref<24x16x2x2xf32>,
                   %up: memref<1x16x160x160xf32>, %i: memref<8xi32>, %j: memref<8xi32>,
                   %v: memref<4x10x24xf32>, %o: memref<4x8x24xf32>) {
  tk.matmul ins(%q, %k : memref<4x8x16xf32>, memref<4x10x16xf32>) outs(%s : memref<4x8x10xf32>)
      maps = [affine_map<(h, m, n, k) -> (h, m, k)>,
              affine_map<(h, m, n, k) -> (h, n, k)>,
              affine_map<(h, m, n, k) -> (h, m, n)>]
      epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } loc("scores_node")
  tk.conv ins(%x, %w : memref<2x6x40xf32>, memref<9x2x3xf32>) outs(%y : memref<2x9x34xf32>)
      strides = [1] dilations = [3] pads = [0, 0] groups = 3 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } loc("conv_node")
  tk.conv ins(%u, %uw : memref<1x24x80x80xf32>, memref<24x16x2x2xf32>) outs(%up : memref<1x16x160x160xf32>)
      strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1 epilogue_maps = []
      attributes {transposed} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } loc("upsample_node")
  tk.fusion outs(%i : memref<8xi32>) maps = [affine_map<(i) -> (i)>] body {
    %c = arith.constant 7 : i32
    tk.yield %c : i32
  } loc("fill_node")
  memref.copy %i, %j : memref<8xi32> to memref<8xi32> loc("copy_node")
  tk.attention ins(%q, %k, %v : memref<4x8x16xf32>, memref<4x10x16xf32>, memref<4x10x24xf32>)
      outs(%o : memref<4x8x24xf32>)
      maps = [affine_map<(h, m, n, d, e) -> (h, m, d)>, affine_map<(h, m, n, d, e) -> (h, n, d)>,
              affine_map<(h, m, n, d, e) -> (h, n, e)>, affine_map<(h, m, n, d, e) -> (h, m, e)>]
      score {
  ^bb0(%s2: f32):
    tk.yield %s2 : f32
  } loc("attention_node")
  return
}

