//===- ModelLibrary.cpp - loading and running a compiled model ------------===//

#include "tools/tessera-run/ModelLibrary.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <fstream>

using namespace tessera::run;

/// Whether `path` is a whole ELF shared object of this machine: dlopen maps
/// a truncated file and faults (SIGBUS) on the missing pages, so every
/// header table and loaded segment must lie inside the file.
bool tessera::run::isWholeLibrary(const std::string &path, std::string &why) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    why = "no such file";
    return false;
  }
  uint64_t size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  Elf64_Ehdr header;
  if (size < sizeof(header) ||
      !in.read(reinterpret_cast<char *>(&header), sizeof(header)) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64) {
    why = "not a 64-bit ELF file";
    return false;
  }
#if defined(__x86_64__)
  const uint16_t machine = EM_X86_64;
#elif defined(__aarch64__)
  const uint16_t machine = EM_AARCH64;
#else
  const uint16_t machine = header.e_machine;
#endif
  if (header.e_type != ET_DYN || header.e_machine != machine) {
    why = "not a shared library for this machine";
    return false;
  }
  auto inside = [&](uint64_t offset, uint64_t count, uint64_t entry) {
    return offset <= size && (entry == 0 || count <= (size - offset) / entry);
  };
  if (header.e_phentsize != sizeof(Elf64_Phdr) ||
      !inside(header.e_phoff, header.e_phnum, sizeof(Elf64_Phdr)) ||
      (header.e_shoff &&
       !inside(header.e_shoff, header.e_shnum, header.e_shentsize))) {
    why = "truncated (its header tables lie past the end of the file)";
    return false;
  }
  in.seekg(static_cast<std::streamoff>(header.e_phoff));
  for (int i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    if (!in.read(reinterpret_cast<char *>(&segment), sizeof(segment)) ||
        (segment.p_type == PT_LOAD && !inside(segment.p_offset, 1,
                                              segment.p_filesz))) {
      why = "truncated (a loaded segment lies past the end of the file)";
      return false;
    }
  }
  return true;
}

const tessera_model_t *tessera::run::loadModelLibrary(const std::string &path,
                                                     std::string &error) {
  std::string libraryPath = path;
  if (libraryPath.find('/') == std::string::npos)
    libraryPath = "./" + libraryPath;
  std::string invalid;
  if (!isWholeLibrary(libraryPath, invalid)) {
    error = "cannot load " + path + ": " + invalid;
    return nullptr;
  }
  void *handle = dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    error = "cannot load " + path + ": " + dlerror();
    return nullptr;
  }
  auto *model = static_cast<const tessera_model_t *>(
      dlsym(handle, "tessera_default_model"));
  if (!model) {
    error = path + " is not a Tessera model library "
                   "(no tessera_default_model symbol)";
    return nullptr;
  }
  if (model->abi_version != TESSERA_ABI_VERSION) {
    error = path + " was built for runtime ABI " +
            std::to_string(model->abi_version) + ", this tool has " +
            std::to_string(TESSERA_ABI_VERSION) + "; recompile the model";
    return nullptr;
  }
  return model;
}

ModelSession::~ModelSession() {
  if (session)
    tessera_session_release(session);
}

bool ModelSession::create(const tessera_model_t &model, int threads,
                          int cudaDevice, std::string &error) {
  this->model = &model;
  results.assign(model.num_outputs, HostTensor());
  outputTensors.clear();
  for (int i = 0; i < model.num_outputs; ++i) {
    const tessera_tensor_desc_t &desc = model.outputs[i];
    HostTensor &output = results[i];
    output.dtype = desc.dtype;
    output.dims.assign(desc.dims, desc.dims + desc.rank);
    // All bits set (NaN for floats): a kernel that reads an output before
    // writing it shows up as a wrong answer, never by luck as a zero.
    output.data.assign(tessera_desc_num_elements(&desc) *
                           tessera_dtype_size(desc.dtype),
                       0xFF);
    outputTensors.push_back(
        {desc.dtype, desc.rank, output.dims.data(), output.data.data()});
  }
  tessera_session_options_t options;
  tessera_session_options_init(&options);
  options.num_threads = threads;
  options.cuda_device = cudaDevice;
  // The workspace starts poisoned too (a fresh allocation is often zero
  // pages, which would hide a read of an unwritten buffer).
  options.allocator.alloc = [](void *, size_t size,
                               size_t alignment) -> void * {
    void *ptr = nullptr;
    if (posix_memalign(&ptr, std::max(alignment, sizeof(void *)),
                       std::max<size_t>(size, 1)) != 0)
      return nullptr;
    std::memset(ptr, 0xFF, std::max<size_t>(size, 1));
    return ptr;
  };
  tessera_status_t status = tessera_session_create(&model, &options, &session);
  if (status != TESSERA_OK) {
    error = std::string("cannot create a session: ") + tessera_create_error();
    return false;
  }
  return true;
}

tessera_status_t ModelSession::run(const std::vector<HostTensor> &inputs) {
  if (inputTensors.size() != inputs.size()) {
    inputTensors.clear();
    for (const HostTensor &input : inputs)
      inputTensors.push_back({input.dtype,
                              static_cast<int32_t>(input.dims.size()),
                              input.dims.data(),
                              const_cast<char *>(input.data.data())});
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    inputTensors[i].dtype = inputs[i].dtype;
    inputTensors[i].rank = static_cast<int32_t>(inputs[i].dims.size());
    inputTensors[i].dims = inputs[i].dims.data();
    inputTensors[i].data = const_cast<char *>(inputs[i].data.data());
  }
  return tessera_session_run(session, inputTensors.data(), inputTensors.size(),
                             outputTensors.data(), outputTensors.size());
}

std::vector<HostTensor> &ModelSession::outputs() {
  shaped.clear();
  for (int i = 0; i < model->num_outputs; ++i) {
    const tessera_tensor_desc_t &desc = model->outputs[i];
    const int64_t *dims = tessera_session_output_dims(session, i);
    if (!desc.dynamic_dims || !dims || desc.rank == 0) {
      shaped.push_back(results[i]);
      continue;
    }
    // The padded layout: each row of the last dimension starts where the
    // bound puts it.
    HostTensor tensor;
    tensor.dtype = desc.dtype;
    tensor.dims.assign(dims, dims + desc.rank);
    size_t element = tessera_dtype_size(desc.dtype);
    int64_t count = tensor.numElements();
    tensor.data.resize(static_cast<size_t>(count) * element);
    int64_t row = tensor.dims.back();
    std::vector<int64_t> at(desc.rank, 0);
    for (int64_t out = 0; count > 0 && out < count; out += row) {
      int64_t from = 0;
      for (int d = 0; d < desc.rank; ++d)
        from = from * desc.dims[d] + at[d];
      std::memcpy(tensor.data.data() + out * element,
                  results[i].data.data() + from * element, row * element);
      for (int d = desc.rank - 2; d >= 0; --d) {
        if (++at[d] < tensor.dims[d])
          break;
        at[d] = 0;
      }
    }
    shaped.push_back(std::move(tensor));
  }
  return shaped;
}

std::string ModelSession::lastError() const {
  return session ? tessera_session_last_error(session) : "no session";
}
