// `outpost daemon`, the background sender, started headless (no display) against a real
// Postfix (RealServers.h): messages queued by other processes go out without `flush`, a
// scheduled message goes at its time, the pool stays warm between bursts and SIGTERM says QUIT
// to every pooled server; systemd's readiness protocol (NOTIFY_SOCKET) is spoken; the desktop
// app started while the daemon sends takes over and the daemon takes the outbox back when the
// app ends, never two senders at once; `outpost status` says who sends.

#include "RealServers.h"

#include <QDateTime>
#include <QJsonArray>
#include <QSocketNotifier>

#include <csignal>
#include <sys/socket.h>
#include <sys/un.h>

using namespace outpost::test;
using Kind = RealSmtpServer::Kind;

namespace {

/// systemd's side of sd_notify(3): a datagram socket whose messages the test collects.
class NotifySocket
{
public:
    explicit NotifySocket(const QString &path)
        : m_path(path)
    {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un addr = {};
        addr.sun_family = AF_UNIX;
        const QByteArray p = QFile::encodeName(path);
        std::memcpy(addr.sun_path, p.constData(), size_t(p.size()));
        if (::bind(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
            ::close(m_fd);
            m_fd = -1;
            return;
        }
        m_notifier = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
        QObject::connect(m_notifier.get(), &QSocketNotifier::activated, [this] {
            char buf[4096];
            ssize_t n;
            while ((n = ::recv(m_fd, buf, sizeof buf, 0)) > 0)
                m_messages << QByteArray(buf, int(n));
        });
    }
    ~NotifySocket()
    {
        m_notifier.reset();
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool isValid() const { return m_fd >= 0; }
    QString path() const { return m_path; }
    /// True when a message had the line `line` ("READY=1").
    bool received(const QByteArray &line) const
    {
        return std::any_of(m_messages.cbegin(), m_messages.cend(),
                           [&](const QByteArray &m) { return m.split('\n').contains(line); });
    }
    QByteArray all() const { return m_messages.join("\n---\n"); }

private:
    QString m_path;
    int m_fd = -1;
    std::unique_ptr<QSocketNotifier> m_notifier;
    QList<QByteArray> m_messages;
};

} // namespace

class TestDaemon : public QObject
{
    Q_OBJECT

private:
    RealSmtpServer m_postfix;
    QTemporaryDir m_files;
    QString m_passwordFile;

    /// An outbox with account `work` on the Postfix STARTTLS port (and `tls` on its
    /// implicit-TLS port when `two`).
    bool makeOutbox(const QString &dir, bool two = false)
    {
        for (const auto &[name, port, security] :
             {std::tuple{QStringLiteral("work"), m_postfix.port(), QStringLiteral("starttls")},
              std::tuple{QStringLiteral("tls"), m_postfix.tlsPort(), QStringLiteral("tls")}}) {
            if (name == QLatin1String("tls") && !two)
                break;
            const RunResult r = runOutpost(
                dir,
                {QStringLiteral("account"), QStringLiteral("add"), name, QStringLiteral("--host"),
                 QStringLiteral("localhost"), QStringLiteral("--port"), QString::number(port),
                 QStringLiteral("--security"), security, QStringLiteral("--user"),
                 QStringLiteral("alice@example.org"), QStringLiteral("--from"),
                 QStringLiteral("alice@example.org"), QStringLiteral("--password-command"),
                 QStringLiteral("cat '%1'").arg(m_passwordFile), QStringLiteral("--ca-file"),
                 SmtpServer::caPath()});
            if (r.exitCode != 0) {
                qWarning("account add: %s", r.err.constData());
                return false;
            }
        }
        return true;
    }

    /// `outpost queue` in another process; the new message's Message-ID, empty on failure.
    QByteArray queue(const QString &dir, const QString &account, const QString &subject,
                     const QStringList &more = {})
    {
        const RunResult r = runOutpost(
            dir, QStringList{QStringLiteral("queue"), QStringLiteral("--account"), account,
                             QStringLiteral("--to"), QStringLiteral("bob@example.org"),
                             QStringLiteral("--subject"), subject, QStringLiteral("--body"),
                             QStringLiteral("From the background sender.")} +
                     more);
        if (r.exitCode != 0) {
            qWarning("queue: exit %d: %s", r.exitCode, r.err.constData());
            return {};
        }
        const RunResult s =
            runOutpost(dir, {QStringLiteral("show"), QString::fromLatin1(r.out.trimmed()),
                             QStringLiteral("--json")});
        return QJsonDocument::fromJson(s.out)
            .object()
            .value(QLatin1String("message_id"))
            .toString()
            .toUtf8();
    }

    /// How many messages with `messageId` Postfix stored.
    int deliveries(const QByteArray &messageId) const
    {
        const auto heads = m_postfix.deliveryHeads();
        return int(std::count_if(heads.cbegin(), heads.cend(),
                                 [&](const QByteArray &m) { return messageIdOf(m) == messageId; }));
    }

