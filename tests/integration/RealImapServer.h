#pragma once
// A real IMAP server for the integration tests: Debian 12's Dovecot 2.3, unpacked from its
// packages (never installed) and run by tests/integration/realservers/dovecot.sh on 127.0.0.1
// with its own config, users, Maildir and log. See tests/integration/realservers/README.md.

#include "RealServers.h"

namespace outpost::test {

/// One Dovecot instance on 127.0.0.1, started by start() and stopped (with every process it
/// forked) by stop() or the destructor. Needs root, as RealSmtpServer does.
class RealImapServer
{
public:
    /// The mailboxes and capabilities of an instance (dovecot.sh's DOVECOT_* variables).
    struct Variant
    {
        bool specialUse = true;  ///< Sent with \Sent; false: only "Sent Items", no SPECIAL-USE
        bool literalPlus = true; ///< false: LITERAL+ not offered
    };

    static QString skipReason()
    {
        if (geteuid() != 0)
            return QStringLiteral("the real Dovecot needs root (it switches users)");
        return {};
    }

    /// Starts the server and waits for its `ready` line (at most 60 s, the first run downloads
    /// the packages). On failure error() says why.
    bool start() { return start(Variant()); }
    bool start(Variant variant)
    {
        QString why;
        const QString cache = realServerCache(&why);
        if (cache.isEmpty()) {
            m_error = why;
            return false;
        }
        const QList<quint16> ports = freePorts(2);
        if (ports.size() != 2) {
            m_error = QStringLiteral("no free ports");
            return false;
        }
        m_port = ports[0];
        m_tlsPort = ports[1];
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("OUTPOST_REALSERVERS"), cache);
        env.insert(QStringLiteral("DOVECOT_SENT"),
                   variant.specialUse ? QStringLiteral("special-use") : QStringLiteral("name"));
        env.insert(QStringLiteral("DOVECOT_LITERAL_PLUS"),
                   variant.literalPlus ? QStringLiteral("yes") : QStringLiteral("no"));
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start(QStringLiteral("bash"),
                        {sourceDir() + QStringLiteral("/tests/integration/realservers/dovecot.sh"),
                         m_dir.path(), QString::number(m_port), QString::number(m_tlsPort)});
        if (!m_process.waitForStarted(10000)) {
            m_error = m_process.errorString();
            return false;
        }
        QElapsedTimer t;
        t.start();
        while (!m_process.canReadLine() && m_process.state() == QProcess::Running &&
               t.elapsed() < 60000)
            m_process.waitForReadyRead(1000);
        const QByteArray line = m_process.readLine().trimmed();
        if (line != "ready") {
            m_process.waitForFinished(2000);
            m_error = QStringLiteral("dovecot did not start: %1")
                          .arg(QString::fromUtf8(m_process.readAllStandardError().trimmed()));
            return false;
        }
        return true;
    }

    QString error() const { return m_error; }
    /// The STARTTLS port and the implicit-TLS port.
    quint16 port() const { return m_port; }
    quint16 tlsPort() const { return m_tlsPort; }
    QString workDir() const { return m_dir.path(); }

    /// Dovecot's log from `offset` octets on.
    QByteArray log(qint64 offset = 0) const
    {
        QFile f(m_dir.filePath(QStringLiteral("dovecot.log")));
        if (!f.open(QIODevice::ReadOnly))
            return {};
        f.seek(offset);
        return f.readAll();
    }
    qint64 logSize() const { return log().size(); }

    /// The message files of `user`'s `mailbox` (Maildir++: ".Sent" for Sent, "" for INBOX).
    QStringList messageFiles(const QString &user, const QString &mailbox) const
    {
        const QString base = m_dir.filePath(
            QStringLiteral("home/%1/Maildir/%2")
                .arg(user, mailbox.isEmpty() ? QString() : QLatin1Char('.') + mailbox));
        QStringList out;
        for (const char *sub : {"cur", "new"}) {
            const QDir d(base + QLatin1Char('/') + QLatin1String(sub));
            for (const QString &f : d.entryList(QDir::Files, QDir::Name))
                out << d.filePath(f);
        }
        return out;
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(15000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    ~RealImapServer() { stop(); }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
    QString m_error;
};

} // namespace outpost::test
