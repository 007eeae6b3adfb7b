// RUN: tessera-opt --tessera-approximate-math %s | FileCheck %s

// f32 exp, erf and tanh on vectors become arithmetic: no math function op
// and no call is left, only fma/floor and bit manipulation.
// CHECK-LABEL: func.func @activations
// CHECK-NOT: math.exp
// CHECK-NOT: math.erf
// CHECK-NOT: math.tanh
// CHECK-NOT: call
// CHECK: return
func.func @activations(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>) {
  %0 = math.exp %x : vector<16xf32>
  %1 = math.erf %x : vector<16xf32>
  %2 = math.tanh %x : vector<16xf32>
  return %0, %1, %2 : vector<16xf32>, vector<16xf32>, vector<16xf32>
}

// log scales a subnormal input by 2^24 and subtracts 24 ln 2.
// CHECK-LABEL: func.func @log
// CHECK-DAG: arith.constant 1.17549435E-38 : f32
// CHECK-DAG: arith.constant 0x4B800000 : f32
// CHECK-DAG: arith.constant 16.6355324 : f32
// CHECK: arith.cmpf olt
// CHECK-NOT: math.log
func.func @log(%x: f32) -> f32 {
  %0 = math.log %x : f32
  return %0 : f32
}

// pow by a constant 2 is a multiplication; by 0.5 a square root.
// CHECK-LABEL: func.func @pow_constant
// CHECK: %[[SQ:.*]] = arith.mulf %arg0, %arg0
// CHECK: %[[RT:.*]] = math.sqrt %arg0
// CHECK: return %[[SQ]], %[[RT]]
func.func @pow_constant(%x: f32) -> (f32, f32) {
  %two = arith.constant 2.0 : f32
  %half = arith.constant 0.5 : f32
  %0 = math.powf %x, %two : f32
  %1 = math.powf %x, %half : f32
  return %0, %1 : f32, f32
}

// A run-time exponent: exp(y * log|x|), the sign from an odd integer
// exponent (fptosi, the low bit), pow(x, 0) = pow(1, y) = 1.
// CHECK-LABEL: func.func @pow_runtime
// CHECK-DAG: arith.constant dense<0x7FC00000> : vector<8xf32>
// CHECK-DAG: arith.constant dense<1.000000e+00> : vector<8xf32>
// CHECK: math.absf %arg0
// CHECK: arith.fptosi %{{.*}} : vector<8xf32> to vector<8xi32>
// CHECK: arith.andi %{{.*}} : vector<8xi32>
// CHECK: arith.negf
// CHECK-NOT: math.powf
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK: return
func.func @pow_runtime(%x: vector<8xf32>, %y: vector<8xf32>) -> vector<8xf32> {
  %0 = math.powf %x, %y : vector<8xf32>
  return %0 : vector<8xf32>
}

// What keeps libm: trigonometric functions, and every f64 op.
// CHECK-LABEL: func.func @kept
// CHECK: math.sin %arg0 : f32
// CHECK: math.cos %arg0 : f32
// CHECK: math.exp %arg1 : f64
func.func @kept(%x: f32, %d: f64) -> (f32, f32, f64) {
  %0 = math.sin %x : f32
  %1 = math.cos %x : f32
  %2 = math.exp %d : f64
  return %0, %1, %2 : f32, f32, f64
}
