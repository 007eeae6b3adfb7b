//===- CUDARuntimeTest.cpp - the runtime's CUDA module on a fake driver ---===//
//
// A CUDA model's session replays its program through the driver API; here
// the driver is FakeCUDADriver.c (host memory, two test kernels run on the
// CPU), loaded through $TESSERA_CUDA_DRIVER. What is checked: the image a
// device of each compute capability gets, the data flow (inputs up, weights
// once, scalars of both widths, outputs back), the status word, the
// device-pointer and asynchronous runs, the refusals, and that a release
// leaves no allocation or pushed context behind.
//
//===----------------------------------------------------------------------===//

#include "tessera/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <string>

namespace {

const int64_t kDims[] = {4};
const tessera_tensor_desc_t kInput = {"x", TESSERA_F32, 1, kDims, 0};
const tessera_tensor_desc_t kOutput = {"y", TESSERA_F32, 1, kDims, 0};
const float kWeight = 2.5f;

// status(workspace, 0, code) then scale(x, y, weights + 0, 4).
tessera_cuda_arg_t statusArgs[] = {{TESSERA_CUDA_ARG_WORKSPACE, 8, 0},
                                   {TESSERA_CUDA_ARG_SCALAR, 4, 0},
                                   {TESSERA_CUDA_ARG_SCALAR, 4, 0}};
const tessera_cuda_arg_t kScaleArgs[] = {{TESSERA_CUDA_ARG_INPUT, 8, 0},
                                         {TESSERA_CUDA_ARG_OUTPUT, 8, 0},
                                         {TESSERA_CUDA_ARG_WEIGHT, 8, 0},
                                         {TESSERA_CUDA_ARG_SCALAR, 8, 4}};
tessera_cuda_launch_t launches[] = {
    {"status", {1, 1, 1}, {1, 1, 1}, 3, statusArgs},
    {"scale", {1, 1, 1}, {256, 1, 1}, 4, kScaleArgs}};
tessera_cuda_image_t images[] = {{"sm_80", "CUBIN sm_80", 12, "PTX sm_80"},
                                 {"sm_90a", "CUBIN sm_90a", 13, "PTX sm_90a"}};
tessera_cuda_program_t program = {
    2, 2, images, launches, &kWeight, sizeof(kWeight), 0};
const char *const kChecks[] = {
    "node 'Gather_0' (tk.gather): index out of range"};
tessera_model_t model = {TESSERA_ABI_VERSION,
                         0,
                         "scaled",
                         1,
                         1,
                         &kInput,
                         &kOutput,
                         64,
                         nullptr,
                         1,
                         kChecks,
                         0,
                         nullptr,
                         nullptr,
                         0,
                         0,
                         nullptr,
                         &program};

template <typename T> T fake(const char *name) {
  void *library = dlopen(FAKE_CUDA_DRIVER_PATH, RTLD_NOW | RTLD_NOLOAD);
  return library ? reinterpret_cast<T>(dlsym(library, name)) : nullptr;
}
int allocations() { return fake<int (*)()>("fake_cuda_allocations")(); }
int contextDepth() { return fake<int (*)()>("fake_cuda_context_depth")(); }
std::string loaded() { return fake<const char *(*)()>("fake_cuda_loaded")(); }

class CUDARuntime : public ::testing::Test {
protected:
  void SetUp() override {
    setenv("TESSERA_CUDA_DRIVER", FAKE_CUDA_DRIVER_PATH, 1);
    setenv("FAKE_CUDA_CC", "80", 1);
    statusArgs[2].value = 0;
    images[0].ptx = "PTX sm_80";
  }
  void TearDown() override {
    tessera_session_release(session);
    session = nullptr;
    // Everything the session held on the device is freed, every context
    // push popped.
    if (fake<void *>("fake_cuda_allocations")) {
      EXPECT_EQ(allocations(), 0);
      EXPECT_EQ(contextDepth(), 0);
    }
  }
  tessera_status_t create(const char *cc) {
    setenv("FAKE_CUDA_CC", cc, 1);
    return tessera_session_create(&model, nullptr, &session);
  }
  tessera_session_t *session = nullptr;
  float x[4] = {1, 2, 3, -4}, y[4] = {0, 0, 0, 0};
  tessera_tensor_t in = {TESSERA_F32, 1, kDims, x};
  tessera_tensor_t out = {TESSERA_F32, 1, kDims, y};
};

TEST_F(CUDARuntime, HostPointersRunTheProgram) {
  ASSERT_EQ(create("80"), TESSERA_OK) << tessera_create_error();
  EXPECT_EQ(loaded(), "CUBIN sm_80");
  for (int run = 0; run < 2; ++run) {
    ASSERT_EQ(tessera_session_run(session, &in, 1, &out, 1), TESSERA_OK)
        << tessera_session_last_error(session);
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(y[i], x[i] * kWeight);
    x[0] += 1;
  }
}

TEST_F(CUDARuntime, OutputsNoKernelWritesAreNaN) {
  // The staged outputs start as all ones: an output no kernel writes comes
  // back NaN, never a lucky zero.
  tessera_cuda_program_t statusOnly = program;
  statusOnly.num_launches = 1;
  tessera_model_t unwritten = model;
  unwritten.cuda = &statusOnly;
  ASSERT_EQ(tessera_session_create(&unwritten, nullptr, &session), TESSERA_OK)
      << tessera_create_error();
  ASSERT_EQ(tessera_session_run(session, &in, 1, &out, 1), TESSERA_OK);
  for (float v : y)
    EXPECT_TRUE(std::isnan(v));
  // Released while the model it describes is alive.
  tessera_session_release(session);
  session = nullptr;
}

TEST_F(CUDARuntime, PicksTheImageForTheDevice) {
  // sm_80 cubins run on 8.6 and 8.9; sm_90a only on 9.0.
  for (const char *cc : {"86", "89"}) {
    ASSERT_EQ(create(cc), TESSERA_OK) << tessera_create_error();
    EXPECT_EQ(loaded(), "CUBIN sm_80") << cc;
    tessera_session_release(session);
    session = nullptr;
  }
  ASSERT_EQ(create("90"), TESSERA_OK) << tessera_create_error();
  EXPECT_EQ(loaded(), "CUBIN sm_90a");
  tessera_session_release(session);
  session = nullptr;
  // A newer major version: no cubin fits, the portable PTX is JIT-compiled.
  ASSERT_EQ(create("120"), TESSERA_OK) << tessera_create_error();
  EXPECT_EQ(loaded(), "PTX sm_80");
  ASSERT_EQ(tessera_session_run(session, &in, 1, &out, 1), TESSERA_OK);
  EXPECT_EQ(y[3], -4 * kWeight);
}

TEST_F(CUDARuntime, OlderDeviceIsRefusedWithTheArchitectures) {
  EXPECT_EQ(create("75"), TESSERA_DEVICE_UNAVAILABLE);
  EXPECT_EQ(session, nullptr);
  EXPECT_STREQ(tessera_create_error(),
               "model 'scaled' has no code for Fake GPU (sm_75): it was "
               "compiled for sm_80, sm_90a; recompile with --mcpu=sm_75");
}

TEST_F(CUDARuntime, PTXThatDoesNotCompileSaysWhy) {
  images[0].ptx = "BADPTX";
  EXPECT_EQ(create("120"), TESSERA_DEVICE_UNAVAILABLE);
  EXPECT_STREQ(tessera_create_error(),
               "model 'scaled': the driver cannot JIT-compile its sm_80 PTX "
               "for Fake GPU (sm_120): CUDA error 218: ptxas fatal: line 1 "
               "unparsable ");
}

TEST_F(CUDARuntime, FailedCheckIsAnErrorWithItsMessage) {
  statusArgs[2].value = 1;
  ASSERT_EQ(create("80"), TESSERA_OK) << tessera_create_error();
  EXPECT_EQ(tessera_session_run(session, &in, 1, &out, 1),
            TESSERA_CHECK_FAILED);
  EXPECT_STREQ(tessera_session_last_error(session),
               "model 'scaled': node 'Gather_0' (tk.gather): index out of "
               "range");
}

TEST_F(CUDARuntime, DevicePointersAndAsyncRuns) {
  ASSERT_EQ(create("80"), TESSERA_OK) << tessera_create_error();
  // The fake's device addresses are host addresses.
  ASSERT_EQ(tessera_session_run_cuda(session, &in, 1, &out, 1, nullptr,
                                     TESSERA_RUN_DEVICE_POINTERS),
            TESSERA_OK)
      << tessera_session_last_error(session);
  EXPECT_EQ(y[1], 2 * kWeight);
  y[1] = 0;
  ASSERT_EQ(
      tessera_session_run_cuda(session, &in, 1, &out, 1, nullptr,
                               TESSERA_RUN_DEVICE_POINTERS | TESSERA_RUN_ASYNC),
      TESSERA_OK);
  EXPECT_EQ(tessera_session_wait(session), TESSERA_OK);
  EXPECT_EQ(y[1], 2 * kWeight);
  // Nothing pending: waiting again is fine.
  EXPECT_EQ(tessera_session_wait(session), TESSERA_OK);
  // Host buffers cannot be enqueued without waiting.
  EXPECT_EQ(tessera_session_run_cuda(session, &in, 1, &out, 1, nullptr,
                                     TESSERA_RUN_ASYNC),
            TESSERA_INVALID_ARGUMENT);
  EXPECT_EQ(tessera_session_run_cuda(session, &in, 1, &out, 1, nullptr, 8),
            TESSERA_INVALID_ARGUMENT);
  // The shapes are checked as for the CPU.
  int64_t wrong[] = {5};
  tessera_tensor_t bad = {TESSERA_F32, 1, wrong, x};
  EXPECT_EQ(tessera_session_run_cuda(session, &bad, 1, &out, 1, nullptr,
                                     TESSERA_RUN_DEVICE_POINTERS),
            TESSERA_SHAPE_MISMATCH);
}

TEST_F(CUDARuntime, AsyncCheckFailureShowsAtTheWait) {
  statusArgs[2].value = 1;
  ASSERT_EQ(create("80"), TESSERA_OK) << tessera_create_error();
  ASSERT_EQ(
      tessera_session_run_cuda(session, &in, 1, &out, 1, nullptr,
                               TESSERA_RUN_DEVICE_POINTERS | TESSERA_RUN_ASYNC),
      TESSERA_OK);
  EXPECT_EQ(tessera_session_wait(session), TESSERA_CHECK_FAILED);
}

TEST_F(CUDARuntime, NoSuchDevice) {
  tessera_session_options_t options;
  tessera_session_options_init(&options);
  EXPECT_EQ(options.cuda_device, 0);
  options.cuda_device = 3;
  EXPECT_EQ(tessera_session_create(&model, &options, &session),
            TESSERA_DEVICE_UNAVAILABLE);
  EXPECT_STREQ(tessera_create_error(),
               "CUDA device 3 does not exist (1 found)");
}

TEST_F(CUDARuntime, UnusableProgramsAreRefused) {
  tessera_model_t broken = model;
  tessera_cuda_program_t bad = program;
  broken.cuda = &bad;
  tessera_cuda_arg_t args[] = {{TESSERA_CUDA_ARG_INPUT, 8, 1}};
  tessera_cuda_launch_t launch = {"scale", {1, 1, 1}, {1, 1, 1}, 1, args};
  bad.launches = &launch;
  bad.num_launches = 1;
  // An input that does not exist.
  EXPECT_EQ(tessera_session_create(&broken, nullptr, &session),
            TESSERA_INVALID_ARGUMENT);
  // A scalar 3 bytes wide; a weight past the weights; a zero grid.
  args[0] = {TESSERA_CUDA_ARG_SCALAR, 3, 0};
  EXPECT_EQ(tessera_session_create(&broken, nullptr, &session),
            TESSERA_INVALID_ARGUMENT);
  args[0] = {TESSERA_CUDA_ARG_WEIGHT, 8, 5};
  EXPECT_EQ(tessera_session_create(&broken, nullptr, &session),
            TESSERA_INVALID_ARGUMENT);
  args[0] = {TESSERA_CUDA_ARG_WORKSPACE, 8, 0};
  launch.grid[1] = 0;
  EXPECT_EQ(tessera_session_create(&broken, nullptr, &session),
            TESSERA_INVALID_ARGUMENT);
  // The status word outside the workspace; no images.
  bad = program;
  bad.status_offset = 61;
  EXPECT_EQ(tessera_session_create(&broken, nullptr, &session),
            TESSERA_INVALID_ARGUMENT);
  bad = program;
  bad.num_images = 0;
  EXPECT_EQ(tessera_session_create(&broken, nullptr, &session),
            TESSERA_INVALID_ARGUMENT);
  // A model with both a host entry and a program.
  broken = model;
  broken.entry = [](void **) -> int32_t { return 0; };
  EXPECT_EQ(tessera_session_create(&broken, nullptr, &session),
            TESSERA_INVALID_ARGUMENT);
  EXPECT_EQ(session, nullptr);
}

TEST_F(CUDARuntime, CPUModelsHaveNoCUDARun) {
  tessera_model_t cpu = model;
  cpu.cuda = nullptr;
  cpu.entry = [](void **buffers) -> int32_t {
    std::memcpy(buffers[1], buffers[0], 4 * sizeof(float));
    return 0;
  };
  cpu.num_checks = 0;
  ASSERT_EQ(tessera_session_create(&cpu, nullptr, &session), TESSERA_OK);
  EXPECT_EQ(tessera_session_run_cuda(session, &in, 1, &out, 1, nullptr, 0),
            TESSERA_INVALID_ARGUMENT);
  EXPECT_STREQ(tessera_session_last_error(session),
               "model 'scaled' was compiled for the CPU, not CUDA");
  EXPECT_EQ(tessera_session_wait(session), TESSERA_OK);
}

} // namespace