    QJsonObject status(const QString &dir)
    {
        const RunResult r = runOutpost(dir, {QStringLiteral("status"), QStringLiteral("--json")});
        return QJsonDocument::fromJson(r.out).object();
    }

    /// True when `outpost status` in `dir` finds a sender running.
    bool senderRunning(const QString &dir)
    {
        return status(dir)
            .value(QLatin1String("sender"))
            .toObject()
            .value(QLatin1String("running"))
            .toBool();
    }

    /// Starts `outpost daemon` on `dir` with no display (and NOTIFY_SOCKET when given).
    void startDaemon(QProcess *p, const QString &dir, const NotifySocket *notify = nullptr)
    {
        QProcessEnvironment env = cliEnvironment();
        if (notify)
            env.insert(QStringLiteral("NOTIFY_SOCKET"), notify->path());
        p->setProcessEnvironment(env);
        p->start(outpostBinary(), {QStringLiteral("--data-dir"), dir, QStringLiteral("daemon")});
        p->waitForStarted(10000);
    }

    /// SIGTERM to `p`; true when it ended with exit code 0 within `ms`.
    static bool terminate(QProcess *p, int ms = 20000)
    {
        p->terminate();
        return p->waitForFinished(ms) && p->exitStatus() == QProcess::NormalExit &&
               p->exitCode() == 0;
    }

private slots:
    void initTestCase()
    {
        const QString skip = RealSmtpServer::skipReason();
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        QVERIFY(m_files.isValid());
        m_passwordFile = m_files.filePath(QStringLiteral("password"));
        QFile pw(m_passwordFile);
        QVERIFY(pw.open(QIODevice::WriteOnly));
        pw.write(realServerPassword());
        pw.close();
        QVERIFY2(m_postfix.start(Kind::Postfix), qPrintable(m_postfix.error()));
    }

