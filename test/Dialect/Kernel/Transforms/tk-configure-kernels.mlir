// RUN: tessera-opt %s --split-input-file --tk-configure-kernels="vector-bits=256 registers=16" | FileCheck %s --check-prefix=AVX2
// RUN: tessera-opt %s --split-input-file --tk-configure-kernels="vector-bits=512 registers=32" | FileCheck %s --check-prefix=AVX512
// RUN: tessera-opt %s --split-input-file --tk-configure-kernels="vector-bits=128 registers=32 parallel=false" | FileCheck %s --check-prefix=NEON
// RUN: not tessera-opt %s --split-input-file --tk-configure-kernels="vector-bits=96" 2>&1 | FileCheck %s --check-prefix=BADOPT

// BADOPT: tk-configure-kernels: vector-bits must be a multiple of 128 and registers at least 8

// The register tile follows the vector unit (MR x 2 vectors of
// accumulators); 256x256x256 multiply-adds over 16 (AVX2) or 8 (AVX-512)
// column panels run on the thread pool unless parallelism is off.
// AVX2-LABEL: func.func @large
// AVX2: config = #tk.cpu_tile<lanes = 8, mr = 6, nr = 16, kc = 256, mc = 252, parallel = true>
// AVX512-LABEL: func.func @large
// AVX512: config = #tk.cpu_tile<lanes = 16, mr = 12, nr = 32, kc = 256, mc = 252, parallel = true>
// NEON-LABEL: func.func @large
// NEON: config = #tk.cpu_tile<lanes = 4, mr = 12, nr = 8, kc = 256, mc = 252, parallel = false>
func.func @large(%a: tensor<256x256xf32>, %b: tensor<256x256xf32>, %c: tensor<256x256xf32>) -> tensor<256x256xf32> {
  %0 = tk.matmul ins(%a, %b : tensor<256x256xf32>, tensor<256x256xf32>) outs(%c : tensor<256x256xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<256x256xf32>
  return %0 : tensor<256x256xf32>
}

// -----

// Small kernels run inline; a configuration already there is kept.
// AVX2-LABEL: func.func @small
// AVX2: config = #tk.cpu_tile<lanes = 8, mr = 6, nr = 16, kc = 256, mc = 252, parallel = false>
// AVX2: config = #tk.cpu_tile<lanes = 8, mr = 4, nr = 8, kc = 64, mc = 64, parallel = true>
func.func @small(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %0 = tk.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<4x16xf32>
  %1 = tk.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      attributes {config = #tk.cpu_tile<lanes = 8, mr = 4, nr = 8, kc = 64, mc = 64, parallel = true>} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<4x16xf32>
  return %0, %1 : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// Convolutions and pools get a #tk.cpu_window: the packed kernel for a
// dense 2-D convolution (10 filters: tiles of 5 rows on AVX2, one of 10 on
// AVX-512), the window kernel for a depthwise convolution and a pool (4
// output rows), the direct kernel for a grouped 1-D one (its 3 filters per
// group); 64 x 56 x 56 x 9 x 64 multiply-adds are enough for the thread
// pool, the others are not. A configuration already there is kept.
// AVX2-LABEL: func.func @windows
// AVX2: tk.conv {{.*}}config = #tk.cpu_window<kernel = packed, lanes = 8, mr = 5, nr = 16, parallel = false>
// AVX2: tk.conv {{.*}}config = #tk.cpu_window<kernel = window, lanes = 8, mr = 4, nr = 16, parallel = false>
// AVX2: tk.conv {{.*}}config = #tk.cpu_window<kernel = direct, lanes = 8, mr = 3, nr = 16, parallel = false>
// AVX2: tk.pool {{.*}}config = #tk.cpu_window<kernel = window, lanes = 8, mr = 4, nr = 16, parallel = false>
// AVX2: tk.conv {{.*}}config = #tk.cpu_window<kernel = packed, lanes = 8, mr = 6, nr = 16, parallel = true>
// AVX2: tk.conv {{.*}}config = #tk.cpu_window<kernel = direct, lanes = 4, mr = 2, nr = 8, parallel = false>
// AVX512-LABEL: func.func @windows
// AVX512: tk.conv {{.*}}config = #tk.cpu_window<kernel = packed, lanes = 16, mr = 10, nr = 32, parallel = false>
// AVX512: tk.conv {{.*}}config = #tk.cpu_window<kernel = window, lanes = 16, mr = 4, nr = 32, parallel = false>
// NEON-LABEL: func.func @windows
// NEON: tk.conv {{.*}}config = #tk.cpu_window<kernel = packed, lanes = 4, mr = 10, nr = 8, parallel = false>
// NEON: tk.conv {{.*}}config = #tk.cpu_window<kernel = packed, lanes = 4, mr = 11, nr = 8, parallel = false>
func.func @windows(%x: tensor<1x3x8x8xf32>, %w: tensor<10x3x3x3xf32>, %o: tensor<1x10x6x6xf32>,
                   %dw: tensor<3x1x3x3xf32>, %od: tensor<1x3x6x6xf32>,
                   %x1: tensor<1x6x20xf32>, %w1: tensor<6x3x3xf32>, %o1: tensor<1x6x18xf32>,
                   %op: tensor<1x3x4x4xf32>,
                   %xb: tensor<1x64x58x58xf32>, %wb: tensor<64x64x3x3xf32>, %ob: tensor<1x64x56x56xf32>)
    -> (tensor<1x10x6x6xf32>, tensor<1x3x6x6xf32>, tensor<1x6x18xf32>, tensor<1x3x4x4xf32>, tensor<1x64x56x56xf32>, tensor<1x10x6x6xf32>) {
  %0 = tk.conv ins(%x, %w : tensor<1x3x8x8xf32>, tensor<10x3x3x3xf32>) outs(%o : tensor<1x10x6x6xf32>)
      strides = [1, 1] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x10x6x6xf32>
  %1 = tk.conv ins(%x, %dw : tensor<1x3x8x8xf32>, tensor<3x1x3x3xf32>) outs(%od : tensor<1x3x6x6xf32>)
      strides = [1, 1] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 3 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x3x6x6xf32>
  %2 = tk.conv ins(%x1, %w1 : tensor<1x6x20xf32>, tensor<6x3x3xf32>) outs(%o1 : tensor<1x6x18xf32>)
      strides = [1] dilations = [1] pads = [0, 0] groups = 2 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x6x18xf32>
  %3 = tk.pool max ins(%x : tensor<1x3x8x8xf32>) outs(%op : tensor<1x3x4x4xf32>)
      window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] epilogue_maps = [] epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  } -> tensor<1x3x4x4xf32>
  %4 = tk.conv ins(%xb, %wb : tensor<1x64x58x58xf32>, tensor<64x64x3x3xf32>) outs(%ob : tensor<1x64x56x56xf32>)
      strides = [1, 1] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x64x56x56xf32>
  %5 = tk.conv ins(%x, %w : tensor<1x3x8x8xf32>, tensor<10x3x3x3xf32>) outs(%o : tensor<1x10x6x6xf32>)
      strides = [1, 1] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1 epilogue_maps = []
      attributes {config = #tk.cpu_window<kernel = direct, lanes = 4, mr = 2, nr = 8, parallel = false>} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  } -> tensor<1x10x6x6xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<1x10x6x6xf32>, tensor<1x3x6x6xf32>, tensor<1x6x18xf32>, tensor<1x3x4x4xf32>, tensor<1x64x56x56xf32>, tensor<1x10x6x6xf32>
}

// -----

// Attention gets the matmul register tile (its MR query rows per tile);
// 12 heads x 128 rows x 128 keys x (64 + 64) multiply-adds over 12 x 22
// (AVX2, 6 rows) or 12 x 11 (AVX-512, 12 rows) row tiles run on the thread
// pool unless parallelism is off.
// AVX2-LABEL: func.func @attention
// AVX2: tk.attention {{.*}} attributes {config = #tk.cpu_tile<lanes = 8, mr = 6, nr = 16, kc = 256, mc = 252, parallel = true>}
// AVX512-LABEL: func.func @attention
// AVX512: tk.attention {{.*}} attributes {config = #tk.cpu_tile<lanes = 16, mr = 12, nr = 32, kc = 256, mc = 252, parallel = true>}
// NEON-LABEL: func.func @attention
// NEON: parallel = false
func.func @attention(%q: tensor<12x128x64xf32>, %k: tensor<12x128x64xf32>, %v: tensor<12x128x64xf32>,
                     %init: tensor<12x128x64xf32>) -> tensor<12x128x64xf32> {
  %0 = tk.attention ins(%q, %k, %v : tensor<12x128x64xf32>, tensor<12x128x64xf32>, tensor<12x128x64xf32>)
      outs(%init : tensor<12x128x64xf32>)
      maps = [affine_map<(h, m, n, d, e) -> (h, m, d)>, affine_map<(h, m, n, d, e) -> (h, n, d)>,
              affine_map<(h, m, n, d, e) -> (h, n, e)>, affine_map<(h, m, n, d, e) -> (h, m, e)>]
      score {
  ^bb0(%s: f32):
    tk.yield %s : f32
  } -> tensor<12x128x64xf32>
  return %0 : tensor<12x128x64xf32>
}
