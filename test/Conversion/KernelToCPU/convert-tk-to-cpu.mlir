// RUN: tessera-opt %s --split-input-file --convert-tk-to-cpu="vector-bits=256 registers=16" | FileCheck %s
// RUN: not tessera-opt %s --split-input-file --convert-tk-to-cpu="vector-bits=100" 2>&1 | FileCheck %s --check-prefix=BADOPT
// BADOPT: convert-tk-to-cpu: vector-bits must be a multiple of 128 and registers at least 8
// RUN: not tessera-opt %S/Inputs/tensors.mlir --convert-tk-to-cpu 2>&1 | FileCheck %s --check-prefix=TENSORS
// TENSORS: error: 'tk.matmul' op must be bufferized before the CPU lowering
// RUN: tessera-opt %s --split-input-file --convert-tk-to-cpu="vector-bits=256 registers=16 parallel-work=1 parallel-elements=1" | FileCheck %s --check-prefix=PAR
// RUN: tessera-opt %s --split-input-file --convert-tk-to-cpu="vector-bits=256 registers=16 parallel=false parallel-work=1 parallel-elements=1" | FileCheck %s --check-prefix=SERIAL
// RUN: tessera-opt %s --split-input-file --convert-tk-to-cpu="vector-bits=512 registers=32 int8-dot=vnni" | FileCheck %s --check-prefix=VNNI
// RUN: tessera-opt %s --split-input-file --convert-tk-to-cpu="vector-bits=256 registers=16 int8-dot=pairs" | FileCheck %s --check-prefix=PAIRS
// RUN: tessera-opt %s --split-input-file --convert-tk-to-cpu="vector-bits=128 registers=32 int8-dot=sdot" | FileCheck %s --check-prefix=SDOT
// RUN: tessera-opt %s --split-input-file --convert-tk-to-cpu="vector-bits=512 registers=32 int8-dot=amx parallel=false" | FileCheck %s --check-prefix=AMX
// RUN: not tessera-opt %s --split-input-file --convert-tk-to-cpu="int8-dot=tiles" 2>&1 | FileCheck %s --check-prefix=BADDOT
// BADDOT: unknown int8-dot 'tiles' (none, pairs, vnni, sdot, amx)

// SERIAL-NOT: __tessera_dispatch

// Constant B: packed at compile time into 16-column panels (the second panel
// zero-padded past column 20). 7 rows make row tiles of 4 and a 3-row tail;
// A is first copied into row panels [2][3][4]: per step along K one element
// of each of a tile's 4 rows, stored contiguously; the tile holding rows
// past 7 stores zeros there. The 4-column tail panel needs one masked
// vector.
// CHECK: memref.global "private" constant @__tessera_packed_rhs : memref<2x3x16xf32> = dense<{{\[\[\[}}1.000000e+00, {{.*}}[1.000000e+00, 1.000000e+00, 1.000000e+00, 1.000000e+00, 0.000000e+00,
// CHECK-LABEL: func.func @matmul_const
// CHECK: %[[FA:.+]] = memref.reinterpret_cast %arg0 to offset: [0], sizes: [21], strides: [1]
// CHECK: %[[PA:.+]] = memref.alloc() : memref<2x3x4xf32>
// CHECK: %[[FLAT:.+]] = memref.collapse_shape %[[PA]] {{\[\[}}0, 1, 2]] : memref<2x3x4xf32> into memref<24xf32>
// CHECK: scf.if
// CHECK: scf.for
// CHECK-COUNT-4: memref.store {{.*}}, %[[FLAT]]
// CHECK: } else {
// CHECK: scf.for
// CHECK: arith.cmpi slt
// CHECK: memref.load %[[FA]]
// CHECK: memref.store {{.*}}, %[[FLAT]]
// CHECK: %[[FC:.+]] = memref.reinterpret_cast %arg1 to offset: [0], sizes: [140], strides: [1]
// CHECK: memref.get_global @__tessera_packed_rhs
// Each step along K prefetches that row of the next panel into L2.
// CHECK: scf.for %[[K:.+]] = {{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: memref.prefetch %{{.+}}[%{{.+}}, %[[K]], %{{.+}}], read, locality<2>, data : memref<2x3x16xf32>
// CHECK: memref.load %[[PA]]
// CHECK: vector.broadcast {{.*}} : f32 to vector<8xf32>
// CHECK: vector.fma {{.*}} : vector<8xf32>
// CHECK: vector.store
// CHECK: scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: vector.maskedstore %[[FC]]
// CHECK: scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-NOT: tk.matmul

