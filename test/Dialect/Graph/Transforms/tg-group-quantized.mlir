// RUN: tessera-opt %s --split-input-file --tg-group-quantized --canonicalize | FileCheck %s

// A QDQ matmul with a constant per-tensor weight: the stored integers'
// product, the column term of the weight computed now
// (128 * colsum(w) = 128 * [1 + 3, 2 + 4] = [512, 768]), one rescale by
// 0.5 * 0.25, then one requantization multiplier 0.125 / 2 = 0.0625.
// CHECK-LABEL: func.func @qdq_matmul
// CHECK-SAME: (%[[X:.+]]: tensor<3x2xui8>)
// CHECK-DAG: %[[W:.+]] = tg.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi8>
// CHECK-DAG: %[[COL:.+]] = tg.constant dense<{{\[\[}}512, 768]]> : tensor<1x2xi32>
// CHECK-DAG: %[[M:.+]] = tg.constant dense<6.250000e-02> : tensor<f32>
// CHECK: %[[ACC:.+]] = tg.matmul_integer %[[X]], %[[W]] : tensor<3x2xui8>, tensor<2x2xi8>
// CHECK: %[[C:.+]] = tg.sub %[[ACC]], %[[COL]]
// CHECK: %[[F:.+]] = tg.cast %[[C]] : tensor<3x2xi32> -> tensor<3x2xf32>
// CHECK: %[[R:.+]] = tg.mul %[[F]], %[[M]]
// CHECK: %[[Q:.+]] = tg.quantize %[[R]] : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<u8:f32, 1.000000e+00:10>>
// CHECK: %[[S:.+]] = tg.storage_cast %[[Q]] : {{.*}} -> tensor<3x2xui8>
// CHECK: return %[[S]]
func.func @qdq_matmul(%x: tensor<3x2xui8>) -> tensor<3x2xui8> {
  %w = tg.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %xq = tg.storage_cast %x : tensor<3x2xui8> -> tensor<3x2x!quant.uniform<u8:f32, 0.5:128>>
  %xd = tg.dequantize %xq : tensor<3x2x!quant.uniform<u8:f32, 0.5:128>> -> tensor<3x2xf32>
  %wq = tg.storage_cast %w : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8:f32, 0.25>>
  %wd = tg.dequantize %wq : tensor<2x2x!quant.uniform<i8:f32, 0.25>> -> tensor<2x2xf32>
  %m = tg.matmul %xd, %wd : tensor<3x2xf32>, tensor<2x2xf32>
  %q = tg.quantize %m : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<u8:f32, 2.0:10>>
  %y = tg.storage_cast %q : tensor<3x2x!quant.uniform<u8:f32, 2.0:10>> -> tensor<3x2xui8>
  return %y : tensor<3x2xui8>
}

// -----

// Per-column weight scales and zero points, the weight transposed after its
// dequantize (Gemm transB), a float bias between: the rescale is per
// column, the row term zb * rowsum(x) is computed at run time, and with the
// bias in between the quantize keeps its own division.
// CHECK-LABEL: func.func @per_column_transposed
// CHECK-SAME: (%[[X:.+]]: tensor<3x2xi8>, %[[B:.+]]: tensor<2xf32>)
// CHECK-DAG: %[[ZB:.+]] = tg.constant dense<[1, 2]> : tensor<2xi32>
// CHECK-DAG: %[[SC:.+]] = tg.constant dense<[1.250000e-01, 2.500000e-01]> : tensor<2xf32>
// CHECK: %[[WT:.+]] = tg.transpose %{{.+}} perm = [1, 0] : tensor<2x2xi8>
// CHECK: %[[ACC:.+]] = tg.matmul_integer %[[X]], %[[WT]] : tensor<3x2xi8>, tensor<2x2xi8>
// CHECK: %[[XW:.+]] = tg.cast %[[X]] : tensor<3x2xi8> -> tensor<3x2xi32>
// CHECK: %[[ROWS:.+]] = tg.reduce_sum %[[XW]] axes = [1] keepdims
// CHECK: %[[T:.+]] = tg.mul %[[ROWS]], %[[ZB]]
// CHECK: %[[C:.+]] = tg.sub %[[ACC]], %[[T]]
// CHECK: %[[F:.+]] = tg.cast %[[C]]
// CHECK: %[[R:.+]] = tg.mul %[[F]], %[[SC]]
// CHECK: %[[RB:.+]] = tg.add %[[R]], %[[B]]
// CHECK: tg.quantize %[[RB]] : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<i8:f32, 2.000000e+00:10>>
func.func @per_column_transposed(%x: tensor<3x2xi8>, %b: tensor<2xf32>) -> tensor<3x2xi8> {
  %w = tg.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %xq = tg.storage_cast %x : tensor<3x2xi8> -> tensor<3x2x!quant.uniform<i8:f32, 0.5>>
  %xd = tg.dequantize %xq : tensor<3x2x!quant.uniform<i8:f32, 0.5>> -> tensor<3x2xf32>
  %wq = tg.storage_cast %w : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8:f32:0, {0.25:1, 0.5:2}>>
  %wd = tg.dequantize %wq : tensor<2x2x!quant.uniform<i8:f32:0, {0.25:1, 0.5:2}>> -> tensor<2x2xf32>
  %wt = tg.transpose %wd perm = [1, 0] : tensor<2x2xf32>
  %m = tg.matmul %xd, %wt : tensor<3x2xf32>, tensor<2x2xf32>
  %mb = tg.add %m, %b : tensor<3x2xf32>, tensor<2xf32>
  %q = tg.quantize %mb : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<i8:f32, 2.0:10>>
  %y = tg.storage_cast %q : tensor<3x2x!quant.uniform<i8:f32, 2.0:10>> -> tensor<3x2xi8>
  return %y : tensor<3x2xi8>
}

