# add_component(NAME SOURCES a.cc b.cc DEPS ninevolt::x lib::y)
# One component = one folder under src/ = namespace ninevolt::NAME = target ninevolt::NAME.
# Headers are included as "NAME/header.h" (include root is src/).
function(add_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(nv_${name} STATIC ${ARG_SOURCES})
  add_library(ninevolt::${name} ALIAS nv_${name})
  target_include_directories(nv_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(nv_${name} PUBLIC ${ARG_DEPS})
endfunction()
