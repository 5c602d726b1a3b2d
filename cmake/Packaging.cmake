# Installing Domus like a system service, and its Debian package (`make deb`: cpack -G DEB).
#   /usr/bin/{domus,domusd,domus-vmm}
#   /lib/systemd/system/domusd.service         (packaging/domusd.service)
#   /etc/domus/domusd.conf                      (a conffile; socket-group = domus)
#   /usr/share/man/man1/domus.1.gz, man8/domusd.8.gz, man8/domus-vmm.8.gz
# The package's maintainer scripts (packaging/debian/) add the system group `domus`, whose
# members may use domusd's socket, and enable and start the service where systemd runs.
# Only the three binaries are installed: tests and benchmarks never are.
include(GNUInstallDirs)

set(DOMUS_PACKAGING_DIR ${CMAKE_SOURCE_DIR}/packaging)

install(TARGETS domus domus-vmm RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT domus)
if(TARGET domusd)
  install(TARGETS domusd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT domus)
endif()
install(FILES ${DOMUS_PACKAGING_DIR}/domusd.service DESTINATION /lib/systemd/system
        COMPONENT domus)
install(FILES ${DOMUS_PACKAGING_DIR}/domusd.conf DESTINATION /etc/domus COMPONENT domus)

# Man pages: the version filled in, gzip'd (Debian policy) at build time.
find_program(DOMUS_GZIP gzip REQUIRED)
set(DOMUS_VERSION ${PROJECT_VERSION})
foreach(page domus.1 domusd.8 domus-vmm.8)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  configure_file(${DOMUS_PACKAGING_DIR}/man/${page} ${CMAKE_BINARY_DIR}/man/${page} @ONLY)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}.gz
                     COMMAND ${DOMUS_GZIP} -9 -n -f -k ${CMAKE_BINARY_DIR}/man/${page}
                     DEPENDS ${CMAKE_BINARY_DIR}/man/${page}
                     COMMENT "gzip ${page}" VERBATIM)
  list(APPEND DOMUS_MAN_PAGES ${CMAKE_BINARY_DIR}/man/${page}.gz)
  install(FILES ${CMAKE_BINARY_DIR}/man/${page}.gz
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section} COMPONENT domus)
endforeach()
add_custom_target(domus_man_pages DEPENDS ${DOMUS_MAN_PAGES})
add_dependencies(domus domus_man_pages)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME domus)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Domus developers <domus@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Xen-style virtualization on Linux KVM: domusd (Domain 0), domus, domus-vmm")
set(CPACK_PACKAGE_DESCRIPTION
    "Domus boots paravirtualized guests on Linux KVM with a guest kernel of its own, and runs a
Domain 0 daemon (domusd) with an HTTP API and an xl-style command line (domus). The package
installs the three binaries, the domusd systemd service and the domus group allowed on its
socket.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL OFF)
set(CPACK_COMPONENTS_ALL domus)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # domus_<version>_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # the shared libraries of a dynamic build, if any
# Programs domusd runs: mke2fs (disk-create), nft (nat = true), addgroup (postinst).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "e2fsprogs, adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nftables, busybox-static")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${DOMUS_PACKAGING_DIR}/debian/postinst ${DOMUS_PACKAGING_DIR}/debian/prerm
    ${DOMUS_PACKAGING_DIR}/debian/postrm ${DOMUS_PACKAGING_DIR}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
