#pragma once
// Helpers shared by the MIME tests: deterministic generators, wire checks, golden files and
// the independent parser (Python's email package, run as /usr/bin/python3).

#include "mime/MessageComposer.h"

#include <QByteArray>
#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QtTest>

#include <memory>

namespace mimetest {

/// Fixed Message-ID, Date (2025-03-14 09:26:53 +0100) and counting boundaries.
inline outpost::mime::ComposeGenerators fixedGenerators()
{
    auto counter = std::make_shared<int>(0);
    outpost::mime::ComposeGenerators gen;
    gen.messageId = [](const QByteArray &domain) {
        return QByteArrayLiteral("golden.0001@") + domain;
    };
    gen.now = [] {
        return QDateTime(QDate(2025, 3, 14), QTime(9, 26, 53), QTimeZone(3600));
    };
    gen.boundary = [counter] {
        return QByteArrayLiteral("=_outpost_") + QByteArray::number(++*counter);
    };
    return gen;
}

inline QString sourceDir()
{
    const QByteArray dir = qgetenv("OUTPOST_SOURCE_DIR");
    return dir.isEmpty() ? QStringLiteral(OUTPOST_TEST_SOURCE_DIR) : QString::fromLocal8Bit(dir);
}

/// The header block (up to and without the empty line).
inline QByteArray headerOf(const QByteArray &msg)
{
    const qsizetype end = msg.indexOf("\r\n\r\n");
    return end < 0 ? msg : msg.left(end + 2);
}

/// Lines of the message split at CRLF (the line ends removed).
inline QList<QByteArray> linesOf(const QByteArray &msg)
{
    QList<QByteArray> lines = msg.split('\n');
    for (QByteArray &l : lines)
        if (l.endsWith('\r'))
            l.chop(1);
    return lines;
}

/// "" when every line ends with CRLF and no bare CR or LF occurs; else where it failed.
inline QString crlfProblem(const QByteArray &msg)
{
    for (qsizetype i = 0; i < msg.size(); ++i) {
        if (msg.at(i) == '\r' && (i + 1 >= msg.size() || msg.at(i + 1) != '\n'))
            return QStringLiteral("bare CR at %1").arg(i);
        if (msg.at(i) == '\n' && (i == 0 || msg.at(i - 1) != '\r'))
            return QStringLiteral("bare LF at %1").arg(i);
    }
    if (!msg.endsWith("\r\n"))
        return QStringLiteral("no CRLF at the end");
    return {};
}

inline int longestLine(const QByteArray &msg)
{
    int longest = 0;
    for (const QByteArray &l : linesOf(msg))
        longest = std::max(longest, int(l.size()));
    return longest;
}

inline bool isSevenBit(const QByteArray &msg)
{
    for (char c : msg)
        if (uchar(c) >= 0x80 || c == '\0')
            return false;
    return true;
}

/// Compares `data` with the golden file NAME.eml; OUTPOST_UPDATE_GOLDEN=1 rewrites it.
inline bool matchesGolden(const QString &name, const QByteArray &data, QString *why)
{
    const QString path =
        sourceDir() + QStringLiteral("/tests/unit/mime/golden/") + name + QStringLiteral(".eml");
    if (qEnvironmentVariableIntValue("OUTPOST_UPDATE_GOLDEN") == 1) {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) {
            *why = QStringLiteral("cannot write ") + path;
            return false;
        }
        f.write(data);
        return true;
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *why = QStringLiteral("missing golden file ") + path +
               QStringLiteral(" (run with OUTPOST_UPDATE_GOLDEN=1 to create it)");
        return false;
    }
    const QByteArray golden = f.readAll();
    if (golden == data)
        return true;
    qsizetype i = 0;
    while (i < golden.size() && i < data.size() && golden.at(i) == data.at(i))
        ++i;
    *why = QStringLiteral("differs from %1 at offset %2: golden \"%3\" vs \"%4\"")
               .arg(path)
               .arg(i)
               .arg(QString::fromUtf8(golden.mid(std::max<qsizetype>(0, i - 20), 60)),
                    QString::fromUtf8(data.mid(std::max<qsizetype>(0, i - 20), 60)));
    return false;
}

/// Runs parse_message.py on `msg` with /usr/bin/python3; the parsed JSON, or an empty
/// object with *error set.
inline QJsonObject parseWithPython(const QByteArray &msg, QString *error)
{
    QTemporaryDir dir;
    const QString file = dir.path() + QStringLiteral("/m.eml");
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write temporary file");
        return {};
    }
    f.write(msg);
    f.close();
    QProcess p;
    p.start(QStringLiteral("/usr/bin/python3"),
            {sourceDir() + QStringLiteral("/tests/unit/mime/parse_message.py"), file});
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        *error = QStringLiteral("python failed: ") + QString::fromUtf8(p.readAllStandardError());
        return {};
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(p.readAllStandardOutput(), &pe);
    if (pe.error != QJsonParseError::NoError) {
        *error = QStringLiteral("bad JSON from python: ") + pe.errorString();
        return {};
    }
    return doc.object();
}

} // namespace mimetest