    /// Queued by other processes, sent without flush over one warm session; status says so;
    /// SIGTERM gives QUIT to every pooled server (two here) and tells systemd it stops.
    void sendsWhatOthersQueue()
    {
        QTemporaryDir dir;
        QVERIFY(makeOutbox(dir.path(), true));
        NotifySocket notify(m_files.filePath(QStringLiteral("notify-1")));
        QVERIFY(notify.isValid());
        const qint64 logFrom = m_postfix.logSize();
        QProcess daemon;
        startDaemon(&daemon, dir.path(), &notify);
        QTRY_VERIFY2_WITH_TIMEOUT(notify.received("READY=1"), notify.all().constData(), 20000);

        const QByteArray first = queue(dir.path(), QStringLiteral("work"), QStringLiteral("one"));
        QVERIFY(!first.isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(deliveries(first), 1, 20000);
        // A second burst later goes over the session the first one left open.
        const QByteArray second = queue(dir.path(), QStringLiteral("work"), QStringLiteral("two"));
        const QByteArray third = queue(dir.path(), QStringLiteral("tls"), QStringLiteral("three"));
        QTRY_COMPARE_WITH_TIMEOUT(deliveries(second), 1, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(deliveries(third), 1, 20000);

        const QJsonObject s = status(dir.path());
        const QJsonObject sender = s.value(QLatin1String("sender")).toObject();
        QCOMPARE(sender.value(QLatin1String("running")).toBool(), true);
        QCOMPARE(sender.value(QLatin1String("role")).toString(), QStringLiteral("daemon"));
        QCOMPARE(sender.value(QLatin1String("pid")).toInteger(), daemon.processId());
        QCOMPARE(s.value(QLatin1String("counts")).toObject().value(QLatin1String("sent")).toInt(),
                 3);
        QCOMPARE(s.value(QLatin1String("next_due")).isNull(), true);
        for (const QJsonValue &a : s.value(QLatin1String("accounts")).toArray()) {
            const QJsonObject pool = a.toObject().value(QLatin1String("pool")).toObject();
            QCOMPARE(pool.value(QLatin1String("open")).toInt(), 1); // warm between bursts
            QCOMPARE(pool.value(QLatin1String("idle")).toInt(), 1);
        }

        QVERIFY2(terminate(&daemon), daemon.readAllStandardError().constData());
        QTRY_VERIFY2(notify.received("STOPPING=1"), notify.all().constData());
        // Each pooled session: one connection, all its messages, QUIT answered.
        QByteArray log;
        QTRY_VERIFY_WITH_TIMEOUT(
            (log = m_postfix.log(logFrom), linesMatching(log, "disconnect from").size() >= 2),
            10000);
        const QList<QByteArray> sessions = linesMatching(log, "disconnect from");
        QCOMPARE(sessions.size(), 2);
        int mails = 0;
        for (const QByteArray &l : sessions) {
            const auto counts = disconnectCounts(l);
            QVERIFY2(counts.value("quit") == "1", l.constData());
            mails += counts.value("mail").toInt();
        }
        QCOMPARE(mails, 3);
        QVERIFY2(linesMatching(log, "lost connection").isEmpty(), log.constData());
    }

    /// A message with --send-at goes at its time, not before, without anyone running flush.
    void sendsScheduledMessageAtItsTime()
    {
        QTemporaryDir dir;
        QVERIFY(makeOutbox(dir.path()));
        QProcess daemon;
        startDaemon(&daemon, dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(senderRunning(dir.path()), 20000);
        // Whole seconds, as --send-at takes it.
        const QDateTime at =
            QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch() + 4, Qt::UTC);
        const QByteArray id = queue(dir.path(), QStringLiteral("work"), QStringLiteral("later"),
                                    {QStringLiteral("--send-at"), at.toString(Qt::ISODate)});
        QVERIFY(!id.isEmpty());
        const QJsonObject s = status(dir.path());
        QCOMPARE(s.value(QLatin1String("counts")).toObject().value(QLatin1String("queued")).toInt(),
                 1);
        QCOMPARE(QDateTime::fromString(s.value(QLatin1String("next_due")).toString(), Qt::ISODate)
                     .toSecsSinceEpoch(),
                 at.toSecsSinceEpoch());
        QTRY_COMPARE_WITH_TIMEOUT(deliveries(id), 1, 30000);
        QVERIFY2(QDateTime::currentDateTimeUtc() >= at, "sent before its time");
        QVERIFY2(terminate(&daemon), daemon.readAllStandardError().constData());
    }

    /// One sender per outbox: a second daemon ends at once; the desktop app takes over from
    /// the daemon (which stands by) and the daemon takes over again when the app ends.
    void handsOverWithTheDesktopApp()
    {
        QTemporaryDir dir;
        QVERIFY(makeOutbox(dir.path()));
        QProcess daemon;
        startDaemon(&daemon, dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(senderRunning(dir.path()), 20000);
        const RunResult second = runOutpost(dir.path(), {QStringLiteral("daemon")});
        QCOMPARE(second.exitCode, 0);
        QVERIFY2(second.err.contains("already sends"), second.err.constData());

        QProcess app;
        QProcessEnvironment env = cliEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        app.setProcessEnvironment(env);
        app.start(outpostBinary(),
                  {QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--minimized")});
        QVERIFY(app.waitForStarted(10000));
        auto role = [&] {
            return status(dir.path())
                .value(QLatin1String("sender"))
                .toObject()
                .value(QLatin1String("role"))
                .toString();
        };
        QTRY_VERIFY2_WITH_TIMEOUT(role() == QLatin1String("app") ||
                                      app.state() == QProcess::NotRunning,
                                  qPrintable(role()), 30000);
        if (app.state() == QProcess::NotRunning && app.exitCode() == 64)
            QSKIP("this build has no desktop app");
        QCOMPARE(role(), QStringLiteral("app"));
        QCOMPARE(status(dir.path())
                     .value(QLatin1String("sender"))
                     .toObject()
                     .value(QLatin1String("pid"))
                     .toInteger(),
                 app.processId());
        QCOMPARE(daemon.state(), QProcess::Running); // standing by
        const QByteArray byApp = queue(dir.path(), QStringLiteral("work"), QStringLiteral("app"));
        QTRY_COMPARE_WITH_TIMEOUT(deliveries(byApp), 1, 20000);

        QVERIFY2(terminate(&app), app.readAllStandardError().constData());
        QTRY_COMPARE_WITH_TIMEOUT(role(), QStringLiteral("daemon"), 30000);
        const QByteArray byDaemon =
            queue(dir.path(), QStringLiteral("work"), QStringLiteral("daemon again"));
        QTRY_COMPARE_WITH_TIMEOUT(deliveries(byDaemon), 1, 20000);
        const bool ended = terminate(&daemon);
        const QByteArray err = daemon.readAllStandardError();
        QVERIFY2(ended, err.constData());
        QVERIFY2(err.contains("the desktop app takes over"), err.constData());
        QVERIFY2(err.contains("message 2 sent via localhost:"), err.constData());
        // Each message once: never two senders.
        QCOMPARE(deliveries(byApp), 1);
        QCOMPARE(deliveries(byDaemon), 1);
    }

    /// No sender: status says so, and what waits.
    void statusWithoutSender()
    {
        QTemporaryDir dir;
        QVERIFY(makeOutbox(dir.path()));
        QVERIFY(!queue(dir.path(), QStringLiteral("work"), QStringLiteral("waits")).isEmpty());
        const QJsonObject s = status(dir.path());
        QCOMPARE(s.value(QLatin1String("sender")).toObject().value(QLatin1String("running")),
                 QJsonValue(false));
        QCOMPARE(s.value(QLatin1String("counts")).toObject().value(QLatin1String("queued")).toInt(),
                 1);
        QVERIFY(!s.value(QLatin1String("next_due")).isNull());
        const RunResult text = runOutpost(dir.path(), {QStringLiteral("status")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.startsWith("sender: none running"), text.out.constData());
        QVERIFY2(text.out.contains("messages: 1 queued, 0 sending"), text.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestDaemon)
#include "tst_daemon.moc"
