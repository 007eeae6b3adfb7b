// RUN: tessera-opt %s --split-input-file --tg-insert-quantize="ranges=-1,1,0,2.55" | FileCheck %s
// RUN: tessera-opt %s --split-input-file --tg-insert-quantize="ranges=-1,1,0,2.55 keep-float=fc" | FileCheck %s --check-prefix=KEEP
// RUN: not tessera-opt %s --split-input-file --tg-insert-quantize="ranges=-1,1" 2>&1 | FileCheck %s --check-prefix=BAD

// Point 0 (the input, range [-1, 1]): u8 scale 2/255, zero point 127.
// The filter: s8 symmetric per output channel (max|w| / 127; an all-zero
// channel keeps scale 1), -2 -> -127, 1 / (2/127) = 63.5 -> 64 (half to
// even). The bias: whole multiples of scale_x * scale_w (0.3 in channel 2,
// scale 2/255 * 1, becomes 38 * 2/255). Point 1 (after the ReLU and the
// reshape, [0, 2.55]): scale 0.01, zero point 0. The matmul's weight: per
// column.
// CHECK-LABEL: func.func @conv_matmul
// CHECK: %[[Q:.+]] = tg.quantize %arg0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!quant.uniform<u8:f32, 0.0078431377187371254:127>>
// CHECK: %[[D:.+]] = tg.dequantize %[[Q]]
// CHECK: %[[WI:.+]] = tg.constant dense<{{\[\[\[\[}}64]], {{\[\[}}-127]]], {{\[\[\[}}127]], {{\[\[}}64]]], {{\[\[\[}}0]], {{\[\[}}0]]]]> : tensor<3x2x1x1xi8>
// CHECK: %[[WQ:.+]] = tg.storage_cast %[[WI]] : tensor<3x2x1x1xi8> -> tensor<3x2x1x1x!quant.uniform<i8:f32:0, {0.015748031437397003,0.0039370078593492508,1.000000e+00}>>
// CHECK: %[[WD:.+]] = tg.dequantize %[[WQ]]
// CHECK: %[[B:.+]] = tg.constant dense<[0.100046322, -2.000000e-01, 0.298039228]> : tensor<3xf32>
// CHECK: %[[C:.+]] = tg.conv %[[D]], %[[WD]], %[[B]]
// CHECK: %[[R:.+]] = tg.relu %[[C]]
// CHECK: %[[F:.+]] = tg.reshape %[[R]]
// CHECK: %[[Q1:.+]] = tg.quantize %[[F]] : tensor<1x48xf32> -> tensor<1x48x!quant.uniform<u8:f32, 0.0099999997764825821>>
// CHECK: %[[D1:.+]] = tg.dequantize %[[Q1]]
// CHECK: tg.storage_cast %{{.+}} : tensor<48x3xi8> -> tensor<48x3x!quant.uniform<i8:f32:1, {0.0078740157186985015,0.0078740157186985015,0.0078740157186985015}>>
// CHECK: tg.matmul %[[D1]], %{{.+}} : tensor<1x48xf32>, tensor<48x3xf32>

// A layer kept float reads its float operands; its point is not quantized.
// KEEP-LABEL: func.func @conv_matmul
// KEEP: tg.quantize %arg0
// KEEP-NOT: tg.quantize
// KEEP: tg.matmul %{{.+}}, %{{.+}} : tensor<1x48xf32>, tensor<48x3xf32>
// KEEP-NOT: tg.dequantize

// BAD: error: tg-insert-quantize: 2 range bounds for 2 points (two each)
func.func @conv_matmul(%x: tensor<1x2x4x4xf32>) -> tensor<1x3xf32> {
  %w = tg.constant dense<[[[[1.0]], [[-2.0]]], [[[0.5]], [[0.25]]], [[[0.0]], [[0.0]]]]> : tensor<3x2x1x1xf32>
  %b = tg.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %c = tg.conv %x, %w, %b strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1 : tensor<1x2x4x4xf32>, tensor<3x2x1x1xf32>, tensor<3xf32> loc("conv")
  %r = tg.relu %c : tensor<1x3x4x4xf32>
  %f = tg.reshape %r : tensor<1x3x4x4xf32> -> tensor<1x48xf32>
  %m = tg.constant dense<1.0> : tensor<48x3xf32>
  %y = tg.matmul %f, %m : tensor<1x48xf32>, tensor<48x3xf32> loc("fc")
  return %y : tensor<1x3xf32>
}

// -----

// Both operands activations (an attention product): two points; a
// depthwise convolution has no int8 kernel and keeps its float input.
// CHECK-LABEL: func.func @activations
// KEEP-LABEL: func.func @activations
// CHECK-DAG: %[[QA:.+]] = tg.quantize %arg0 : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<u8:f32, 0.0078431377187371254:127>>
// CHECK-DAG: %[[QB:.+]] = tg.quantize %arg1 : tensor<3x4xf32> -> tensor<3x4x!quant.uniform<u8:f32, 0.0099999997764825821>>
// CHECK: tg.matmul
// CHECK: tg.conv %arg2
func.func @activations(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %x: tensor<1x2x3x3xf32>) -> (tensor<2x4xf32>, tensor<1x2x3x3xf32>) {
  %y = tg.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32>
  %w = tg.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c = tg.conv %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 2 : tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>
  return %y, %c : tensor<2x4xf32>, tensor<1x2x3x3xf32>
}

// -----

// Gemm's transB: the weight is a transposed constant (shared by two
// layers). The constant is
// quantized per output column of the product (its axis 0), then transposed
// again; it is a weight, not a point.
// CHECK-LABEL: func.func @transposed_weight
// CHECK: tg.quantize %arg0
// CHECK: %[[W:.+]] = tg.constant dense<{{\[\[}}127, 64], [-127, 127]]> : tensor<2x2xi8>
// CHECK: %[[Q:.+]] = tg.storage_cast %[[W]] : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8:f32:0, {0.0078740157186985015,0.031496062874794006}>>
// CHECK: %[[D:.+]] = tg.dequantize %[[Q]]
// CHECK: %[[T:.+]] = tg.transpose %[[D]] perm = [1, 0]
// CHECK: tg.matmul %{{.+}}, %[[T]]
// KEEP-LABEL: func.func @transposed_weight
func.func @transposed_weight(%x: tensor<3x2xf32>, %z: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = tg.constant dense<[[1.0, 0.5], [-4.0, 4.0]]> : tensor<2x2xf32>
  %t = tg.transpose %w perm = [1, 0] : tensor<2x2xf32>
  %y = tg.matmul %x, %t : tensor<3x2xf32>, tensor<2x2xf32>
  %u = tg.matmul %z, %t : tensor<3x2xf32>, tensor<2x2xf32>
  return %y, %u : tensor<3x2xf32>, tensor<3x2xf32>
}
