# Tool defaults picked before project(): clang-22 and ccache when present.
# Anything given on the command line (or in the environment) wins.

if(NOT DEFINED CMAKE_CXX_COMPILER AND NOT DEFINED ENV{CXX}
   AND NOT DEFINED CMAKE_TOOLCHAIN_FILE)
  find_program(TESSERA_CLANGXX NAMES clang++-22)
  find_program(TESSERA_CLANG NAMES clang-22)
  if(TESSERA_CLANGXX AND TESSERA_CLANG)
    set(CMAKE_CXX_COMPILER "${TESSERA_CLANGXX}" CACHE FILEPATH "C++ compiler")
    set(CMAKE_C_COMPILER "${TESSERA_CLANG}" CACHE FILEPATH "C compiler")
  endif()
endif()

if(NOT DEFINED CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(TESSERA_CCACHE ccache)
  if(TESSERA_CCACHE)
    # CCACHE_BASEDIR makes paths relative, so fresh build trees and clones hit.
    set(CMAKE_CXX_COMPILER_LAUNCHER
        "${CMAKE_COMMAND};-E;env;CCACHE_BASEDIR=${CMAKE_SOURCE_DIR};CCACHE_NOHASHDIR=1;${TESSERA_CCACHE}"
        CACHE STRING "C++ compiler launcher")
    set(CMAKE_C_COMPILER_LAUNCHER "${CMAKE_CXX_COMPILER_LAUNCHER}"
        CACHE STRING "C compiler launcher")
  endif()
endif()
