//===- CPUKernels.h - shared by the convert-tk-to-cpu lowerings --*- C++ -*-===//
//
// Internal to passes/Conversion/KernelToCPU: the register tile of a target,
// a small IR emitter for loops and vectors, epilogues on vectors, and
// parallel ranges (a loop body outlined into a task function that the
// runtime's thread pool runs).
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_CONVERSION_KERNELTOCPU_CPUKERNELS_H
#define TESSERA_CONVERSION_KERNELTOCPU_CPUKERNELS_H

#include "tessera/Support/RegisterTile.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

#include <functional>

namespace tessera::tk {
class MatmulOp;
class AttentionOp;
class ConvOp;
class PoolOp;
class FusionOp;
class CPUWindowAttr;
class ReduceOp;
} // namespace tessera::tk

namespace tessera::kernels {

using namespace mlir;

/// Register tile and cache blocking for one target (one formula, shared
/// with the tk cost model: tessera/Support/RegisterTile.h).
using TileShape = tessera::RegisterTile;

struct Emitter {
  OpBuilder &b;
  Location loc;
  TileShape shape;
  VectorType vectorType;

  Emitter(OpBuilder &b, Location loc, TileShape shape)
      : b(b), loc(loc), shape(shape),
        vectorType(VectorType::get({shape.lanes}, b.getF32Type())) {}

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value add(Value x, int64_t y) { return y ? add(x, index(y)) : x; }
  Value mul(Value x, int64_t y) {
    return y == 1 ? x : arith::MulIOp::create(b, loc, x, index(y));
  }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }

  /// for (iv = lo; iv < hi; iv += step) body(iv), skipped when empty.
  void loop(Value lo, Value hi, int64_t step, function_ref<void(Value)> body) {
    scf::ForOp::create(b, loc, lo, hi, index(step), ValueRange{},
                       [&](OpBuilder &, Location, Value iv, ValueRange) {
                         body(iv);
                         scf::YieldOp::create(b, loc);
                       });
  }
  void loop(int64_t lo, int64_t hi, int64_t step,
            function_ref<void(Value)> body) {
    if (lo < hi)
      loop(index(lo), index(hi), step, body);
  }

  /// Lanes [0, valid) set.
  Value mask(int64_t valid) {
    SmallVector<bool> bits(shape.lanes, false);
    for (int64_t i = 0; i < valid; ++i)
      bits[i] = true;
    auto type = VectorType::get({shape.lanes}, b.getI1Type());
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(type, bits));
  }
  /// The i32 vector [0, step, 2 step, ...]: gather and scatter offsets.
  Value laneOffsets(int64_t step) {
    SmallVector<int32_t> offsets;
    for (int64_t l = 0; l < shape.lanes; ++l)
      offsets.push_back(static_cast<int32_t>(l * step));
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({shape.lanes}, b.getI32Type()),
                               ArrayRef<int32_t>(offsets)));
  }
  Value zeros() { return zeros(vectorType); }
  Value zeros(VectorType type) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(
                    type, b.getZeroAttr(type.getElementType())));
  }
  /// The vector of `shape.lanes` elements of `buffer`'s element type.
  VectorType vectorOf(Value buffer) {
    return VectorType::get({shape.lanes},
                           cast<MemRefType>(buffer.getType()).getElementType());
  }

  /// A vector of `valid` lanes at `indices` (the rest zero), of the
  /// buffer's element type.
  Value load(Value base, ValueRange indices, int64_t valid) {
    VectorType type = vectorOf(base);
    if (valid == shape.lanes)
      return vector::LoadOp::create(b, loc, type, base, indices);
    return vector::MaskedLoadOp::create(b, loc, type, base, indices,
                                        mask(valid), zeros(type));
  }
  void store(Value value, Value base, ValueRange indices, int64_t valid) {
    if (valid == shape.lanes)
      vector::StoreOp::create(b, loc, value, base, indices);
    else
      vector::MaskedStoreOp::create(b, loc, base, indices, mask(valid), value);
  }
};

