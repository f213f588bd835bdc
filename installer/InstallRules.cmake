# Install rules beyond the `outpost` binary itself (app/CMakeLists.txt installs that):
# desktop integration on Linux, the man page, and the deployment steps that make the
# Windows and macOS packages self-contained. Included from installer/CPackConfig.cmake.
# Policy CMP0082 (NEW since CMake 3.14) runs install rules in the order they were declared,
# so everything below runs after the binary is in place.

include(GNUInstallDirs)
set(OUTPOST_RESOURCES_DIR "${PROJECT_SOURCE_DIR}/resources")

# ---- Linux and other freedesktop systems ---------------------------------------------------
if(UNIX AND NOT APPLE)
    # The .desktop file is installed under the application id, so that the AppStream
    # <launchable> and Wayland's app_id (QGuiApplication::setDesktopFileName) match it.
    install(FILES "${OUTPOST_RESOURCES_DIR}/outpost.desktop"
            DESTINATION "${CMAKE_INSTALL_DATADIR}/applications"
            RENAME "${OUTPOST_APP_ID}.desktop")
    install(FILES "${OUTPOST_RESOURCES_DIR}/${OUTPOST_APP_ID}.metainfo.xml"
            DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo")
    install(FILES "${OUTPOST_RESOURCES_DIR}/icons/hicolor/scalable/apps/outpost.svg"
            DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps")
    # The systemd user unit of the background sender (`systemctl --user enable --now outpost`).
    configure_file("${OUTPOST_RESOURCES_DIR}/outpost.service.in"
                   "${PROJECT_BINARY_DIR}/installer/outpost.service" @ONLY)
    install(FILES "${PROJECT_BINARY_DIR}/installer/outpost.service"
            DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/user")

    # outpost(1), generated from `outpost --help` after the binary is built (needs to run
    # it, so not when cross-compiling). Installed gzip-compressed, as Debian policy wants.
    if(NOT CMAKE_CROSSCOMPILING)
        set(_man "${PROJECT_BINARY_DIR}/installer/outpost.1")
        add_custom_command(
            OUTPUT "${_man}" "${_man}.gz"
            COMMAND ${CMAKE_COMMAND} -E env OUTPOST_DATA_DIR=${PROJECT_BINARY_DIR}/installer/man-data
                    ASAN_OPTIONS=detect_leaks=0 QT_QPA_PLATFORM=offscreen
                    ${CMAKE_COMMAND} -DOUTPOST=$<TARGET_FILE:outpost> -DVERSION=${PROJECT_VERSION}
                    -DOUTPUT=${_man} -P ${CMAKE_CURRENT_LIST_DIR}/cmake/GenerateManPage.cmake
            DEPENDS outpost ${CMAKE_CURRENT_LIST_DIR}/cmake/GenerateManPage.cmake
            COMMENT "Generating the outpost(1) man page from outpost --help"
            VERBATIM)
        add_custom_target(outpost_manpage ALL DEPENDS "${_man}.gz")
        install(FILES "${_man}.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
        unset(_man)
    endif()
endif()

# ---- Windows: Qt and vcpkg DLLs next to outpost.exe ----------------------------------------
if(WIN32)
    # The MSVC runtime (vcruntime140.dll, msvcp140.dll, …) into bin/.
    set(CMAKE_INSTALL_SYSTEM_RUNTIME_DESTINATION "${CMAKE_INSTALL_BINDIR}")
    set(CMAKE_INSTALL_UCRT_LIBRARIES ON)
    include(InstallRequiredSystemLibraries)

    # windeployqt: with vcpkg it lives in <installed>/tools/Qt6/bin, with the Qt installer
    # next to qmake.
    set(_qt_bin "")
    if(TARGET Qt6::qmake)
        get_target_property(_qmake Qt6::qmake LOCATION)
        get_filename_component(_qt_bin "${_qmake}" DIRECTORY)
    endif()
    find_program(OUTPOST_WINDEPLOYQT NAMES windeployqt windeployqt6
                 HINTS "${_qt_bin}" "${QT6_INSTALL_PREFIX}/tools/Qt6/bin" "${QT6_INSTALL_PREFIX}/bin"
                       "${Qt6_DIR}/../../tools/Qt6/bin" "${Qt6_DIR}/../../../tools/Qt6/bin"
                       "${Qt6_DIR}/../../../bin"
                 REQUIRED)
    # Where the non-Qt DLLs are (GMime, GLib, iconv, QtKeychain, zlib, …): vcpkg's bin/.
    set(_dll_dirs "${_qt_bin}")
    if(DEFINED VCPKG_INSTALLED_DIR AND DEFINED VCPKG_TARGET_TRIPLET)
        list(APPEND _dll_dirs "${VCPKG_INSTALLED_DIR}/${VCPKG_TARGET_TRIPLET}/bin")
    endif()
    foreach(_p IN LISTS CMAKE_PREFIX_PATH)
        list(APPEND _dll_dirs "${_p}/bin")
    endforeach()
    # dumpbin (MSVC) lists the imports of a PE file for file(GET_RUNTIME_DEPENDENCIES).
    get_filename_component(_cxx_dir "${CMAKE_CXX_COMPILER}" DIRECTORY)
    find_program(OUTPOST_DUMPBIN NAMES dumpbin HINTS "${_cxx_dir}")
    install(CODE "
        set(OUTPOST_EXE \"$<TARGET_FILE_NAME:outpost>\")
        set(OUTPOST_WINDEPLOYQT \"${OUTPOST_WINDEPLOYQT}\")
        set(OUTPOST_DUMPBIN \"${OUTPOST_DUMPBIN}\")
        set(OUTPOST_DLL_DIRS \"${_dll_dirs}\")
        set(OUTPOST_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
        include(\"${CMAKE_CURRENT_LIST_DIR}/cmake/DeployWindows.cmake\")
    ")
    unset(_qmake)
    unset(_qt_bin)
    unset(_dll_dirs)
    unset(_cxx_dir)
endif()

# ---- macOS: Outpost.app ---------------------------------------------------------------------
if(APPLE)
    # app/CMakeLists.txt makes `outpost` a MACOSX_BUNDLE and installs it with
    # BUNDLE DESTINATION "."; here: its name, Info.plist and the deployment step.
    set_target_properties(outpost PROPERTIES
        OUTPUT_NAME "Outpost"
        MACOSX_BUNDLE_INFO_PLIST "${CMAKE_CURRENT_LIST_DIR}/macos/Info.plist.in"
        MACOSX_BUNDLE_BUNDLE_NAME "Outpost"
        MACOSX_BUNDLE_GUI_IDENTIFIER "${OUTPOST_APP_ID}"
        MACOSX_BUNDLE_BUNDLE_VERSION "${PROJECT_VERSION}"
        MACOSX_BUNDLE_SHORT_VERSION_STRING "${PROJECT_VERSION}"
        MACOSX_BUNDLE_COPYRIGHT "The Outpost developers"
        MACOSX_BUNDLE_EXECUTABLE_NAME "Outpost")
    set(_qt_bin "")
    if(TARGET Qt6::qmake)
        get_target_property(_qmake Qt6::qmake LOCATION)
        get_filename_component(_qt_bin "${_qmake}" DIRECTORY)
    endif()
    find_program(OUTPOST_MACDEPLOYQT NAMES macdeployqt macdeployqt6
                 HINTS "${_qt_bin}" "${QT6_INSTALL_PREFIX}/tools/Qt6/bin" "${QT6_INSTALL_PREFIX}/bin"
                       "${Qt6_DIR}/../../tools/Qt6/bin" "${Qt6_DIR}/../../../tools/Qt6/bin"
                       "${Qt6_DIR}/../../../bin"
                 REQUIRED)
    set(_lib_dirs "")
    if(DEFINED VCPKG_INSTALLED_DIR AND DEFINED VCPKG_TARGET_TRIPLET)
        list(APPEND _lib_dirs "${VCPKG_INSTALLED_DIR}/${VCPKG_TARGET_TRIPLET}/lib")
    endif()
    foreach(_p IN LISTS CMAKE_PREFIX_PATH)
        list(APPEND _lib_dirs "${_p}/lib")
    endforeach()
    install(CODE "
        set(OUTPOST_BUNDLE \"Outpost.app\")
        set(OUTPOST_MACDEPLOYQT \"${OUTPOST_MACDEPLOYQT}\")
        set(OUTPOST_LIB_DIRS \"${_lib_dirs}\")
        include(\"${CMAKE_CURRENT_LIST_DIR}/cmake/DeployMacOS.cmake\")
    ")
    unset(_qmake)
    unset(_qt_bin)
    unset(_lib_dirs)
endif()
