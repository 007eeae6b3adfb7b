// tessera-opt registers Tessera's passes and dialects next to upstream ones.
// RUN: tessera-opt --help | FileCheck %s
// RUN: tessera-opt --show-dialects | FileCheck %s --check-prefix=DIALECTS

// Passes are listed alphabetically: upstream ones first here, then ours.
// CHECK: --linalg-fuse-elementwise-ops
// CHECK: --one-shot-bufferize
// CHECK: --tg-fold-batch-norm
// CHECK-SAME: Fold inference batch_norm into the preceding conv

// DIALECTS: linalg
// DIALECTS: tg
