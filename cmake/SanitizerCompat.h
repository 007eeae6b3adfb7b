// Force-included into every C++ file of a TESSERA_SANITIZE build.
//
// LLVM's headers poison and unpoison the memory of their arena allocators
// (BumpPtrAllocator, ArrayRecycler) when the including file is built with
// AddressSanitizer. Tessera links the distribution's libLLVM/libMLIR, which
// are not: memory that an inlined copy in Tessera's code poisoned is later
// handed out by libMLIR's own copy without unpoisoning, and every use of it
// is a false "use-after-poison". Making the calls no-ops in Tessera's code
// keeps both sides consistent (the allocations themselves stay checked).
#ifndef TESSERA_CMAKE_SANITIZERCOMPAT_H
#define TESSERA_CMAKE_SANITIZERCOMPAT_H
#if defined(__cplusplus) && __has_include(<sanitizer/asan_interface.h>)
#include <sanitizer/asan_interface.h>
#define __asan_poison_memory_region(p, size) ((void)(p), (void)(size))
#define __asan_unpoison_memory_region(p, size) ((void)(p), (void)(size))
#endif
#endif
