# The static eucc-remote, built from this same tree as separate CMake builds (a static build is
# its own configuration: other archives, -static, for arm64 another compiler), each into
# ${PROJECT_BINARY_DIR}/static/<arch>/client/eucc-remote. Rebuilt with the normal build.
include(ExternalProject)

function(eucc_static_subbuild arch)
  set(args -DEUCC_STATIC_CLIENT=ON -DCMAKE_BUILD_TYPE=Release -DEUCC_WERROR=${EUCC_WERROR})
  if(NOT arch STREQUAL CMAKE_SYSTEM_PROCESSOR)
    list(APPEND args -DCMAKE_TOOLCHAIN_FILE=${PROJECT_SOURCE_DIR}/cmake/${arch}-linux-gnu.cmake)
  endif()
  ExternalProject_Add(eucc_remote_static_${arch}
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    BINARY_DIR ${PROJECT_BINARY_DIR}/static/${arch}
    CMAKE_ARGS ${args}
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON
    BUILD_BYPRODUCTS ${PROJECT_BINARY_DIR}/static/${arch}/client/eucc-remote)
endfunction()

eucc_static_subbuild(${CMAKE_SYSTEM_PROCESSOR})
if(CMAKE_SYSTEM_PROCESSOR STREQUAL "x86_64")
  eucc_static_subbuild(aarch64)
endif()
