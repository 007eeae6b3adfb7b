# What `cmake --install <build> [--prefix P]` puts under P:
#   bin/       tessera-compile, tessera-opt, tessera-run, tessera-verify,
#              tessera-inspect
#   share/tessera/ort_oracle.js (tessera-verify's ONNX Runtime driver)
#   lib/       libtessera_runtime.a and .so, libTesseraCompiler.so,
#              cmake/tessera/ (find_package(Tessera)), pkgconfig/tessera-runtime.pc,
#              python3.X/site-packages/tessera (the Python package)
#   include/   tessera/runtime.h; for plugins: tessera/, dialects/ (and the
#              headers generated from their .td files)
# With TESSERA_RUNTIME_ONLY (a cross build) only the runtime, its header,
# the .pc file and a TesseraConfig.cmake with Tessera::runtime and
# tessera_add_model.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TESSERA_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/tessera"
    CACHE STRING "Where TesseraConfig.cmake is installed (relative to the prefix)")
# From the config file's folder back to the prefix, whatever --prefix is.
file(RELATIVE_PATH TESSERA_CONFIG_TO_PREFIX
     "/prefix/${TESSERA_INSTALL_CMAKEDIR}" "/prefix")

install(TARGETS tessera_runtime tessera_runtime_shared
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/runtime/include/tessera/runtime.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tessera)

file(RELATIVE_PATH TESSERA_PC_TO_PREFIX
     "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(${PROJECT_SOURCE_DIR}/cmake/tessera-runtime.pc.in
               ${PROJECT_BINARY_DIR}/lib/pkgconfig/tessera-runtime.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/lib/pkgconfig/tessera-runtime.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(TESSERA_RUNTIME_ONLY)
  set(TESSERA_PACKAGE_HAS_COMPILER FALSE)
else()
  set(TESSERA_PACKAGE_HAS_COMPILER TRUE)
  # The tools find libTesseraCompiler.so next to them and libMLIR.so where
  # they were linked against it.
  set_target_properties(tessera-compile tessera-opt tessera-run tessera-verify
    tessera-inspect
    PROPERTIES
    INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}"
    INSTALL_RPATH_USE_LINK_PATH TRUE)
  set_target_properties(TesseraCompiler tessera_runtime_shared PROPERTIES
    INSTALL_RPATH "$ORIGIN" INSTALL_RPATH_USE_LINK_PATH TRUE)
  install(TARGETS tessera-compile tessera-opt tessera-run tessera-verify
          tessera-inspect
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/tools/tessera-verify/ort_oracle.js
          DESTINATION ${CMAKE_INSTALL_DATADIR}/tessera)
  install(TARGETS TesseraCompiler
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})

  # The plugin API's headers and what they include.
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tessera
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/dialects
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
  install(DIRECTORY ${PROJECT_BINARY_DIR}/dialects
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h.inc"
          PATTERN "CMakeFiles" EXCLUDE)
  install(FILES ${PROJECT_BINARY_DIR}/include/tessera/Version.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tessera)

  # The Python package: python/CMakeLists.txt.

  # What Tessera::compiler brings a plugin: MLIR's and LLVM's headers and
  # shared libraries, from the install this Tessera was built against.
  set(TESSERA_PACKAGE_MLIR_INCLUDE_DIRS ${MLIR_INCLUDE_DIRS} ${LLVM_INCLUDE_DIRS})
  set(TESSERA_PACKAGE_MLIR_LIBS "$<TARGET_FILE:MLIR>;$<TARGET_FILE:LLVM>")
  list(REMOVE_DUPLICATES TESSERA_PACKAGE_MLIR_INCLUDE_DIRS)
endif()

configure_file(${PROJECT_SOURCE_DIR}/cmake/TesseraConfigInstalled.cmake.in
               ${PROJECT_BINARY_DIR}/package/TesseraConfig.cmake.in @ONLY)
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/package/TesseraConfig.cmake
     INPUT ${PROJECT_BINARY_DIR}/package/TesseraConfig.cmake.in)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/package/TesseraConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/TesseraConfig.cmake
              ${PROJECT_BINARY_DIR}/package/TesseraConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/TesseraModelFunctions.cmake
              ${PROJECT_SOURCE_DIR}/cmake/TesseraPluginFunctions.cmake
        DESTINATION ${TESSERA_INSTALL_CMAKEDIR})
