# tessera_add_model(<name> <model.onnx>
#                   [INPUT_SHAPES input=1x3x224x224 ...]
#                   [TARGET <triple>] [MCPU <cpu>]
#                   [PLUGINS <plugin.so> ...] [OPTIONS <tessera-compile args> ...])
#
# Compiles an ONNX model with tessera-compile at build time into a static
# library target <name> holding the model's object (weights included); its
# header is <name>.h (the C API: <name>_model, <name>_run, NAME_INPUT0_...).
# Linking <name> brings the header's folder and the C runtime
# (Tessera::runtime). <name> must be a C identifier: it prefixes the C
# symbols.
#
# TARGET defaults to the host, or, in a cross build (CMAKE_CROSSCOMPILING),
# to <CMAKE_SYSTEM_PROCESSOR>-linux-gnu; MCPU defaults to tessera-compile's
# (native for the host, the triple's baseline for another target): pass
# MCPU generic for a library that runs on every CPU of its architecture.
#
# tessera-compile is the in-tree target when there is one, else
# TESSERA_COMPILE (set by TesseraConfig.cmake; may be given on the command
# line, e.g. a host install's tool in a cross build).
#
# Included by Tessera's build and by TesseraConfig.cmake.
function(tessera_add_model name model)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "TARGET;MCPU"
                        "INPUT_SHAPES;PLUGINS;OPTIONS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tessera_add_model(${name}): unknown arguments "
                        "'${arg_UNPARSED_ARGUMENTS}' (INPUT_SHAPES, TARGET, "
                        "MCPU, PLUGINS, OPTIONS)")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "tessera_add_model: '${name}' is not a C identifier "
                        "(it names the header and prefixes the C symbols)")
  endif()
  if(TARGET tessera-compile)
    set(compiler "$<TARGET_FILE:tessera-compile>")
    set(compiler_dependency tessera-compile)
  elseif(TESSERA_COMPILE)
    set(compiler "${TESSERA_COMPILE}")
    set(compiler_dependency "${TESSERA_COMPILE}")
  else()
    message(FATAL_ERROR "tessera_add_model(${name}): no tessera-compile "
                        "(set TESSERA_COMPILE to its path)")
  endif()
  get_filename_component(model "${model}" ABSOLUTE
                         BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")

  set(triple "${arg_TARGET}")
  if(NOT triple AND CMAKE_CROSSCOMPILING)
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
      set(triple aarch64-linux-gnu)
    elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
      set(triple x86_64-linux-gnu)
    else()
      message(FATAL_ERROR "tessera_add_model(${name}): cross-compiling for "
                          "'${CMAKE_SYSTEM_PROCESSOR}': give TARGET")
    endif()
  endif()
  set(args)
  foreach(shape IN LISTS arg_INPUT_SHAPES)
    list(APPEND args --input-shape "${shape}")
  endforeach()
  if(triple)
    list(APPEND args --target "${triple}")
  endif()
  if(arg_MCPU)
    list(APPEND args --mcpu "${arg_MCPU}")
  endif()
  set(plugin_files)
  foreach(plugin IN LISTS arg_PLUGINS)
    if(TARGET ${plugin})
      list(APPEND args "--plugin=$<TARGET_FILE:${plugin}>")
    else()
      get_filename_component(plugin "${plugin}" ABSOLUTE
                             BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
      list(APPEND args "--plugin=${plugin}")
    endif()
    list(APPEND plugin_files ${plugin})
  endforeach()

  set(dir "${CMAKE_CURRENT_BINARY_DIR}/${name}.tessera")
  add_custom_command(
    OUTPUT "${dir}/${name}.o" "${dir}/${name}.h"
    COMMAND "${compiler}" "${model}" -o "${dir}/${name}" --emit=obj
            ${args} ${arg_OPTIONS}
    DEPENDS "${model}" ${compiler_dependency} ${plugin_files}
    COMMENT "Compiling ${name} (${model}) with tessera-compile"
    VERBATIM)
  set_source_files_properties("${dir}/${name}.o" PROPERTIES
    EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${name} STATIC "${dir}/${name}.o" "${dir}/${name}.h")
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${name} PUBLIC "${dir}")
  target_link_libraries(${name} PUBLIC Tessera::runtime)
endfunction()
