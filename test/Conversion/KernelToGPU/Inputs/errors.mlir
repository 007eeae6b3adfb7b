// A transposed tk.conv has no CUDA lowering yet (the CUDA pipeline forms
// direct ones only).
func.func @conv(%x: memref<1x2x4x4xf32>, %w: memref<2x5x3x3xf32>, %y: memref<1x5x9x9xf32>) {
  tk.conv ins(%x, %w : memref<1x2x4x4xf32>, memref<2x5x3x3xf32>) outs(%y : memref<1x5x9x9xf32>)
      strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1 epilogue_maps = []
      attributes {transposed} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// A value a one-thread kernel computes, needed after a tensor-core launch:
// the launch cannot nest inside the one-thread kernel.
func.func @spans_launch(%v: memref<16xi64>, %out: memref<1xi64>, %a: memref<64x48xf32>,
                        %b: memref<48x64xf32>, %c: memref<64x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0 : i64
  %m = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> i64 {
    %e = memref.load %v[%i] : memref<16xi64>
    %s = arith.maxsi %acc, %e : i64
    scf.yield %s : i64
  }
  tk.matmul ins(%a, %b : memref<64x48xf32>, memref<48x64xf32>) outs(%c : memref<64x64xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>,
              affine_map<(m, n, k) -> (m, n)>] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  memref.store %m, %out[%c0] : memref<1xi64>
  return
}

// -----

// The CUDA lowering keeps every result in a buffer.
func.func @returns_device_value(%v: memref<4xi64>) -> i64 {
  %c0 = arith.constant 0 : index
  %e = memref.load %v[%c0] : memref<4xi64>
  return %e : i64
}
