//===- KernelOps.td - tk operations -------------------------*- tablegen -*-===//

#ifndef TESSERA_DIALECT_KERNEL_OPS
#define TESSERA_DIALECT_KERNEL_OPS

include "dialects/Kernel/IR/KernelBase.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

class TK_Op<string mnemonic, list<Trait> traits = []>
    : Op<TK_Dialect, mnemonic, traits>;

def TK_Shaped : AnyTypeOf<[AnyRankedTensor, AnyStridedMemRef],
                          "ranked tensor or strided memref">;

def TK_MatmulOp : TK_Op<"matmul", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    SingleBlock]> {
  let summary = "A contraction kernel: batched matmul with operand maps and an epilogue";
  let description = [{
    `tk.matmul` is one contraction kernel. Its iteration space is
    `(b0, ..., bB-1, m, n, k)`: any number of batch dimensions, then the
    rows, the columns and the reduction. `indexing_maps` holds one map per
    operand over that space, in operand order: `lhs`, `rhs`, every epilogue
    input, then `init`. A map result is either the constant 0 (a broadcast
    dimension) or a sum of distinct dimensions with positive coefficients,
    so every operand is a strided view of its buffer: a transposed operand
    is a permuted map, a broadcast one omits the batch dimension, and a
    reshape of the result (say `n` split into heads x head size) is a
    linear combination (`h * 64 + d`). `lhs` reads `(b, m, k)`, `rhs`
    `(b, n, k)`, epilogue inputs and `init` never read `k`.

    The kernel computes, for every point of the output,
    `acc = sum_k lhs * rhs` (the accumulator starts at zero: `init` is only
    the destination, its contents are not read), then runs the epilogue
    region on `acc` and one element of each epilogue input, and stores what
    it yields. The epilogue holds elementwise scalar ops (bias, activation,
    residual, scale, clip); it yields `acc` when there is nothing to fuse.

    The `init` map is a bijection from the non-reduction dimensions onto the
    output (each result a mixed-radix combination of distinct dimensions),
    so every output element is written once.

    `config`, when present, is how a target runs the kernel
    (`#tk.cpu_tile` for CPUs), set by `tk-configure-kernels`.

    Integer kernels: `lhs` and `rhs` of 8-bit integers (the stored values of
    quantized tensors) accumulate exactly in `i32`, each operand
    sign-extended, or zero-extended when `lhs_unsigned` / `rhs_unsigned` is
    set; the epilogue receives the `i32` sum (zero-point corrections,
    rescaling and requantization are epilogue work). Other element types
    accumulate in their own type.

    On tensors the op returns the new output; on memrefs it writes `init`
    and returns nothing.

    Example (a MatMul with its bias add, reshaped to heads and transposed to
    `[1, 4, 128, 64]`, as in every attention projection):

    ```mlir
    %0 = tk.matmul ins(%x, %w : tensor<128x256xf32>, tensor<256x256xf32>)
        epilogue_ins(%bias : tensor<256xf32>)
        outs(%init : tensor<1x4x128x64xf32>)
        maps = [affine_map<(h, m, n, k) -> (m, k)>,
                affine_map<(h, m, n, k) -> (k, h * 64 + n)>,
                affine_map<(h, m, n, k) -> (h * 64 + n)>,
                affine_map<(h, m, n, k) -> (0, h, m, n)>]
        epilogue {
        ^bb0(%acc: f32, %b: f32):
          %s = arith.addf %acc, %b : f32
          tk.yield %s : f32
        } -> tensor<1x4x128x64xf32>
    ```
  }];
  let arguments = (ins TK_Shaped:$lhs, TK_Shaped:$rhs,
                       Variadic<TK_Shaped>:$epilogue_inputs, TK_Shaped:$init,
                       AffineMapArrayAttr:$indexing_maps,
                       OptionalAttr<TK_CPUTileAttr>:$config,
                       UnitAttr:$lhs_unsigned, UnitAttr:$rhs_unsigned);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let regions = (region SizedRegion<1>:$epilogue);
  let assemblyFormat = [{
    `ins` `(` $lhs `,` $rhs `:` type($lhs) `,` type($rhs) `)`
    (`epilogue_ins` `(` $epilogue_inputs^ `:` type($epilogue_inputs) `)`)?
    `outs` `(` $init `:` type($init) `)`
    `maps` `=` $indexing_maps
    attr-dict-with-keyword
    `epilogue` $epilogue (`->` type($result)^)?
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// Batch dimensions, then m, n, k.
    int64_t getNumLoops() { return getIndexingMapsArray().front().getNumDims(); }
    int64_t getNumBatchDims() { return getNumLoops() - 3; }
    int64_t getMDim() { return getNumLoops() - 3; }
    int64_t getNDim() { return getNumLoops() - 2; }
    int64_t getKDim() { return getNumLoops() - 1; }
    /// What products sum into: i32 for 8-bit integer operands, else their
    /// element type.
    ::mlir::Type getAccumulatorType();
    /// The extent of every loop, from the operands' static shapes (the
    /// verifier guarantees each loop is read whole by some map result).
    ::llvm::SmallVector<int64_t> getLoopSizes();
    /// The maps, in operand order.
    ::llvm::SmallVector<::mlir::AffineMap> getIndexingMapsArray() {
      return ::llvm::to_vector(getIndexingMaps().getAsValueRange<::mlir::AffineMapAttr>());
    }
    ::mlir::AffineMap getMap(int64_t operand) {
      return getIndexingMapsArray()[operand];
    }
    bool hasPureTensorSemantics() { return getNumResults() == 1; }
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
}


def TK_AttentionOp : TK_Op<"attention", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    SingleBlock]> {
  let summary = "A fused attention kernel: scores, their epilogue, softmax over the keys, and the weighted sum of the values";
  let description = [{
    `tk.attention` is `softmax(score(Q x K^T)) x V` as one kernel, so that the
    score matrix is never written whole: a target computes it a tile of
    query rows and a block of keys at a time. Its iteration space is
    `(b0, ..., bB-1, m, n, d, e)`: batch dimensions (batch, heads), the
    query rows, the keys, the reduction of `Q x K^T` and the columns of the
    values. `indexing_maps` holds one map per operand, over that space and
    in operand order: `query` reads `(b, m, d)`, `key` `(b, n, d)`, `value`
    `(b, n, e)`, every score input `(b, m, n)`, and `init` `(b, m, e)`. Map
    results are linear as in `tk.matmul` (0, or sums of distinct dims with
    positive coefficients), so a head split, a transposed key or a key
    shared by several heads is a map, not a copy; the `init` map is a
    bijection from `(b, m, e)` onto the output.

    For every `(b, m)`: `s[n] = score(sum_d query * key, inputs...)`, the
    region run on each score with one element of every score input (the
    `1/sqrt(d)` scale, an additive or causal mask); `p = softmax_n(s)`;
    `out[e] = sum_n p[n] * value[n][e]`. The score region holds elementwise
    scalar ops and yields `f32`.

    `tk-form-attention` forms it from a `tk.matmul` whose only user is a
    softmax `tk.reduce` over its key dimension, whose only user is a
    `tk.matmul` reducing over that dimension. `config` is a `#tk.cpu_tile`
    on CPUs (its `mr` rows per tile).

    Example (4 heads of 64, the context merged to `[1, 128, 256]`):

    ```mlir
    %o = tk.attention ins(%q, %k, %v : tensor<1x128x4x64xf32>,
                          tensor<1x128x4x64xf32>, tensor<1x128x4x64xf32>)
        score_ins(%mask : tensor<1x1x1x128xf32>)
        outs(%init : tensor<1x128x256xf32>)
        maps = [affine_map<(b, h, m, n, d, e) -> (b, m, h, d)>,
                affine_map<(b, h, m, n, d, e) -> (b, n, h, d)>,
                affine_map<(b, h, m, n, d, e) -> (b, n, h, e)>,
                affine_map<(b, h, m, n, d, e) -> (b, 0, 0, n)>,
                affine_map<(b, h, m, n, d, e) -> (b, m, h * 64 + e)>]
        score {
        ^bb0(%s: f32, %mask: f32):
          %c = arith.constant 0.125 : f32
          %x = arith.mulf %s, %c : f32
          %y = arith.addf %x, %mask : f32
          tk.yield %y : f32
        } -> tensor<1x128x256xf32>
    ```
  }];
  let arguments = (ins TK_Shaped:$query, TK_Shaped:$key, TK_Shaped:$value,
                       Variadic<TK_Shaped>:$score_inputs, TK_Shaped:$init,
                       AffineMapArrayAttr:$indexing_maps,
                       OptionalAttr<TK_CPUTileAttr>:$config);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let regions = (region SizedRegion<1>:$score);
  let assemblyFormat = [{
    `ins` `(` $query `,` $key `,` $value `:` type($query) `,` type($key) `,`
        type($value) `)`
    (`score_ins` `(` $score_inputs^ `:` type($score_inputs) `)`)?
    `outs` `(` $init `:` type($init) `)`
    `maps` `=` $indexing_maps
    attr-dict-with-keyword
    `score` $score (`->` type($result)^)?
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// Batch dimensions, then m, n, d, e.
    int64_t getNumLoops() { return getIndexingMapsArray().front().getNumDims(); }
    int64_t getNumBatchDims() { return getNumLoops() - 4; }
    int64_t getMDim() { return getNumLoops() - 4; }
    int64_t getNDim() { return getNumLoops() - 3; }
    int64_t getDDim() { return getNumLoops() - 2; }
    int64_t getEDim() { return getNumLoops() - 1; }
    /// The extent of every loop, from the operands' static shapes.
    ::llvm::SmallVector<int64_t> getLoopSizes();
    ::llvm::SmallVector<::mlir::AffineMap> getIndexingMapsArray() {
      return ::llvm::to_vector(getIndexingMaps().getAsValueRange<::mlir::AffineMapAttr>());
    }
    /// Whether operand `index` of `operands` may read loop `dim` of
    /// `loops`: query (b, m, d), key (b, n, d), value (b, n, e), score
    /// inputs (b, m, n), init (b, m, e).
    static bool mayRead(int64_t index, int64_t operands, int64_t loops,
                        int64_t dim);
    bool hasPureTensorSemantics() { return getNumResults() == 1; }
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
}

def TK_ConvOp : TK_Op<"conv", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    SingleBlock]> {
  let summary = "A convolution kernel: N-d, grouped, strided, dilated, or transposed, with an epilogue";
  let description = [{
    `tk.conv` is one convolution kernel over `N x C x D1 x ... x Dk`
    inputs (k >= 1 spatial dimensions), `groups` groups of channels.

    - Direct (`transposed` absent): the filter is `F x C/groups x K1...Kk`
      and `out[n, g*F/G + f, o] = sum_{c, t} in[n, g*C/G + c, o*s + t*d -
      pad_low] * w[g*F/G + f, c, t]`, reads outside the input being zero.
    - Transposed (`transposed`; ONNX ConvTranspose): the filter is
      `C x F/groups x K1...Kk` and every input element scatters
      `out[n, g*F/G + f, i*s + t*d - pad_low] += in[n, g*C/G + c, i] *
      w[g*C/G + c, f, t]` (outputs outside are dropped). This is its own mode:
      no zero-stuffed input. The output extent per dimension is
      `s*(D-1) + d*(K-1) + 1 - pad_low - pad_high + output_padding`, with
      `0 <= output_padding < max(s, d)`.

    `strides` (s), `dilations` (d) have one entry per spatial dimension,
    `pads` the k low pads then the k high pads. The accumulator starts at
    zero (`init` is only the destination); the epilogue region runs on it
    and one element of each epilogue input, read through `epilogue_maps`
    (one map per epilogue input over the output's dimensions `(n, f, o1,
    ..., ok)`, each result a dimension or 0), and yields what is stored.
    `config` (`#tk.cpu_window`, set by `tk-configure-kernels`) says which
    CPU kernel runs it and with which tile.

    Example (the 2x2 stride-2 upsampling of a segmentation head, with its
    bias):

    ```mlir
    %y = tk.conv ins(%x, %w : tensor<1x24x80x80xf32>, tensor<24x16x2x2xf32>)
        epilogue_ins(%b : tensor<16xf32>) outs(%init : tensor<1x16x160x160xf32>)
        strides = [2, 2] dilations = [1, 1] pads = [0, 0, 0, 0] groups = 1
        epilogue_maps = [affine_map<(n, f, h, w) -> (f)>]
        attributes {transposed} epilogue {
    ^bb0(%acc: f32, %bias: f32):
      %s = arith.addf %acc, %bias : f32
      tk.yield %s : f32
    } -> tensor<1x16x160x160xf32>
    ```
  }];
  let arguments = (ins TK_Shaped:$input, TK_Shaped:$filter,
                       Variadic<TK_Shaped>:$epilogue_inputs, TK_Shaped:$init,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads, I64Attr:$groups,
                       AffineMapArrayAttr:$epilogue_maps,
                       UnitAttr:$transposed,
                       OptionalAttr<TK_CPUWindowAttr>:$config);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let regions = (region SizedRegion<1>:$epilogue);
  let assemblyFormat = [{
    `ins` `(` $input `,` $filter `:` type($input) `,` type($filter) `)`
    (`epilogue_ins` `(` $epilogue_inputs^ `:` type($epilogue_inputs) `)`)?
    `outs` `(` $init `:` type($init) `)`
    `strides` `=` $strides `dilations` `=` $dilations `pads` `=` $pads
    `groups` `=` $groups `epilogue_maps` `=` $epilogue_maps
    attr-dict-with-keyword
    `epilogue` $epilogue (`->` type($result)^)?
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getNumSpatialDims() {
      return ::llvm::cast<::mlir::ShapedType>(getInput().getType()).getRank() - 2;
    }
    /// A direct 1-D or 2-D convolution of one group (the `packed`
    /// kernel's; a 1-D one runs as one row).
    bool isDense1DOr2D();
    /// A direct convolution with one filter per channel (groups = input =
    /// output channels), any spatial rank (the `window` kernel's).
    bool isDepthwise();
    bool hasPureTensorSemantics() { return getNumResults() == 1; }
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
}

def TK_PoolOp : TK_Op<"pool", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    SingleBlock]> {
  let summary = "A window kernel: N-d max or sum pooling, strided, dilated, padded, with an epilogue";
  let description = [{
    `tk.pool` is one pooling kernel over `N x C x D1 x ... x Dk` inputs
    (k >= 1 spatial dimensions): for every output element
    `out[n, c, o]`, the window of taps `t` (`window` per dimension) reads
    `in[n, c, o*s + t*d - pad_low]`, and `kind` combines the taps that fall
    inside the input: `max` takes their maximum, `sum` adds them. Taps in
    the padding never count (they neither win a maximum nor add), so an
    average pool is a `sum` whose epilogue divides by the number of taps
    that count (a constant, or an epilogue input holding it per position).

    `strides` (s), `dilations` (d) have one entry per spatial dimension,
    `pads` the k low pads then the k high pads; an output position's window
    must start before the end of the padded input (ceil-mode outputs are
    allowed, never a window lying wholly in the end padding). The epilogue
    region runs on the combined value and one element of each epilogue
    input, read through `epilogue_maps` (over the output dimensions
    `(n, c, o1, ..., ok)`, each result a dimension or 0), and yields what
    is stored. `config` (`#tk.cpu_window`, the `window` kernel) is its CPU
    tile, set by `tk-configure-kernels`.

    Example (a 2x2 average pool that does not count the padding):

    ```mlir
    %y = tk.pool sum ins(%x : tensor<1x8x5x5xf32>)
        epilogue_ins(%count : tensor<3x3xf32>) outs(%init : tensor<1x8x3x3xf32>)
        window = [2, 2] strides = [2, 2] dilations = [1, 1] pads = [1, 1, 0, 0]
        epilogue_maps = [affine_map<(n, c, h, w) -> (h, w)>] epilogue {
    ^bb0(%sum: f32, %n: f32):
      %mean = arith.divf %sum, %n : f32
      tk.yield %mean : f32
    } -> tensor<1x8x3x3xf32>
    ```
  }];
  let arguments = (ins TK_Shaped:$input,
                       Variadic<TK_Shaped>:$epilogue_inputs, TK_Shaped:$init,
                       TK_PoolKind:$kind, DenseI64ArrayAttr:$window,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads,
                       AffineMapArrayAttr:$epilogue_maps,
                       OptionalAttr<TK_CPUWindowAttr>:$config);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let regions = (region SizedRegion<1>:$epilogue);
  let assemblyFormat = [{
    $kind `ins` `(` $input `:` type($input) `)`
    (`epilogue_ins` `(` $epilogue_inputs^ `:` type($epilogue_inputs) `)`)?
    `outs` `(` $init `:` type($init) `)`
    `window` `=` $window `strides` `=` $strides `dilations` `=` $dilations
    `pads` `=` $pads `epilogue_maps` `=` $epilogue_maps
    attr-dict-with-keyword
    `epilogue` $epilogue (`->` type($result)^)?
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getNumSpatialDims() {
      return ::llvm::cast<::mlir::ShapedType>(getInput().getType()).getRank() - 2;
    }
    bool hasPureTensorSemantics() { return getNumResults() == 1; }
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
}

def TK_FusionOp : TK_Op<"fusion", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    IsolatedFromAbove, SingleBlock]> {
  let summary = "An elementwise kernel: broadcasts, reindexing and scalar work in one pass";
  let description = [{
    `tk.fusion` is one elementwise kernel: for every element of `init`
    (its iteration space is the output's index space), the body runs on
    one element of each input and yields the element stored. Each input is
    read through a linear map over the output's dimensions (`indexing_maps`:
    one per input, then the identity for `init`), each result 0 or a sum of
    distinct dimensions with positive coefficients, so broadcasts (a
    missing dimension), transposes (a permuted map) and reshapes (`h * 64
    + d`) of the inputs are part of the kernel, not copies before it. The
    body is isolated: scalar, side-effect-free ops without regions; values
    from outside come in as inputs (or are constants inside it).

    Formed by `tk-form-fusions` from the elementwise `linalg.generic`s left
    after elementwise fusion, with the transposes, expanding reshapes and
    broadcasts that produce their inputs folded into the maps, and an
    elementwise producer that only it reads merged into its body.

    Example (a bias add whose bias is read per column, after a transpose):

    ```mlir
    %y = tk.fusion ins(%x, %b : tensor<64x4xf32>, tensor<64xf32>)
        outs(%init : tensor<4x64xf32>)
        maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (j)>,
                affine_map<(i, j) -> (i, j)>] body {
    ^bb0(%a: f32, %c: f32):
      %s = arith.addf %a, %c : f32
      tk.yield %s : f32
    } -> tensor<4x64xf32>
    ```
  }];
  let arguments = (ins Variadic<TK_Shaped>:$inputs, TK_Shaped:$init,
                       AffineMapArrayAttr:$indexing_maps);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    (`ins` `(` $inputs^ `:` type($inputs) `)`)?
    `outs` `(` $init `:` type($init) `)`
    `maps` `=` $indexing_maps
    attr-dict-with-keyword
    `body` $body (`->` type($result)^)?
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    ::llvm::SmallVector<::mlir::AffineMap> getIndexingMapsArray() {
      return ::llvm::to_vector(getIndexingMaps().getAsValueRange<::mlir::AffineMapAttr>());
    }
    bool hasPureTensorSemantics() { return getNumResults() == 1; }
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
}

def TK_ReduceOp : TK_Op<"reduce", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "A fused row kernel: softmax, log-softmax, layer or RMS normalisation";
  let description = [{
    One kernel that reduces rows and writes them back normalised, in one
    pass over memory per row instead of a reduction, a broadcast and an
    elementwise op each:

    - `softmax`: `exp(x - max) / sum(exp(x - max))` along dimension
      `axis`;
    - `log_softmax`: `x - max - log(sum(exp(x - max)))` along `axis`;
    - `layer_norm`: `(x - mean) / sqrt(var + epsilon) * scale + bias` over
      the dimensions `[axis, rank)`, with `scale` and the optional `bias`
      (the `parameters`) shaped as those dimensions;
    - `rms_norm`: `x / sqrt(mean(x^2) + epsilon) * scale` over `[axis,
      rank)`, with the optional `scale` shaped as those dimensions.

    Example:

    ```mlir
    %y = tk.reduce ins(%x : tensor<1x128x256xf32>)
        params(%gamma, %beta : tensor<256xf32>, tensor<256xf32>)
        outs(%init : tensor<1x128x256xf32>) kind = layer_norm axis = 2
        {epsilon = 1.0e-05 : f32} -> tensor<1x128x256xf32>
    ```
  }];
  let arguments = (ins TK_Shaped:$input, Variadic<TK_Shaped>:$parameters,
                       TK_Shaped:$init, TK_RowKind:$kind, I64Attr:$axis,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $input `:` type($input) `)`
    (`params` `(` $parameters^ `:` type($parameters) `)`)?
    `outs` `(` $init `:` type($init) `)` `kind` `=` $kind `axis` `=` $axis
    attr-dict (`->` type($result)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    bool hasPureTensorSemantics() { return getNumResults() == 1; }
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
  }];
}

def TK_YieldOp : TK_Op<"yield", [Pure, Terminator, ReturnLike,
                                 ParentOneOf<["MatmulOp", "AttentionOp", "ConvOp", "PoolOp",
                                             "FusionOp"]>]> {
  let summary = "The value a kernel's epilogue or body stores";
  let description = [{
    Ends an epilogue region (or a tk.fusion body) with the one scalar the
    kernel stores for the current output element.

    Example: `tk.yield %x : f32`
  }];
  let arguments = (ins AnyType:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

#endif // TESSERA_DIALECT_KERNEL_OPS