/// What the lowerings share: the module's symbol table (new globals and
/// task functions get unique names) and the parallelisation policy.
struct KernelContext {
  SymbolTable &symbols;
  TileShape shape;
  bool parallel;
  int64_t parallelWork; // multiply-adds from which a kernel runs in parallel
  int64_t parallelElements; // loop iterations from which a generic does
  Int8Dot int8Dot = Int8Dot::None; // the 8-bit integer matmul instruction
};

/// `context` for a kernel configured by `config`: its register tile
/// (lanes, mr, nr) and whether it may run on the thread pool.
KernelContext withWindowConfig(const KernelContext &context,
                               const tk::CPUWindowAttr &config);

/// How one microkernel reads its operands and its output tile.
struct TileAccess {
  /// Reduction steps unrolled inside one iteration of the reduction loop.
  int64_t inner = 1;
  /// The broadcast operand for row `i` at reduction (outer, inner).
  std::function<Value(Value outer, int64_t inner, int64_t i)> scalar;
  /// Vector `v` of the right operand at reduction (outer, inner).
  std::function<Value(Value outer, int64_t inner, int64_t v)> vector;
  /// Output tile element row `i`, vector `v`.
  std::function<Value(int64_t i, int64_t v)> loadOutput;
  std::function<void(Value value, int64_t i, int64_t v)> storeOutput;
  /// A fused prologue: the accumulators' first value instead of the output
  /// (when `initFirst` is null, or holds at run time).
  std::function<Value(int64_t i, int64_t v)> initOutput;
  Value initFirst;
  /// A fused epilogue: stores the finished value instead of the sum (when
  /// `finishLast` is null, or holds at run time).
  std::function<void(Value value, int64_t i, int64_t v)> finishOutput;
  Value finishLast;
  /// Emitted in every reduction step (outer): prefetches of what a later
  /// tile reads.
  std::function<void(Value outer)> prefetch;
};

/// acc[i][v] = output (or the fused prologue); for outer in [lo, hi):
/// acc += a(outer) x b(outer); output = acc (or the fused epilogue).
/// `rows` x `vectors` accumulators.
void emitMicrokernel(Emitter &e, const TileAccess &access, int64_t rows,
                     int64_t vectors, Value lo, Value hi);

/// The row tile for `rows` rows: at most `mr`, as even as possible.
int64_t balancedRows(int64_t rows, int64_t mr);

/// The constant data behind `value` when it is a `memref.get_global` of a
/// constant global with an initial value.
DenseElementsAttr constantData(Value value);

/// The matrix X [K][N] (or, with `transposed`, the matrix stored as [N][K])
/// as panels [ceil(N/width)][K][width], zero-padded past column N.
SmallVector<float> packPanels(DenseElementsAttr data, int64_t k, int64_t n,
                              int64_t width, bool transposed);

/// A private constant global holding `data`, inserted before the function
/// of `anchor` unless one named after `base` holds the same data already;
/// returns its name.
StringAttr packedConstant(KernelContext &context, Operation *anchor,
                          StringRef base, ArrayRef<int64_t> shape,
                          ArrayRef<float> data);
/// The same for data of any element type (its shape is the global's).
StringAttr packedConstant(KernelContext &context, Operation *anchor,
                          StringRef base, DenseElementsAttr data);

/// A use of the global `name` of `shape` (f32 unless `elementType`).
Value getGlobal(Emitter &e, StringAttr name, ArrayRef<int64_t> shape,
                Type elementType = {});

/// Builds a range body: `uses` are the values the caller passed to
/// emitRange, as seen where the body is emitted.
using RangeBody =
    function_ref<void(Emitter &, Value begin, Value end, ValueRange uses)>;

