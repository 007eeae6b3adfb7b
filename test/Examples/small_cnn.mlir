// The bundled example graph stays valid and the graph passes simplify it:
// batch_norm folds into the first conv, flatten becomes a reshape.
// RUN: tessera-opt %tessera_src_root/examples/graphs/small_cnn.mlir --tg-fold-batch-norm --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @small_cnn
// CHECK-NOT: tg.batch_norm
// CHECK: %[[C0:.+]] = tg.conv %{{.+}}, %{{.+}}, %{{.+}} strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] group = 1 : tensor<1x3x48x192xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>
// CHECK: tg.clip %[[C0]]
// CHECK: tg.conv {{.+}} group = 8
// CHECK: tg.hard_swish
// CHECK: tg.max_pool
// CHECK: %[[G:.+]] = tg.global_avg_pool
// CHECK: tg.reshape %[[G]] : tensor<1x16x1x1xf32> -> tensor<1x16xf32>
// CHECK: tg.softmax %{{.+}} axis = 1 : tensor<1x2xf32>
