#pragma once
// Real submission servers for the integration tests: Debian 12's Postfix 3.7 and Exim 4.96,
// unpacked from their packages (never installed) and run by tests/integration/realservers/
// postfix.sh and exim.sh on 127.0.0.1 with their own config, spool, Maildir and log. See
// tests/integration/realservers/README.md for what the scripts set up.

#include "ServerProcess.h"

#include <QDirIterator>
#include <QTcpServer>

#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

namespace outpost::test {

/// `count` TCP ports on 127.0.0.1 that were free a moment ago (bound to port 0 together so
/// they differ, then released for the server to take).
inline QList<quint16> freePorts(int count)
{
    QList<QTcpServer *> held;
    QList<quint16> ports;
    for (int i = 0; i < count; ++i) {
        auto *s = new QTcpServer;
        if (s->listen(QHostAddress::LocalHost, 0))
            ports << s->serverPort();
        held << s;
    }
    qDeleteAll(held);
    return ports;
}

/// Where the unpacked packages live: $OUTPOST_REALSERVERS, else /tmp/outpost-realservers-UID.
/// Outside the checkout on purpose: the servers' unprivileged processes (user mail) load
/// their libraries from there, and a checkout may sit in a folder only its owner can enter.
/// An existing folder is used only when it is ours and no symlink; *why says what is wrong.
inline QString realServerCache(QString *why)
{
    QString dir = qEnvironmentVariable("OUTPOST_REALSERVERS");
    if (dir.isEmpty())
        dir = QStringLiteral("/tmp/outpost-realservers-%1").arg(geteuid());
    const QByteArray path = QFile::encodeName(dir);
    if (::mkdir(path.constData(), 0755) != 0 && errno != EEXIST) {
        *why = QStringLiteral("cannot create %1").arg(dir);
        return {};
    }
    struct stat st = {};
    if (::lstat(path.constData(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 022) != 0) {
        *why = QStringLiteral("%1 is not a folder of ours that only we may write").arg(dir);
        return {};
    }
    ::chmod(path.constData(), 0755);
    return dir;
}

/// The pids of every descendant of `root` (from /proc), optionally only those whose command
/// name (/proc/PID/comm) is `comm`.
inline QList<pid_t> descendants(pid_t root, const QByteArray &comm = {})
{
    QHash<pid_t, pid_t> parent;
    QHash<pid_t, QByteArray> names;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &e : entries) {
        bool ok = false;
        const pid_t pid = pid_t(e.toInt(&ok));
        if (!ok)
            continue;
        QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QByteArray stat = f.readAll();
        const qsizetype open = stat.indexOf('(');
        const qsizetype close = stat.lastIndexOf(')');
        if (open < 0 || close < 0)
            continue;
        names[pid] = stat.mid(open + 1, close - open - 1);
        const QList<QByteArray> rest = stat.mid(close + 2).split(' ');
        parent[pid] = pid_t(rest.value(1).toInt());
    }
    QList<pid_t> out;
    for (auto it = parent.cbegin(); it != parent.cend(); ++it) {
        for (pid_t p = it.value(); p > 1; p = parent.value(p, 0)) {
            if (p == root) {
                if (comm.isEmpty() || names.value(it.key()) == comm)
                    out << it.key();
                break;
            }
        }
    }
    return out;
}

/// One Postfix or Exim instance on 127.0.0.1, started by start() and stopped (with every
/// process it forked) by stop() or the destructor.
class RealSmtpServer
{
public:
    enum class Kind
    {
        Postfix,
        Exim
    };
    /// An extra Postfix smtpd (POSTFIX_EXTRA_SERVICES): `options` are "name=value" pairs.
    struct Extra
    {
        QString name;
        QString options;
    };

    /// Non-empty when real servers cannot run here: they switch users, so they need root.
    static QString skipReason()
    {
        if (geteuid() != 0)
            return QStringLiteral("the real Postfix and Exim need root (they switch users)");
        return {};
    }

    static QString kindName(Kind k)
    {
        return k == Kind::Postfix ? QStringLiteral("postfix") : QStringLiteral("exim");
    }

    /// Serves `pem` / `key` instead of the localhost certificate (before start()).
    void setCertificate(const QString &pem, const QString &key)
    {
        m_cert = pem;
        m_key = key;
    }

    /// Starts the server and waits for its `ready` line (at most 60 s, the first run
    /// downloads the packages). On failure error() says why.
    bool start(Kind kind, const QList<Extra> &extras = {})
    {
        m_kind = kind;
        QString why;
        const QString cache = realServerCache(&why);
        if (cache.isEmpty()) {
            m_error = why;
            return false;
        }
        const QList<quint16> ports = freePorts(2 + int(extras.size()));
        if (ports.size() != 2 + extras.size()) {
            m_error = QStringLiteral("no free ports");
            return false;
        }
        m_port = ports[0];
        m_tlsPort = ports[1];
        QStringList extraLines;
        for (int i = 0; i < extras.size(); ++i) {
            m_extraPorts[extras[i].name] = ports[2 + i];
            extraLines << QStringLiteral("%1 %2").arg(ports[2 + i]).arg(extras[i].options);
        }
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("OUTPOST_REALSERVERS"), cache);
        env.insert(QStringLiteral("POSTFIX_EXTRA_SERVICES"), extraLines.join(QLatin1Char('\n')));
        if (!m_cert.isEmpty()) {
            env.insert(QStringLiteral("OUTPOST_RS_CERT"), m_cert);
            env.insert(QStringLiteral("OUTPOST_RS_KEY"), m_key);
        }
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start(
            QStringLiteral("bash"),
            {sourceDir() +
                 QStringLiteral("/tests/integration/realservers/%1.sh").arg(kindName(kind)),
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
            m_error = QStringLiteral("%1 did not start: %2")
                          .arg(kindName(kind),
                               QString::fromUtf8(m_process.readAllStandardError().trimmed()));
            return false;
        }
        return true;
    }

