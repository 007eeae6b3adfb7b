# tessera_add_plugin(NAME SOURCES...): a Tessera compiler plugin, a module
# (NAME.so, no "lib" prefix) linking Tessera::compiler, its own symbols
# hidden but for the entry point TESSERA_DEFINE_PLUGIN exports. Included by
# Tessera's build and by TesseraConfig.cmake.
function(tessera_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE Tessera::compiler)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()