/// Emits `body` over [0, n) before `anchor`. Serial: inline. Parallel: the
/// body goes into a new private function `<function>_task(begin, end,
/// roots...)` marked `tk.task`, and `anchor`'s place calls the private
/// declaration `__tessera_dispatch_<task>(n, roots...)` marked
/// `tk.task = @<task>`, which the artifact writer (lib/AOT) defines on top
/// of the runtime's thread pool. The roots
/// are what `uses` come from: side-effect-free defining chains (views,
/// constants, globals) are cloned into the task, anything else (function
/// arguments, allocations) is passed. Falls back to serial when a root
/// cannot be passed as a bare pointer.
void emitRange(KernelContext &context, Operation *anchor, int64_t n,
               bool parallel, ValueRange uses, RangeBody body);

/// Number of vectors a tile of `columns` columns needs, and the valid lanes
/// of vector `v`.
int64_t vectorsFor(const TileShape &shape, int64_t columns);
int64_t validLanes(const TileShape &shape, int64_t columns, int64_t v);

/// Whether a kernel of `work` multiply-adds over `items` parallel items
/// runs on the thread pool.
bool runsInParallel(const KernelContext &context, int64_t work, int64_t items);

/// Runs `body(panel, columns)` for the panels in [begin, end): the full ones
/// in a loop, the partial last one (when there is one and the range
/// reaches it) after.
void forPanels(Emitter &e, Value begin, Value end, int64_t fullPanels,
               int64_t tailColumns, int64_t width,
               function_ref<void(Value, int64_t)> body);

/// `lanes` elements of the innermost dimension at `indices`, `stride` apart
/// (the first `valid` of them, the rest zero): a vector load at stride 1, a
/// contiguous load of the span keeping every stride-th lane at strides 2 to
/// 4, a gather beyond.
Value loadStrided(Emitter &e, Value buffer, SmallVector<Value> indices,
                  int64_t stride, int64_t valid);

/// Whether `value` is a statically shaped, contiguous f32 memref.
bool isContiguousF32(Value value);


/// How a kernel reads one operand: an element stride per loop of the
/// kernel, and the offset, from the start of its buffer.
struct Access {
  Value buffer;
  SmallVector<int64_t> stride; // per loop
  int64_t offset = 0;
  int64_t span = 0; // elements from the buffer's start the kernel touches
};

/// The access of a static strided memref `buffer` read through the linear
/// map `map` over loops of `sizes`; failure for dynamic layouts.
FailureOr<Access> describe(Value buffer, AffineMap map,
                           ArrayRef<int64_t> sizes);

/// The access of every operand of `op` through its map (`describe`);
/// failure when one is not a static strided f32 memref.
FailureOr<SmallVector<Access>> describeOperands(Operation *op,
                                                ArrayRef<AffineMap> maps,
                                                ArrayRef<int64_t> sizes);

/// The batch loops (the first `batchLoops` of `sizes`) of a matmul-like
/// kernel that stay loops, outermost first. The innermost ones that step
/// every access but `rhs` by whole matrices of `m` rows (along loop `mDim`)
/// and `rhs` not at all merge into the rows: `m` grows by their extents.
SmallVector<int64_t> splitBatchLoops(ArrayRef<Access> accesses,
                                     const Access &rhs,
                                     ArrayRef<int64_t> sizes,
                                     int64_t batchLoops, int64_t mDim,
                                     int64_t &m);

/// The element offset of `access` at batch item `index`, a mixed-radix
/// number over the loops `batch` (extents from `sizes`, the last fastest),
/// its constant offset included.
Value batchOffset(Emitter &e, const Access &access, ArrayRef<int64_t> batch,
                  ArrayRef<int64_t> sizes, Value index);
/// The same at compile time (packing a constant operand).
int64_t batchOffset(const Access &access, ArrayRef<int64_t> batch,
                    ArrayRef<int64_t> sizes, int64_t index);

/// `value` as a buffer with the identity layout: itself when it has one,
/// otherwise a new buffer (holding `value`'s contents when `copyIn`).
Value contiguous(OpBuilder &b, Location loc, Value value, bool copyIn);

/// A 1-D view of `access.span` elements from the start of its buffer.
Value flatView(OpBuilder &b, Location loc, const Access &access);

/// The buffer `value` views (through view ops), and the constant data of
/// the global behind it.
Value rootOf(Value value);
DenseElementsAttr rootConstant(Value value);