// In parallel, packing A is one range (row tiles) and the product another
// (the 2 column panels): each body moves into a task function over
// [begin, end), called through its dispatch.
// PAR: func.func private @matmul_const_task(%{{.+}}: index, %{{.+}}: index, %{{.+}}: memref<7x3xf32>, %{{.+}}: memref<2x3x4xf32>) attributes {tk.task}
// PAR: memref.store
// PAR: func.func private @__tessera_dispatch_matmul_const_task(index, memref<7x3xf32>, memref<2x3x4xf32>) attributes {tk.task = @matmul_const_task}
// PAR: func.func private @matmul_const_task_0(%[[BEGIN:.+]]: index, %[[END:.+]]: index, %[[A:.+]]: memref<2x3x4xf32>, %[[C:.+]]: memref<7x20xf32>) attributes {tk.task}
// PAR: memref.get_global @__tessera_packed_rhs
// PAR: arith.minsi %[[END]], %c1
// PAR: scf.for {{.*}} = %[[BEGIN]] to
// PAR: arith.cmpi sgt, %[[END]], %c1
// PAR: scf.if
// PAR: func.func private @__tessera_dispatch_matmul_const_task_0(index, memref<2x3x4xf32>, memref<7x20xf32>) attributes {tk.task = @matmul_const_task_0}
// PAR-LABEL: func.func @matmul_const
// PAR: %[[PA:.+]] = memref.alloc() : memref<2x3x4xf32>
// PAR: call @__tessera_dispatch_matmul_const_task(%{{.+}}, %arg0, %[[PA]])
// PAR: %[[N:.+]] = arith.constant 2 : index
// PAR: call @__tessera_dispatch_matmul_const_task_0(%[[N]], %[[PA]], %arg1)
// PAR-NEXT: return
#mA = affine_map<(m, n, k) -> (m, k)>
#mB = affine_map<(m, n, k) -> (k, n)>
#mC = affine_map<(m, n, k) -> (m, n)>
memref.global "private" constant @rhs : memref<3x20xf32> = dense<1.0>
func.func @matmul_const(%a: memref<7x3xf32>, %c: memref<7x20xf32>) {
  %b = memref.get_global @rhs : memref<3x20xf32>
  tk.matmul ins(%a, %b : memref<7x3xf32>, memref<3x20xf32>) outs(%c : memref<7x20xf32>)
      maps = [#mA, #mB, #mC] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// Two kernels reading one constant (the steps of an unrolled recurrence)
// share its packed panels: one packed global, read by both.
// CHECK: memref.global "private" constant @[[P:__tessera_packed_rhs[_0-9]*]] : memref<2x5x16xf32>
// CHECK-NOT: memref<2x5x16xf32> = dense
// CHECK-LABEL: func.func @shared_weights
// CHECK: memref.get_global @[[P]] : memref<2x5x16xf32>
// CHECK: memref.get_global @[[P]] : memref<2x5x16xf32>
// CHECK-NOT: tk.matmul
#sA = affine_map<(m, n, k) -> (m, k)>
#sB = affine_map<(m, n, k) -> (k, n)>
#sC = affine_map<(m, n, k) -> (m, n)>
memref.global "private" constant @weights : memref<5x20xf32> = dense<0.5>
func.func @shared_weights(%a: memref<7x5xf32>, %c: memref<7x20xf32>, %d: memref<7x20xf32>) {
  %b = memref.get_global @weights : memref<5x20xf32>
  tk.matmul ins(%a, %b : memref<7x5xf32>, memref<5x20xf32>) outs(%c : memref<7x20xf32>)
      maps = [#sA, #sB, #sC] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  tk.matmul ins(%a, %b : memref<7x5xf32>, memref<5x20xf32>) outs(%d : memref<7x20xf32>)
      maps = [#sA, #sB, #sC] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// Dynamic B: packed at run time into a buffer (memory planning places it in
// the workspace); the last panel's columns come from masked loads.
// CHECK-LABEL: func.func @matmul_dynamic
// CHECK: %[[FB:.+]] = memref.reinterpret_cast %arg1 to offset: [0], sizes: [100], strides: [1] : memref<5x20xf32> to memref<100xf32>
// CHECK: %[[PACKED:.+]] = memref.alloc() : memref<2x5x16xf32>
// CHECK: vector.load %[[FB]]{{.*}} : memref<100xf32>, vector<8xf32>
// CHECK: vector.store {{.*}}, %[[PACKED]]
// CHECK: vector.maskedload %[[FB]]
// CHECK: vector.fma
// CHECK-NOT: tk.matmul
#mA = affine_map<(m, n, k) -> (m, k)>
#mB = affine_map<(m, n, k) -> (k, n)>
#mC = affine_map<(m, n, k) -> (m, n)>
func.func @matmul_dynamic(%a: memref<6x5xf32>, %b: memref<5x20xf32>, %c: memref<6x20xf32>) {
  tk.matmul ins(%a, %b : memref<6x5xf32>, memref<5x20xf32>) outs(%c : memref<6x20xf32>)
      maps = [#mA, #mB, #mC] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// Stride-2 convolution with constant filters: packed [F/MR][C*KH*KW][MR]
// (5 filters: one tile of 5 rows), input read as 16-wide contiguous loads
// (masked past the span) keeping every second lane, the 9 filter taps
// unrolled in the channel loop.
// CHECK: memref.global "private" constant @__tessera_packed_filter : memref<1x18x5xf32>
// CHECK-LABEL: func.func @conv_stride2
// CHECK: memref.collapse_shape %arg0 {{\[\[}}0], [1], [2, 3]]
// CHECK: vector.maskedload {{.*}} : memref<1x2x81xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xf32>, vector<16xf32>
// CHECK: vector.fma
// CHECK-NOT: tk.conv
memref.global "private" constant @filter : memref<5x2x3x3xf32> = dense<0.5>
func.func @conv_stride2(%x: memref<1x2x9x9xf32>, %y: memref<1x5x4x4xf32>) {
  %w = memref.get_global @filter : memref<5x2x3x3xf32>
  tk.conv ins(%x, %w : memref<1x2x9x9xf32>, memref<5x2x3x3xf32>) outs(%y : memref<1x5x4x4xf32>)
      strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// Not for the kernels: f64.
// CHECK-LABEL: func.func @left_alone
// CHECK: linalg.matmul
// CHECK: linalg.conv_2d_nchw_fchw
func.func @left_alone(%a: memref<4x4xf64>, %b: memref<4x4xf64>, %c: memref<4x4xf64>,
                      %x: memref<1x2x5x5xf64>, %w: memref<3x2x3x3xf64>, %y: memref<1x3x3x3xf64>) {
  linalg.matmul ins(%a, %b : memref<4x4xf64>, memref<4x4xf64>) outs(%c : memref<4x4xf64>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x2x5x5xf64>, memref<3x2x3x3xf64>) outs(%y : memref<1x3x3x3xf64>)
  return
}

// -----

// Filters that are a graph input: packed at run time into a buffer (memory
// planning puts it in the workspace), 3 filters in one tile of 3 rows.
// CHECK-LABEL: func.func @runtime_filters
// CHECK: %[[PACKED:.+]] = memref.alloc() : memref<1x18x3xf32>
// CHECK: memref.collapse_shape %arg1 {{\[\[}}0], [1, 2, 3]] : memref<3x2x3x3xf32> into memref<3x18xf32>
// CHECK: memref.store {{.*}}, %[[PACKED]]
// CHECK: memref.load %[[PACKED]]
// CHECK: vector.fma
// CHECK-NOT: tk.conv
func.func @runtime_filters(%x: memref<1x2x5x5xf32>, %w: memref<3x2x3x3xf32>, %y: memref<1x3x3x3xf32>) {
  tk.conv ins(%x, %w : memref<1x2x5x5xf32>, memref<3x2x3x3xf32>) outs(%y : memref<1x3x3x3xf32>)
      strides = [1, 1] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// A generic split along its first parallel dimension of two or more
// iterations that indexes the output (d1: d0 has one): cloned into a task,
// tiled by one along d1 over [begin, end); the constant its body uses is
// cloned too. Below the default parallel-elements it stays where it is.
// CHECK-LABEL: func.func @generic
// CHECK: linalg.generic
// PAR: func.func private @generic_task(%[[BEGIN:.+]]: index, %[[END:.+]]: index, %[[X:.+]]: memref<1x6x5xf32>, %[[Y:.+]]: memref<1x6x5xf32>) attributes {tk.task}
// PAR: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// PAR: scf.for %[[I:.+]] = %[[BEGIN]] to %[[END]]
// PAR: memref.subview %[[X]][0, %[[I]], 0] [1, 1, 5] [1, 1, 1]
// PAR: linalg.generic
// PAR: arith.maximumf %{{.+}}, %[[ZERO]]
// PAR-LABEL: func.func @generic
// PAR: %[[N:.+]] = arith.constant 6 : index
// PAR: call @__tessera_dispatch_generic_task(%[[N]], %arg0, %arg1)
#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @generic(%x: memref<1x6x5xf32>, %y: memref<1x6x5xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<1x6x5xf32>) outs(%y : memref<1x6x5xf32>) {
  ^bb0(%a: f32, %b: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// The epilogue (bias per column + relu) runs on the accumulators, which
// start at zero, and the result is stored once into the output.
// CHECK-LABEL: func.func @matmul_fused
// CHECK: %[[ZERO:.+]] = arith.constant dense<0.000000e+00> : vector<8xf32>
// CHECK: scf.for {{.*}} iter_args({{.*}} = %[[ZERO]]
// CHECK: vector.fma
// CHECK: vector.load
// CHECK: arith.addf {{.*}} : vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: vector.store
// CHECK-NOT: tk.matmul
#mA = affine_map<(m, n, k) -> (m, k)>
#mB = affine_map<(m, n, k) -> (k, n)>
#mBias = affine_map<(m, n, k) -> (n)>
#mC = affine_map<(m, n, k) -> (m, n)>
memref.global "private" constant @w : memref<5x16xf32> = dense<0.25>
func.func @matmul_fused(%a: memref<4x5xf32>, %bias: memref<16xf32>, %out: memref<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %b = memref.get_global @w : memref<5x16xf32>
  tk.matmul ins(%a, %b : memref<4x5xf32>, memref<5x16xf32>) epilogue_ins(%bias : memref<16xf32>)
      outs(%out : memref<4x16xf32>) maps = [#mA, #mB, #mBias, #mC] epilogue {
  ^bb0(%acc: f32, %c: f32):
    %s = arith.addf %acc, %c : f32
    %r = arith.maximumf %s, %zero : f32
    tk.yield %r : f32
  }
  return
}

// -----

// A padded 3x3 convolution with its epilogue (bias per output channel, a
// residual read along the output rows, Relu), without a padded copy of the
// input: a tile whose taps lie inside the input reads its rows in place; a
// tile at the border (here every one: the image is smaller than a tile)
// first copies its footprint (every channel's 3 rows) into a zero-filled
// stack buffer through masked loads and stores, and reads that. The
// epilogue runs on the accumulators before the one store.
// CHECK-LABEL: func.func @conv_fused
// CHECK-NOT: memref.alloc(
// CHECK: %[[IN:.+]] = memref.collapse_shape %arg0 {{\[\[}}0], [1], [2, 3]]
// CHECK: %[[FOOT:.+]] = memref.alloca() {alignment = 64 : i64} : memref<1x3x24xf32>
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi sle
// CHECK: scf.if
// CHECK: scf.for
// CHECK: vector.load %[[IN]][{{.*}}] : memref<1x1x64xf32>, vector<8xf32>
// CHECK: vector.fma
// CHECK: memref.load %{{.+}}[%{{.+}}] : memref<2xf32>
// CHECK: vector.broadcast
// CHECK: arith.addf {{.*}} : vector<8xf32>
// CHECK: vector.{{(maskedload|load)}} %{{.+}}[%{{.+}}]{{.*}} : memref<128xf32>
// CHECK: arith.addf {{.*}} : vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: vector.store
// CHECK: } else {
// CHECK: vector.store %{{.+}}, %[[FOOT]]
// CHECK: vector.create_mask
// CHECK: vector.maskedload %arg0[{{.*}} : memref<1x1x8x8xf32>
// CHECK: vector.maskedstore %[[FOOT]]
// CHECK: scf.for
// CHECK: vector.load %[[FOOT]][{{.*}}] : memref<1x3x24xf32>, vector<8xf32>
// CHECK: vector.fma
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK-NOT: memref.alloc(
// CHECK-NOT: tk.conv
memref.global "private" constant @filter3 : memref<2x1x3x3xf32> = dense<0.5>
func.func @conv_fused(%x: memref<1x1x8x8xf32>, %bias: memref<2xf32>, %res: memref<1x2x8x8xf32>, %y: memref<1x2x8x8xf32>) {
  %w = memref.get_global @filter3 : memref<2x1x3x3xf32>
  %zero = arith.constant 0.0 : f32
  tk.conv ins(%x, %w : memref<1x1x8x8xf32>, memref<2x1x3x3xf32>)
      epilogue_ins(%bias, %res : memref<2xf32>, memref<1x2x8x8xf32>) outs(%y : memref<1x2x8x8xf32>)
      strides = [1, 1] dilations = [1, 1] pads = [1, 1, 1, 1] groups = 1
      epilogue_maps = [affine_map<(n, f, h, w) -> (f)>, affine_map<(n, f, h, w) -> (n, f, h, w)>] epilogue {
  ^bb0(%acc: f32, %b: f32, %r: f32):
    %s = arith.addf %acc, %b : f32
    %t = arith.addf %s, %r : f32
    %u = arith.maximumf %t, %zero : f32
    tk.yield %u : f32
  }
  return
}

// -----

// Depthwise (groups = channels, one filter each), stride 2: tiles of one
// channel x 4 output rows x 16 columns (2 rows here); every tap unrolled,
// its weight broadcast once; the input read as 16-wide contiguous loads
// (masked past the span's end) keeping every second lane.
// CHECK-LABEL: func.func @depthwise_stride2
// CHECK: memref.load %arg1
// CHECK: vector.broadcast {{.*}} : f32 to vector<8xf32>
// CHECK: vector.maskedload %arg0{{.*}} : memref<1x3x5x9xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xf32>, vector<16xf32>
// CHECK: vector.fma
// CHECK: vector.maskedstore %arg2
// CHECK-NOT: tk.conv
func.func @depthwise_stride2(%x: memref<1x3x5x9xf32>, %w: memref<3x1x3x3xf32>, %y: memref<1x3x2x4xf32>) {
  tk.conv ins(%x, %w : memref<1x3x5x9xf32>, memref<3x1x3x3xf32>) outs(%y : memref<1x3x2x4xf32>)
      strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 3 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// A padded buffer: the fill of the whole buffer and the copy into its
// interior become one pass over the buffer's 12 rows: a row of the
// interior is its left border (2 columns), the source row (5) and no right
// border; a row above or below is the pad value (7 columns).
// CHECK-LABEL: func.func @pad_borders
// CHECK: %[[PAD:.+]] = arith.constant -1.000000e+00 : f32
// CHECK: %[[BUF:.+]] = memref.alloc() : memref<1x2x6x7xf32>
// CHECK-NOT: linalg.map
// CHECK-NOT: linalg.fill
// CHECK: %[[SPLAT:.+]] = vector.broadcast %[[PAD]] : f32 to vector<8xf32>
// CHECK: scf.for %{{.+}} = %c0 to %c12
// CHECK: scf.if
// CHECK: %[[LEFT:.+]] = arith.constant dense<[true, true, false, false, false, false, false, false]>
// CHECK: vector.maskedstore %[[BUF]][{{.*}}], %[[LEFT]], %[[SPLAT]]
// CHECK: %[[ROW:.+]] = vector.maskedload %arg0[{{.*}}], %{{.+}}, %{{.+}} : memref<1x2x4x5xf32>
// CHECK: vector.maskedstore %[[BUF]][{{.*}}], %{{.+}}, %[[ROW]]
// CHECK: } else {
// CHECK: %[[WHOLE:.+]] = arith.constant dense<[true, true, true, true, true, true, true, false]>
// CHECK: vector.maskedstore %[[BUF]][{{.*}}], %[[WHOLE]], %[[SPLAT]]
// CHECK-NOT: memref.copy %arg0
// CHECK: memref.copy %[[BUF]], %arg1
func.func @pad_borders(%x: memref<1x2x4x5xf32>, %y: memref<1x2x6x7xf32>) {
  %pad = arith.constant -1.0 : f32
  %buf = memref.alloc() : memref<1x2x6x7xf32>
  linalg.map outs(%buf : memref<1x2x6x7xf32>)
    (%init: f32) {
      linalg.yield %pad : f32
    }
  %in = memref.subview %buf[0, 0, 1, 2] [1, 2, 4, 5] [1, 1, 1, 1] : memref<1x2x6x7xf32> to memref<1x2x4x5xf32, strided<[84, 42, 7, 1], offset: 9>>
  memref.copy %x, %in : memref<1x2x4x5xf32> to memref<1x2x4x5xf32, strided<[84, 42, 7, 1], offset: 9>>
  memref.copy %buf, %y : memref<1x2x6x7xf32> to memref<1x2x6x7xf32>
  return
}

// -----

// A source whose rows are not contiguous (a transposed view): the fill
// becomes fills of the border slabs (rows above and below over the full
// width, then the columns on the left over the interior rows; none on the
// right, where the interior ends), and the copy into the interior a
// generic.
// CHECK-LABEL: func.func @pad_borders_strided_source
// CHECK: %[[PAD:.+]] = arith.constant -1.000000e+00 : f32
// CHECK: %[[BUF:.+]] = memref.alloc() : memref<1x2x6x7xf32>
// CHECK: %[[TOP:.+]] = memref.subview %[[BUF]][0, 0, 0, 0] [1, 2, 1, 7] [1, 1, 1, 1]
// CHECK: linalg.fill ins(%[[PAD]] : f32) outs(%[[TOP]]
// CHECK: %[[BOTTOM:.+]] = memref.subview %[[BUF]][0, 0, 5, 0] [1, 2, 1, 7] [1, 1, 1, 1]
// CHECK: linalg.fill ins(%[[PAD]] : f32) outs(%[[BOTTOM]]
// CHECK: %[[LEFT:.+]] = memref.subview %[[BUF]][0, 0, 1, 0] [1, 2, 4, 2] [1, 1, 1, 1]
// CHECK: linalg.fill ins(%[[PAD]] : f32) outs(%[[LEFT]]
// CHECK-NOT: linalg.fill
// CHECK: %[[IN:.+]] = memref.subview %[[BUF]][0, 0, 1, 2] [1, 2, 4, 5] [1, 1, 1, 1]
// CHECK: linalg.generic {{.*}} outs(%[[IN]]
// CHECK: memref.copy %[[BUF]], %arg1
func.func @pad_borders_strided_source(%x: memref<1x2x5x4xf32>, %y: memref<1x2x6x7xf32>) {
  %pad = arith.constant -1.0 : f32
  %buf = memref.alloc() : memref<1x2x6x7xf32>
  linalg.fill ins(%pad : f32) outs(%buf : memref<1x2x6x7xf32>)
  %t = memref.transpose %x (n, c, h, w) -> (n, c, w, h) : memref<1x2x5x4xf32> to memref<1x2x4x5xf32, strided<[40, 20, 1, 4]>>
  %in = memref.subview %buf[0, 0, 1, 2] [1, 2, 4, 5] [1, 1, 1, 1] : memref<1x2x6x7xf32> to memref<1x2x4x5xf32, strided<[84, 42, 7, 1], offset: 9>>
  memref.copy %t, %in : memref<1x2x4x5xf32, strided<[40, 20, 1, 4]>> to memref<1x2x4x5xf32, strided<[84, 42, 7, 1], offset: 9>>
  memref.copy %buf, %y : memref<1x2x6x7xf32> to memref<1x2x6x7xf32>
  return
}

// -----

// A batch of rows times one matrix: the batch loop steps the rows of the
// left operand and of the output by whole matrices and the right operand
// not at all, so it merges into the rows (6 rows: tiles of 6), one kernel.
// CHECK-LABEL: func.func @batched_rows
// CHECK: memref.reinterpret_cast %arg0 to offset: [0], sizes: [24], strides: [1]
// CHECK: scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: vector.fma
// CHECK-NOT: tk.matmul
#lhs = affine_map<(b, m, n, k) -> (b, m, k)>
#rhs = affine_map<(b, m, n, k) -> (k, n)>
#out = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @batched_rows(%a: memref<2x3x4xf32>, %b: memref<4x5xf32>, %c: memref<2x3x5xf32>) {
  tk.matmul ins(%a, %b : memref<2x3x4xf32>, memref<4x5xf32>) outs(%c : memref<2x3x5xf32>)
      maps = [#lhs, #rhs, #out] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// Attention scores: Q [4 heads][8][16] times K transposed (K stored
// [4][10][16]): a batch loop over the heads in the parallel range, the
// right operand read along its reduction-contiguous rows by gathers
// (stride 16) into packed panels per head.
// CHECK-LABEL: func.func @scores
// CHECK: %[[PACKED:.+]] = memref.alloc() : memref<4x16x16xf32>
// CHECK: arith.constant dense<[0, 16, 32, 48, 64, 80, 96, 112]> : vector<8xi32>
// CHECK: vector.gather
// CHECK: vector.fma
// CHECK-NOT: tk.matmul
// PAR-LABEL: func.func private @scores_task
// PAR: arith.divui
// PAR: vector.gather
// PAR: vector.fma
#q = affine_map<(h, m, n, k) -> (h, m, k)>
#kt = affine_map<(h, m, n, k) -> (h, n, k)>
#s = affine_map<(h, m, n, k) -> (h, m, n)>
func.func @scores(%q: memref<4x8x16xf32>, %k: memref<4x10x16xf32>, %s: memref<4x8x10xf32>) {
  tk.matmul ins(%q, %k : memref<4x8x16xf32>, memref<4x10x16xf32>) outs(%s : memref<4x8x10xf32>)
      maps = [#q, #kt, #s] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// Not f32: plain loops from the maps (affine.apply of each result), the
// epilogue run on scalars.
// CHECK-LABEL: func.func @loops_f64
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for {{.*}} iter_args
// CHECK: affine.apply
// CHECK: arith.mulf {{.*}} : f64
// CHECK: arith.negf {{.*}} : f64
// CHECK: memref.store
// CHECK-NOT: tk.matmul
#dA = affine_map<(m, n, k) -> (k, m)>
#dB = affine_map<(m, n, k) -> (k, n)>
#dC = affine_map<(m, n, k) -> (m, n)>
func.func @loops_f64(%a: memref<3x2xf64>, %b: memref<3x4xf64>, %c: memref<2x4xf64>) {
  tk.matmul ins(%a, %b : memref<3x2xf64>, memref<3x4xf64>) outs(%c : memref<2x4xf64>)
      maps = [#dA, #dB, #dC] epilogue {
  ^bb0(%acc: f64):
    %n = arith.negf %acc : f64
    tk.yield %n : f64
  }
  return
}

// -----

// Max pooling through the window kernel, padded: no padded copy of the
// input. A tile whose windows lie inside the input reads it in place; one
// at the border (here every tile: the image is smaller than a tile) first
// copies its footprint into a stack buffer filled with -inf, the input's
// part of each row through masked loads and stores. The accumulators start
// at -inf, each tap is a vector maximum.
// CHECK-LABEL: func.func @max_pool
// CHECK-NOT: memref.alloc(
// CHECK: %[[FOOT:.+]] = memref.alloca() {alignment = 64 : i64} : memref<6x16xf32>
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi sle
// CHECK: scf.if %{{.+}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: } else {
// CHECK: %[[PAD:.+]] = arith.constant dense<0xFF800000> : vector<8xf32>
// CHECK: vector.store %[[PAD]], %[[FOOT]]
// CHECK: vector.create_mask
// CHECK: vector.maskedload %{{.+}}, %[[PAD]] : memref<1x2x6x10xf32>
// CHECK: vector.maskedstore %[[FOOT]]
// CHECK: vector.load %[[FOOT]]
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK-NOT: memref.alloc(
// CHECK-NOT: tk.pool
func.func @max_pool(%x: memref<1x2x6x10xf32>, %y: memref<1x2x6x10xf32>) {
  tk.pool max ins(%x : memref<1x2x6x10xf32>) outs(%y : memref<1x2x6x10xf32>)
      window = [3, 3] strides = [1, 1] dilations = [1, 1] pads = [1, 1, 1, 1] epilogue_maps = [] epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  }
  return
}

// -----

// An average pool whose divisors vary (padding not counted): a sum window
// kernel, the epilogue dividing by the divisors read along the output
// rows; a 3-D pool loops its outer spatial dimension per tile; a window of
// more than 64 taps loops over its rows.
// CHECK-LABEL: func.func @avg_pool
// CHECK: arith.addf {{.*}} : vector<8xf32>
// CHECK: vector.maskedload %{{.+}} : memref<9xf32>
// CHECK: arith.divf {{.*}} : vector<8xf32>
// CHECK-LABEL: func.func @pool3d
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK-NOT: tk.pool
// CHECK-LABEL: func.func @big_window
// CHECK: scf.for {{.*}} iter_args
// CHECK: arith.addf {{.*}} : vector<8xf32>
// CHECK-NOT: tk.pool
func.func @avg_pool(%x: memref<1x2x5x5xf32>, %n: memref<3x3xf32>, %y: memref<1x2x3x3xf32>) {
  tk.pool sum ins(%x : memref<1x2x5x5xf32>) epilogue_ins(%n : memref<3x3xf32>) outs(%y : memref<1x2x3x3xf32>)
      window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [1, 1, 0, 0]
      epilogue_maps = [affine_map<(n, c, h, w) -> (h, w)>] epilogue {
  ^bb0(%s: f32, %d: f32):
    %m = arith.divf %s, %d : f32
    tk.yield %m : f32
  }
  return
}
func.func @pool3d(%x: memref<1x2x4x6x6xf32>, %y: memref<1x2x2x3x3xf32>) {
  tk.pool max ins(%x : memref<1x2x4x6x6xf32>) outs(%y : memref<1x2x2x3x3xf32>)
      window = [2, 2, 2] strides = [2, 2, 2] dilations = [1, 1, 1] pads = [0, 0, 0, 0, 0, 0] epilogue_maps = [] epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  }
  return
}
func.func @big_window(%x: memref<1x2x10x10xf32>, %y: memref<1x2x1x1xf32>) {
  tk.pool sum ins(%x : memref<1x2x10x10xf32>) outs(%y : memref<1x2x1x1xf32>)
      window = [10, 10] strides = [1, 1] dilations = [1, 1] pads = [0, 0, 0, 0] epilogue_maps = [] epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  }
  return
}

// -----

// A transposed convolution, stride 2: no zero-stuffed input and no padded
// copy (every tap stays inside the input). The outputs split into 2 x 2
// phases (4 reduction loops, see the grep below), each a direct convolution over the input (contiguous loads along
// the width, both output channels from one load) whose results land 2
// apart: scatter stores at offsets [0, 2, 4, ...], the bias added first.
// CHECK-LABEL: func.func @conv_transpose_s2
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.fill
// CHECK: arith.constant dense<[0, 2, 4, 6, 8, 10, 12, 14]> : vector<8xi32>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>)
// CHECK: vector.maskedload
// CHECK: vector.fma
// CHECK: vector.fma
// CHECK: arith.addf {{.*}} : vector<8xf32>
// CHECK: vector.scatter
// CHECK: vector.scatter
// CHECK-NOT: tk.conv
// RUN: tessera-opt %s --split-input-file --convert-tk-to-cpu="vector-bits=256 registers=16" | sed -n '/func.func @conv_transpose_s2/,/^}/p' | grep -c "scf.for .* iter_args" | FileCheck %s --check-prefix=PHASES
// PHASES: 4
// Two output channels are one (image, group, channel tile) item, too few
// for the thread pool: the range also splits the 4 output positions of
// each phase along the height into blocks (one each), 4 items.
// PAR-LABEL: func.func private @conv_transpose_s2_task
// PAR: arith.remui %{{.+}}, %c4 : index
// PAR: call @__tessera_dispatch_conv_transpose_s2_task(%c4,
func.func @conv_transpose_s2(%x: memref<1x3x4x5xf32>, %w: memref<3x2x2x2xf32>, %b: memref<2xf32>, %y: memref<1x2x8x10xf32>) {
  tk.conv ins(%x, %w : memref<1x3x4x5xf32>, memref<3x2x2x2xf32>) epilogue_ins(%b : memref<2xf32>) outs(%y : memref<1x2x8x10xf32>)
      strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1
      epilogue_maps = [affine_map<(n, f, h, w) -> (f)>] attributes {transposed} epilogue {
  ^bb0(%acc: f32, %bias: f32):
    %s = arith.addf %acc, %bias : f32
    tk.yield %s : f32
  }
  return
}

// -----

// A dense 1-D convolution with stride 3 and pads runs on the packed kernel
// as one row of height 1: the filters (a function argument) packed into
// [F/MR][C*K][MR] before the kernel and broadcast per filter; the input read
// every 3rd element (a wide load kept every 3rd lane), in place by tiles
// inside it, from a zero-padded copy of the tile's footprint (both
// channels) on the stack by tiles at the border; outputs are contiguous.
// CHECK-LABEL: func.func @conv1d_stride3
// CHECK: %[[PACKED:.+]] = memref.alloc() : memref<1x6x4xf32>
// CHECK: %[[FOOT:.+]] = memref.alloca() {alignment = 64 : i64} : memref<2x48xf32>
// CHECK: scf.if
// CHECK: vector.maskedload %arg0[{{.*}} : memref<1x2x20xf32>, vector<24xi1>, vector<24xf32>
// CHECK: vector.shuffle {{.*}} [0, 3, 6, 9, 12, 15, 18, 21]
// CHECK: vector.broadcast
// CHECK: vector.fma
// CHECK: vector.maskedstore
// CHECK: } else {
// CHECK: vector.maskedload %arg0[{{.*}} : memref<1x2x20xf32>, vector<8xi1>, vector<8xf32>
// CHECK: vector.maskedstore %[[FOOT]]
// CHECK: vector.maskedload %[[FOOT]]{{.*}} : memref<2x48xf32>, vector<24xi1>, vector<24xf32>
// CHECK: vector.shuffle {{.*}} [0, 3, 6, 9, 12, 15, 18, 21]
// CHECK: vector.fma
// CHECK-NOT: memref.alloc(
// CHECK-NOT: tk.conv
func.func @conv1d_stride3(%x: memref<1x2x20xf32>, %w: memref<4x2x3xf32>, %y: memref<1x4x7xf32>) {
  tk.conv ins(%x, %w : memref<1x2x20xf32>, memref<4x2x3xf32>) outs(%y : memref<1x4x7xf32>)
      strides = [3] dilations = [1] pads = [1, 1] groups = 1 epilogue_maps = [] epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// Softmax rows: a max pass (vector max, horizontal reduction), an
// exp-and-sum pass storing the exponentials, a scaling pass; the 13-wide
// row has a masked tail whose invalid lanes are selected away.
// CHECK-LABEL: func.func @softmax_rows
// CHECK: scf.for
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: vector.reduction <maximumf>
// CHECK: math.exp {{.*}} : vector<8xf32>
// CHECK: vector.reduction <add>
// CHECK: arith.divf
// CHECK: arith.mulf {{.*}} : vector<8xf32>
// CHECK: vector.maskedstore
// CHECK-NOT: tk.reduce
func.func @softmax_rows(%x: memref<6x13xf32>, %y: memref<6x13xf32>) {
  tk.reduce ins(%x : memref<6x13xf32>) outs(%y : memref<6x13xf32>) kind = softmax axis = 1
  return
}

// -----

// Softmax over an axis with 12 elements after it (a class axis): 8 rows at
// a time, one per lane; element j of those rows is one contiguous vector,
// so the max, exp-and-sum and scale passes are lane-wise (no gathers, no
// horizontal reductions); the ragged last block of 4 masks its lanes.
// CHECK-LABEL: func.func @softmax_columns
// CHECK-NOT: vector.gather
// CHECK-NOT: vector.reduction
// CHECK: scf.if
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %{{.+}}) -> (vector<8xf32>)
// CHECK: vector.maskedload %{{.+}} : memref<120xf32>, vector<8xi1>, vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: math.exp {{.*}} : vector<8xf32>
// CHECK: arith.divf {{.*}} : vector<8xf32>
// CHECK: } else {
// CHECK: vector.load %{{.+}} : memref<120xf32>, vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: arith.mulf {{.*}} : vector<8xf32>
// CHECK: vector.store
// CHECK-NOT: tk.reduce
func.func @softmax_columns(%x: memref<2x5x12xf32>, %y: memref<2x5x12xf32>) {
  tk.reduce ins(%x : memref<2x5x12xf32>) outs(%y : memref<2x5x12xf32>) kind = softmax axis = 1
  return
}

// -----

// Layer norm: mean and variance passes, then (x - mean) * rstd * scale +
// bias with scale and bias loaded along the row.
// CHECK-LABEL: func.func @layer_norm_rows
// CHECK: vector.reduction <add>
// CHECK: vector.fma
// CHECK: vector.reduction <add>
// CHECK: math.sqrt
// CHECK: vector.load %{{.+}} : memref<16xf32>, vector<8xf32>
// CHECK: vector.store
// CHECK-NOT: tk.reduce
func.func @layer_norm_rows(%x: memref<4x16xf32>, %g: memref<16xf32>, %b: memref<16xf32>, %y: memref<4x16xf32>) {
  tk.reduce ins(%x : memref<4x16xf32>) params(%g, %b : memref<16xf32>, memref<16xf32>) outs(%y : memref<4x16xf32>) kind = layer_norm axis = 1
  return
}

// -----

// RMS norm: a mean-square pass (fma of x with itself), then x * rstd * w.
// CHECK-LABEL: func.func @rms_norm_rows
// CHECK: vector.fma
// CHECK: vector.reduction <add>
// CHECK: math.sqrt
// CHECK: arith.mulf {{.*}} : vector<8xf32>
// CHECK: arith.mulf {{.*}} : vector<8xf32>
// CHECK-NOT: tk.reduce
func.func @rms_norm_rows(%x: memref<4x16xf32>, %g: memref<16xf32>, %y: memref<4x16xf32>) {
  tk.reduce ins(%x : memref<4x16xf32>) params(%g : memref<16xf32>) outs(%y : memref<4x16xf32>) kind = rms_norm axis = 1 {epsilon = 1.0e-6 : f32}
  return
}

// -----

// A configuration for another vector width (16 lanes, here 8): plain loops
// from the maps, never a kernel with the wrong tile.
// CHECK-LABEL: func.func @other_width
// CHECK-NOT: vector.fma
// CHECK: affine.apply
// CHECK: arith.mulf {{.*}} : f32
// CHECK: memref.store
// CHECK-NOT: tk.matmul
func.func @other_width(%a: memref<4x8xf32>, %b: memref<8x32xf32>, %c: memref<4x32xf32>) {
  tk.matmul ins(%a, %b : memref<4x8xf32>, memref<8x32xf32>) outs(%c : memref<4x32xf32>)
      maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      attributes {config = #tk.cpu_tile<lanes = 16, mr = 12, nr = 32, kc = 256, mc = 252, parallel = false>} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  return
}

// -----

// A tk.fusion is one linalg.generic on the same buffers, maps and body.
// CHECK-LABEL: func.func @fusion
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}], iterator_types = ["parallel", "parallel"]} ins(%arg0, %arg1 : memref<64x4xf32>, memref<256xf32>) outs(%arg2 : memref<4x64xf32>)
// CHECK: arith.addf
// CHECK: linalg.yield
// CHECK-NOT: tk.fusion
func.func @fusion(%x: memref<64x4xf32>, %b: memref<256xf32>, %y: memref<4x64xf32>) {
  tk.fusion ins(%x, %b : memref<64x4xf32>, memref<256xf32>) outs(%y : memref<4x64xf32>)
      maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i * 64 + j)>, affine_map<(i, j) -> (i, j)>] body {
  ^bb0(%a: f32, %c: f32):
    %s = arith.addf %a, %c : f32
    tk.yield %s : f32
  }
  return
}

// -----

// The configuration decides: a dense 2-D convolution configured for the
// direct kernel runs it (no packed filters, filter values loaded from the
// filter itself), with its tile (2 channels, 4-lane vectors); a pool
// configured with 2 output rows per tile has 2 x 1 accumulators (one tap:
// two maximums in all).
// CHECK-LABEL: func.func @configured
// CHECK-NOT: __tessera_packed_filter
// CHECK: memref.load %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}] : memref<4x2x3x3xf32>
// CHECK: vector.fma {{.*}} : vector<4xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK-NOT: arith.maximumf
// CHECK: vector.store
memref.global "private" constant @filter9 : memref<4x2x3x3xf32> = dense<0.5>
func.func @configured(%x: memref<1x2x8x8xf32>, %y: memref<1x4x6x6xf32>, %p: memref<1x2x2x8xf32>, %q: memref<1x2x2x8xf32>) {
  %w = memref.get_global @filter9 : memref<4x2x3x3xf32>
  tk.conv ins(%x, %w : memref<1x2x8x8xf32>, memref<4x2x3x3xf32>) outs(%y : memref<1x4x6x6xf32>)
      strides = [1, 1] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1 epilogue_maps = []
      attributes {config = #tk.cpu_window<kernel = direct, lanes = 4, mr = 2, nr = 8, parallel = false>} epilogue {
  ^bb0(%acc: f32):
    tk.yield %acc : f32
  }
  tk.pool max ins(%p : memref<1x2x2x8xf32>) outs(%q : memref<1x2x2x8xf32>)
      window = [1, 1] strides = [1, 1] dilations = [1, 1] pads = [0, 0, 0, 0] epilogue_maps = []
      attributes {config = #tk.cpu_window<kernel = window, lanes = 8, mr = 2, nr = 8, parallel = false>} epilogue {
  ^bb0(%m: f32):
    tk.yield %m : f32
  }
  return
}

// -----

// Fused attention: the keys packed into panels by gathers (a row of K
// apart), then per tile of query rows a score strip on the task's stack,
// register-tiled scores through the score region (the scale), the online
// softmax (max, exp, sum per row) and P x V into the output, divided by
// the sum in the last block. No score matrix is allocated.
// CHECK-LABEL: func.func @attention
// CHECK: memref.alloc() : memref<2x32x16xf32>
// CHECK: vector.gather
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<4x16xf32>
// CHECK: vector.fma
// CHECK: arith.mulf {{.*}} : vector<8xf32>
// CHECK: vector.reduction <maximumf>
// CHECK: math.exp {{.*}} : vector<8xf32>
// CHECK: vector.reduction <add>
// CHECK: vector.fma
// CHECK: arith.divf
// CHECK-NOT: tk.attention
// CHECK-NOT: memref.alloc() : memref<{{.*}}x12xf32>
func.func @attention(%q: memref<4x2x32xf32>, %k: memref<12x2x32xf32>, %v: memref<12x2x24xf32>,
                     %o: memref<4x48xf32>) {
  tk.attention ins(%q, %k, %v : memref<4x2x32xf32>, memref<12x2x32xf32>, memref<12x2x24xf32>)
      outs(%o : memref<4x48xf32>)
      maps = [affine_map<(h, m, n, d, e) -> (m, h, d)>, affine_map<(h, m, n, d, e) -> (n, h, d)>,
              affine_map<(h, m, n, d, e) -> (n, h, e)>, affine_map<(h, m, n, d, e) -> (m, h * 24 + e)>]
      score {
  ^bb0(%s: f32):
    %c = arith.constant 0.176776695 : f32
    %x = arith.mulf %s, %c : f32
    tk.yield %x : f32
  }
  return
}

// -----

// More keys than one strip holds (2720 at 6 rows of 8 lanes): blocks of
// keys, each rescaling the earlier sum and output rows by exp(old max -
// new max), a scalar exponential.
// CHECK-LABEL: func.func @attention_blocks
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<6x2720xf32>
// CHECK: math.exp {{.*}} : vector<8xf32>
// CHECK: math.exp {{.*}} : f32
// CHECK-NOT: tk.attention
func.func @attention_blocks(%q: memref<6x8xf32>, %k: memref<3000x8xf32>, %v: memref<3000x8xf32>,
                            %o: memref<6x8xf32>) {
  tk.attention ins(%q, %k, %v : memref<6x8xf32>, memref<3000x8xf32>, memref<3000x8xf32>)
      outs(%o : memref<6x8xf32>)
      maps = [affine_map<(m, n, d, e) -> (m, d)>, affine_map<(m, n, d, e) -> (n, d)>,
              affine_map<(m, n, d, e) -> (n, e)>, affine_map<(m, n, d, e) -> (m, e)>]
      score {
  ^bb0(%s: f32):
    tk.yield %s : f32
  }
  return
}

// -----

// An output not contiguous along the value columns: split into the scores
// matmul (over a scores buffer), the softmax and the context matmul.
// CHECK-LABEL: func.func @attention_split
// CHECK: memref.alloc() : memref<2x4x12xf32>
// CHECK: math.exp
// CHECK-NOT: tk.attention
// CHECK-NOT: tk.matmul
// CHECK-NOT: tk.reduce
func.func @attention_split(%q: memref<2x4x16xf32>, %k: memref<2x12x16xf32>, %v: memref<2x12x8xf32>,
                           %o: memref<2x8x4xf32>) {
  tk.attention ins(%q, %k, %v : memref<2x4x16xf32>, memref<2x12x16xf32>, memref<2x12x8xf32>)
      outs(%o : memref<2x8x4xf32>)
      maps = [affine_map<(h, m, n, d, e) -> (h, m, d)>, affine_map<(h, m, n, d, e) -> (h, n, d)>,
              affine_map<(h, m, n, d, e) -> (h, n, e)>, affine_map<(h, m, n, d, e) -> (h, e, m)>]
      score {
  ^bb0(%s: f32):
    tk.yield %s : f32
  }
  return
}

// -----

// A reduction over consecutive dims (a global pool over H x W) becomes one
// reduction loop over a collapsed view, so LLVM vectorizes one long row
// instead of many short ones; one whose reduced dims an operand reads in
// another order keeps its dims.
// CHECK-LABEL: func.func @reduce_rows
// CHECK: %[[ROWS:.+]] = memref.collapse_shape %arg0 {{\[\[}}0], [1, 2]] : memref<4x6x8xf32> into memref<4x48xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[ROWS]] : memref<4x48xf32>)
// CHECK: arith.maximumf
// CHECK-LABEL: func.func @reduce_not_merged
// CHECK-NOT: memref.collapse_shape
// CHECK: return
func.func @reduce_rows(%x: memref<4x6x8xf32>, %y: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0)>],
                  iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : memref<4x6x8xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %out, %in : f32
    linalg.yield %m : f32
  }
  return
}
// Dims 1 and 2 reduced, but read transposed: not consecutive in the input.
func.func @reduce_not_merged(%x: memref<4x8x6xf32>, %y: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2, d1)>, affine_map<(d0, d1, d2) -> (d0)>],
                  iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : memref<4x8x6xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %out, %in : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// A sum reduction left as a generic (global average pooling's sum) may
// reassociate, so that LLVM vectorizes it with partial sums; the
// elementwise generic and a max reduction keep their flags.
// CHECK-LABEL: func.func @reduction_reassociates
// CHECK: arith.addf %{{.+}}, %{{.+}} fastmath<reassoc> : f32
// CHECK: arith.maximumf %{{.+}}, %{{.+}} : f32
// CHECK: arith.addf %{{.+}}, %{{.+}} : f32
func.func @reduction_reassociates(%x: memref<8x100xf32>, %s: memref<8xf32>, %m: memref<8xf32>,
                                  %y: memref<8x100xf32>) {
  linalg.generic {indexing_maps = [affine_map<(c, i) -> (c, i)>, affine_map<(c, i) -> (c)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x100xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = arith.addf %a, %acc : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(c, i) -> (c, i)>, affine_map<(c, i) -> (c)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x100xf32>) outs(%m : memref<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = arith.maximumf %a, %acc : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(c, i) -> (c, i)>, affine_map<(c, i) -> (c, i)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x100xf32>) outs(%y : memref<8x100xf32>) {
  ^bb0(%a: f32, %b: f32):
    %0 = arith.addf %a, %a : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// 8-bit integer kernels. Without an int8 instruction: plain loops widening
// each element to i32. With one, the constant weights are packed at compile
// time into i32 words of K groups — 4 bytes for vpdpbusd and sdot (column 0
// holds -10, -5, 0, 5: 0x0500FBF6), 2 i16 for pmaddwd (-10, -5:
// 0xFFFBFFF6) — the rows at run time, and one instruction per vector and
// step accumulates. u8 x s8 needs no shift for vpdpbusd.
// CHECK-LABEL: func.func @int8_matmul
// CHECK-NOT: llvm.call_intrinsic
// CHECK: arith.extui {{.*}} : i8 to i32
// CHECK: arith.extsi {{.*}} : i8 to i32
// CHECK: arith.muli
// CHECK-NOT: tk.matmul
// VNNI: memref.global "private" constant @__tessera_packed_rhs{{.*}} : memref<1x2x32xi32> = dense<{{\[\[\[}}83950582,
// VNNI-LABEL: func.func @int8_matmul
// VNNI-NOT: __tessera_column_term
// VNNI: memref.alloc() : memref<1x2x3xi32>
// VNNI: scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>)
// VNNI: vector.broadcast {{.*}} : i32 to vector<16xi32>
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"({{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// VNNI: arith.subi {{.*}} : vector<16xi32>
// VNNI: arith.trunci {{.*}} : vector<16xi32> to vector<16xi8>
// VNNI: vector.maskedstore {{.*}} : memref<15xi8>, vector<16xi1>, vector<16xi8>
// PAIRS: memref.global "private" constant @__tessera_packed_rhs{{.*}} : memref<1x3x16xi32> = dense<{{\[\[\[}}-262154,
// PAIRS-LABEL: func.func @int8_matmul
// PAIRS: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"({{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// PAIRS: arith.addi {{.*}} : vector<8xi32>
// SDOT-LABEL: func.func @int8_matmul
// SDOT: llvm.call_intrinsic "llvm.aarch64.neon.sdot.v4i32.v16i8"({{.*}}) : (vector<4xi32>, vector<16xi8>, vector<16xi8>) -> vector<4xi32>
// With AMX tiles, the weights are bytes in 16-column panels (one B tile wide, in
// pairs) of K/4 = 16 word rows; the rows copied as they are into whole
// 32 x 64 tiles; a 32 x 32 block of four C tiles accumulates over K in
// 64-byte steps (tdpbusd: u8 lhs, s8 rhs), goes through a stack scratch,
// and the epilogue runs on its rows. The process asks Linux for the tile
// state first; refused, the run reports a check instead.
// AMX: memref.global "private" constant @__tessera_packed_rhs{{.*}} : memref<2x16x64xi8> = dense<"0xF6FB0005F7FC0106
// AMX-LABEL: func.func @int8_matmul
// AMX-SAME: tk.checks = ["tk.matmul: int8 matmul on AMX tiles: the operating system does not let this process use them
// AMX: %[[A:.+]] = memref.alloc() : memref<32x64xi8>
// AMX: vector.maskedload {{.*}} : memref<18xi8>, vector<64xi1>, vector<64xi8> into vector<64xi8>
// AMX: %[[ASKED:.+]] = llvm.inline_asm has_side_effects "syscall", "={rax},{rax},{rdi},{rsi},~{rcx},~{r11},~{memory}" %c158_i64, %c4131_i64, %c18_i64
// AMX: %[[GRANTED:.+]] = arith.cmpi eq, %[[ASKED]], %c0_i64
// AMX: scf.if %[[GRANTED]] {
// AMX: %[[SCRATCH:.+]] = memref.alloca() {alignment = 64 : i64} : memref<32x32xi32>
// AMX-COUNT-4: amx.tile_zero : !amx.tile<16x16xi32>
// AMX: scf.for {{.*}} -> (!amx.tile<16x16xi32>, !amx.tile<16x16xi32>, !amx.tile<16x16xi32>, !amx.tile<16x16xi32>)
// AMX: amx.tile_load %[[A]][{{.*}}] : memref<32x64xi8> into !amx.tile<16x64xi8>
// AMX-COUNT-4: amx.tile_muli {{.*}} zext, {{.*}} : !amx.tile<16x64xi8>, !amx.tile<16x64xi8>, !amx.tile<16x16xi32>
// AMX-COUNT-4: amx.tile_store %[[SCRATCH]]
// AMX: vector.load %[[SCRATCH]]
// AMX: arith.subi {{.*}} : vector<16xi32>
// AMX: } else {
// AMX: memref.atomic_rmw assign %c1_i32
memref.global "private" constant @w8 : memref<6x5xi8> = dense<[[-10, -9, -8, -7, -6], [-5, -4, -3, -2, -1], [0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19]]>
#qA = affine_map<(m, n, k) -> (m, k)>
#qB = affine_map<(m, n, k) -> (k, n)>
#qBias = affine_map<(m, n, k) -> (0, n)>
#qC = affine_map<(m, n, k) -> (m, n)>
func.func @int8_matmul(%a: memref<3x6xi8>, %col: memref<1x5xi32>, %c: memref<3x5xi8>) {
  %w = memref.get_global @w8 : memref<6x5xi8>
  tk.matmul ins(%a, %w : memref<3x6xi8>, memref<6x5xi8>) epilogue_ins(%col : memref<1x5xi32>)
      outs(%c : memref<3x5xi8>) maps = [#qA, #qB, #qBias, #qC] attributes {lhs_unsigned} epilogue {
  ^bb0(%acc: i32, %cl: i32):
    %d = arith.subi %acc, %cl : i32
    %t = arith.trunci %d : i32 to i8
    tk.yield %t : i8
  }
  return
}

// -----

// s8 x u8 for vpdpbusd: the rows shift up by 128 (a' = a + 128, sa = -128),
// the weights down (b' = b - 128, sb = 128). The column term
// sa colsum(b') + sa sb K is a constant (column 0: colsum -168, so
// -128 * -168 - 128 * 128 * 6 = -76800); the row term sb rowsum(a') is
// summed while the rows are packed. Both start the accumulators.
// VNNI: memref.global "private" constant @__tessera_column_term{{.*}} : memref<32xi32> = dense<[-76800,
// VNNI-LABEL: func.func @int8_signed_unsigned
// VNNI: %[[ROWS:.+]] = memref.alloc() : memref<3xi32>
// VNNI: arith.extsi {{.*}} : i8 to i32
// VNNI: arith.andi
// VNNI: memref.store {{.*}}, %[[ROWS]]
// VNNI: memref.get_global @__tessera_column_term
// VNNI: memref.load %[[ROWS]]
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
memref.global "private" constant @u8w : memref<6x5xi8> = dense<[[0, 1, 2, 3, 4], [40, 41, 42, 43, 44], [80, 81, 82, 83, 84], [120, 121, 122, 123, 124], [-96, -95, -94, -93, -92], [-56, -55, -54, -53, -52]]>
#sA = affine_map<(m, n, k) -> (m, k)>
#sB = affine_map<(m, n, k) -> (k, n)>
#sC = affine_map<(m, n, k) -> (m, n)>
func.func @int8_signed_unsigned(%a: memref<3x6xi8>, %c: memref<3x5xi32>) {
  %w = memref.get_global @u8w : memref<6x5xi8>
  tk.matmul ins(%a, %w : memref<3x6xi8>, memref<6x5xi8>) outs(%c : memref<3x5xi32>)
      maps = [#sA, #sB, #sC] attributes {rhs_unsigned} epilogue {
  ^bb0(%acc: i32):
    tk.yield %acc : i32
  }
  return
}

// -----

// Both operands at run time (attention's products, a convolution's
// columns): the right one is packed per panel into the words buffer, lanes
// columns at a time (G rows widened and shifted into each i32 lane); with a
// signed left operand its column sums (times sa = -128, plus sa sb K) fill
// the column-term buffer as it goes.
// VNNI-LABEL: func.func @int8_both_dynamic
// VNNI: %[[WORDS:.+]] = memref.alloc() : memref<1x2x32xi32>
// VNNI: %[[COLS:.+]] = memref.alloc() : memref<32xi32>
// VNNI: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xi32>)
// VNNI: vector.maskedload {{.*}} : memref<30xi8>, vector<16xi1>, vector<16xi8> into vector<16xi8>
// VNNI: arith.extsi {{.*}} : vector<16xi8> to vector<16xi32>
// VNNI: arith.shli
// VNNI: vector.store {{.*}}, %[[WORDS]]
// VNNI: vector.store {{.*}}, %[[COLS]]
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
#dA = affine_map<(m, n, k) -> (m, k)>
#dB = affine_map<(m, n, k) -> (k, n)>
#dC = affine_map<(m, n, k) -> (m, n)>
func.func @int8_both_dynamic(%a: memref<3x6xi8>, %w: memref<6x5xi8>, %c: memref<3x5xi32>) {
  tk.matmul ins(%a, %w : memref<3x6xi8>, memref<6x5xi8>) outs(%c : memref<3x5xi32>)
      maps = [#dA, #dB, #dC] epilogue {
  ^bb0(%acc: i32):
    tk.yield %acc : i32
  }
  return
}
