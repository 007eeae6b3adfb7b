// RUN: tessera-opt %s --split-input-file --tk-form-fusions --canonicalize | FileCheck %s
// RUN: tessera-opt %s --split-input-file --tk-form-fusions=max-body-ops=3 --canonicalize | FileCheck %s --check-prefix=BOUND

// An elementwise generic whose output map is a permutation: the input maps
// are re-expressed over the output's dims; the constant from above is
// cloned into the isolated body.
// CHECK-DAG: #[[T:.+]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @relu_transposed
// CHECK: tk.fusion ins(%arg0 : tensor<4x8xf32>) outs(%{{.+}} : tensor<8x4xf32>) maps = [#[[T]], #[[ID]]] body {
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32):
// CHECK-NEXT: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[R:.+]] = arith.maximumf %[[X]], %[[ZERO]] : f32
// CHECK-NEXT: tk.yield %[[R]] : f32
// CHECK-NOT: linalg.generic
func.func @relu_transposed(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<8x4xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j, i)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%init : tensor<8x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

// A transpose, a broadcast and an expanding reshape producing the inputs
// fold into their maps: one kernel reads the sources in place.
// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1, d2) -> (d0, d1 * 16 + d2)>
// CHECK-LABEL: func.func @reindexed_inputs
// CHECK-NOT: linalg.transpose
// CHECK-NOT: linalg.broadcast
// CHECK-NOT: tensor.expand_shape
// CHECK: tk.fusion ins(%arg0, %arg1, %arg2 : tensor<2x16x4xf32>, tensor<16xf32>, tensor<2x64xf32>) outs(%{{.+}} : tensor<2x4x16xf32>) maps = [#[[A]], #[[B]], #[[C]], #{{.+}}] body {
func.func @reindexed_inputs(%a: tensor<2x16x4xf32>, %b: tensor<16xf32>, %c: tensor<2x64xf32>) -> tensor<2x4x16xf32> {
  %ti = tensor.empty() : tensor<2x4x16xf32>
  %t = linalg.transpose ins(%a : tensor<2x16x4xf32>) outs(%ti : tensor<2x4x16xf32>) permutation = [0, 2, 1]
  %bi = tensor.empty() : tensor<2x4x16xf32>
  %bb = linalg.broadcast ins(%b : tensor<16xf32>) outs(%bi : tensor<2x4x16xf32>) dimensions = [0, 1]
  %e = tensor.expand_shape %c [[0], [1, 2]] output_shape [2, 4, 16] : tensor<2x64xf32> into tensor<2x4x16xf32>
  %init = tensor.empty() : tensor<2x4x16xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, j, k)>,
                                        affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, j, k)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%t, %bb, %e : tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<2x4x16xf32>) outs(%init : tensor<2x4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %m = arith.mulf %s, %z : f32
    linalg.yield %m : f32
  } -> tensor<2x4x16xf32>
  return %0 : tensor<2x4x16xf32>
}

// -----

// Two elementwise generics with a reshape between them (which upstream
// elementwise fusion does not fuse through): the expanding reshape folds
// into the consumer's map, then the producer, read once per element,
// merges into it. One kernel: x * 2, reshaped, + y.
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1) -> (d0 * 8 + d1)>
// CHECK-LABEL: func.func @merged_across_reshape
// CHECK: tk.fusion ins(%arg1, %arg0 : tensor<4x8xf32>, tensor<32xf32>) outs(%{{.+}} : tensor<4x8xf32>) maps = [#{{.+}}, #[[X]], #{{.+}}] body {
// CHECK-NEXT: ^bb0(%[[Y:.+]]: f32, %[[XV:.+]]: f32):
// CHECK: %[[D:.+]] = arith.mulf %[[XV]], %{{.+}} : f32
// CHECK: %[[S:.+]] = arith.addf %[[D]], %[[Y]] : f32
// CHECK-NEXT: tk.yield %[[S]] : f32
// CHECK-NOT: tk.fusion
// CHECK-NOT: tensor.expand_shape
// With max-body-ops=3 the bodies (two ops each, the yields counted) do not
// merge: two kernels.
// BOUND-LABEL: func.func @merged_across_reshape
// BOUND: tk.fusion
// BOUND: arith.mulf
// BOUND: tk.fusion
// BOUND: arith.addf
func.func @merged_across_reshape(%x: tensor<32xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %two = arith.constant 2.0 : f32
  %i0 = tensor.empty() : tensor<32xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<32xf32>) outs(%i0 : tensor<32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.mulf %a, %two : f32
    linalg.yield %d : f32
  } -> tensor<32xf32>
  %e = tensor.expand_shape %0 [[0, 1]] output_shape [4, 8] : tensor<32xf32> into tensor<4x8xf32>
  %i1 = tensor.empty() : tensor<4x8xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%e, %y : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i1 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// Not merged: a producer read by two kernels (it would run twice), and one
// read through a broadcast (each element would be recomputed per row).
// Not formed: a collapsing reshape stays, and so do a generic using a
// value from above that is not a constant, one reading loop indices and a
// reduction.
// CHECK-LABEL: func.func @kept_apart
// CHECK-COUNT-3: tk.fusion
// CHECK: %[[C:.+]] = tensor.collapse_shape
// CHECK: tk.fusion ins(%[[C]]
// CHECK-LABEL: func.func @not_formed
// CHECK-NOT: tk.fusion
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: tk.fusion
func.func @kept_apart(%x: tensor<8xf32>, %m: tensor<4x2xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<3x8xf32>, tensor<8xf32>) {
  %i = tensor.empty() : tensor<8xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%i : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  } -> tensor<8xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%0 : tensor<8xf32>) outs(%i : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  %i2 = tensor.empty() : tensor<3x8xf32>
  %2 = linalg.generic {indexing_maps = [affine_map<(r, i) -> (i)>, affine_map<(r, i) -> (r, i)>], iterator_types = ["parallel", "parallel"]}
      ins(%0 : tensor<8xf32>) outs(%i2 : tensor<3x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<3x8xf32>
  %c = tensor.collapse_shape %m [[0, 1]] : tensor<4x2xf32> into tensor<8xf32>
  %3 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%c : tensor<8xf32>) outs(%i : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  return %0, %1, %2, %3 : tensor<8xf32>, tensor<8xf32>, tensor<3x8xf32>, tensor<8xf32>
}
func.func @not_formed(%x: tensor<8xf32>, %s: tensor<f32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<f32>) {
  %i = tensor.empty() : tensor<8xf32>
  %v = tensor.extract %s[] : tensor<f32>
  %0 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%i : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %v : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%i : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %j = linalg.index 0 : index
    %k = arith.index_cast %j : index to i64
    %f = arith.sitofp %k : i64 to f32
    %m = arith.mulf %a, %f : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  %2 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]}
      ins(%x : tensor<8xf32>) outs(%s : tensor<f32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.addf %a, %o : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  return %0, %1, %2 : tensor<8xf32>, tensor<8xf32>, tensor<f32>
}
