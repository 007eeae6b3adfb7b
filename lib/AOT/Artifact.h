//===- Artifact.h - the compiled model an application links ------*- C++
//-*-===//
//
// An artifact is an object file holding the kernel, its weights and a
// tessera_model_t descriptor (runtime/include/tessera/runtime.h), a shared
// library made from it, and a C header declaring the descriptor and a typed
// run function.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_AOT_ARTIFACT_H
#define TESSERA_AOT_ARTIFACT_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace tessera {

struct TensorSignature {
  std::string name;
  int32_t dtype = 0; // tessera_dtype_t (ONNX numbering)
  std::vector<int64_t> dims;
  /// Bit d: the run decides dimension d's size, dims[d] is its bound
  /// (tessera_tensor_desc_t.dynamic_dims).
  uint64_t dynamicDims = 0;
};

/// One timed kernel (tessera_kernel_desc_t).
struct KernelDescription {
  std::string name, kind;
  uint64_t flops = 0, bytes = 0;
};

struct ModelSignature {
  /// C identifier prefix of every symbol (`<name>_model`, `<name>_run`).
  std::string name;
  std::vector<TensorSignature> inputs, outputs;
  uint64_t workspaceSize = 0;
  /// Run-time checks: the message of check k at k - 1, and where the
  /// kernel's status word lies in the workspace (none without checks).
  std::vector<std::string> checks;
  std::optional<uint64_t> statusOffset;
  /// A profiled model (--profile): its kernels, and the declarations of the
  /// hooks `void hook(int32_t kernel)` it calls around each, which the
  /// artifact defines.
  std::vector<KernelDescription> kernels;
  std::string profileBegin, profileEnd;
  /// Weights kept in a side file (--weights=file): its name (no folder),
  /// bytes, fingerprint, and the module's global the kernels read their
  /// base from ("" when every weight is in the object).
  std::string weightsFile, weightsBase;
  uint64_t weightsSize = 0, weightsId = 0;
  /// A CUDA model (--target=cuda): the architectures it has code for.
  std::vector<std::string> cudaArchs;
};

/// What a CUDA model's session replays (tessera_cuda_program_t).
struct CUDAProgram {
  struct Image {
    std::string arch, ptx, cubin; // cubin empty without the toolkit
  };
  struct Argument {
    int32_t kind = 0; // tessera_cuda_arg_kind_t
    int32_t bytes = 8;
    int64_t value = 0;
  };
  struct Launch {
    std::string kernel;
    uint32_t grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
    std::vector<Argument> args;
  };
  std::vector<Image> images;
  std::vector<Launch> launches;
  /// Every weight a kernel reads, each 256-byte aligned.
  std::string weights;
  /// The status word's offset in the workspace; -1 without checks.
  int64_t statusOffset = -1;
};

/// A parallel kernel's dispatch: the declaration `dispatch(int64_t n,
/// captured...)` the kernel calls, and the task `task(int64_t begin,
/// int64_t end, captured...)` that runs one range (the `tk.task` contract,
/// docs/kernels.md).
struct ParallelDispatch {
  std::string dispatch;
  std::string task;
};

/// Adds `int32_t <name>_entry(void **buffers)` calling `kernel` and
/// returning its status word (0 without checks), the descriptor
/// `<name>_model` and the weak alias `tessera_default_model` (for tools that
/// load a model library without knowing its name). The kernel becomes
/// internal.
/// Every dispatch in `dispatches` is defined on the caller's thread pool.
bool addModelDescriptor(llvm::Module &module, const ModelSignature &signature,
                        const std::string &kernel,
                        const std::vector<ParallelDispatch> &dispatches,
                        std::string &error);

/// Adds the descriptor `<name>_model` of a CUDA model (no host code: its
/// `cuda` program holds the images, launches and weights) and the weak
/// alias `tessera_default_model`.
bool addCUDAModelDescriptor(llvm::Module &module,
                            const ModelSignature &signature,
                            const CUDAProgram &program, std::string &error);

/// The C header of the artifact.
std::string renderHeader(const ModelSignature &signature,
                         const std::string &source);

/// Links `object` into the shared library `output` with the system C
/// compiler driver (`cc`, or `<triple>-gcc` for a cross target).
bool linkSharedLibrary(const std::string &object, const std::string &output,
                       const std::string &triple, std::string &error);

/// A valid C identifier made from `text`.
std::string cIdentifier(const std::string &text);

/// The C element type of a tessera dtype ("float", "int64_t", …).
const char *cElementType(int32_t dtype);

} // namespace tessera

#endif // TESSERA_AOT_ARTIFACT_H
