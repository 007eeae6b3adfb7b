// RUN: tessera-opt %s | tessera-opt | FileCheck %s
// RUN: tessera-opt %s --mlir-print-op-generic | tessera-opt | FileCheck %s

// CHECK-LABEL: func.func @matmul_tensors
// CHECK: %[[R:.+]] = tk.matmul ins(%{{.+}}, %{{.+}} : tensor<128x256xf32>, tensor<256x256xf32>) epilogue_ins(%{{.+}} : tensor<256xf32>) outs(%{{.+}} : tensor<1x4x128x64xf32>) maps = [#{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}] epilogue {
// CHECK: ^bb0(%[[ACC:.+]]: f32, %[[B:.+]]: f32):
// CHECK: arith.addf %[[ACC]], %[[B]] : f32
// CHECK: tk.yield %{{.+}} : f32
// CHECK: } -> tensor<1x4x128x64xf32>
func.func @matmul_tensors(%x: tensor<128x256xf32>, %w: tensor<256x256xf32>, %bias: tensor<256xf32>,
                          %init: tensor<1x4x128x64xf32>) -> tensor<1x4x128x64xf32> {
  %0 = tk.matmul ins(%x, %w : tensor<128x256xf32>, tensor<256x256xf32>)
      epilogue_ins(%bias : tensor<256xf32>) outs(%init : tensor<1x4x128x64xf32>)
      maps = [affine_map<(h, m, n, k) -> (m, k)>,
              affine_map<(h, m, n, k) -> (k, h * 64 + n)>,
              affine_map<(h, m, n, k) -> (h * 64 + n)>,
              affine_map<(h, m, n, k) -> (0, h, m, n)>] epilogue {
  ^bb0(%acc: f32, %b: f32):
    %s = arith.addf %acc, %b : f32
    tk.yield %s : f32
  } -> tensor<1x4x128x64xf32>
  return %0 : tensor<1x4x128x64xf32>
}

