# Packaging for Outpost (included at the end of the top-level CMakeLists.txt).
#
#   Linux   : DEB  — `cpack -G DEB` in a release build; verified end to end by installer/ci-deb.sh
#   Windows : NSIS — windeployqt at install time, Start-menu shortcut, mailto: registration
#   macOS   : DragNDrop — Outpost.app (Info.plist from installer/macos/), macdeployqt
#
# The version is the one of project(VERSION) in the top-level CMakeLists.txt (also what
# `outpost --version` prints). See installer/README.md for the exact build commands and for
# what has and has not been verified.

# The reverse-DNS id: AppStream component id, installed .desktop file name, macOS bundle id.
set(OUTPOST_APP_ID "io.github.outpost.Outpost")
set(OUTPOST_PACKAGE_CONTACT "Outpost developers <outpost@example.org>"
    CACHE STRING "Maintainer of the packages (name <address>)")
set(OUTPOST_HOMEPAGE_URL "" CACHE STRING "Project home page shown by the packages (empty: none)")

include(${CMAKE_CURRENT_LIST_DIR}/InstallRules.cmake)

set(CPACK_VERBATIM_VARIABLES ON) # values below reach the generators exactly as written
set(CPACK_PACKAGE_NAME "outpost")
set(CPACK_PACKAGE_VENDOR "The Outpost developers")
set(CPACK_PACKAGE_CONTACT "${OUTPOST_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Desktop outbox for e-mail: write offline, send when online")
set(CPACK_PACKAGE_DESCRIPTION
    "Outpost keeps every message in a local SQLite outbox and sends it in the background, "
    "from the system tray, as soon as the machine is online, over pooled SMTP connections. "
    "It has a command line for scripts and a sendmail-compatible mode.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
if(OUTPOST_HOMEPAGE_URL)
    set(CPACK_PACKAGE_HOMEPAGE_URL "${OUTPOST_HOMEPAGE_URL}")
endif()
set(CPACK_PACKAGE_INSTALL_DIRECTORY "Outpost")
set(CPACK_PACKAGE_EXECUTABLES "outpost" "Outpost") # Start-menu shortcut (NSIS)
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_GENERATOR "TGZ")
set(CPACK_SOURCE_IGNORE_FILES "/\\.git/" "/build[^/]*/" "/out/" "/\\.cache/" "__pycache__")

# ---- Debian -------------------------------------------------------------------------------
if(UNIX AND NOT APPLE)
    set(CPACK_GENERATOR "DEB")
    set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # outpost_<version>-<release>_<arch>.deb
    set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
    set(CPACK_DEBIAN_PACKAGE_SECTION "mail")
    set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
    # dpkg-shlibdeps computes the libraries the binary links (Qt, GMime, QtKeychain, libc, …);
    # these are loaded at run time as plugins, which it cannot see: the SQLite driver, the
    # platform plugins (xcb, wayland, offscreen) and the SVG icon engine/image plugin.
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
    set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6sql6-sqlite, qt6-qpa-plugins, libqt6svg6")
    # QtKeychain stores passwords through the Secret Service (D-Bus) or KWallet.
    set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gnome-keyring | kwalletmanager | keepassxc")
endif()

# ---- Windows: NSIS ------------------------------------------------------------------------
# OUTPOST_NSIS_SCRIPT_CHECK=ON turns this on elsewhere too, only so that `cpack -G NSIS` with
# Debian's makensis can check the installer script on Linux (installer/README.md).
option(OUTPOST_NSIS_SCRIPT_CHECK "Also set up the NSIS generator off Windows (script check only)" OFF)
if(WIN32 OR OUTPOST_NSIS_SCRIPT_CHECK)
    if(WIN32)
        set(CPACK_GENERATOR "NSIS")
    endif()
    set(CPACK_NSIS_PACKAGE_NAME "Outpost")
    set(CPACK_NSIS_DISPLAY_NAME "Outpost ${PROJECT_VERSION}")
    set(CPACK_NSIS_INSTALL_ROOT "$PROGRAMFILES64")
    set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\outpost.exe")
    set(CPACK_NSIS_EXECUTABLES_DIRECTORY "bin")
    set(CPACK_NSIS_MUI_FINISHPAGE_RUN "outpost.exe")
    set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
    set(CPACK_NSIS_MODIFY_PATH ON) # offers to put bin\ on PATH, for the command line
    set(CPACK_NSIS_CONTACT "${OUTPOST_PACKAGE_CONTACT}")
    if(OUTPOST_HOMEPAGE_URL)
        set(CPACK_NSIS_URL_INFO_ABOUT "${OUTPOST_HOMEPAGE_URL}")
    endif()
    # mailto: — a ProgID for the URL scheme, and the "Registered Applications" capabilities
    # entry so that Outpost appears in Settings > Default apps > Email (Windows 8 and later
    # no longer let a program make itself the default: the user picks it there).
    set(CPACK_NSIS_EXTRA_INSTALL_COMMANDS [=[
  SetRegView 64
  WriteRegStr HKLM "Software\Classes\Outpost.mailto" "" "Outpost mailto: URL"
  WriteRegStr HKLM "Software\Classes\Outpost.mailto" "URL Protocol" ""
  WriteRegStr HKLM "Software\Classes\Outpost.mailto\DefaultIcon" "" "$INSTDIR\bin\outpost.exe,0"
  WriteRegStr HKLM "Software\Classes\Outpost.mailto\shell\open\command" "" '"$INSTDIR\bin\outpost.exe" "%1"'
  WriteRegStr HKLM "Software\Clients\Mail\Outpost" "" "Outpost"
  WriteRegStr HKLM "Software\Clients\Mail\Outpost\DefaultIcon" "" "$INSTDIR\bin\outpost.exe,0"
  WriteRegStr HKLM "Software\Clients\Mail\Outpost\shell\open\command" "" '"$INSTDIR\bin\outpost.exe"'
  WriteRegStr HKLM "Software\Clients\Mail\Outpost\Capabilities" "ApplicationName" "Outpost"
  WriteRegStr HKLM "Software\Clients\Mail\Outpost\Capabilities" "ApplicationDescription" "Desktop outbox for e-mail"
  WriteRegStr HKLM "Software\Clients\Mail\Outpost\Capabilities\URLAssociations" "mailto" "Outpost.mailto"
  WriteRegStr HKLM "Software\RegisteredApplications" "Outpost" "Software\Clients\Mail\Outpost\Capabilities"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
  SetRegView lastused
]=])
    set(CPACK_NSIS_EXTRA_UNINSTALL_COMMANDS [=[
  SetRegView 64
  DeleteRegValue HKLM "Software\RegisteredApplications" "Outpost"
  DeleteRegKey HKLM "Software\Clients\Mail\Outpost"
  DeleteRegKey HKLM "Software\Classes\Outpost.mailto"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
  SetRegView lastused
]=])
endif()

# ---- macOS: DragNDrop ---------------------------------------------------------------------
if(APPLE)
    set(CPACK_GENERATOR "DragNDrop")
    set(CPACK_DMG_VOLUME_NAME "Outpost ${PROJECT_VERSION}")
    set(CPACK_DMG_FORMAT "UDZO")
    set(CPACK_PACKAGE_FILE_NAME "Outpost-${PROJECT_VERSION}-macos-${CMAKE_SYSTEM_PROCESSOR}")
endif()

include(CPack)
