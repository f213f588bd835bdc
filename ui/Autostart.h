#pragma once

#include <QString>
#include <QStringList>

namespace outpost::ui {

/// "Start at login": registers Outpost to start minimized (`--minimized`, tray only) when
/// the user logs in, the way each desktop expects it:
/// - Linux and other XDG desktops: a desktop entry in the autostart directory
///   ($XDG_CONFIG_HOME/autostart, i.e. QStandardPaths::ConfigLocation, per the XDG Autostart
///   Specification) named io.github.outpost.Outpost.desktop;
/// - Windows: the value "Outpost" under HKCU\Software\Microsoft\Windows\CurrentVersion\Run
///   (QSettings, NativeFormat);
/// - macOS: a LaunchAgent ~/Library/LaunchAgents/io.github.outpost.Outpost.plist with
///   RunAtLoad.
/// Only the Linux form is tested; the other two are written but untried.
class Autostart
{
public:
    /// True when the entry exists (Linux: the file exists and is not Hidden=true).
    static bool isEnabled();
    /// Writes (on) or removes (off) the entry for `program` (empty: this executable). False
    /// with *error (the file or registry could not be written) otherwise.
    static bool setEnabled(bool on, QString *error = nullptr, const QString &program = {});
    /// Where the entry lives (file path, or the registry key on Windows).
    static QString location();
    /// The desktop entry written on Linux for `program` (Exec quoted per the Desktop Entry
    /// Specification, with --minimized).
    static QByteArray desktopEntry(const QString &program);
};

} // namespace outpost::ui
