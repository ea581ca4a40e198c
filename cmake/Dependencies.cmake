# Every dependency is a Debian 12 package (tools/install-deps.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(tomlplusplus CONFIG REQUIRED)
find_package(tl-expected CONFIG REQUIRED)
find_package(nlohmann_json 3 CONFIG REQUIRED)

pkg_check_modules(PIPEWIRE REQUIRED IMPORTED_TARGET libpipewire-0.3 libspa-0.2)
pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET libavcodec libavformat libavutil libswscale libswresample)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(FFNVCODEC REQUIRED IMPORTED_TARGET ffnvcodec)
pkg_check_modules(DRM REQUIRED IMPORTED_TARGET libdrm)
# libva: FFmpeg's libavutil links it already; zerocast calls it for what FFmpeg 5.1 does not do
# (importing dmabufs with their modifiers, the driver's name and entrypoints).
pkg_check_modules(LIBVA REQUIRED IMPORTED_TARGET libva libva-drm)

find_library(LIBYUV_LIBRARY NAMES yuv REQUIRED)
find_path(LIBYUV_INCLUDE_DIR libyuv.h REQUIRED)
add_library(libyuv::libyuv UNKNOWN IMPORTED)
set_target_properties(libyuv::libyuv PROPERTIES IMPORTED_LOCATION "${LIBYUV_LIBRARY}"
                                                INTERFACE_INCLUDE_DIRECTORIES "${LIBYUV_INCLUDE_DIR}")