// -----

// What stays float: a float operand, and a left operand quantized along its
// columns.
// CHECK-LABEL: func.func @stays_float
// CHECK-NOT: matmul_integer
// CHECK: tg.matmul %arg0
// CHECK-NOT: matmul_integer
// CHECK: tg.matmul %{{.+}} : tensor<2x2xf32>, tensor<2x2xf32>
// CHECK-NOT: matmul_integer
// CHECK: return
func.func @stays_float(%x: tensor<2x2xf32>, %q: tensor<2x2x!quant.uniform<i8:f32, 0.5>>,
                       %p: tensor<2x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %d = tg.dequantize %q : tensor<2x2x!quant.uniform<i8:f32, 0.5>> -> tensor<2x2xf32>
  %m = tg.matmul %x, %d : tensor<2x2xf32>, tensor<2x2xf32>
  %pd = tg.dequantize %p : tensor<2x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>> -> tensor<2x2xf32>
  %n = tg.matmul %pd, %d : tensor<2x2xf32>, tensor<2x2xf32>
  return %m, %n : tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// A 1x1 convolution with a bias: the filter [F, C] on the left (quantized per
// output channel: per row), x's integers as [N, C, H*W]; the row term
// 128 * rowsum(w) = 128 * 4 is a constant [F, 1]; the product is reshaped to
// the output. The bias [1, 2] is whole multiples of the scales
// 0.5 * [0.25, 0.5] (8 each, a quantizer's int32 bias): it joins the i32
// sum, then one per-channel rescale [F, 1, 1]. (The bias reshape folds
// while the pattern builds it: the driver is told the folded op is gone.)
// CHECK-LABEL: func.func @conv1x1_bias
// CHECK-DAG: %[[S:.+]] = tg.constant dense<{{\[\[\[}}1.250000e-01]], {{\[\[}}2.500000e-01]]]> : tensor<2x1x1xf32>
// CHECK-DAG: %[[B:.+]] = tg.constant dense<8> : tensor<2x1x1xi32>
// CHECK-DAG: %[[ROW:.+]] = tg.constant dense<512> : tensor<2x1xi32>
// CHECK-DAG: %[[W:.+]] = tg.constant dense<1> : tensor<2x4xi8>
// CHECK: %[[X:.+]] = tg.reshape %arg0 : tensor<1x4x3x3xui8> -> tensor<1x4x9xui8>
// CHECK: %[[ACC:.+]] = tg.matmul_integer %[[W]], %[[X]] : tensor<2x4xi8>, tensor<1x4x9xui8>
// CHECK: %[[C:.+]] = tg.sub %[[ACC]], %[[ROW]]
// CHECK: %[[O:.+]] = tg.reshape %[[C]] : tensor<1x2x9xi32> -> tensor<1x2x3x3xi32>
// CHECK: %[[OB:.+]] = tg.add %[[O]], %[[B]]
// CHECK: %[[F:.+]] = tg.cast %[[OB]]
// CHECK: tg.mul %[[F]], %[[S]]
func.func @conv1x1_bias(%x: tensor<1x4x3x3xui8>) -> tensor<1x2x3x3xf32> {
  %w = tg.constant dense<1> : tensor<2x4x1x1xi8>
  %b = tg.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %xq = tg.storage_cast %x : tensor<1x4x3x3xui8> -> tensor<1x4x3x3x!quant.uniform<u8:f32, 0.5:128>>
  %xd = tg.dequantize %xq : tensor<1x4x3x3x!quant.uniform<u8:f32, 0.5:128>> -> tensor<1x4x3x3xf32>
  %wq = tg.storage_cast %w : tensor<2x4x1x1xi8> -> tensor<2x4x1x1x!quant.uniform<i8:f32:0, {0.25, 0.5}>>
  %wd = tg.dequantize %wq : tensor<2x4x1x1x!quant.uniform<i8:f32:0, {0.25, 0.5}>> -> tensor<2x4x1x1xf32>
  %y = tg.conv %xd, %wd, %b strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1 : tensor<1x4x3x3xf32>, tensor<2x4x1x1xf32>, tensor<2xf32>
  return %y : tensor<1x2x3x3xf32>
}

// A bias that is not (1.1 is no multiple of 0.125) is added in float after
// the rescale.
// CHECK-LABEL: func.func @conv1x1_float_bias
// CHECK: %[[R:.+]] = tg.mul
// CHECK: tg.add %[[R]], %{{.+}} : tensor<1x2x3x3xf32>, tensor<2x1x1xf32>
func.func @conv1x1_float_bias(%x: tensor<1x4x3x3xui8>) -> tensor<1x2x3x3xf32> {
  %w = tg.constant dense<1> : tensor<2x4x1x1xi8>
  %b = tg.constant dense<[1.1, 2.0]> : tensor<2xf32>
  %xq = tg.storage_cast %x : tensor<1x4x3x3xui8> -> tensor<1x4x3x3x!quant.uniform<u8:f32, 0.5:128>>
  %xd = tg.dequantize %xq : tensor<1x4x3x3x!quant.uniform<u8:f32, 0.5:128>> -> tensor<1x4x3x3xf32>
  %wq = tg.storage_cast %w : tensor<2x4x1x1xi8> -> tensor<2x4x1x1x!quant.uniform<i8:f32:0, {0.25, 0.5}>>
  %wd = tg.dequantize %wq : tensor<2x4x1x1x!quant.uniform<i8:f32:0, {0.25, 0.5}>> -> tensor<2x4x1x1xf32>
  %y = tg.conv %xd, %wd, %b strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] group = 1 : tensor<1x4x3x3xf32>, tensor<2x4x1x1xf32>, tensor<2xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// A padded 3x3 stride-2 convolution: x padded with its zero point 128 (the
// real 0), one strided slice per tap stacked along a new axis, the columns
// [N, C*9, P]; a grouped one stays float.
// CHECK-LABEL: func.func @conv3x3_padded
// CHECK: %[[P:.+]] = tg.pad %arg0 mode = constant pads = [0, 0, 1, 1, 0, 0, 1, 1] {value = -128 : i8} : tensor<1x2x5x5xi8>
// CHECK: tg.slice %[[P]] offsets = [0, 0, 0, 0] sizes = [1, 2, 3, 3] steps = [1, 1, 2, 2]
// CHECK-COUNT-8: tg.slice %[[P]]
// CHECK: %[[CAT:.+]] = tg.concat {{.*}} axis = 2 : {{.*}}
// CHECK: %[[COLS:.+]] = tg.reshape %[[CAT]] : tensor<1x2x9x9xi8> -> tensor<1x18x9xi8>
// CHECK: tg.matmul_integer %{{.+}}, %[[COLS]] : tensor<3x18xi8>, tensor<1x18x9xi8>
// CHECK: tg.conv {{.*}} group = 2
func.func @conv3x3_padded(%x: tensor<1x2x5x5xi8>, %g: tensor<1x2x5x5xi8>) -> (tensor<1x3x3x3xf32>, tensor<1x2x5x5xf32>) {
  %w = tg.constant dense<1> : tensor<3x2x3x3xi8>
  %xq = tg.storage_cast %x : tensor<1x2x5x5xi8> -> tensor<1x2x5x5x!quant.uniform<i8:f32, 0.5:-128>>
  %xd = tg.dequantize %xq : tensor<1x2x5x5x!quant.uniform<i8:f32, 0.5:-128>> -> tensor<1x2x5x5xf32>
  %wq = tg.storage_cast %w : tensor<3x2x3x3xi8> -> tensor<3x2x3x3x!quant.uniform<i8:f32, 0.25>>
  %wd = tg.dequantize %wq : tensor<3x2x3x3x!quant.uniform<i8:f32, 0.25>> -> tensor<3x2x3x3xf32>
  %y = tg.conv %xd, %wd strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] group = 1 : tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>
  %d = tg.constant dense<1> : tensor<2x1x3x3xi8>
  %dq = tg.storage_cast %d : tensor<2x1x3x3xi8> -> tensor<2x1x3x3x!quant.uniform<i8:f32, 0.25>>
  %dd = tg.dequantize %dq : tensor<2x1x3x3x!quant.uniform<i8:f32, 0.25>> -> tensor<2x1x3x3xf32>
  %z = tg.conv %xd, %dd strides = [1, 1] pads = [1, 1, 1, 1] dilations = [1, 1] group = 2 : tensor<1x2x5x5xf32>, tensor<2x1x3x3xf32>
  return %y, %z : tensor<1x3x3x3xf32>, tensor<1x2x5x5xf32>
}

