// RUN: tessera-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(tessera-plan-memory))" --verify-diagnostics | FileCheck %s

// Three temporaries: %a's last use (through its subview) comes before %c is
// made, so %c reuses %a's bytes; %b overlaps both. Sizes round up to 64
// bytes. Deallocations are not uses.
// CHECK-LABEL: func.func @reuse
// CHECK-SAME: (%[[IN:.+]]: memref<16xf32>, %[[OUT:.+]]: memref<16xf32>, %[[WS:.+]]: memref<128xi8>)
// CHECK-SAME: attributes {tk.workspace_size = 128 : i64}
// CHECK: %[[C0:.+]] = arith.constant 0 : index
// CHECK: memref.view %[[WS]][%[[C0]]][] : memref<128xi8> to memref<16xf32>
// CHECK: %[[C64:.+]] = arith.constant 64 : index
// CHECK: memref.view %[[WS]][%[[C64]]][] : memref<128xi8> to memref<8xf32>
// CHECK: %[[C0B:.+]] = arith.constant 0 : index
// CHECK: memref.view %[[WS]][%[[C0B]]][] : memref<128xi8> to memref<16xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
func.func @reuse(%in: memref<16xf32>, %out: memref<16xf32>) {
  %a = memref.alloc() : memref<16xf32>
  memref.copy %in, %a : memref<16xf32> to memref<16xf32>
  %b = memref.alloc() : memref<8xf32>
  %sub = memref.subview %a[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  memref.copy %sub, %b : memref<8xf32, strided<[1]>> to memref<8xf32>
  %c = memref.alloc() : memref<16xf32>
  %sub2 = memref.subview %c[8] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 8>>
  memref.copy %b, %sub2 : memref<8xf32> to memref<8xf32, strided<[1], offset: 8>>
  memref.copy %c, %out : memref<16xf32> to memref<16xf32>
  memref.dealloc %a : memref<16xf32>
  memref.dealloc %b : memref<8xf32>
  memref.dealloc %c : memref<16xf32>
  return
}

// -----

// A view keeps its source alive: %a may not be reused while %v is read.
// CHECK-LABEL: func.func @views_extend_lifetime
// CHECK-SAME: %{{.+}}: memref<128xi8>) attributes {tk.workspace_size = 128 : i64}
func.func @views_extend_lifetime(%in: memref<4x4xf32>, %out: memref<16xf32>) {
  %a = memref.alloc() : memref<4x4xf32>
  memref.copy %in, %a : memref<4x4xf32> to memref<4x4xf32>
  %v = memref.collapse_shape %a [[0, 1]] : memref<4x4xf32> into memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  memref.copy %v, %b : memref<16xf32> to memref<16xf32>
  memref.copy %v, %out : memref<16xf32> to memref<16xf32>
  memref.copy %b, %out : memref<16xf32> to memref<16xf32>
  return
}

// -----

// A function without temporaries gets an empty workspace.
// CHECK-LABEL: func.func @none
// CHECK-SAME: %{{.+}}: memref<0xi8>) attributes {tk.workspace_size = 0 : i64}
func.func @none(%in: memref<4xf32>, %out: memref<4xf32>) {
  memref.copy %in, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

func.func @dynamic(%n: index) {
  // expected-error @+1 {{'memref.alloc' op cannot be placed in the workspace: needs a static shape, identity layout and the function's top level}}
  %a = memref.alloc(%n) : memref<?xf32>
  return
}

// -----

// The status word lives for the whole function (the entry point reads it
// after the last op), so a temporary made after its last use in the body
// does not take its bytes; its offset is recorded.
// CHECK-LABEL: func.func @status_word
// CHECK-SAME: %[[WS:[a-z0-9]+]]: memref<128xi8>) attributes {tk.status_offset = 0 : i64, tk.workspace_size = 128 : i64}
// CHECK: memref.view %[[WS]][%{{.+}}][] : memref<128xi8> to memref<i32>
// CHECK: %[[C64:.+]] = arith.constant 64 : index
// CHECK: memref.view %[[WS]][%[[C64]]][] : memref<128xi8> to memref<16xf32>
func.func @status_word(%in: memref<16xf32>, %out: memref<16xf32>) {
  %status = memref.alloc() {tk.status} : memref<i32>
  %c0 = arith.constant 0 : i32
  memref.store %c0, %status[] : memref<i32>
  %a = memref.alloc() : memref<16xf32>
  memref.copy %in, %a : memref<16xf32> to memref<16xf32>
  memref.copy %a, %out : memref<16xf32> to memref<16xf32>
  return
}

// -----

// Index elements take 8 bytes (as the LLVM lowering lays them out): 9 of
// them, 72 bytes, round up to 128.
// CHECK-LABEL: func.func @index_elements
// CHECK-SAME: attributes {tk.workspace_size = 128 : i64}
// CHECK: memref.view %{{.+}}[%{{.+}}][] : memref<128xi8> to memref<9xindex>
func.func @index_elements(%out: memref<9xindex>) {
  %a = memref.alloc() : memref<9xindex>
  memref.copy %a, %out : memref<9xindex> to memref<9xindex>
  return
}

// -----

func.func @complex_elements(%out: memref<4xcomplex<f32>>) {
  // expected-error @+1 {{'memref.alloc' op cannot be placed in the workspace: elements of 'complex<f32>' have no size here}}
  %a = memref.alloc() : memref<4xcomplex<f32>>
  memref.copy %a, %out : memref<4xcomplex<f32>> to memref<4xcomplex<f32>>
  return
}