// CHECK-LABEL: func.func @matmul_memrefs
// CHECK: tk.matmul ins(%{{.+}}, %{{.+}} : memref<4x8x16xf32>, memref<4x10x16xf32>) outs(%{{.+}} : memref<4x8x10xf32>) maps = [#{{.+}}, #{{.+}}, #{{.+}}] attributes {config = #tk.cpu_tile<lanes = 8, mr = 6, nr = 16, kc = 256, mc = 240, parallel = false>} epilogue {
// CHECK-NOT: ->
func.func @matmul_memrefs(%q: memref<4x8x16xf32>, %k: memref<4x10x16xf32>, %s: memref<4x8x10xf32>) {
  tk.matmul ins(%q, %k : memref<4x8x16xf32>, memref<4x10x16xf32>) outs(%s : memref<4x8x10xf32>)
      maps = [affine_map<(h, m, n, k) -> (h, m, k)>,
              affine_map<(h, m, n, k) -> (h, n, k)>,
              affine_map<(h, m, n, k) -> (h, m, n)>]
      attributes {config = #tk.cpu_tile<lanes = 8, mr = 6, nr = 16, kc = 256, mc = 240, parallel = false>}
      epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// CHECK-LABEL: func.func @conv_transposed
// CHECK: tk.conv ins(%{{.+}}, %{{.+}} : tensor<1x24x80x80xf32>, tensor<24x16x2x2xf32>) epilogue_ins(%{{.+}} : tensor<16xf32>) outs(%{{.+}} : tensor<1x16x160x160xf32>) strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1 epilogue_maps = [#{{.+}}] attributes {transposed} epilogue {
// CHECK: } -> tensor<1x16x160x160xf32>
func.func @conv_transposed(%x: tensor<1x24x80x80xf32>, %w: tensor<24x16x2x2xf32>, %b: tensor<16xf32>,
                           %init: tensor<1x16x160x160xf32>) -> tensor<1x16x160x160xf32> {
  %y = tk.conv ins(%x, %w : tensor<1x24x80x80xf32>, tensor<24x16x2x2xf32>)
      epilogue_ins(%b : tensor<16xf32>) outs(%init : tensor<1x16x160x160xf32>)
      strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1
      epilogue_maps = [affine_map<(n, f, h, w) -> (f)>]
      attributes {transposed} epilogue {
  ^bb0(%acc: f32, %bias: f32):
    %s = arith.addf %acc, %bias : f32
    tk.yield %s : f32
  } -> tensor<1x16x160x160xf32>
  return %y : tensor<1x16x160x160xf32>
}

// CHECK-LABEL: func.func @conv_direct_memrefs
// CHECK: tk.conv ins(%{{.+}}, %{{.+}} : memref<2x6x40xf32>, memref<9x2x3xf32>) outs(%{{.+}} : memref<2x9x34xf32>) strides = [1] dilations = [3] pads = [0, 0] groups = 3 epilogue_maps = [] epilogue {
func.func @conv_direct_memrefs(%x: memref<2x6x40xf32>, %w: memref<9x2x3xf32>, %y: memref<2x9x34xf32>) {
  tk.conv ins(%x, %w : memref<2x6x40xf32>, memref<9x2x3xf32>) outs(%y : memref<2x9x34xf32>)
      strides = [1] dilations = [3] pads = [0, 0] groups = 3 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// CHECK-LABEL: func.func @pools
// CHECK: tk.pool max ins(%{{.+}} : tensor<1x8x9x9xf32>) outs(%{{.+}} : tensor<1x8x5x5xf32>) window = [3, 3] strides = [2, 2] dilations = [1, 1] pads = [1, 1, 1, 1] epilogue_maps = []
// CHECK-SAME: config = #tk.cpu_window<kernel = window, lanes = 8, mr = 4, nr = 16, parallel = true>
// CHECK: tk.pool sum ins(%{{.+}} : memref<1x8x5x5xf32>) epilogue_ins(%{{.+}} : memref<3x3xf32>) outs(%{{.+}} : memref<1x8x3x3xf32>) window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [1, 1, 0, 0] epilogue_maps = [#{{.+}}] epilogue {
// CHECK: arith.divf
func.func @pools(%x: tensor<1x8x9x9xf32>, %init: tensor<1x8x5x5xf32>, %a: memref<1x8x5x5xf32>,
                 %count: memref<3x3xf32>, %y: memref<1x8x3x3xf32>) -> tensor<1x8x5x5xf32> {
  %0 = tk.pool max ins(%x : tensor<1x8x9x9xf32>) outs(%init : tensor<1x8x5x5xf32>)
      window = [3, 3] strides = [2, 2] dilations = [1, 1] pads = [1, 1, 1, 1]
      epilogue_maps = []
      attributes {config = #tk.cpu_window<kernel = window, lanes = 8, mr = 4, nr = 16, parallel = true>} epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  } -> tensor<1x8x5x5xf32>
  tk.pool sum ins(%a : memref<1x8x5x5xf32>) epilogue_ins(%count : memref<3x3xf32>)
      outs(%y : memref<1x8x3x3xf32>) window = [2, 2] strides = [2, 2] dilations = [1, 1]
      pads = [1, 1, 0, 0] epilogue_maps = [affine_map<(n, c, h, w) -> (h, w)>] epilogue {
  ^bb0(%s: f32, %n: f32):
    %mean = arith.divf %s, %n : f32
    tk.yield %mean : f32
  }
  return %0 : tensor<1x8x5x5xf32>
}

// CHECK-LABEL: func.func @fusions
// CHECK: tk.fusion ins(%{{.+}}, %{{.+}} : tensor<64x4xf32>, tensor<256xf32>) outs(%{{.+}} : tensor<4x64xf32>) maps = [#{{.+}}, #{{.+}}, #{{.+}}] body {
// CHECK: tk.fusion outs(%{{.+}} : memref<8xi32>) maps = [#{{.+}}] body {
func.func @fusions(%x: tensor<64x4xf32>, %b: tensor<256xf32>, %init: tensor<4x64xf32>, %y: memref<8xi32>) -> tensor<4x64xf32> {
  %0 = tk.fusion ins(%x, %b : tensor<64x4xf32>, tensor<256xf32>) outs(%init : tensor<4x64xf32>)
      maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i * 64 + j)>, affine_map<(i, j) -> (i, j)>] body {
  ^bb0(%a: f32, %c: f32):
    %s = arith.addf %a, %c : f32
    tk.yield %s : f32
  } -> tensor<4x64xf32>
  tk.fusion outs(%y : memref<8xi32>) maps = [affine_map<(i) -> (i)>] body {
    %seven = arith.constant 7 : i32
    tk.yield %seven : i32
  }
  return %0 : tensor<4x64xf32>
}

// CHECK-LABEL: func.func @rows
// CHECK: tk.reduce ins(%{{.+}} : tensor<1x4x128x128xf32>) outs(%{{.+}} : tensor<1x4x128x128xf32>) kind = softmax axis = 3 -> tensor<1x4x128x128xf32>
// CHECK: tk.reduce ins(%{{.+}} : tensor<1x128x256xf32>) params(%{{.+}}, %{{.+}} : tensor<256xf32>, tensor<256xf32>) outs(%{{.+}} : tensor<1x128x256xf32>) kind = layer_norm axis = 2 -> tensor<1x128x256xf32>
func.func @rows(%s: tensor<1x4x128x128xf32>, %si: tensor<1x4x128x128xf32>, %x: tensor<1x128x256xf32>,
                %g: tensor<256xf32>, %b: tensor<256xf32>, %xi: tensor<1x128x256xf32>)
    -> (tensor<1x4x128x128xf32>, tensor<1x128x256xf32>) {
  %0 = tk.reduce ins(%s : tensor<1x4x128x128xf32>) outs(%si : tensor<1x4x128x128xf32>) kind = softmax axis = 3 -> tensor<1x4x128x128xf32>
  %1 = tk.reduce ins(%x : tensor<1x128x256xf32>) params(%g, %b : tensor<256xf32>, tensor<256xf32>)
      outs(%xi : tensor<1x128x256xf32>) kind = layer_norm axis = 2 {epsilon = 1.0e-5 : f32} -> tensor<1x128x256xf32>
  return %0, %1 : tensor<1x4x128x128xf32>, tensor<1x128x256xf32>
}

// CHECK-LABEL: func.func @attention_tensors
// CHECK: %{{.+}} = tk.attention ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<1x128x4x64xf32>, tensor<1x128x4x64xf32>, tensor<1x128x4x64xf32>) score_ins(%{{.+}} : tensor<1x1x1x128xf32>) outs(%{{.+}} : tensor<1x128x256xf32>) maps = [#{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}] score {
// CHECK: ^bb0(%[[S:.+]]: f32, %[[M:.+]]: f32):
// CHECK: arith.mulf %[[S]]
// CHECK: tk.yield %{{.+}} : f32
// CHECK: } -> tensor<1x128x256xf32>
func.func @attention_tensors(%q: tensor<1x128x4x64xf32>, %k: tensor<1x128x4x64xf32>,
                             %v: tensor<1x128x4x64xf32>, %mask: tensor<1x1x1x128xf32>,
                             %init: tensor<1x128x256xf32>) -> tensor<1x128x256xf32> {
  %0 = tk.attention ins(%q, %k, %v : tensor<1x128x4x64xf32>, tensor<1x128x4x64xf32>,
                        tensor<1x128x4x64xf32>)
      score_ins(%mask : tensor<1x1x1x128xf32>) outs(%init : tensor<1x128x256xf32>)
      maps = [affine_map<(b, h, m, n, d, e) -> (b, m, h, d)>,
              affine_map<(b, h, m, n, d, e) -> (b, n, h, d)>,
              affine_map<(b, h, m, n, d, e) -> (b, n, h, e)>,
              affine_map<(b, h, m, n, d, e) -> (b, 0, 0, n)>,
              affine_map<(b, h, m, n, d, e) -> (b, m, h * 64 + e)>] score {
  ^bb0(%s: f32, %m: f32):
    %c = arith.constant 0.125 : f32
    %x = arith.mulf %s, %c : f32
    %y = arith.addf %x, %m : f32
    tk.yield %y : f32
  } -> tensor<1x128x256xf32>
  return %0 : tensor<1x128x256xf32>
}

// CHECK-LABEL: func.func @attention_memrefs
// CHECK: tk.attention ins(%{{.+}}, %{{.+}}, %{{.+}} : memref<2x8x16xf32>, memref<2x10x16xf32>, memref<2x10x24xf32>) outs(%{{.+}} : memref<2x8x24xf32>) maps = [#{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}] attributes {config = #tk.cpu_tile<lanes = 8, mr = 6, nr = 16, kc = 256, mc = 240, parallel = false>} score {
// CHECK-NOT: ->
func.func @attention_memrefs(%q: memref<2x8x16xf32>, %k: memref<2x10x16xf32>,
                             %v: memref<2x10x24xf32>, %o: memref<2x8x24xf32>) {
  tk.attention ins(%q, %k, %v : memref<2x8x16xf32>, memref<2x10x16xf32>, memref<2x10x24xf32>)
      outs(%o : memref<2x8x24xf32>)
      maps = [affine_map<(h, m, n, d, e) -> (h, m, d)>,
              affine_map<(h, m, n, d, e) -> (h, n, d)>,
              affine_map<(h, m, n, d, e) -> (h, n, e)>,
              affine_map<(h, m, n, d, e) -> (h, m, e)>]
      attributes {config = #tk.cpu_tile<lanes = 8, mr = 6, nr = 16, kc = 256, mc = 240, parallel = false>} score {
  ^bb0(%s: f32):
    tk.yield %s : f32
  }
  return
}