// -----

// A left operand quantized per row (its quantized axis is the rows): the
// rescale is a [M, 1] column.
// CHECK-LABEL: func.func @per_row_left
// CHECK-DAG: %[[SC:.+]] = tg.constant dense<{{\[\[}}1.250000e-01], [2.500000e-01]]> : tensor<2x1xf32>
// CHECK: tg.matmul_integer
// CHECK: tg.mul %{{.+}}, %[[SC]]
func.func @per_row_left(%x: tensor<2x3xi8>) -> tensor<2x3xf32> {
  %w = tg.constant dense<1> : tensor<2x2xi8>
  %wq = tg.storage_cast %w : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8:f32:0, {0.25, 0.5}>>
  %wd = tg.dequantize %wq : tensor<2x2x!quant.uniform<i8:f32:0, {0.25, 0.5}>> -> tensor<2x2xf32>
  %xq = tg.storage_cast %x : tensor<2x3xi8> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  %xd = tg.dequantize %xq : tensor<2x3x!quant.uniform<i8:f32, 0.5>> -> tensor<2x3xf32>
  %m = tg.matmul %wd, %xd : tensor<2x2xf32>, tensor<2x3xf32>
  return %m : tensor<2x3xf32>
}

// -----

// A ReLU before a u8 quantize with zero point 0 changes nothing the
// quantize keeps (it saturates at 0 anyway): absorbed, and the product
// requantizes with one multiplier (0.5 * 0.25 / 0.01 = 12.5). A Clip(0, 6)
// before a quantize whose range ends at 2.55 too; one cutting inside the
// range (Clip(0, 1)) stays.
// CHECK-LABEL: func.func @absorb_clamp
// CHECK-DAG: %[[M:.+]] = tg.constant dense<1.250000e+01> : tensor<f32>
// CHECK: %[[F:.+]] = tg.cast %{{.+}} : tensor<3x2xi32> -> tensor<3x2xf32>
// CHECK: %[[R:.+]] = tg.mul %[[F]], %{{.+}}
// CHECK: %[[R1:.+]] = tg.mul %[[F]], %[[M]]
// CHECK: tg.quantize %[[R1]] : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<u8:f32, 1.000000e+00>>
// CHECK: %[[R6:.+]] = tg.mul %[[F]], %[[M]]
// CHECK: tg.quantize %[[R6]] : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<u8:f32, 1.000000e+00>>
// CHECK: %[[C:.+]] = tg.clip %[[R]] {max = 1.000000e+00 : f32, min = 0.000000e+00 : f32}
// CHECK: tg.quantize %[[C]] : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<u8:f32, 1.000000e-02>>
func.func @absorb_clamp(%x: tensor<3x2xui8>) -> (tensor<3x2xui8>, tensor<3x2xui8>, tensor<3x2xui8>) {
  %w = tg.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %xq = tg.storage_cast %x : tensor<3x2xui8> -> tensor<3x2x!quant.uniform<u8:f32, 0.5:128>>
  %xd = tg.dequantize %xq : tensor<3x2x!quant.uniform<u8:f32, 0.5:128>> -> tensor<3x2xf32>
  %wq = tg.storage_cast %w : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8:f32, 0.25>>
  %wd = tg.dequantize %wq : tensor<2x2x!quant.uniform<i8:f32, 0.25>> -> tensor<2x2xf32>
  %m = tg.matmul %xd, %wd : tensor<3x2xf32>, tensor<2x2xf32>
  %r = tg.relu %m : tensor<3x2xf32>
  %q = tg.quantize %r : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<u8:f32, 0.01>>
  %y = tg.storage_cast %q : tensor<3x2x!quant.uniform<u8:f32, 0.01>> -> tensor<3x2xui8>
  %c6 = tg.clip %m {max = 6.0 : f32, min = 0.0 : f32} : tensor<3x2xf32>
  %q6 = tg.quantize %c6 : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<u8:f32, 0.01>>
  %y6 = tg.storage_cast %q6 : tensor<3x2x!quant.uniform<u8:f32, 0.01>> -> tensor<3x2xui8>
  %c1 = tg.clip %m {max = 1.0 : f32, min = 0.0 : f32} : tensor<3x2xf32>
  %q1 = tg.quantize %c1 : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<u8:f32, 0.01>>
  %y1 = tg.storage_cast %q1 : tensor<3x2x!quant.uniform<u8:f32, 0.01>> -> tensor<3x2xui8>
  return %y, %y6, %y1 : tensor<3x2xui8>, tensor<3x2xui8>, tensor<3x2xui8>
}
