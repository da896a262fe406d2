# What `cmake --install` puts under the prefix besides the binaries (docs/install.md):
#   bin/eucc-server bin/eucc-remote             (server/ and client/CMakeLists.txt)
#   include/eucc/eucc.h, share/pkgconfig/eucc.pc for BPF programs
#   share/eucc/include/eucc/eucc.h              the server's data files (server/data_files.h);
#   share/eucc/libbpf/include/bpf/*.h           the libbpf headers (server/CMakeLists.txt)
#   share/man/man1/eucc-server.1 eucc-remote.1  share/doc/eucc/*.md
#   lib/systemd/system/eucc-server.service      lib/sysusers.d/eucc.conf
#   share/bash-completion/completions/eucc-remote eucc-server
# The unit and the .pc file name the prefix: they are made at install time (by
# install_configure.cmake), so that `cmake --install build --prefix DIR` puts DIR in them.
set(eucc_gen "${PROJECT_BINARY_DIR}/install-files")

install(FILES client/include/eucc/eucc.h DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/eucc")
install(FILES client/include/eucc/eucc.h DESTINATION "${EUCC_DATA_SUBDIR}/include/eucc")

install(CODE "
  set(EUCC_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(EUCC_GEN_DIR \"${eucc_gen}\")
  set(EUCC_VERSION \"${PROJECT_VERSION}\")
  set(EUCC_INSTALL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(EUCC_INSTALL_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")")
install(SCRIPT cmake/install_configure.cmake)
install(FILES "${eucc_gen}/eucc.pc" DESTINATION "${CMAKE_INSTALL_DATADIR}/pkgconfig")
install(FILES "${eucc_gen}/eucc-server.service" DESTINATION "${EUCC_SYSTEMD_UNITDIR}")
install(FILES deploy/eucc.sysusers RENAME eucc.conf DESTINATION "${EUCC_SYSUSERSDIR}")

install(FILES docs/man/eucc-server.1 docs/man/eucc-remote.1
  DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
install(FILES README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY docs/ DESTINATION "${CMAKE_INSTALL_DOCDIR}"
  FILES_MATCHING PATTERN "*.md" PATTERN "man" EXCLUDE)

# bash-completion loads a completion by the command's name: one copy per binary.
foreach(prog eucc-remote eucc-server)
  install(FILES completion/eucc.bash RENAME ${prog}
    DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions")
endforeach()
