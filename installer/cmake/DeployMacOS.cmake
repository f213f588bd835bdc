# Runs at install time (install(CODE) in installer/InstallRules.cmake), so also inside
# `cpack -G DragNDrop`: makes <prefix>/Outpost.app self-contained with macdeployqt (Qt
# frameworks and plugins, and every non-system dylib it links: GMime, GLib, QtKeychain, …,
# found through -libpath=OUTPOST_LIB_DIRS), then signs it ad hoc, as modifying the binaries
# invalidates their signatures and Apple-silicon Macs refuse to start unsigned code.
# A Developer ID signature and notarization are separate, later steps (installer/README.md).
# Inputs: OUTPOST_BUNDLE, OUTPOST_MACDEPLOYQT, OUTPOST_LIB_DIRS. Failures are FATAL_ERROR.

set(_app "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${OUTPOST_BUNDLE}")
if(NOT EXISTS "${_app}/Contents/Info.plist")
    message(FATAL_ERROR "DeployMacOS: ${_app} is not installed")
endif()
set(_libpaths "")
foreach(_d IN LISTS OUTPOST_LIB_DIRS)
    if(IS_DIRECTORY "${_d}")
        list(APPEND _libpaths "-libpath=${_d}")
    endif()
endforeach()
execute_process(COMMAND "${OUTPOST_MACDEPLOYQT}" "${_app}" -verbose=1 ${_libpaths}
                RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "DeployMacOS: macdeployqt failed (${_rc})")
endif()
if(NOT EXISTS "${_app}/Contents/PlugIns/sqldrivers/libqsqlite.dylib")
    message(FATAL_ERROR "DeployMacOS: the SQLite driver was not deployed into ${_app}")
endif()
execute_process(COMMAND codesign --force --deep --sign - "${_app}" RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "DeployMacOS: codesign failed (${_rc})")
endif()
