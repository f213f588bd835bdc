#pragma once
// Test helpers for integration tests: a real SMTP server (aiosmtpd through tests/integration/
// smtpd.py, run by Debian's /usr/bin/python3) and the `outpost` binary, each in a QProcess.

#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>

namespace outpost::test {

inline QString sourceDir()
{
    return qEnvironmentVariable("OUTPOST_SOURCE_DIR");
}

inline QString outpostBinary()
{
    return qEnvironmentVariable("OUTPOST_BINARY_DIR") + QStringLiteral("/app/outpost");
}

/// aiosmtpd on 127.0.0.1 with an event log and a spool of delivered messages.
class SmtpServer
{
public:
    /// Starts the server with smtpd.py's options (e.g. {"--starttls", "--auth", "alice:s3cret"}).
    /// TLS options get the localhost test certificate automatically. Returns false on failure.
    bool start(const QStringList &options, quint16 port = 0)
    {
        m_spool = m_dir.filePath(QStringLiteral("spool"));
        m_events = m_dir.filePath(QStringLiteral("events.jsonl"));
        QStringList args = {sourceDir() + QStringLiteral("/tests/integration/smtpd.py"),
                            QStringLiteral("--spool"),
                            m_spool,
                            QStringLiteral("--events"),
                            m_events,
                            QStringLiteral("--port"),
                            QString::number(port)};
        if (options.contains(QStringLiteral("--starttls")) ||
            options.contains(QStringLiteral("--implicit-tls")))
            args << QStringLiteral("--cert") << certPath() << QStringLiteral("--key")
                 << sourceDir() + QStringLiteral("/tests/integration/certs/localhost.key");
        args += options;
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(QStringLiteral("/usr/bin/python3"), args);
        if (!m_process.waitForStarted(10000))
            return false;
        if (!m_process.waitForReadyRead(20000))
            return false;
        m_port = quint16(m_process.readLine().trimmed().toUInt());
        return m_port != 0;
    }
    void stop()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    ~SmtpServer() { stop(); }
    quint16 port() const { return m_port; }
    static QString certPath()
    {
        return sourceDir() + QStringLiteral("/tests/integration/certs/localhost.pem");
    }
    static QString caPath() { return sourceDir() + QStringLiteral("/tests/support/certs/ca.pem"); }
    QList<QJsonObject> events() const
    {
        QList<QJsonObject> out;
        QFile f(m_events);
        if (!f.open(QIODevice::ReadOnly))
            return out;
        for (const QByteArray &line : f.readAll().split('\n')) {
            if (!line.trimmed().isEmpty())
                out << QJsonDocument::fromJson(line).object();
        }
        return out;
    }
    int count(const QString &event) const
    {
        int n = 0;
        for (const QJsonObject &e : events())
            n += e.value(QLatin1String("event")).toString() == event;
        return n;
    }
    /// TCP connections: aiosmtpd starts a new protocol object after STARTTLS, so every
    /// STARTTLS adds a "connect" that is not a new connection.
    int tcpConnections() const
    {
        return count(QStringLiteral("connect")) - count(QStringLiteral("starttls"));
    }
    QStringList deliveredFiles() const
    {
        return QDir(m_spool).entryList({QStringLiteral("*.eml")}, QDir::Files, QDir::Name);
    }
    QByteArray delivered(const QString &name) const
    {
        QFile f(m_spool + QLatin1Char('/') + name);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    QString m_spool;
    QString m_events;
    quint16 m_port = 0;
};

/// Result of one `outpost` run.
struct RunResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

/// The environment for an `outpost` command-line run: this one without any display, so the
/// command line never depends on a window system.
inline QProcessEnvironment cliEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    return env;
}

/// Message-ID (without brackets) of each message `server` has delivered, and how often each
/// arrived ("(none)" counts messages without one).
inline QHash<QByteArray, int> deliveredIds(const SmtpServer &server)
{
    static const QRegularExpression re(QStringLiteral("(?im)^Message-ID:\\s*<([^>]+)>"));
    QHash<QByteArray, int> out;
    for (const QString &f : server.deliveredFiles()) {
        const auto m = re.match(QString::fromLatin1(server.delivered(f)));
        ++out[m.hasMatch() ? m.captured(1).toLatin1() : QByteArray("(none)")];
    }
    return out;
}

/// Runs `outpost --data-dir DIR args…` to completion (at most timeoutMs).
inline RunResult runOutpost(const QString &dataDir, const QStringList &args,
                            const QByteArray &input = {}, int timeoutMs = 60000)
{
    QProcess p;
    p.setProcessEnvironment(cliEnvironment());
    p.start(outpostBinary(), QStringList{QStringLiteral("--data-dir"), dataDir} + args);
    p.waitForStarted(10000);
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    RunResult r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

/// Adds account `name` for a plain (no TLS, no AUTH) server on 127.0.0.1:`port` with From
/// alice@example.org: `outpost account add` run in `dataDir`.
inline RunResult addLocalAccount(const QString &dataDir, quint16 port,
                                 const QString &name = QStringLiteral("local"))
{
    return runOutpost(dataDir, {QStringLiteral("account"), QStringLiteral("add"), name,
                                QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                                QStringLiteral("--port"), QString::number(port),
                                QStringLiteral("--security"), QStringLiteral("none"),
                                QStringLiteral("--from"), QStringLiteral("alice@example.org")});
}

} // namespace outpost::test
