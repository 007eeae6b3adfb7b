//===- Empty.cpp - libTesseraCompiler.so's own translation unit -----------===//
//
// The library's code is the compiler's static libraries, linked whole
// (lib/Compiler/CMakeLists.txt); a shared library needs one source.
//
//===----------------------------------------------------------------------===//