/// A vector of `flat` elements from `at`, `step` apart: a broadcast
/// (step 0), a (masked) load (1) or a gather; the first `valid` lanes.
Value loadAlong(Emitter &e, Value flat, Value at, int64_t step, int64_t valid);
/// Stores the first `valid` lanes at `at`, `step` apart: a (masked) store
/// or a scatter.
void storeAlong(Emitter &e, Value value, Value flat, Value at, int64_t step,
                int64_t valid);

/// What a kernel body captures for a region that runs on its accumulators
/// (an epilogue, a score region): flat views of the region's inputs, then
/// the values the region uses from above.
struct RegionUses {
  size_t inputsStart = 0, numInputs = 0, aboveStart = 0;
  SmallVector<Value> above;
  /// Appends them to `uses` (the values passed to emitRange).
  static RegionUses append(OpBuilder &b, Location loc,
                           ArrayRef<Access> inputs, Region &region,
                           SmallVectorImpl<Value> &uses);
  /// In the body, from its captured values: the inputs' views, and the
  /// values from above mapped to their captured copies.
  ValueRange inputs(ValueRange captured) const {
    return captured.slice(inputsStart, numInputs);
  }
  IRMapping aboveMapping(ValueRange captured) const;
};

/// Runs a tk epilogue `body` on vectors: `arguments` are the accumulator
/// and the epilogue inputs' vectors; values from above come through
/// `above` (scalars, broadcast where used). Returns the vector to store.
Value applyEpilogue(Emitter &e, Block &body, ArrayRef<Value> arguments,
                    const IRMapping &above);

/// The epilogue of a tk kernel on buffers (tk.conv, tk.pool): its inputs
/// addressed over the output's index space through flat views, and the
/// values its body uses from above. Made before the kernel, then bound to
/// what the kernel body captured.
class KernelEpilogue {
public:
  /// Fails when an input cannot be addressed (a dynamic layout is copied
  /// first, so this is rare).
  static FailureOr<KernelEpilogue> get(OpBuilder &b, Location loc,
                                       Region &region, ValueRange inputs,
                                       ArrayAttr maps,
                                       ArrayRef<int64_t> outShape);
  /// Appends what a kernel body must capture; remembers where it starts.
  void appendUses(SmallVectorImpl<Value> &uses);
  /// Whether the epilogue only yields the accumulator.
  bool isTrivial() const;
  /// The element stride of input `i` along output dim `d`.
  int64_t stride(size_t i, int64_t d) const { return accesses[i].stride[d]; }
  size_t size() const { return accesses.size(); }

  /// In a kernel body whose captured values are `captured` (as passed to
  /// emitRange): the value to store for accumulator `acc`, whose lane 0
  /// is at output `index` and whose lanes lie `laneStep` positions apart
  /// along the output's last dim; the first `valid` lanes count.
  Value apply(Emitter &e, ValueRange captured, Value acc,
              ArrayRef<Value> index, int64_t laneStep, int64_t valid) const;

private:
  Block *body = nullptr;
  SmallVector<Access> accesses;
  SmallVector<Value> views, above;
  size_t start = 0;
};

/// A new buffer holding `input` (static, f32) with `low` and `high`
/// elements of `value` around it per dimension: a fill, then a copy into
/// the interior (which splitPadFills turns into one pass over its rows).
Value paddedCopy(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> low, ArrayRef<int64_t> high, float value);

/// A 64-byte aligned f32 buffer of `shape` on the stack of the task that
/// runs the kernel body (scratch per task: footprints, score strips).
Value stackBuffer(Emitter &e, ArrayRef<int64_t> shape);

/// Tile `tile` of `count`: body(full) for all but the last, body(tail)
/// for the last when `tail` is not 0 — each size emitted once, chosen at
/// run time.
void forTileSize(Emitter &e, Value tile, int64_t count, int64_t full,
                 int64_t tail, function_ref<void(int64_t)> body);

/// The largest stack buffer a kernel tile's padded footprint may take
/// (see copyWindow); larger footprints make a padded copy of the input.
constexpr int64_t kFootprintBytes = 64 * 1024;

