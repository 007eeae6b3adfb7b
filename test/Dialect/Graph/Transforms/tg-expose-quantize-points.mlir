// RUN: tessera-opt %s --tg-expose-quantize-points | FileCheck %s
// RUN: tessera-opt %s --tg-expose-quantize-points=layers=true | FileCheck %s --check-prefix=LAYERS

// The points in the order the layers first read them, each once (the
// input feeds two matmuls); the weight is not a point. Layers: the
// quantizable ones' results.
// CHECK-LABEL: func.func @f
// CHECK-SAME: -> (tensor<2x3xf32>, tensor<2x4xf32> {tessera.name = "tessera.quantize.point.0"}, tensor<2x3xf32> {tessera.name = "tessera.quantize.point.1"})
// CHECK: %[[Y:.+]] = tg.matmul %arg0
// CHECK: %[[R:.+]] = tg.relu %[[Y]]
// CHECK: %[[Z:.+]] = tg.matmul %arg0
// CHECK: %[[S:.+]] = tg.add
// CHECK: return %[[S]], %arg0, %[[R]]
// LAYERS-LABEL: func.func @f
// LAYERS-SAME: -> (tensor<2x3xf32>, tensor<2x3xf32> {tessera.name = "tessera.quantize.layer.0"}, tensor<2x3xf32> {tessera.name = "tessera.quantize.layer.1"}, tensor<2x3xf32> {tessera.name = "tessera.quantize.layer.2"})
func.func @f(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = tg.constant dense<1.0> : tensor<4x3xf32>
  %y = tg.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32>
  %r = tg.relu %y : tensor<2x3xf32>
  %z = tg.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32>
  %v = tg.constant dense<1.0> : tensor<3x3xf32>
  %u = tg.matmul %r, %v : tensor<2x3xf32>, tensor<3x3xf32>
  %s = tg.add %z, %u : tensor<2x3xf32>, tensor<2x3xf32>
  return %s : tensor<2x3xf32>
}
