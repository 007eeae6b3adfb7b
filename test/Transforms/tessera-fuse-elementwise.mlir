// RUN: tessera-opt %s --pass-pipeline="builtin.module(func.func(tessera-fuse-elementwise{max-body-ops=5}))" | FileCheck %s
// RUN: tessera-opt %s --pass-pipeline="builtin.module(func.func(tessera-fuse-elementwise))" | FileCheck %s --check-prefix=UNBOUNDED

// A chain of six elementwise generics (a body of two ops each: the op and
// its yield). Fusion goes on while the two bodies together hold at most 5
// ops: 2 + 2, then 3 + 2, then 4 + 2 is too many, so the chain becomes two
// kernels of three ops each; with the default bound (128), one kernel.
// CHECK-LABEL: func.func @chain
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT: linalg.generic
// UNBOUNDED-LABEL: func.func @chain
// UNBOUNDED-COUNT-1: linalg.generic
// UNBOUNDED-NOT: linalg.generic
#id = affine_map<(i) -> (i)>
func.func @chain(%x: tensor<64xf32>) -> tensor<64xf32> {
  %e = tensor.empty() : tensor<64xf32>
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%0 : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%1 : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %3 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%2 : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %4 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%3 : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  %5 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%4 : tensor<64xf32>) outs(%e : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  return %5 : tensor<64xf32>
}
