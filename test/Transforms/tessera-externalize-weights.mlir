// RUN: tessera-opt %s --tessera-externalize-weights="mode=file min-bytes=64" | FileCheck %s
// RUN: tessera-opt %s --tessera-externalize-weights="mode=auto auto-bytes=100 min-bytes=64" | FileCheck %s --check-prefix=AUTO
// RUN: tessera-opt %s --tessera-externalize-weights="mode=embed" | FileCheck %s --check-prefix=EMBED
// RUN: not tessera-opt %s --tessera-externalize-weights="mode=embed max-embed-bytes=100" 2>&1 | FileCheck %s --check-prefix=TOOBIG
// RUN: not tessera-opt %s --tessera-externalize-weights="mode=somewhere" 2>&1 | FileCheck %s --check-prefix=MODE

// Two weights move to the section (the second 64-byte aligned after the
// first, a splat kept as a splat), each function loads the base once at
// its entry and reads a weight at base + offset; a small constant, one
// another global points at, and a mutable global stay.
// CHECK-LABEL: module attributes {tk.weights = {base = @__tessera_weights, size = 192 : i64, tensors = [{offset = 0 : i64, value = dense<{{.*}}> : tensor<20xf32>}, {offset = 128 : i64, value = dense<1> : tensor<64xi8>}]}}
// CHECK: llvm.mlir.global internal @__tessera_weights() {{.*}}: !llvm.ptr
// CHECK:   llvm.mlir.zero : !llvm.ptr
// CHECK-NOT: @big
// CHECK-NOT: @ones
// CHECK: llvm.mlir.global private constant @small
// CHECK: llvm.mlir.global private constant @pointed
// CHECK: llvm.mlir.global internal @table
// CHECK: llvm.mlir.global internal @state
// CHECK-LABEL: llvm.func @model
// CHECK-NEXT:    %[[SLOT:.*]] = llvm.mlir.addressof @__tessera_weights : !llvm.ptr
// CHECK-NEXT:    %[[BASE:.*]] = llvm.load %[[SLOT]] {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[AT0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK-NEXT:    %[[BIG:.*]] = llvm.getelementptr inbounds %[[BASE]][%[[AT0]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK:         %[[AT128:.*]] = llvm.mlir.constant(128 : i64) : i64
// CHECK-NEXT:    %[[ONES:.*]] = llvm.getelementptr inbounds %[[BASE]][%[[AT128]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK:         llvm.mlir.addressof @small
// CHECK:         llvm.mlir.addressof @pointed
// CHECK-LABEL: llvm.func @other
// CHECK-NEXT:    llvm.mlir.addressof @__tessera_weights
// CHECK-NEXT:    llvm.load
// AUTO: tk.weights
// EMBED-NOT: tk.weights
// EMBED: llvm.mlir.global private constant @big
// TOOBIG: error: the weights take {{[0-9]+}} bytes, more than an object file can hold (its 32-bit relocations reach about 2 GiB); compile with --weights=file
// MODE: error: tessera-externalize-weights: mode is auto, embed or file, not 'somewhere'
module {
  llvm.mlir.global private constant @big(dense<[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0]> : tensor<20xf32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<20 x f32>
  llvm.mlir.global private constant @ones(dense<1> : tensor<64xi8>) {addr_space = 0 : i32} : !llvm.array<64 x i8>
  llvm.mlir.global private constant @small(dense<[1.0, 2.0]> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
  llvm.mlir.global private constant @pointed(dense<2> : tensor<64xi8>) {addr_space = 0 : i32} : !llvm.array<64 x i8>
  llvm.mlir.global internal @table() {addr_space = 0 : i32} : !llvm.ptr {
    %0 = llvm.mlir.addressof @pointed : !llvm.ptr
    llvm.return %0 : !llvm.ptr
  }
  llvm.mlir.global internal @state(dense<0> : tensor<64xi8>) {addr_space = 0 : i32} : !llvm.array<64 x i8>
  llvm.func @model(%out: !llvm.ptr) {
    %0 = llvm.mlir.addressof @big : !llvm.ptr
    %1 = llvm.load %0 : !llvm.ptr -> f32
    %2 = llvm.mlir.addressof @ones : !llvm.ptr
    %3 = llvm.load %2 : !llvm.ptr -> i8
    %4 = llvm.mlir.addressof @small : !llvm.ptr
    %5 = llvm.mlir.addressof @pointed : !llvm.ptr
    llvm.store %1, %out : f32, !llvm.ptr
    llvm.return
  }
  llvm.func @other(%out: !llvm.ptr) {
    %0 = llvm.mlir.addressof @big : !llvm.ptr
    %1 = llvm.load %0 : !llvm.ptr -> f32
    llvm.store %1, %out : f32, !llvm.ptr
    llvm.return
  }
}
