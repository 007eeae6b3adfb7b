// RUN: tessera-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(tk-form-attention))' | FileCheck %s

// The three kernels of one attention layer as formation leaves them: Q and K
// as [1, 64, 2, 64] projections, the scale and padding mask in the scores'
// epilogue, the context merged back to [1, 64, 128].
// CHECK-DAG: #[[Q:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (0, d2, d1, d4)>
// CHECK-DAG: #[[K:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (0, d3, d1, d4)>
// CHECK-DAG: #[[V:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1, d5)>
// CHECK-DAG: #[[SCALE:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> ()>
// CHECK-DAG: #[[MASK:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (0, 0, 0, d3)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d1 * 64 + d5)>
// CHECK-LABEL: func.func @layer
// CHECK-NOT: tk.matmul
// CHECK-NOT: tk.reduce
// CHECK: %[[R:.+]] = tk.attention ins(%arg0, %arg1, %arg2 : tensor<1x64x2x64xf32>, tensor<1x64x2x64xf32>, tensor<1x64x2x64xf32>) score_ins(%{{.+}}, %arg3 : tensor<f32>, tensor<1x1x1x64xf32>) outs(%{{.+}} : tensor<1x64x128xf32>) maps = [#[[Q]], #[[K]], #[[V]], #[[SCALE]], #[[MASK]], #[[OUT]]] score {
// CHECK-NEXT: ^bb0(%[[S:.+]]: f32, %[[C:.+]]: f32, %[[M:.+]]: f32):
// CHECK-NEXT: %[[D:.+]] = arith.divf %[[S]], %[[C]] : f32
// CHECK-NEXT: %[[A:.+]] = arith.addf %[[D]], %[[M]] : f32
// CHECK-NEXT: tk.yield %[[A]] : f32
// CHECK: return %[[R]]
func.func @layer(%q: tensor<1x64x2x64xf32>, %k: tensor<1x64x2x64xf32>, %v: tensor<1x64x2x64xf32>,
                 %mask: tensor<1x1x1x64xf32>) -> tensor<1x64x128xf32> {
  %cst = arith.constant dense<8.0> : tensor<f32>
  %0 = tensor.empty() : tensor<1x2x64x64xf32>
  %s = tk.matmul ins(%q, %k : tensor<1x64x2x64xf32>, tensor<1x64x2x64xf32>)
      epilogue_ins(%cst, %mask : tensor<f32>, tensor<1x1x1x64xf32>) outs(%0 : tensor<1x2x64x64xf32>)
      maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>,
              affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1, d4)>,
              affine_map<(d0, d1, d2, d3, d4) -> ()>,
              affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, 0, d3)>,
              affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>] epilogue {
  ^bb0(%a: f32, %c: f32, %m: f32):
    %1 = arith.divf %a, %c : f32
    %2 = arith.addf %1, %m : f32
    tk.yield %2 : f32
  } -> tensor<1x2x64x64xf32>
  %p = tk.reduce ins(%s : tensor<1x2x64x64xf32>) outs(%0 : tensor<1x2x64x64xf32>) kind = softmax axis = 3 -> tensor<1x2x64x64xf32>
  %3 = tensor.empty() : tensor<1x64x128xf32>
  %o = tk.matmul ins(%p, %v : tensor<1x2x64x64xf32>, tensor<1x64x2x64xf32>) outs(%3 : tensor<1x64x128xf32>)
      maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>,
              affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d1, d3)>,
              affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1 * 64 + d3)>] epilogue {
  ^bb0(%a: f32):
    tk.yield %a : f32
  } -> tensor<1x64x128xf32>
  return %o : tensor<1x64x128xf32>
}

// -----

