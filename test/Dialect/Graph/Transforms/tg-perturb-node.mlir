// RUN: tessera-opt %s --tg-perturb-node=node=relu1 | FileCheck %s
// RUN: not tessera-opt %s --tg-perturb-node=node=nowhere 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not tessera-opt %s --tg-perturb-node=node=ints 2>&1 | FileCheck %s --check-prefix=INTS
// RUN: not tessera-opt %s --tg-perturb-node 2>&1 | FileCheck %s --check-prefix=EMPTY

// Every float result of the node's ops gets delta (0.1) added, and every
// use (the return included) takes the sum; other nodes are untouched.
// CHECK-LABEL: func.func @one_node
// CHECK: %[[R:.+]] = tg.relu %arg0
// CHECK: %[[D:.+]] = tg.constant dense<1.000000e-01> : tensor<4xf32>
// CHECK: %[[P:.+]] = tg.add %[[R]], %[[D]]
// CHECK: %[[S:.+]] = tg.sigmoid %[[P]]
// CHECK-NOT: tg.add
// CHECK: return %[[S]], %[[P]]
// A node whose results are integers only is not perturbed: not found.
// NONE: error: tg-perturb-node: no used floating-point result comes from node 'nowhere'
// INTS: error: tg-perturb-node: no used floating-point result comes from node 'ints'
// EMPTY: error: tg-perturb-node: no node given (node=NAME)
func.func @one_node(%x: tensor<4xf32>, %i: tensor<4xi64>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xi64>) {
  %r = tg.relu %x : tensor<4xf32> loc("relu1"("model.onnx":0:0))
  %s = tg.sigmoid %r : tensor<4xf32> loc("sigmoid1"("model.onnx":0:0))
  %n = tg.neg %i : tensor<4xi64> loc("ints"("model.onnx":0:0))
  return %s, %r, %n : tensor<4xf32>, tensor<4xf32>, tensor<4xi64>
}
