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