// The probabilities are also a result: they must be written, nothing fuses.
// CHECK-LABEL: func.func @probabilities_returned
// CHECK-NOT: tk.attention
// CHECK: tk.reduce
func.func @probabilities_returned(%q: tensor<4x8x16xf32>, %k: tensor<4x10x16xf32>, %v: tensor<4x10x24xf32>)
    -> (tensor<4x8x24xf32>, tensor<4x8x10xf32>) {
  %0 = tensor.empty() : tensor<4x8x10xf32>
  %s = tk.matmul ins(%q, %k : tensor<4x8x16xf32>, tensor<4x10x16xf32>) outs(%0 : tensor<4x8x10xf32>)
      maps = [affine_map<(h, m, n, k) -> (h, m, k)>, affine_map<(h, m, n, k) -> (h, n, k)>,
              affine_map<(h, m, n, k) -> (h, m, n)>] epilogue {
  ^bb0(%a: f32):
    tk.yield %a : f32
  } -> tensor<4x8x10xf32>
  %p = tk.reduce ins(%s : tensor<4x8x10xf32>) outs(%0 : tensor<4x8x10xf32>) kind = softmax axis = 2 -> tensor<4x8x10xf32>
  %1 = tensor.empty() : tensor<4x8x24xf32>
  %o = tk.matmul ins(%p, %v : tensor<4x8x10xf32>, tensor<4x10x24xf32>) outs(%1 : tensor<4x8x24xf32>)
      maps = [affine_map<(h, m, n, k) -> (h, m, k)>, affine_map<(h, m, n, k) -> (h, k, n)>,
              affine_map<(h, m, n, k) -> (h, m, n)>] epilogue {
  ^bb0(%a: f32):
    tk.yield %a : f32
  } -> tensor<4x8x24xf32>
  return %o, %p : tensor<4x8x24xf32>, tensor<4x8x10xf32>
}

// -----

// The softmax runs over the queries, not the keys the context reduces.
// CHECK-LABEL: func.func @softmax_over_queries
// CHECK-NOT: tk.attention
func.func @softmax_over_queries(%q: tensor<4x10x16xf32>, %k: tensor<4x10x16xf32>, %v: tensor<4x10x24xf32>)
    -> tensor<4x10x24xf32> {
  %0 = tensor.empty() : tensor<4x10x10xf32>
  %s = tk.matmul ins(%q, %k : tensor<4x10x16xf32>, tensor<4x10x16xf32>) outs(%0 : tensor<4x10x10xf32>)
      maps = [affine_map<(h, m, n, k) -> (h, m, k)>, affine_map<(h, m, n, k) -> (h, n, k)>,
              affine_map<(h, m, n, k) -> (h, m, n)>] epilogue {
  ^bb0(%a: f32):
    tk.yield %a : f32
  } -> tensor<4x10x10xf32>
  %p = tk.reduce ins(%s : tensor<4x10x10xf32>) outs(%0 : tensor<4x10x10xf32>) kind = softmax axis = 1 -> tensor<4x10x10xf32>
  %1 = tensor.empty() : tensor<4x10x24xf32>
  %o = tk.matmul ins(%p, %v : tensor<4x10x10xf32>, tensor<4x10x24xf32>) outs(%1 : tensor<4x10x24xf32>)
      maps = [affine_map<(h, m, n, k) -> (h, m, k)>, affine_map<(h, m, n, k) -> (h, k, n)>,
              affine_map<(h, m, n, k) -> (h, m, n)>] epilogue {
  ^bb0(%a: f32):
    tk.yield %a : f32
  } -> tensor<4x10x24xf32>
  return %o : tensor<4x10x24xf32>
}

// -----

