# Runs at install time (install(CODE) in installer/InstallRules.cmake), so also inside
# `cpack -G NSIS`: makes <prefix>/bin self-contained.
#  1. every non-system DLL that outpost.exe needs, found in OUTPOST_DLL_DIRS (vcpkg's bin/:
#     GMime, GLib, libiconv, libidn2, QtKeychain, zlib, OpenSSL, …), copied next to it;
#  2. windeployqt for the Qt DLLs and plugins (platforms, sqldrivers/qsqlite, tls,
#     iconengines/qsvgicon, imageformats, styles) and Qt's translations.
# Inputs (set by the install(CODE) stub): OUTPOST_EXE, OUTPOST_WINDEPLOYQT, OUTPOST_DUMPBIN,
# OUTPOST_DLL_DIRS, OUTPOST_BINDIR. Any failure stops the install with FATAL_ERROR.

set(_bindir "${CMAKE_INSTALL_PREFIX}/${OUTPOST_BINDIR}")
set(_exe "${_bindir}/${OUTPOST_EXE}")
if(NOT EXISTS "${_exe}")
    message(FATAL_ERROR "DeployWindows: ${_exe} is not installed")
endif()

if(OUTPOST_DUMPBIN)
    set(CMAKE_GET_RUNTIME_DEPENDENCIES_PLATFORM "windows+pe")
    set(CMAKE_GET_RUNTIME_DEPENDENCIES_TOOL "dumpbin")
    set(CMAKE_GET_RUNTIME_DEPENDENCIES_COMMAND "${OUTPOST_DUMPBIN}")
endif()
file(GET_RUNTIME_DEPENDENCIES
     EXECUTABLES "${_exe}"
     RESOLVED_DEPENDENCIES_VAR _deps
     UNRESOLVED_DEPENDENCIES_VAR _missing
     DIRECTORIES ${OUTPOST_DLL_DIRS}
     PRE_EXCLUDE_REGEXES "^api-ms-" "^ext-ms-" "^hvsifiledialog"
     POST_EXCLUDE_REGEXES ".*[/\\\\][Ww][Ii][Nn][Dd][Oo][Ww][Ss][/\\\\].*")
foreach(_dll IN LISTS _deps)
    message(STATUS "Deploying ${_dll}")
    file(INSTALL "${_dll}" DESTINATION "${_bindir}")
endforeach()
if(_missing)
    message(WARNING "DeployWindows: not found (assumed part of Windows): ${_missing}")
endif()

# Qt itself. --release: vcpkg builds both; the package is a release build.
execute_process(
    COMMAND "${OUTPOST_WINDEPLOYQT}" --release --no-compiler-runtime --no-opengl-sw
            --no-system-d3d-compiler --verbose 1 "${_exe}"
    RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "DeployWindows: windeployqt failed (${_rc})")
endif()
# The SQLite driver and the SVG icon engine are loaded as plugins, so windeployqt cannot
# always see them through imports: fail loudly when they are missing.
foreach(_plugin sqldrivers/qsqlite.dll platforms/qwindows.dll)
    if(NOT EXISTS "${_bindir}/${_plugin}")
        message(FATAL_ERROR "DeployWindows: ${_plugin} was not deployed next to ${OUTPOST_EXE}")
    endif()
endforeach()
