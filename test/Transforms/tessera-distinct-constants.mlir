// RUN: tessera-opt %s --pass-pipeline="builtin.module(func.func(tessera-distinct-constants{max-uses=2}))" | FileCheck %s

// Read three times (more than max-uses): a copy of the constant next to
// each use, the original gone. Read twice: left alone, as are scalars.
// CHECK-LABEL: func.func @shared
// CHECK: %[[TWO:.+]] = arith.constant dense<2.000000e+00> : tensor<4xf32>
// CHECK: %[[S:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[C1:.+]] = arith.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT: %[[A:.+]] = linalg.add ins(%arg0, %[[C1]] :
// CHECK: %[[C2:.+]] = arith.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT: %[[B:.+]] = linalg.add ins(%[[A]], %[[C2]] :
// CHECK: %[[C3:.+]] = arith.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT: %[[C:.+]] = linalg.add ins(%[[B]], %[[C3]] :
// CHECK: linalg.add ins(%[[C]], %[[TWO]] :
// CHECK: linalg.add ins({{.+}}, %[[TWO]] :
func.func @shared(%x: tensor<4xf32>) -> (tensor<4xf32>, f32) {
  %one = arith.constant dense<1.0> : tensor<4xf32>
  %two = arith.constant dense<2.0> : tensor<4xf32>
  %s = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.add ins(%x, %one : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %b = linalg.add ins(%a, %one : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %c = linalg.add ins(%b, %one : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %d = linalg.add ins(%c, %two : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %f = linalg.add ins(%d, %two : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %f, %s : tensor<4xf32>, f32
}
