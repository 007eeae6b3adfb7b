// Folders and canonicalization patterns of the tg dialect.
// RUN: tessera-opt %s --split-input-file --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @shape_arithmetic
// CHECK-DAG: %[[A:.+]] = tg.constant dense<[7, 9, 11]> : tensor<3xi64>
// CHECK-DAG: %[[S:.+]] = tg.constant dense<[-3, -1, 1]> : tensor<3xi64>
// CHECK-DAG: %[[M:.+]] = tg.constant dense<{{\[\[}}2, 4, 6], [4, 8, 12]]> : tensor<2x3xi64>
// CHECK-DAG: %[[D:.+]] = tg.constant dense<[1, 1, 2]> : tensor<3xi64>
// CHECK: return %[[A]], %[[S]], %[[M]], %[[D]]
func.func @shape_arithmetic() -> (tensor<3xi64>, tensor<3xi64>, tensor<2x3xi64>, tensor<3xi64>) {
  %a = tg.constant dense<[2, 4, 6]> : tensor<3xi64>
  %b = tg.constant dense<5> : tensor<i64>
  %c = tg.constant dense<[[1], [2]]> : tensor<2x1xi64>
  %0 = tg.add %a, %b : tensor<3xi64>, tensor<i64>
  %1 = tg.sub %a, %b : tensor<3xi64>, tensor<i64>
  %2 = tg.mul %c, %a : tensor<2x1xi64>, tensor<3xi64>
  %3 = tg.div %0, %b : tensor<3xi64>, tensor<i64>
  %4 = tg.add %3, %c : tensor<3xi64>, tensor<2x1xi64>
  return %0, %1, %2, %3 : tensor<3xi64>, tensor<3xi64>, tensor<2x3xi64>, tensor<3xi64>
}

// -----

// Integer division truncates toward zero; unsigned divides unsigned; division
// by zero is left to run time.
// CHECK-LABEL: func.func @integer_division
// CHECK-DAG: tg.constant dense<[-2, 2]> : tensor<2xi32>
// CHECK-DAG: tg.constant dense<127> : tensor<2xui8>
// CHECK-DAG: %[[Z:.+]] = tg.div %{{.+}}, %{{.+}} : tensor<2xi32>, tensor<i32>
func.func @integer_division() -> (tensor<2xi32>, tensor<2xui8>, tensor<2xi32>) {
  %a = tg.constant dense<[-7, 7]> : tensor<2xi32>
  %b = tg.constant dense<3> : tensor<i32>
  %z = tg.constant dense<0> : tensor<i32>
  %u = tg.constant dense<254> : tensor<2xui8>
  %two = tg.constant dense<2> : tensor<ui8>
  %0 = tg.div %a, %b : tensor<2xi32>, tensor<i32>
  %1 = tg.div %u, %two : tensor<2xui8>, tensor<ui8>
  %2 = tg.div %a, %z : tensor<2xi32>, tensor<i32>
  return %0, %1, %2 : tensor<2xi32>, tensor<2xui8>, tensor<2xi32>
}

// -----

// CHECK-LABEL: func.func @float_arithmetic
// CHECK: %[[R:.+]] = tg.constant dense<[1.500000e+00, 2.500000e+00]> : tensor<2xf32>
// CHECK: return %[[R]]
func.func @float_arithmetic() -> tensor<2xf32> {
  %a = tg.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %h = tg.constant dense<0.5> : tensor<f32>
  %0 = tg.add %a, %h : tensor<2xf32>, tensor<f32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>, %[[I:.+]]: tensor<4xi64>)
// CHECK-NOT: tg.
// CHECK: return %[[X]], %[[X]], %[[X]], %[[I]], %[[I]]
func.func @identities(%x: tensor<2x3xf32>, %i: tensor<4xi64>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xi64>, tensor<4xi64>) {
  %one = tg.constant dense<1.0> : tensor<3xf32>
  %nzero = tg.constant dense<-0.0> : tensor<f32>
  %izero = tg.constant dense<0> : tensor<i64>
  %0 = tg.mul %x, %one : tensor<2x3xf32>, tensor<3xf32>
  %1 = tg.div %0, %one : tensor<2x3xf32>, tensor<3xf32>
  %2 = tg.add %x, %nzero : tensor<2x3xf32>, tensor<f32>
  %3 = tg.add %izero, %i : tensor<i64>, tensor<4xi64>
  %4 = tg.sub %i, %izero : tensor<4xi64>, tensor<i64>
  return %0, %1, %2, %3, %4 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xi64>, tensor<4xi64>
}

