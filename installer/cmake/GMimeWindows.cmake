# GMime on Windows from vcpkg (included by the top-level CMakeLists.txt instead of
# pkg_check_modules(gmime-3.0)): vcpkg's gmime port installs headers and the import library
# but no gmime-3.0.pc, so this defines the same imported target, PkgConfig::GMIME, by hand.
# GLib (which GMime's headers include) does come with .pc files, read with vcpkg's pkgconf
# (a host dependency in installer/vcpkg.json; pass -DPKG_CONFIG_EXECUTABLE=... if CMake does
# not find it). Missing pieces stop the configuration (REQUIRED).

pkg_check_modules(GMIME_GLIB REQUIRED IMPORTED_TARGET gio-2.0 gobject-2.0 glib-2.0)
find_path(GMIME_INCLUDE_DIR gmime/gmime.h PATH_SUFFIXES gmime-3.0 REQUIRED)
find_library(GMIME_LIBRARY NAMES gmime-3.0 gmime-3 gmime REQUIRED)
add_library(PkgConfig::GMIME INTERFACE IMPORTED)
set_target_properties(PkgConfig::GMIME PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${GMIME_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${GMIME_LIBRARY};PkgConfig::GMIME_GLIB")
message(STATUS "GMime (vcpkg): ${GMIME_LIBRARY}")