    QString error() const { return m_error; }
    Kind kind() const { return m_kind; }
    /// The STARTTLS port, the implicit-TLS port, and the extra services' ports.
    quint16 port() const { return m_port; }
    quint16 tlsPort() const { return m_tlsPort; }
    quint16 extraPort(const QString &name) const { return m_extraPorts.value(name); }
    QString workDir() const { return m_dir.path(); }

    /// The server's log (Postfix: postfix.log, Exim: exim.log) from `offset` octets on.
    QByteArray log(qint64 offset = 0) const
    {
        QFile f(m_dir.filePath(m_kind == Kind::Postfix ? QStringLiteral("postfix.log")
                                                       : QStringLiteral("exim-main.log")));
        if (!f.open(QIODevice::ReadOnly))
            return {};
        f.seek(offset);
        return f.readAll();
    }
    qint64 logSize() const { return log().size(); }

    /// The files of the messages the server delivered (one per accepted recipient), oldest
    /// name first. A file in maildir/new is complete and never changes.
    QStringList deliveryFiles() const
    {
        const QDir d(m_dir.filePath(QStringLiteral("maildir/new")));
        QStringList out;
        for (const QString &f : d.entryList(QDir::Files, QDir::Name))
            out << d.filePath(f);
        return out;
    }
    /// One delivered message as stored, with its CRLF line ends restored.
    static QByteArray delivery(const QString &file)
    {
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll().replace("\n", "\r\n") : QByteArray();
    }
    /// The first 64 KiB of each delivered message (CRLF restored), read once per file: enough
    /// for the header of any message and the whole of a delivery status notification.
    QHash<QString, QByteArray> deliveryHeads() const
    {
        for (const QString &file : deliveryFiles()) {
            if (m_heads.contains(file))
                continue;
            QFile f(file);
            if (f.open(QIODevice::ReadOnly))
                m_heads.insert(file, f.read(64 * 1024).replace("\n", "\r\n"));
        }
        return m_heads;
    }

    /// Stops (SIGSTOP) or resumes (SIGCONT) every process that serves a connection: the
    /// server hangs as a stuck one would, while the kernel still accepts bytes until its
    /// buffers are full. Returns how many processes were signalled.
    int pauseSessions(bool pause)
    {
        const pid_t root = serverPid();
        if (root <= 0)
            return 0;
        const QList<pid_t> pids =
            m_kind == Kind::Postfix ? descendants(root, "smtpd") : descendants(root, "exim4");
        for (pid_t p : pids)
            ::kill(p, pause ? SIGSTOP : SIGCONT);
        return int(pids.size());
    }

    pid_t serverPid() const
    {
        QFile f(m_dir.filePath(QStringLiteral("server.pid")));
        return f.open(QIODevice::ReadOnly) ? pid_t(f.readAll().trimmed().toInt()) : 0;
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        pauseSessions(false); // a stopped process would not see the SIGTERM
        m_process.terminate();
        if (!m_process.waitForFinished(10000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    ~RealSmtpServer() { stop(); }

private:
    Kind m_kind = Kind::Postfix;
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
    QHash<QString, quint16> m_extraPorts;
    QString m_error;
    QString m_cert, m_key;
    mutable QHash<QString, QByteArray> m_heads;
};

/// The Message-ID (without brackets) in a stored message's header, or empty.
inline QByteArray messageIdOf(const QByteArray &message)
{
    static const QRegularExpression re(QStringLiteral("(?im)^Message-ID:\\s*<([^>\\r\\n]+)>"));
    const qsizetype end = message.indexOf("\r\n\r\n");
    const auto m = re.match(QString::fromUtf8(message.left(end < 0 ? message.size() : end)));
    return m.hasMatch() ? m.captured(1).toUtf8() : QByteArray();
}

/// `key=value` pairs of Postfix's "disconnect from" line (ehlo=2 starttls=1 ... commands=N).
inline QHash<QByteArray, QByteArray> disconnectCounts(const QByteArray &line)
{
    QHash<QByteArray, QByteArray> out;
    const qsizetype from = line.indexOf("disconnect from ");
    for (const QByteArray &w : line.mid(from).split(' ')) {
        const qsizetype eq = w.indexOf('=');
        if (eq > 0)
            out.insert(w.left(eq), w.mid(eq + 1).trimmed());
    }
    return out;
}

/// The lines of a server's `log` that contain `needle`.
inline QList<QByteArray> linesMatching(const QByteArray &log, const QByteArray &needle)
{
    QList<QByteArray> out;
    for (const QByteArray &l : log.split('\n')) {
        if (l.contains(needle))
            out << l;
    }
    return out;
}

/// The test account's password on both servers (UTF-8, non-ASCII on purpose).
inline QByteArray realServerPassword()
{
    return QByteArrayLiteral("p\xc3\xa4ssw\xc3\xb6rd-\xc3\xbc-7");
}

} // namespace outpost::test
