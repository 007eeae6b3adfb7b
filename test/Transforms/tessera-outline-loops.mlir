// RUN: tessera-opt %s --split-input-file --tessera-outline-loops="min-loops=2 max-group-loops=1" | FileCheck %s
// RUN: tessera-opt %s --split-input-file --tessera-outline-loops=min-loops=2 | FileCheck %s --check-prefix=GROUP
// RUN: tessera-opt %s --split-input-file --tessera-outline-loops | FileCheck %s --check-prefix=SMALL

// Two top-level loop nests, one per function (max-group-loops=1): each
// moves into an internal, never-inlined function of its own, called in its
// place; the buffers it uses (a view of the workspace included) become
// arguments, the constants are cloned in.
// CHECK-LABEL: func.func private @model_loop(
// CHECK-SAME: %[[A:.+]]: memref<8xf32>, %[[T:.+]]: memref<8xf32>)
// CHECK-SAME: llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C8:.+]] = arith.constant 8 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[TWO:.+]] = arith.constant 2.000000e+00 : f32
// CHECK: scf.for %[[I:.+]] = %[[C0]] to %[[C8]] step %[[C1]] {
// CHECK: memref.load %[[A]][%[[I]]]
// CHECK: arith.mulf %{{.+}}, %[[TWO]]
// CHECK: memref.store %{{.+}}, %[[T]][%[[I]]]
// CHECK: return
// CHECK-LABEL: func.func private @model_loop_0(
// CHECK-SAME: %{{.+}}: memref<8xf32>, %{{.+}}: memref<8xf32>)
// CHECK-LABEL: func.func @model(
// CHECK-SAME: %[[IN:[a-z0-9]+]]: memref<8xf32>, %[[OUT:[a-z0-9]+]]: memref<8xf32>, %[[WS:[a-z0-9]+]]: memref<64xi8>)
// CHECK: %[[VIEW:.+]] = memref.view %[[WS]]
// CHECK-NEXT: call @model_loop(%[[IN]], %[[VIEW]]) : (memref<8xf32>, memref<8xf32>) -> ()
// CHECK-NEXT: call @model_loop_0(%[[VIEW]], %[[OUT]]) : (memref<8xf32>, memref<8xf32>) -> ()
// CHECK-NEXT: return
// Grouped (up to 32 nests a function): both nests in one function, called
// after the second.
// GROUP-LABEL: func.func private @model_loop(
// GROUP-SAME: %[[A:.+]]: memref<8xf32>, %[[T:.+]]: memref<8xf32>, %[[B:.+]]: memref<8xf32>)
// GROUP: scf.for
// GROUP: memref.store %{{.+}}, %[[T]]
// GROUP: scf.for
// GROUP: memref.store %{{.+}}, %[[B]]
// GROUP-LABEL: func.func @model(
// GROUP: %[[VIEW:.+]] = memref.view
// GROUP-NEXT: call @model_loop(%arg0, %[[VIEW]], %arg1)
// GROUP-NEXT: return
// With the default threshold (64 nests) nothing moves.
// SMALL-LABEL: func.func @model(
// SMALL: scf.for
// SMALL: scf.for
// SMALL-NOT: call
func.func @model(%in: memref<8xf32>, %out: memref<8xf32>, %ws: memref<64xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %two = arith.constant 2.0 : f32
  %t = memref.view %ws[%c0][] : memref<64xi8> to memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %in[%i] : memref<8xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %t[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %t[%i] : memref<8xf32>
    %y = arith.addf %x, %two : f32
    memref.store %y, %out[%i] : memref<8xf32>
  }
  return
}

// -----

// A nest that uses a buffer without static strides stays inline; parallel
// tasks are never outlined from.
// CHECK-LABEL: func.func @dynamic_stays(
// CHECK: scf.for
// CHECK: call @dynamic_stays_loop(
// CHECK-LABEL: func.func @task(
// CHECK-NEXT: arith.constant 1 : index
// CHECK-NEXT: scf.for
func.func @dynamic_stays(%in: memref<?xf32>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %in[%i] : memref<?xf32>
    memref.store %x, %out[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %out[%i] : memref<8xf32>
    memref.store %x, %out[%i] : memref<8xf32>
  }
  return
}
func.func @task(%b: index, %e: index, %out: memref<8xf32>) attributes {tk.task} {
  %c1 = arith.constant 1 : index
  scf.for %i = %b to %e step %c1 {
    %x = memref.load %out[%i] : memref<8xf32>
    memref.store %x, %out[%i] : memref<8xf32>
  }
  scf.for %i = %b to %e step %c1 {
    %x = memref.load %out[%i] : memref<8xf32>
    memref.store %x, %out[%i] : memref<8xf32>
  }
  return
}

// -----

// An op with effects between nests (a copy) ends a group: the nests before
// it and after it are two functions, and the copy stays between the calls;
// an effect-free op (a view) does not.
// GROUP-LABEL: func.func @split(
// GROUP: call @split_loop(
// GROUP-NEXT: memref.copy
// GROUP: memref.view
// GROUP-NEXT: call @split_loop_0(
func.func @split(%in: memref<8xf32>, %out: memref<8xf32>, %ws: memref<64xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %in[%i] : memref<8xf32>
    memref.store %x, %out[%i] : memref<8xf32>
  }
  memref.copy %out, %in : memref<8xf32> to memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %in[%i] : memref<8xf32>
    memref.store %x, %out[%i] : memref<8xf32>
  }
  %t = memref.view %ws[%c0][] : memref<64xi8> to memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %out[%i] : memref<8xf32>
    memref.store %x, %t[%i] : memref<8xf32>
  }
  return
}