// A bias after the context stays its own kernel's epilogue: not fused.
// CHECK-LABEL: func.func @context_epilogue
// CHECK-NOT: tk.attention
func.func @context_epilogue(%q: tensor<4x8x16xf32>, %k: tensor<4x10x16xf32>, %v: tensor<4x10x24xf32>,
                            %b: tensor<24xf32>) -> tensor<4x8x24xf32> {
  %0 = tensor.empty() : tensor<4x8x10xf32>
  %s = tk.matmul ins(%q, %k : tensor<4x8x16xf32>, tensor<4x10x16xf32>) outs(%0 : tensor<4x8x10xf32>)
      maps = [affine_map<(h, m, n, k) -> (h, m, k)>, affine_map<(h, m, n, k) -> (h, n, k)>,
              affine_map<(h, m, n, k) -> (h, m, n)>] epilogue {
  ^bb0(%a: f32):
    tk.yield %a : f32
  } -> tensor<4x8x10xf32>
  %p = tk.reduce ins(%s : tensor<4x8x10xf32>) outs(%0 : tensor<4x8x10xf32>) kind = softmax axis = 2 -> tensor<4x8x10xf32>
  %1 = tensor.empty() : tensor<4x8x24xf32>
  %o = tk.matmul ins(%p, %v : tensor<4x8x10xf32>, tensor<4x10x24xf32>) epilogue_ins(%b : tensor<24xf32>) outs(%1 : tensor<4x8x24xf32>)
      maps = [affine_map<(h, m, n, k) -> (h, m, k)>, affine_map<(h, m, n, k) -> (h, k, n)>,
              affine_map<(h, m, n, k) -> (n)>, affine_map<(h, m, n, k) -> (h, m, n)>] epilogue {
  ^bb0(%a: f32, %c: f32):
    %2 = arith.addf %a, %c : f32
    tk.yield %2 : f32
  } -> tensor<4x8x24xf32>
  return %o : tensor<4x8x24xf32>
}

// -----

// One key/value head shared by four query heads (grouped-query attention):
// the key and value maps do not read the head loop.
// CHECK-DAG: #[[Q:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3)>
// CHECK-DAG: #[[K:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d2, d3)>
// CHECK-DAG: #[[V:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d2, d4)>
// CHECK-DAG: #[[O:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>
// CHECK-LABEL: func.func @shared_key_head
// CHECK: tk.attention ins(%arg0, %arg1, %arg2 : tensor<4x8x16xf32>, tensor<1x10x16xf32>, tensor<1x10x24xf32>) outs(%{{.+}} : tensor<4x8x24xf32>) maps = [#[[Q]], #[[K]], #[[V]], #[[O]]]
func.func @shared_key_head(%q: tensor<4x8x16xf32>, %k: tensor<1x10x16xf32>, %v: tensor<1x10x24xf32>)
    -> tensor<4x8x24xf32> {
  %0 = tensor.empty() : tensor<4x8x10xf32>
  %s = tk.matmul ins(%q, %k : tensor<4x8x16xf32>, tensor<1x10x16xf32>) outs(%0 : tensor<4x8x10xf32>)
      maps = [affine_map<(h, m, n, k) -> (h, m, k)>, affine_map<(h, m, n, k) -> (0, n, k)>,
              affine_map<(h, m, n, k) -> (h, m, n)>] epilogue {
  ^bb0(%a: f32):
    tk.yield %a : f32
  } -> tensor<4x8x10xf32>
  %p = tk.reduce ins(%s : tensor<4x8x10xf32>) outs(%0 : tensor<4x8x10xf32>) kind = softmax axis = 2 -> tensor<4x8x10xf32>
  %1 = tensor.empty() : tensor<4x8x24xf32>
  %o = tk.matmul ins(%p, %v : tensor<4x8x10xf32>, tensor<1x10x24xf32>) outs(%1 : tensor<4x8x24xf32>)
      maps = [affine_map<(h, m, n, k) -> (h, m, k)>, affine_map<(h, m, n, k) -> (0, k, n)>,
              affine_map<(h, m, n, k) -> (h, m, n)>] epilogue {
  ^bb0(%a: f32):
    tk.yield %a : f32
  } -> tensor<4x8x24xf32>
  return %o : tensor<4x8x24xf32>
}
