# Run by `cmake --install` (cmake/install.cmake), where CMAKE_INSTALL_PREFIX is the prefix
# being installed to: the files that name it.
function(eucc_full_dir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

set(EUCC_PREFIX "${CMAKE_INSTALL_PREFIX}")
eucc_full_dir(EUCC_BINDIR "${EUCC_INSTALL_BINDIR}")
eucc_full_dir(EUCC_INCLUDEDIR "${EUCC_INSTALL_INCLUDEDIR}")
configure_file("${EUCC_SOURCE_DIR}/deploy/eucc-server.service.in"
  "${EUCC_GEN_DIR}/eucc-server.service" @ONLY)
configure_file("${EUCC_SOURCE_DIR}/client/include/eucc.pc.in" "${EUCC_GEN_DIR}/eucc.pc" @ONLY)
