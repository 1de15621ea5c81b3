# Standalone build against an installed ns-3 (Debian's libns3-dev 3.37).
#
# Provides the two functions an ns-3 source tree would (build_lib, build_lib_example) so that
# the module's CMakeLists.txt reads the same in both modes, plus ${libX} variables naming the
# imported ns3::libX targets.

find_package(ns3 3.37 REQUIRED COMPONENTS
  core network internet wifi mobility propagation applications point-to-point csma
  fd-net-device stats flow-monitor internet-apps)

if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

# ASan + UBSan for the core, the daemons and their tests (`./resoa test` builds them this way
# in a second build directory). Any report aborts the process, so a test fails on it. A
# target with the property RESOA_NO_SANITIZE opts out: the LD_PRELOAD shim and the programs
# the tests run under it, because the sanitizer runtime must come first in a process and
# the shim is preloaded before it.
option(RESOA_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(RESOA_SANITIZE)
  set(resoa_sanitize_on "$<NOT:$<BOOL:$<TARGET_PROPERTY:RESOA_NO_SANITIZE>>>")
  add_compile_options("$<${resoa_sanitize_on}:-fsanitize=address,undefined>"
                      "$<${resoa_sanitize_on}:-fno-sanitize-recover=all>"
                      "$<${resoa_sanitize_on}:-fno-omit-frame-pointer>")
  add_link_options("$<${resoa_sanitize_on}:-fsanitize=address,undefined>")
endif()

foreach(mod core network internet wifi mobility propagation applications point-to-point csma
            fd-net-device stats flow-monitor internet-apps)
  string(REPLACE "-" "_" var "${mod}")
  if(TARGET ns3::lib${mod})
    set(lib${var} ns3::lib${mod})
  endif()
endforeach()
# ns-3 trees spell these with dashes inside the variable name.
set(libpoint-to-point ${libpoint_to_point})
set(libfd-net-device ${libfd_net_device})
set(libflow-monitor ${libflow_monitor})
set(libinternet-apps ${libinternet_apps})

# Headers are copied to build/include/ns3/ so "ns3/<header>" works as in an ns-3 tree.
set(RESOA_INCLUDE_ROOT ${CMAKE_BINARY_DIR}/include)
file(MAKE_DIRECTORY ${RESOA_INCLUDE_ROOT}/ns3)

# Debian's imported targets carry no compile definitions; its libraries are built with
# logging and asserts, so turn them on for our code too.
set(RESOA_NS3_DEFINITIONS NS3_LOG_ENABLE NS3_ASSERT_ENABLE)

function(build_lib)
  cmake_parse_arguments(BL "" "LIBNAME" "SOURCE_FILES;HEADER_FILES;LIBRARIES_TO_LINK;TEST_SOURCES" ${ARGN})
  foreach(h ${BL_HEADER_FILES})
    get_filename_component(name ${h} NAME)
    configure_file(${CMAKE_CURRENT_SOURCE_DIR}/${h} ${RESOA_INCLUDE_ROOT}/ns3/${name} COPYONLY)
  endforeach()
  add_library(${BL_LIBNAME} SHARED ${BL_SOURCE_FILES})
  # Sources include other folders' headers as "ns3/<header>", as they must in an ns-3 tree.
  target_include_directories(${BL_LIBNAME} PUBLIC ${RESOA_INCLUDE_ROOT})
  target_compile_definitions(${BL_LIBNAME} PUBLIC ${RESOA_NS3_DEFINITIONS})
  target_link_libraries(${BL_LIBNAME} PUBLIC ${BL_LIBRARIES_TO_LINK})
  target_compile_options(${BL_LIBNAME} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  # The ns-3 TestSuite sources become a small runner (Debian ships no test-runner).
  if(BL_TEST_SOURCES)
    add_executable(${BL_LIBNAME}-ns3-test-runner ${CMAKE_CURRENT_SOURCE_DIR}/test/ns3-test-runner-main.cc
                                                 ${BL_TEST_SOURCES})
    target_link_libraries(${BL_LIBNAME}-ns3-test-runner PRIVATE ${BL_LIBNAME})
  endif()
endfunction()

function(build_lib_example)
  cmake_parse_arguments(BLE "" "NAME" "SOURCE_FILES;HEADER_FILES;LIBRARIES_TO_LINK" ${ARGN})
  add_executable(${BLE_NAME} ${BLE_SOURCE_FILES})
  target_link_libraries(${BLE_NAME} PRIVATE resoa ${BLE_LIBRARIES_TO_LINK})
  set_target_properties(${BLE_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/examples)
endfunction()
