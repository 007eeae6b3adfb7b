# Cross-compiling for 64-bit Arm Linux with Debian's cross toolchain
# (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross):
#   cmake -S <tessera> -B build-a64 -DTESSERA_RUNTIME_ONLY=ON \
#         --toolchain <tessera>/cmake/toolchains/aarch64-linux-gnu.cmake
#   cmake --build build-a64 && cmake --install build-a64 --prefix <arm prefix>
# An application's own cross build uses the same file; tessera_add_model then
# compiles its models with --target aarch64-linux-gnu (docs/building.md).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# Packages (TesseraConfig.cmake of an Arm install) are found where the
# application points CMAKE_PREFIX_PATH, not only under the sysroot.
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# Executables run under qemu when a build step or test needs them.
find_program(TESSERA_QEMU_AARCH64 qemu-aarch64)
if(TESSERA_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${TESSERA_QEMU_AARCH64};-L;/usr/aarch64-linux-gnu")
endif()
