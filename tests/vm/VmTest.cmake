# add_vm_test(NAME <name> COMMAND <cmd> [<arg>...]
#             [KERNEL <kver>] [TIMEOUT <seconds>] [LABELS <label>...]
#             [WORKING_DIRECTORY <dir>] [OVERLAY] [SYSTEMD]
#             [KLOG_IGNORE <regex>...] [SECURE_BOOT db|mok|none])
#
# Register a ctest test that runs <cmd> as root inside a guest booted by
# tests/vm/vm-run: a binary built on the host runs unchanged, because the
# guest's root is the host's (read-only; writable with OVERLAY).  The test
# is labelled "vm" plus LABELS.  SYSTEMD: systemd is the guest's PID 1
# and <cmd> its job's service (vm-run --systemd).  A KERNEL of a STRUCTOPS_TEST_ROOTS suite
# boots with that suite's root (structops_add_test_roots, below), where the
# same path names the root's native build.  KERNEL defaults to the first of
# STRUCTOPS_TEST_KERNELS, else vm-run's default.  TIMEOUT (default 600) is
# vm-run's; ctest's is a minute longer so vm-run's own, cleaner timeout
# (QEMU killed, kernel log shown) fires first.  The guest's kernel log is
# kept as <build dir>/<name>.klog.  STRUCTOPS_* and GTEST_* variables in the
# test's ENVIRONMENT reach the command.  KLOG_IGNORE: kernel log lines
# that are not failures (vm-run --klog-ignore).  SECURE_BOOT: boot
# through UEFI with Secure Boot enforcing, the DKMS certificate trusted
# through db, MOK or not at all (vm-run --secure-boot); the test gets the
# label secureboot.  A KERNEL that is the debug kernel
# (structops_add_debug_kernel, below) boots from its build directory
# (vm-run --kernel-dir), runs <cmd> under tests/vm/debug-kernel-check, gets
# 2 GB, three times the TIMEOUT, the label debug and the fixture
# debug_kernel.

# Captured now: inside the function CMAKE_CURRENT_LIST_DIR is the caller's.
set_property(GLOBAL PROPERTY STRUCTOPS_VM_RUN "${CMAKE_CURRENT_LIST_DIR}/vm-run")

