// RUN: tessera-opt %s --split-input-file --tessera-promote-accumulators | FileCheck %s

// A row maximum as linalg's loops write it: the output element is loaded and
// stored every iteration; promoted, it is loaded once, carried, stored once.
// The input is another argument: distinct.
// CHECK-LABEL: func.func @row_max
// CHECK: scf.for %[[I:.*]] =
// CHECK:   %[[INIT:.*]] = memref.load %arg1[%[[I]]]
// CHECK:   %[[R:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32)
// CHECK-NOT: memref.store
// CHECK:     %[[M:.*]] = arith.maximumf %[[ACC]], %{{.*}} : f32
// CHECK:     scf.yield %[[M]] : f32
// CHECK:   memref.store %[[R]], %arg1[%[[I]]]
func.func @row_max(%x: memref<64x300xf32>, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c300 = arith.constant 300 : index
  scf.for %i = %c0 to %c64 step %c1 {
    scf.for %j = %c0 to %c300 step %c1 {
      %v = memref.load %x[%i, %j] : memref<64x300xf32>
      %a = memref.load %out[%i] : memref<64xf32>
      %m = arith.maximumf %a, %v : f32
      memref.store %m, %out[%i] : memref<64xf32>
    }
  }
  return
}

// -----

// Two reduction loops, inside out: both hoisted. Input and accumulator are
// views of one workspace at disjoint byte ranges.
// CHECK-LABEL: func.func @views
// CHECK: %[[INIT:.*]] = memref.load %[[ACC:.*]][]
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (f32)
// CHECK:   scf.for {{.*}} iter_args
// CHECK-NOT: memref.store
// CHECK: memref.store %{{.*}}, %[[ACC]][]
func.func @views(%w: memref<1024xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c512 = arith.constant 512 : index
  %x = memref.view %w[%c0][] : memref<1024xi8> to memref<8x8xf32>
  %acc = memref.view %w[%c512][] : memref<1024xi8> to memref<f32>
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<8x8xf32>
      %a = memref.load %acc[] : memref<f32>
      %s = arith.addf %a, %v : f32
      memref.store %s, %acc[] : memref<f32>
    }
  }
  return
}

// -----

// Kept in memory: the loop also reads a view that overlaps the accumulator
// (bytes 0-256 and 192-196), the indices change in the loop, another access
// to the element, an unknown call.
// CHECK-LABEL: func.func @kept
// CHECK-NOT: iter_args
// CHECK: return
func.func private @opaque()
func.func @kept(%w: memref<1024xi8>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c192 = arith.constant 192 : index
  %x = memref.view %w[%c0][] : memref<1024xi8> to memref<8x8xf32>
  %acc = memref.view %w[%c192][] : memref<1024xi8> to memref<f32>
  scf.for %j = %c0 to %c8 step %c1 {
    %v = memref.load %x[%c0, %j] : memref<8x8xf32>
    %a = memref.load %acc[] : memref<f32>
    %s = arith.addf %a, %v : f32
    memref.store %s, %acc[] : memref<f32>
  }
  scf.for %j = %c0 to %c8 step %c1 {
    %a = memref.load %out[%j] : memref<8xf32>
    %s = arith.addf %a, %a : f32
    memref.store %s, %out[%j] : memref<8xf32>
  }
  scf.for %j = %c0 to %c8 step %c1 {
    %a = memref.load %out[%c0] : memref<8xf32>
    %b = memref.load %out[%c1] : memref<8xf32>
    %s = arith.addf %a, %b : f32
    memref.store %s, %out[%c0] : memref<8xf32>
  }
  scf.for %j = %c0 to %c8 step %c1 {
    %a = memref.load %out[%c0] : memref<8xf32>
    func.call @opaque() : () -> ()
    memref.store %a, %out[%c0] : memref<8xf32>
  }
  return
}
