# add_vm_test(NAME <name> COMMAND <cmd> [<arg>...]
#             [KERNEL <kver>] [TIMEOUT <seconds>] [LABELS <label>...]
#             [WORKING_DIRECTORY <dir>] [OVERLAY])
#
# Register a ctest test that runs <cmd> as root inside a guest booted by
# tests/vm/vm-run: a binary built on the host runs unchanged, because the
# guest's root is the host's (read-only; writable with OVERLAY).  The test
# is labelled "vm" plus LABELS.  KERNEL defaults to the first of
# STRUCTOPS_TEST_KERNELS, else vm-run's default.  TIMEOUT (default 600) is
# vm-run's; ctest's is a minute longer so vm-run's own, cleaner timeout
# (QEMU killed, kernel log shown) fires first.  The guest's kernel log is
# kept as <build dir>/<name>.klog.  STRUCTOPS_* and GTEST_* variables in the
# test's ENVIRONMENT reach the command.

# Captured now: inside the function CMAKE_CURRENT_LIST_DIR is the caller's.
set_property(GLOBAL PROPERTY STRUCTOPS_VM_RUN "${CMAKE_CURRENT_LIST_DIR}/vm-run")

function(add_vm_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "OVERLAY"
    "NAME;KERNEL;TIMEOUT;WORKING_DIRECTORY" "COMMAND;LABELS")
  if(NOT arg_NAME OR NOT arg_COMMAND)
    message(FATAL_ERROR "add_vm_test: NAME and COMMAND are required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "add_vm_test(${arg_NAME}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  get_property(vm_run GLOBAL PROPERTY STRUCTOPS_VM_RUN)

  set(opts)
  if(arg_KERNEL)
    list(APPEND opts --kernel ${arg_KERNEL})
  elseif(STRUCTOPS_TEST_KERNELS)
    list(GET STRUCTOPS_TEST_KERNELS 0 kver)
    list(APPEND opts --kernel ${kver})
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 600)
  endif()
  list(APPEND opts --timeout ${arg_TIMEOUT}
    --log ${CMAKE_CURRENT_BINARY_DIR}/${arg_NAME}.klog)
  if(arg_OVERLAY)
    list(APPEND opts --overlay)
  endif()
  if(NOT arg_WORKING_DIRECTORY)
    set(arg_WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  endif()

  add_test(NAME ${arg_NAME}
    COMMAND ${vm_run} ${opts} -- ${arg_COMMAND}
    WORKING_DIRECTORY ${arg_WORKING_DIRECTORY})
  math(EXPR ctest_timeout "${arg_TIMEOUT} + 60")
  set_tests_properties(${arg_NAME} PROPERTIES
    LABELS "vm;${arg_LABELS}"
    TIMEOUT ${ctest_timeout})
endfunction()