function(add_vm_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "OVERLAY;SYSTEMD"
    "NAME;KERNEL;TIMEOUT;WORKING_DIRECTORY;SECURE_BOOT" "COMMAND;LABELS;KLOG_IGNORE")
  if(NOT arg_NAME OR NOT arg_COMMAND)
    message(FATAL_ERROR "add_vm_test: NAME and COMMAND are required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "add_vm_test(${arg_NAME}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  get_property(vm_run GLOBAL PROPERTY STRUCTOPS_VM_RUN)

  set(opts)
  set(kver ${arg_KERNEL})
  if(NOT kver AND STRUCTOPS_TEST_KERNELS)
    list(GET STRUCTOPS_TEST_KERNELS 0 kver)
  endif()
  if(kver)
    list(APPEND opts --kernel ${kver})
    # A kernel of another suite's root boots with that root.
    get_property(root GLOBAL PROPERTY STRUCTOPS_ROOT_OF_${kver})
    get_property(suite GLOBAL PROPERTY STRUCTOPS_SUITE_OF_${kver})
    if(root)
      list(APPEND opts --root ${root})
    endif()
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 600)
  endif()
  # The debug kernel: KASAN, lockdep and kmemleak make it several times
  # slower under TCG, and KASAN's shadow and quarantine want memory.
  set(debug_dir "")
  if(kver AND kver STREQUAL STRUCTOPS_DEBUG_KERNEL)
    get_property(debug_dir GLOBAL PROPERTY STRUCTOPS_DEBUG_KERNEL_DIR)
    list(APPEND opts --kernel-dir ${debug_dir} --mem 2048)
    math(EXPR arg_TIMEOUT "${arg_TIMEOUT} * 3")
    get_filename_component(vm_dir ${vm_run} DIRECTORY)
    list(PREPEND arg_COMMAND ${vm_dir}/debug-kernel-check)
    # Each kmemleak scan prints "N new suspected memory leaks", boot's
    # too; debug-kernel-check owns that verdict: it clears boot's before
    # the suite and fails on, and lists, every leak from the suite.
    list(APPEND arg_KLOG_IGNORE "kmemleak: [0-9]+ new suspected memory leaks")
    list(APPEND arg_LABELS debug)
  endif()
  list(APPEND opts --timeout ${arg_TIMEOUT}
    --log ${CMAKE_CURRENT_BINARY_DIR}/${arg_NAME}.klog)
  if(arg_OVERLAY)
    list(APPEND opts --overlay)
  endif()
  if(arg_SYSTEMD)
    list(APPEND opts --systemd)
  endif()
  if(arg_SECURE_BOOT)
    if(NOT arg_SECURE_BOOT MATCHES "^(db|mok|none)$")
      message(FATAL_ERROR "add_vm_test(${arg_NAME}): SECURE_BOOT is db, mok or none, not ${arg_SECURE_BOOT}")
    endif()
    list(APPEND opts --secure-boot ${arg_SECURE_BOOT})
    list(APPEND arg_LABELS secureboot)
  endif()
  foreach(re IN LISTS arg_KLOG_IGNORE)
    list(APPEND opts --klog-ignore ${re})
  endforeach()
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
  if(root)
    set_tests_properties(${arg_NAME} PROPERTIES
      FIXTURES_REQUIRED root_${suite} LABELS "vm;matrix;${arg_LABELS}")
  endif()
  if(debug_dir)
    set_tests_properties(${arg_NAME} PROPERTIES FIXTURES_REQUIRED debug_kernel)
  endif()
endfunction()

# structops_add_debug_kernel(): the debug kernel of the matrix (issue 23).
# Debian's kernels have no KASAN, lockdep or kmemleak, so the kernel log
# checks could never see what those find.  scripts/build-debug-kernel
# builds one from Debian's linux-source-6.12 (cached in /var/tmp), and the
# test debug_kernel_setup (tests/vm/debug-kernel-setup: build or find it,
# have this machine's dkms build the module for it in a scratch tree,
# tests/vm/dkms-fixture, and put that module where the per-kernel loops look,
# kmod/<kver>/bpf_testmod.ko) sets up the fixture debug_kernel.
# STRUCTOPS_DEBUG_KERNEL is the kernel's release: the suites that loop over
# it too (integration, reliability at CI size) register their tests for it
# with add_vm_test(... KERNEL ${STRUCTOPS_DEBUG_KERNEL}), labelled debug,
# which scripts/test runs only with --long (a cold build is most of an hour
# on 2 CPUs, and every suite is several times slower).
option(STRUCTOPS_DEBUG_KERNEL_TESTS
  "Register the debug kernel's suites (label debug; scripts/test --long)" ON)
set_property(GLOBAL PROPERTY STRUCTOPS_TESTS_DIR "${CMAKE_CURRENT_LIST_DIR}")

macro(structops_add_debug_kernel)
  set(STRUCTOPS_DEBUG_KERNEL "")
  if(STRUCTOPS_DEBUG_KERNEL_TESTS)
    get_property(_scripts GLOBAL PROPERTY STRUCTOPS_SCRIPTS)
    get_property(_vmdir GLOBAL PROPERTY STRUCTOPS_TESTS_DIR)
    execute_process(COMMAND ${_scripts}/build-debug-kernel --print-release
      OUTPUT_VARIABLE _kver OUTPUT_STRIP_TRAILING_WHITESPACE
      ERROR_VARIABLE _err ERROR_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
    # Without it the setup test is still registered, and fails saying why.
    add_test(NAME debug_kernel_setup
      COMMAND ${_vmdir}/debug-kernel-setup ${PROJECT_BINARY_DIR})
    set_tests_properties(debug_kernel_setup PROPERTIES
      LABELS "vm;debug" TIMEOUT 7200 FIXTURES_SETUP debug_kernel RESOURCE_LOCK debug_kernel)
    if(_rc EQUAL 0)
      set(STRUCTOPS_DEBUG_KERNEL ${_kver})
      set_property(GLOBAL PROPERTY STRUCTOPS_DEBUG_KERNEL_DIR ${PROJECT_BINARY_DIR}/debug-kernel)
      # Its row of the matrix table (scripts/matrix-summary: suite "debug").
      file(APPEND ${PROJECT_BINARY_DIR}/matrix/kernels "debug ${_kver} /\n")
      message(STATUS "structops: debug kernel ${_kver} (label debug)")
    else()
      message(STATUS "structops: no debug kernel (debug_kernel_setup will fail): ${_err}")
    endif()
  endif()
endmacro()

# structops_add_test_roots(): the other Debian suites of the kernel matrix.
# For each suite in STRUCTOPS_TEST_ROOTS, scripts/make-root makes (or finds
# in its cache) a root file system of that suite with its kernels, and the
# root's kernels are appended to STRUCTOPS_TEST_KERNELS in the caller's
# scope: the per-kernel loops of tests/*/CMakeLists.txt register their tests
# for them unchanged.  add_vm_test() boots such a kernel with vm-run --root,
# and the test needs the fixture root_<suite>: the test root_build_<suite>,
# which builds this project natively in the root at the same paths as here
# (scripts/build-in-root), so $<TARGET_FILE:...> and ${CMAKE_BINARY_DIR}
# paths name the root's own build of the same file inside the guest; it
# also builds and installs the package there (DKMS).  A root kernel's
# module is built by the root's build only.
set(STRUCTOPS_TEST_ROOTS "" CACHE STRING
  "Debian suites (e.g. trixie;sid) whose roots' kernels the VM tests also boot")
set_property(GLOBAL PROPERTY STRUCTOPS_SCRIPTS "${CMAKE_CURRENT_LIST_DIR}/../../scripts")

macro(structops_add_test_roots)
  get_property(_scripts GLOBAL PROPERTY STRUCTOPS_SCRIPTS)
  foreach(_suite IN LISTS STRUCTOPS_TEST_ROOTS)
    message(STATUS "structops: making the ${_suite} root (scripts/make-root ${_suite}; cached)")
    execute_process(COMMAND ${_scripts}/make-root ${_suite}
      OUTPUT_VARIABLE _root OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "STRUCTOPS_TEST_ROOTS: scripts/make-root ${_suite} failed (exit ${_rc})")
    endif()
    set_property(GLOBAL PROPERTY STRUCTOPS_ROOT_${_suite} ${_root})
    file(STRINGS ${_root}/.structops-root _kernels)
    message(STATUS "structops: ${_suite} root ${_root}: ${_kernels}")
    add_test(NAME root_build_${_suite}
      COMMAND ${_scripts}/build-in-root ${_root} ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
    set_tests_properties(root_build_${_suite} PROPERTIES
      LABELS "vm;package;matrix" TIMEOUT 1800 FIXTURES_SETUP root_${_suite}
      RESOURCE_LOCK root_${_suite})
    add_test(NAME package_dkms_${_suite}
      COMMAND ${_scripts}/../tests/vm/dkms-check ${_root}${PROJECT_BINARY_DIR}/matrix/dkms)
    set_tests_properties(package_dkms_${_suite} PROPERTIES
      LABELS "package;matrix" TIMEOUT 60 FIXTURES_REQUIRED root_${_suite})
    foreach(_kver IN LISTS _kernels)
      set_property(GLOBAL PROPERTY STRUCTOPS_ROOT_OF_${_kver} ${_root})
      set_property(GLOBAL PROPERTY STRUCTOPS_SUITE_OF_${_kver} ${_suite})
      list(APPEND STRUCTOPS_TEST_KERNELS ${_kver})
    endforeach()
  endforeach()
  # "SUITE KVER ROOT" per test kernel, for scripts/matrix-summary.
  file(STRINGS /etc/os-release _codename REGEX "^VERSION_CODENAME=")
  string(REPLACE "VERSION_CODENAME=" "" _codename "${_codename}")
  if(NOT _codename)
    set(_codename sid)
  endif()
  set(_lines "")
  set(STRUCTOPS_TEST_SUITES "")
  foreach(_kver IN LISTS STRUCTOPS_TEST_KERNELS)
    get_property(_root GLOBAL PROPERTY STRUCTOPS_ROOT_OF_${_kver})
    get_property(_suite GLOBAL PROPERTY STRUCTOPS_SUITE_OF_${_kver})
    if(NOT _root)
      set(_root /)
      set(_suite ${_codename})
    endif()
    string(APPEND _lines "${_suite} ${_kver} ${_root}\n")
    if(NOT _suite IN_LIST STRUCTOPS_TEST_SUITES)
      # STRUCTOPS_TEST_SUITES: each suite once, this machine's first;
      # STRUCTOPS_SUITE_KERNEL_<suite>: its first test kernel.
      list(APPEND STRUCTOPS_TEST_SUITES ${_suite})
      set(STRUCTOPS_SUITE_KERNEL_${_suite} ${_kver})
    endif()
  endforeach()
  file(WRITE ${PROJECT_BINARY_DIR}/matrix/kernels "${_lines}")
endmacro()