/// Copies into `scratch` ([extent0]...[extent(k-2)][row stride], the row
/// stride a multiple of the lanes) the window of `source` ([lead...][S0]...
/// [S(k-1)], static) at `lead` that starts at the spatial positions `start`
/// and spans `extent`; positions outside the source read `pad`. A window
/// kernel runs the tiles whose taps reach outside their input on such a
/// copy of their own footprint (in L1) instead of a padded copy of the
/// whole input.
void copyWindow(Emitter &e, Value source, ValueRange lead,
                ArrayRef<Value> start, ArrayRef<int64_t> extent, Value scratch,
                float pad);

/// acc = body(iv, acc) for iv in [0, count) (scf.for with the accumulators
/// as iteration values, inline when count is 1).
SmallVector<Value>
reduceLoop(Emitter &e, int64_t count,
           function_ref<SmallVector<Value>(Value, ValueRange)> body,
           ValueRange init);

/// Lowerings; each erases the op on success and leaves it alone otherwise.
/// tk.matmul (MatmulKernel.cpp): the register-tiled kernel when it applies
/// (success), plain loops otherwise (failure); the op is gone either way.
LogicalResult lowerMatmul(KernelContext &context, tk::MatmulOp op);
/// tk.matmul of 8-bit integers (IntegerMatmulKernel.cpp): the integer
/// microkernel of `context.int8Dot` when it applies (success); failure
/// (the op untouched) otherwise.
LogicalResult lowerIntegerMatmul(KernelContext &context, tk::MatmulOp op);
/// tk.attention (AttentionKernel.cpp): the fused kernel when it applies
/// (success); otherwise split into its scores matmul, softmax and context
/// matmul over a scores buffer, each lowered as above (failure); the op is
/// gone either way.
LogicalResult lowerAttention(KernelContext &context, tk::AttentionOp op);
/// tk.conv, as its #tk.cpu_window says (the pass gives every tk.conv and
/// tk.pool one first): the packed 2-D kernel (ConvKernel.cpp), the window
/// kernel (WindowKernel.cpp) for depthwise ones, or the general direct
/// vector kernel over output channels x output positions
/// (ConvFamilyKernel.cpp).
LogicalResult lowerConv(KernelContext &context, tk::ConvOp op);
LogicalResult lowerPackedConv(KernelContext &context, tk::ConvOp op);
LogicalResult lowerDepthwise(KernelContext &context, tk::ConvOp op);
/// tk.pool (WindowKernel.cpp): the window kernel.
LogicalResult lowerPool(KernelContext &context, tk::PoolOp op);
/// tk.reduce (RowKernel.cpp): softmax, log-softmax and layer norm as
/// vectorized row kernels.
LogicalResult lowerRow(KernelContext &context, tk::ReduceOp op);
/// Padded buffers of the function (fill, then the source copied into the
/// interior): one pass over their rows writing the border and the copied
/// interior, on the thread pool when large (border fills and a generic copy
/// when the source's rows are not contiguous). Returns how many
/// (PadBorders.cpp).
int64_t splitPadFills(KernelContext &context, func::FuncOp function);
/// Lets a sum reduction (a generic whose body adds into its f32 output)
/// be reassociated, so that LLVM vectorizes it with partial sums instead of
/// one scalar chain; returns whether it changed the op.
bool allowReassociation(linalg::GenericOp op);
/// A reduction generic on buffers with its longest run of consecutive
/// reduction dims merged into one (when every operand reads them as
/// consecutive, mergeable dims: a global pool over H x W becomes one loop
/// of H * W, which LLVM vectorizes as one row); `op` itself otherwise.
linalg::GenericOp collapseReductionDims(linalg::GenericOp op);
/// Splits one parallel dimension of a large generic across the thread pool.
LogicalResult parallelizeGeneric(KernelContext &context, linalg::GenericOp op);

} // namespace tessera::kernels

#endif // TESSERA_CONVERSION_KERNELTOCPU_CPUKERNELS_H
