//===- ModelLibrary.h - loading and running a compiled model ----*- C++ -*-===//
//
// What tessera-run and tessera-verify share: a library made by
// tessera-compile, checked before dlopen maps it, and one session over it
// whose outputs and workspace start poisoned.
//
//===----------------------------------------------------------------------===//

#ifndef TESSERA_TOOLS_TESSERA_RUN_MODELLIBRARY_H
#define TESSERA_TOOLS_TESSERA_RUN_MODELLIBRARY_H

#include "tools/tessera-run/TensorIO.h"

#include "tessera/runtime.h"

#include <string>
#include <vector>

namespace tessera::run {

/// Whether `path` is a whole ELF shared object of this machine (dlopen maps
/// a truncated file and faults on the missing pages); `why` says what is
/// wrong otherwise.
bool isWholeLibrary(const std::string &path, std::string &why);

/// Loads `path` (a tessera-compile library of this machine and runtime ABI)
/// and returns its model; null with `error` set otherwise. The library stays
/// loaded for the life of the process.
const tessera_model_t *loadModelLibrary(const std::string &path,
                                        std::string &error);

/// A session whose outputs are allocated to the model's descriptions.
class ModelSession {
public:
  ModelSession() = default;
  ModelSession(const ModelSession &) = delete;
  ModelSession &operator=(const ModelSession &) = delete;
  ~ModelSession();

  /// Creates the session with `threads` threads (0: one per CPU), a CUDA
  /// model's on device `cudaDevice`; false with `error` set.
  bool create(const tessera_model_t &model, int threads, int cudaDevice,
              std::string &error);
  /// Runs on `inputs` (in model order) into outputs(); a failed run's status.
  tessera_status_t run(const std::vector<HostTensor> &inputs);
  std::string lastError() const;

  tessera_session_t *get() const { return session; }
  /// The outputs of the last run, each at the dims the run computed (an
  /// output with dynamic dimensions cut to its sizes).
  std::vector<HostTensor> &outputs();

private:
  const tessera_model_t *model = nullptr;
  tessera_session_t *session = nullptr;
  std::vector<HostTensor> results, shaped;
  std::vector<tessera_tensor_t> inputTensors, outputTensors;
};

} // namespace tessera::run

#endif // TESSERA_TOOLS_TESSERA_RUN_MODELLIBRARY_H