// -----

// Adding +0.0 is not an identity (-0.0 + 0.0 = +0.0); an identity that would
// broadcast the other operand to a larger shape is not one either.
// CHECK-LABEL: func.func @not_identities
// CHECK: tg.add
// CHECK: tg.mul
func.func @not_identities(%x: tensor<2x3xf32>, %v: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %zero = tg.constant dense<0.0> : tensor<f32>
  %ones = tg.constant dense<1.0> : tensor<2x3xf32>
  %0 = tg.add %x, %zero : tensor<2x3xf32>, tensor<f32>
  %1 = tg.mul %v, %ones : tensor<3xf32>, tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @unary_folds
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NOT: tg.
// CHECK: return %[[X]], %[[X]]
func.func @unary_folds(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = tg.neg %x : tensor<4xf32>
  %1 = tg.neg %0 : tensor<4xf32>
  %2 = tg.clip %x : tensor<4xf32>
  return %1, %2 : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @reshapes
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK-DAG: %[[R:.+]] = tg.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<24xf32>
// CHECK-DAG: %[[C:.+]] = tg.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK: return %[[X]], %[[R]], %[[C]]
func.func @reshapes(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<24xf32>, tensor<2x2xi32>) {
  %0 = tg.reshape %x : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  %1 = tg.reshape %0 : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %2 = tg.reshape %1 : tensor<6x4xf32> -> tensor<24xf32>
  %c = tg.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %3 = tg.reshape %c : tensor<4xi32> -> tensor<2x2xi32>
  return %0, %2, %3 : tensor<2x3x4xf32>, tensor<24xf32>, tensor<2x2xi32>
}

// -----

// Squeeze, unsqueeze and flatten become reshapes, which then compose.
// CHECK-LABEL: func.func @reshape_like
// CHECK-SAME: (%[[X:.+]]: tensor<1x64x1x1xf32>)
// CHECK-NOT: tg.squeeze
// CHECK-NOT: tg.unsqueeze
// CHECK-NOT: tg.flatten
// CHECK-DAG: %[[S:.+]] = tg.reshape %[[X]] : tensor<1x64x1x1xf32> -> tensor<1x64xf32>
// CHECK-DAG: %[[U:.+]] = tg.reshape %[[X]] : tensor<1x64x1x1xf32> -> tensor<64x1xf32>
// CHECK-DAG: %[[F:.+]] = tg.reshape %[[X]] : tensor<1x64x1x1xf32> -> tensor<1x64xf32>
// CHECK: return %[[S]], %[[U]], %[[F]]
func.func @reshape_like(%x: tensor<1x64x1x1xf32>) -> (tensor<1x64xf32>, tensor<64x1xf32>, tensor<1x64xf32>) {
  %0 = tg.squeeze %x axes = [2, 3] : tensor<1x64x1x1xf32>
  %1 = tg.squeeze %x axes = [0, 2, 3] : tensor<1x64x1x1xf32>
  %2 = tg.unsqueeze %1 axes = [1] : tensor<64xf32>
  %3 = tg.flatten %x axis = 1 : tensor<1x64x1x1xf32>
  return %0, %2, %3 : tensor<1x64xf32>, tensor<64x1xf32>, tensor<1x64xf32>
}

// -----

// CHECK-LABEL: func.func @transposes
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK: %[[T:.+]] = tg.transpose %[[X]] perm = [2, 1, 0] : tensor<2x3x4xf32>
// CHECK: return %[[X]], %[[T]], %[[X]]
func.func @transposes(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<4x3x2xf32>, tensor<2x3x4xf32>) {
  %0 = tg.transpose %x perm = [0, 1, 2] : tensor<2x3x4xf32>
  %1 = tg.transpose %x perm = [1, 2, 0] : tensor<2x3x4xf32>
  // x -> [3,4,2] -> perm [1, 0, 2] of that = [4, 3, 2] = x perm [2, 1, 0]
  %2 = tg.transpose %1 perm = [1, 0, 2] : tensor<3x4x2xf32>
  %3 = tg.transpose %1 perm = [2, 0, 1] : tensor<3x4x2xf32>
  return %0, %2, %3 : tensor<2x3x4xf32>, tensor<4x3x2xf32>, tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @trivial_data_movement
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NOT: tg.
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @trivial_data_movement(%x: tensor<2x3xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = tg.concat %x axis = 1 : tensor<2x3xf32>
  %1 = tg.slice %x offsets = [0, 0] sizes = [2, 3] steps = [1, 1] : tensor<2x3xf32>
  %2 = tg.pad %x mode = reflect pads = [0, 0, 0, 0] : tensor<2x3xf32>
  %3 = tg.expand %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %4 = tg.cast %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %5 = tg.reduce_sum %x axes = [] : tensor<2x3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// A one-element slice of a reversed dimension is not the identity.
// CHECK-LABEL: func.func @reversed_slice
// CHECK: tg.slice
func.func @reversed_slice(%x: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %0 = tg.slice %x offsets = [0, 2] sizes = [1, 3] steps = [1, -1] : tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// CHECK-LABEL: func.func @cast_constants
// CHECK-DAG: tg.constant dense<[1.000000e+00, -2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-DAG: tg.constant dense<[1, -2, 2]> : tensor<3xi64>
// CHECK-DAG: tg.constant dense<[true, true, false]> : tensor<3xi1>
// CHECK-DAG: tg.constant dense<[255, 254, 0]> : tensor<3xui8>
// CHECK-DAG: tg.constant dense<7> : tensor<2x2xi32>
func.func @cast_constants() -> (tensor<3xf32>, tensor<3xi64>, tensor<3xi1>, tensor<3xui8>, tensor<2x2xi32>) {
  %i = tg.constant dense<[1, -2, 3]> : tensor<3xi32>
  %f = tg.constant dense<[1.5, -2.7, 2.9]> : tensor<3xf32>
  %z = tg.constant dense<[0.5, -1.0, 0.0]> : tensor<3xf32>
  %u = tg.constant dense<[-1, -2, 0]> : tensor<3xi8>
  %s = tg.constant dense<7> : tensor<i32>
  %0 = tg.cast %i : tensor<3xi32> -> tensor<3xf32>
  %1 = tg.cast %f : tensor<3xf32> -> tensor<3xi64>
  %2 = tg.cast %z : tensor<3xf32> -> tensor<3xi1>
  %3 = tg.cast %u : tensor<3xi8> -> tensor<3xui8>
  %4 = tg.expand %s : tensor<i32> -> tensor<2x2xi32>
  return %0, %1, %2, %3, %4 : tensor<3xf32>, tensor<3xi64>, tensor<3xi1>, tensor<3xui8>, tensor<2x2xi32>
}

// -----

// NaN and out-of-range float to integer casts are undefined: not folded.
// CHECK-LABEL: func.func @cast_undefined
// CHECK: tg.cast
func.func @cast_undefined() -> tensor<2xi8> {
  %f = tg.constant dense<[1.0e+10, 0x7FC00000]> : tensor<2xf32>
  %0 = tg.cast %f : tensor<2xf32> -> tensor<2xi8>
  return %0 : tensor<2xi8>
}

// -----

// Two storage casts that return to the first type fold away.
// CHECK-LABEL: func.func @storage_cast_round_trip
// CHECK-SAME: (%[[X:.+]]: tensor<4xui8>)
// CHECK-NOT: tg.storage_cast
// CHECK: return %[[X]]
func.func @storage_cast_round_trip(%x: tensor<4xui8>) -> tensor<4xui8> {
  %q = tg.storage_cast %x : tensor<4xui8> -> tensor<4x!quant.uniform<u8:f32, 0.5:3>>
  %y = tg.storage_cast %q : tensor<4x!quant.uniform<u8:f32, 0.5:3>> -> tensor<4xui8>
  return %y : tensor<4xui8>
}
