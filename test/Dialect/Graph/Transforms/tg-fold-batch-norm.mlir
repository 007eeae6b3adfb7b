// RUN: tessera-opt %s --split-input-file --tg-fold-batch-norm | FileCheck %s

// s = scale / sqrt(var + eps) = [1 / 2, 2 / 1] = [0.5, 2]
// W' = W * s = [1, 6];  b' = (b - mean) * s + bias = [0.5, -2]
// CHECK-LABEL: func.func @with_bias
// CHECK-SAME: (%[[X:.+]]: tensor<1x1x4x4xf32>)
// CHECK-DAG: %[[W:.+]] = tg.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}6.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.+]] = tg.constant dense<[5.000000e-01, -2.000000e+00]> : tensor<2xf32>
// CHECK: %[[Y:.+]] = tg.conv %[[X]], %[[W]], %[[B]] strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1
// CHECK-NOT: tg.batch_norm
// CHECK: return %[[Y]]
func.func @with_bias(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = tg.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %b = tg.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %scale = tg.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %shift = tg.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %mean = tg.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = tg.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %c = tg.conv %x, %w, %b strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1
         : tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>
  %y = tg.batch_norm %c, %scale, %shift, %mean, %var {epsilon = 1.0 : f32}
         : tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Without a conv bias, b' = -mean * s + bias. Depthwise (group = 2) keeps its
// attributes; every weight of output channel m is scaled by s[m].
// CHECK-LABEL: func.func @without_bias_depthwise
// CHECK-DAG: %[[W:.+]] = tg.constant dense<{{\[\[\[\[}}5.000000e-01, 1.000000e+00]]], {{\[\[\[}}-2.000000e+00, 4.000000e+00]]]]> : tensor<2x1x1x2xf64>
// CHECK-DAG: %[[B:.+]] = tg.constant dense<[0.000000e+00, 1.000000e+00]> : tensor<2xf64>
// CHECK: tg.conv %{{.+}}, %[[W]], %[[B]] strides = [2, 2] pads = [0, 0, 0, 1] dilations = [1, 1] group = 2
func.func @without_bias_depthwise(%x: tensor<1x2x4x4xf64>) -> tensor<1x2x2x2xf64> {
  %w = tg.constant dense<[[[[1.0, 2.0]]], [[[-1.0, 2.0]]]]> : tensor<2x1x1x2xf64>
  %scale = tg.constant dense<[1.0, 2.0]> : tensor<2xf64>
  %shift = tg.constant dense<[0.5, 1.0]> : tensor<2xf64>
  %mean = tg.constant dense<[1.0, 0.0]> : tensor<2xf64>
  %var = tg.constant dense<[3.0, 0.0]> : tensor<2xf64>
  %c = tg.conv %x, %w strides = [2, 2] pads = [0, 0, 0, 1] dilations = [1, 1] group = 2
         : tensor<1x2x4x4xf64>, tensor<2x1x1x2xf64>
  %y = tg.batch_norm %c, %scale, %shift, %mean, %var {epsilon = 1.0 : f32}
         : tensor<1x2x2x2xf64>, tensor<2xf64>, tensor<2xf64>, tensor<2xf64>, tensor<2xf64>
  return %y : tensor<1x2x2x2xf64>
}

// -----

// The conv result has another user: folding would duplicate the conv.
// CHECK-LABEL: func.func @shared_conv
// CHECK: tg.conv
// CHECK: tg.batch_norm
func.func @shared_conv(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) {
  %w = tg.constant dense<2.0> : tensor<1x1x1x1xf32>
  %p = tg.constant dense<1.0> : tensor<1xf32>
  %c = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1
         : tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>
  %y = tg.batch_norm %c, %p, %p, %p, %p : tensor<1x1x4x4xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>
  return %y, %c : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}

// -----

// Parameters that are not constants stay a batch_norm.
// CHECK-LABEL: func.func @runtime_parameters
// CHECK: tg.conv
// CHECK: tg.batch_norm
func.func @runtime_parameters(%x: tensor<1x1x4x4xf32>, %mean: tensor<1xf32>) -> tensor<1x1x4x4xf32> {
  %w = tg.constant dense<2.0> : tensor<1x1x1x1xf32>
  %p = tg.constant dense<1.0> : tensor<1xf32>
  %c = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1
         : tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>
  %y = tg.batch_norm %c, %p, %p, %mean, %p : tensor<1x1x4x4xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>
  return %y : tensor<1x1x4x4xf32>
}
