#include "Autostart.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>
#include <QXmlStreamWriter>

namespace outpost::ui {

namespace {
const QString kId = QStringLiteral("io.github.outpost.Outpost");
#ifdef Q_OS_WIN
const QString kRunKey =
    QStringLiteral("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
#endif

QString programPath(const QString &program)
{
    return program.isEmpty() ? QCoreApplication::applicationFilePath() : program;
}

/// An Exec argument quoted per the Desktop Entry Specification ("Exec key"): inside double
/// quotes, `"`, `` ` ``, `$` and `\` are escaped with a backslash.
QString quoteExecArg(const QString &arg)
{
    static const QString reserved = QStringLiteral(" \t\n\"'\\><~|&;$*?#()`");
    bool needs = arg.isEmpty();
    for (QChar c : arg)
        needs |= reserved.contains(c);
    if (!needs)
        return arg;
    QString out;
    for (QChar c : arg) {
        if (c == QLatin1Char('"') || c == QLatin1Char('`') || c == QLatin1Char('$') ||
            c == QLatin1Char('\\'))
            out += QLatin1Char('\\');
        out += c;
    }
    return QLatin1Char('"') + out + QLatin1Char('"');
}

bool writeFile(const QString &path, const QByteArray &bytes, QString *error)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        if (error)
            *error = QCoreApplication::translate("Autostart", "%1 could not be written (%2)")
                         .arg(path, f.errorString());
        return false;
    }
    return true;
}
} // namespace

QString Autostart::location()
{
#if defined(Q_OS_WIN)
    return kRunKey;
#elif defined(Q_OS_MACOS)
    return QDir::homePath() + QStringLiteral("/Library/LaunchAgents/") + kId +
           QStringLiteral(".plist");
#else
    return QStandardPaths::writableLocation(QStandardPaths::ConfigLocation) +
           QStringLiteral("/autostart/") + kId + QStringLiteral(".desktop");
#endif
}

QByteArray Autostart::desktopEntry(const QString &program)
{
    // Keys in the order of resources/*.desktop; the entry starts the app in the tray.
    QString s;
    s += QStringLiteral("[Desktop Entry]\n");
    s += QStringLiteral("Type=Application\n");
    s += QStringLiteral("Version=1.4\n");
    s += QStringLiteral("Name=Outpost\n");
    s += QStringLiteral("Comment=Sends the messages in your outbox\n");
    s += QStringLiteral("Exec=%1 --minimized\n").arg(quoteExecArg(programPath(program)));
    s += QStringLiteral("Icon=outpost\n");
    s += QStringLiteral("Terminal=false\n");
    s += QStringLiteral("X-GNOME-Autostart-enabled=true\n");
    return s.toUtf8();
}

bool Autostart::isEnabled()
{
#if defined(Q_OS_WIN)
    QSettings run(kRunKey, QSettings::NativeFormat);
    return run.contains(QStringLiteral("Outpost"));
#elif defined(Q_OS_MACOS)
    return QFileInfo::exists(location());
#else
    QFile f(location());
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = f.readAll();
    return !text.contains("\nHidden=true");
#endif
}

bool Autostart::setEnabled(bool on, QString *error, const QString &program)
{
    const QString path = location();
#if defined(Q_OS_WIN)
    QSettings run(kRunKey, QSettings::NativeFormat);
    if (on)
        run.setValue(QStringLiteral("Outpost"),
                     QStringLiteral("\"%1\" --minimized")
                         .arg(QDir::toNativeSeparators(programPath(program))));
    else
        run.remove(QStringLiteral("Outpost"));
    run.sync();
    if (run.status() != QSettings::NoError) {
        if (error)
            *error =
                QCoreApplication::translate("Autostart", "the registry key %1 could not be written")
                    .arg(path);
        return false;
    }
    return true;
#else
    if (!on) {
        if (QFile::exists(path) && !QFile::remove(path)) {
            if (error)
                *error =
                    QCoreApplication::translate("Autostart", "%1 could not be removed").arg(path);
            return false;
        }
        return true;
    }
#if defined(Q_OS_MACOS)
    QByteArray plist;
    QXmlStreamWriter w(&plist);
    w.setAutoFormatting(true);
    w.writeStartDocument();
    w.writeDTD(QStringLiteral("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                              "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">"));
    w.writeStartElement(QStringLiteral("plist"));
    w.writeAttribute(QStringLiteral("version"), QStringLiteral("1.0"));
    w.writeStartElement(QStringLiteral("dict"));
    w.writeTextElement(QStringLiteral("key"), QStringLiteral("Label"));
    w.writeTextElement(QStringLiteral("string"), kId);
    w.writeTextElement(QStringLiteral("key"), QStringLiteral("ProgramArguments"));
    w.writeStartElement(QStringLiteral("array"));
    w.writeTextElement(QStringLiteral("string"), programPath(program));
    w.writeTextElement(QStringLiteral("string"), QStringLiteral("--minimized"));
    w.writeEndElement();
    w.writeTextElement(QStringLiteral("key"), QStringLiteral("RunAtLoad"));
    w.writeEmptyElement(QStringLiteral("true"));
    w.writeEndElement();
    w.writeEndElement();
    w.writeEndDocument();
    return writeFile(path, plist, error);
#else
    return writeFile(path, desktopEntry(program), error);
#endif
#endif
}

} // namespace outpost::ui
