// RUN: tessera-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(tessera-distinct-results))" | FileCheck %s

// The second and third positions of %r get copies; %x, returned once, and
// the first %r stay as they are.
// CHECK-LABEL: func.func @repeated
// CHECK: %[[R:.+]] = tg.relu %arg0
// CHECK: %[[E1:.+]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[C1:.+]] = linalg.copy ins(%[[R]] : tensor<4xf32>) outs(%[[E1]] : tensor<4xf32>)
// CHECK: %[[E2:.+]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[C2:.+]] = linalg.copy ins(%[[R]] : tensor<4xf32>) outs(%[[E2]] : tensor<4xf32>)
// CHECK: return %[[R]], %arg0, %[[C1]], %[[C2]]
func.func @repeated(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %r = tg.relu %x : tensor<4xf32>
  return %r, %x, %r, %r : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @distinct
// CHECK-NOT: linalg.copy
func.func @distinct(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r = tg.relu %x : tensor<4xf32>
  return %r, %x : tensor<4xf32>, tensor<4xf32>
}
