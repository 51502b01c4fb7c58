# add_bpf_object(<name> SOURCE <file.bpf.c> [OUTPUT_DIR <dir>]
#                [INCLUDES <dir>...] [FLAGS <flag>...]
#                [CLANG <compiler>] [TARGET <target name>])
#
# Compile one BPF object, <name>.bpf.o, with clang (or CLANG).  A depfile
# makes header edits rebuild it.  STRUCTOPS_PREFIX_MAPS (the top-level
# CMakeLists.txt) keeps the build's paths out of its DWARF and BTF.  Adds the target bpf_<name> (or TARGET).
find_program(CLANG_EXECUTABLE NAMES clang REQUIRED)

function(add_bpf_object name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "SOURCE;OUTPUT_DIR;CLANG;TARGET"
    "INCLUDES;FLAGS")
  if(NOT arg_SOURCE)
    message(FATAL_ERROR "add_bpf_object(${name}): SOURCE is required")
  endif()
  if(NOT arg_CLANG)
    set(arg_CLANG ${CLANG_EXECUTABLE})
  endif()
  if(NOT arg_TARGET)
    set(arg_TARGET bpf_${name})
  endif()
  if(NOT arg_OUTPUT_DIR)
    set(arg_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${arg_SOURCE})
  set(obj ${arg_OUTPUT_DIR}/${name}.bpf.o)
  set(includes)
  foreach(dir IN LISTS arg_INCLUDES)
    list(APPEND includes -I${dir})
  endforeach()
  file(MAKE_DIRECTORY ${arg_OUTPUT_DIR})
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${arg_CLANG} -target bpf -O2 -g ${STRUCTOPS_PREFIX_MAPS} ${arg_FLAGS} ${includes}
            -MD -MF ${obj}.d -c ${src} -o ${obj}
    DEPFILE ${obj}.d
    DEPENDS ${src}
    COMMENT "BPF ${obj}"
    VERBATIM)
  add_custom_target(${arg_TARGET} ALL DEPENDS ${obj})
  set_target_properties(${arg_TARGET} PROPERTIES BPF_OBJECT ${obj})
endfunction()
