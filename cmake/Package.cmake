# The Debian package (CPack's DEB generator over the install rules): tools/make-deb.sh makes it,
# docs/packaging.md says how and what lintian and a fresh Debian 12 say of it.
set(ZEROCAST_DEB_MAINTAINER "zerocast maintainers <zerocast@example.org>"
    CACHE STRING "The Debian package's maintainer (name <address>)")

# /usr/share/doc/zerocast: the copyright file and the changelog Debian's policy asks for (gzip -9n:
# the same bytes every build).
configure_file(${PROJECT_SOURCE_DIR}/data/debian/changelog.in ${PROJECT_BINARY_DIR}/debian/changelog @ONLY)
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/debian/changelog.gz
                   COMMAND sh -c "gzip -9n < changelog > changelog.gz"
                   WORKING_DIRECTORY ${PROJECT_BINARY_DIR}/debian
                   DEPENDS ${PROJECT_BINARY_DIR}/debian/changelog
                   VERBATIM)
add_custom_target(zerocast_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/debian/changelog.gz)
install(FILES ${PROJECT_SOURCE_DIR}/data/debian/copyright ${PROJECT_BINARY_DIR}/debian/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME zerocast)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${ZEROCAST_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Wayland screen capture daemon through PipeWire and FFmpeg")
# The long description after the summary line (CPack indents it, and writes " ." for blank lines).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "zerocast captures Wayland screens (through the ScreenCast portal) and any
PipeWire video node, with their sound, and encodes them with FFmpeg into
files, network streams (SRT, UDP, RTP, RTMP, TCP) and an in-memory replay
buffer, keeping pixels on the GPU where the hardware allows.

It runs as a D-Bus service under a systemd user unit (zerocast ctl is its
client) or once from the command line (zerocast record).")
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The libraries' packages from dpkg-shlibdeps; by hand PipeWire itself (the daemon the binary
# talks to) and procps, whose /bin/kill is the unit's ExecReload (a minimal Debian 12 has none:
# systemd-analyze verify refuses the unit there without it). The portal is what captures a
# screen; slurp draws --region select.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "pipewire, procps")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "wireplumber | pipewire-media-session, xdg-desktop-portal")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "slurp")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
# The package installs where the build was configured to (the unit's and the D-Bus file's Exec=
# lines name the binary there): configure with -DCMAKE_INSTALL_PREFIX=/usr for Debian's paths.
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
include(CPack)
