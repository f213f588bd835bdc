// The `outpost` command line where a user's expectation met a fault in a walkthrough:
// removing an account whose messages wait, cancelling a sent message, retrying a
// scheduled one; and what flush writes with and without a terminal. Exit codes and words as
// design.md §6 and the README say.

#include "MiniSmtpServer.h"
#include "ServerProcess.h"

#include <QDateTime>
#include <QJsonArray>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>

#include <cerrno>
#include <csignal>

using namespace outpost::test;

class TestCli : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_data;
    QString m_dir;

    RunResult run(const QStringList &args) { return runOutpost(m_dir, args); }
    /// run() with standard error on a terminal (tests/integration/stderr_tty.py): r.err is
    /// what the terminal received.
    RunResult runOnTerminal(const QStringList &args)
    {
        QTemporaryDir files;
        const QString out = files.filePath(QStringLiteral("out"));
        const QString err = files.filePath(QStringLiteral("err"));
        QProcess p;
        p.setProcessEnvironment(cliEnvironment());
        p.start(QStringLiteral("/usr/bin/python3"),
                QStringList{sourceDir() + QStringLiteral("/tests/integration/stderr_tty.py"), out,
                            err, outpostBinary(), QStringLiteral("--data-dir"), m_dir} +
                    args);
        RunResult r;
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished();
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
        QFile o(out), e(err);
        if (o.open(QIODevice::ReadOnly))
            r.out = o.readAll();
        if (e.open(QIODevice::ReadOnly))
            r.err = e.readAll();
        if (r.err.isEmpty())
            r.err = p.readAllStandardError(); // the helper's own trouble
        return r;
    }
    void addAccount(const QString &name, quint16 port, const QStringList &extra = {})
    {
        const RunResult r =
            run(QStringList{QStringLiteral("account"), QStringLiteral("add"), name,
                            QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                            QStringLiteral("--port"), QString::number(port),
                            QStringLiteral("--security"), QStringLiteral("none"),
                            QStringLiteral("--from"), QStringLiteral("alice@example.org")} +
                extra);
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }
    qint64 queue(const QString &account, const QString &subject, const QStringList &extra = {})
    {
        const RunResult r =
            run(QStringList{QStringLiteral("queue"), QStringLiteral("--account"), account,
                            QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                            QStringLiteral("--subject"), subject, QStringLiteral("--body"),
                            QStringLiteral("hello")} +
                extra);
        if (r.exitCode != 0)
            qWarning() << r.err;
        return r.out.trimmed().toLongLong();
    }
    QJsonObject listed(qint64 id)
    {
        const QJsonArray arr =
            QJsonDocument::fromJson(run({QStringLiteral("list"), QStringLiteral("--json")}).out)
                .array();
        for (const QJsonValue &v : arr) {
            if (v.toObject().value(QLatin1String("id")).toInteger() == id)
                return v.toObject();
        }
        return {};
    }
    /// A port nothing listens on.
    static quint16 deadPort()
    {
        SmtpServer probe;
        if (!probe.start({}))
            return 9;
        return probe.port();
    }

private slots:
    void init()
    {
        m_data.~QTemporaryDir();
        new (&m_data) QTemporaryDir();
        QVERIFY(m_data.isValid());
        m_dir = m_data.path();
    }

    void accountRemoveRefusedWhileMessagesWait()
    {
        addAccount(QStringLiteral("work"), deadPort());
        const qint64 a = queue(QStringLiteral("work"), QStringLiteral("one"));
        const qint64 b = queue(QStringLiteral("work"), QStringLiteral("two"),
                               {QStringLiteral("--send-at"), QStringLiteral("2099-01-01T09:00:00Z"),
                                QStringLiteral("--yes")});
        QVERIFY(a > 0 && b > 0);
        RunResult r =
            run({QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("work")});
        QCOMPARE(r.exitCode, 65);
        QVERIFY2(r.err.contains("still has 2 message(s) not sent") && r.err.contains("--force"),
                 r.err.constData());
        // Nothing changed: the account and its messages are there.
        QVERIFY(run({QStringLiteral("account"), QStringLiteral("list")}).out.contains("work"));
        QCOMPARE(listed(a).value(QLatin1String("state")).toString(), QStringLiteral("queued"));

        r = run({QStringLiteral("account"), QStringLiteral("remove"), QStringLiteral("work"),
                 QStringLiteral("--force")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains("2 message(s) of account \"work\" failed"), r.err.constData());
        for (qint64 id : {a, b}) {
            const QJsonObject m = listed(id);
            QCOMPARE(m.value(QLatin1String("state")).toString(), QStringLiteral("failed"));
            QCOMPARE(m.value(QLatin1String("class")).toString(), QStringLiteral("local"));
            QCOMPARE(m.value(QLatin1String("last_error")).toString(),
                     QStringLiteral("the account \"work\" was removed"));
        }
        QVERIFY(!run({QStringLiteral("account"), QStringLiteral("list")}).out.contains("work"));
        // Nothing is left waiting: a flush has nothing to do.
        r = run({QStringLiteral("flush")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray("0 sent, 0 deferred, 0 failed\n"));
    }

    void flushFailsMessagesOfARemovedAccount()
    {
        // An outbox where the account vanished under waiting messages (an older Outpost
        // removed it): flush fails them, says so and exits non-zero instead of "0 failed".
        addAccount(QStringLiteral("gone"), deadPort());
        const qint64 a = queue(QStringLiteral("gone"), QStringLiteral("queued one"));
        const qint64 h = queue(QStringLiteral("gone"), QStringLiteral("held one"));
        QCOMPARE(run({QStringLiteral("hold"), QString::number(h)}).exitCode, 0);
        // Holding what is held, or releasing what is queued, changes nothing and is no error.
        RunResult again = run({QStringLiteral("hold"), QString::number(h)});
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(again.out,
                 QStringLiteral("message %1 is held already; nothing changed\n").arg(h).toUtf8());
        again = run({QStringLiteral("release"), QString::number(a)});
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(again.out,
                 QStringLiteral("message %1 is queued already; nothing changed\n").arg(a).toUtf8());
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tst_cli"));
            db.setDatabaseName(m_dir + QStringLiteral("/outbox.sqlite"));
            QVERIFY(db.open());
            QVERIFY(QSqlQuery(db).exec(QStringLiteral("DELETE FROM accounts")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("tst_cli"));
        const RunResult r = run({QStringLiteral("flush")});
        QCOMPARE(r.exitCode, 65);
        QCOMPARE(r.out, QByteArray("0 sent, 0 deferred, 2 failed\n"));
        for (qint64 id : {a, h}) {
            const QJsonObject m = listed(id);
            QCOMPARE(m.value(QLatin1String("state")).toString(), QStringLiteral("failed"));
            QCOMPARE(m.value(QLatin1String("last_error")).toString(),
                     QStringLiteral("the account \"gone\" no longer exists"));
        }
        // A failed message is neither held nor released: refused (65), in words that say why.
        const RunResult hold = run({QStringLiteral("hold"), QString::number(a)});
        QCOMPARE(hold.exitCode, 65);
        QVERIFY2(hold.err.contains(QStringLiteral("message %1 cannot be held: it is failed (only "
                                                  "queued messages and drafts can be held)")
                                       .arg(a)
                                       .toUtf8()),
                 hold.err.constData());
        const RunResult release = run({QStringLiteral("release"), QString::number(a)});
        QCOMPARE(release.exitCode, 65);
        QVERIFY2(release.err.contains(
                     QStringLiteral("message %1 cannot be released: it is failed").arg(a).toUtf8()),
                 release.err.constData());
    }

    void flushReportsMessagesHeldByTheirAccount()
    {
        // The password command fails: the account is paused and its message held. The flush
        // says so and does not claim success.
        addAccount(QStringLiteral("locked"), deadPort(),
                   {QStringLiteral("--user"), QStringLiteral("alice"),
                    QStringLiteral("--password-command"), QStringLiteral("false")});
        const qint64 id = queue(QStringLiteral("locked"), QStringLiteral("waiting"));
        RunResult r = run({QStringLiteral("flush")});
        QCOMPARE(r.exitCode, 75);
        QVERIFY2(r.out.startsWith("0 sent, 0 deferred, 0 failed\n1 held: account \"locked\" needs "
                                  "attention"),
                 r.out.constData());
        QCOMPARE(listed(id).value(QLatin1String("state")).toString(), QStringLiteral("held"));
        // Still stuck at the next flush: still said, still non-zero.
        r = run({QStringLiteral("flush")});
        QCOMPARE(r.exitCode, 75);
        QVERIFY(r.out.contains("1 held: account \"locked\""));
    }

    void flushStoppedWhilePasswordCommandRuns()
    {
        // The password command is still running when `flush --timeout` stops (a `pass` waiting
        // for its pinentry): no crash, the command and what it started are stopped, and the
        // message is queued again with a note instead of being left in `sending`.
        const QString pidFile = m_data.filePath(QStringLiteral("child.pid"));
        addAccount(QStringLiteral("slow"), deadPort(),
                   {QStringLiteral("--user"), QStringLiteral("alice"),
                    QStringLiteral("--password-command"),
                    QStringLiteral("sleep 600 & echo $! > '%1'; wait").arg(pidFile)});
        const qint64 id = queue(QStringLiteral("slow"), QStringLiteral("waiting"));
        const RunResult r =
            run({QStringLiteral("flush"), QStringLiteral("--timeout"), QStringLiteral("1")});
        QCOMPARE(r.exitCode, 75);
        QVERIFY2(r.out.startsWith("0 sent, 1 deferred, 0 failed (stopped early)"),
                 r.out.constData());
        QCOMPARE(listed(id).value(QLatin1String("state")).toString(), QStringLiteral("queued"));
        const RunResult shown = run({QStringLiteral("show"), QString::number(id)});
        QVERIFY2(shown.out.contains("interrupted (Outpost quit)"), shown.out.constData());
        QFile f(pidFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const pid_t child = pid_t(f.readAll().trimmed().toLongLong());
        QVERIFY(child > 0);
        QTRY_VERIFY_WITH_TIMEOUT(::kill(child, 0) == -1 && errno == ESRCH, 5000);
    }

    void flushWithoutATerminalPrintsWhatItAlwaysDid()
    {
        // Through pipes (a script, cron, a log): the summary on standard output and nothing on
        // standard error, byte for byte as before there was a progress line.
        SmtpServer server;
        QVERIFY(server.start({}));
        addAccount(QStringLiteral("local"), server.port());
        QVERIFY(queue(QStringLiteral("local"), QStringLiteral("one")) > 0);
        QVERIFY(queue(QStringLiteral("local"), QStringLiteral("two")) > 0);
        const RunResult r = run({QStringLiteral("flush")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray("2 sent, 0 deferred, 0 failed\n"));
        QCOMPARE(r.err, QByteArray());
    }

    void flushShowsProgressOnATerminal()
    {
        // Standard error on a terminal, standard output redirected: the progress line there,
        // erased at the end; standard output as without a terminal (also with --json).
        SmtpServer server;
        QVERIFY(server.start({}));
        addAccount(QStringLiteral("local"), server.port());
        QVERIFY(queue(QStringLiteral("local"), QStringLiteral("one")) > 0);
        QVERIFY(queue(QStringLiteral("local"), QStringLiteral("two")) > 0);
        RunResult r = runOnTerminal({QStringLiteral("flush")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray("2 sent, 0 deferred, 0 failed\n"));
        QVERIFY2(r.err.startsWith("\rSending: 0 of 2 \u2014 0 sent, 0 deferred, 0 failed\x1b[K"),
                 r.err.constData());
        QVERIFY2(r.err.endsWith("\r\x1b[K"), r.err.constData());

        QVERIFY(queue(QStringLiteral("local"), QStringLiteral("three")) > 0);
        r = runOnTerminal({QStringLiteral("flush"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject summary = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(summary.value(QLatin1String("sent")), QJsonValue(1));
        QCOMPARE(summary.value(QLatin1String("total")), QJsonValue(1));
        QVERIFY2(r.err.startsWith("\rSending: 0 of 1 \u2014"), r.err.constData());
        QVERIFY2(r.err.endsWith("\r\x1b[K"), r.err.constData());
    }

    void cancelRefusesASentMessage()
    {
        SmtpServer server;
        QVERIFY(server.start({}));
        addAccount(QStringLiteral("local"), server.port());
        const qint64 sent = queue(QStringLiteral("local"), QStringLiteral("delivered"));
        QCOMPARE(run({QStringLiteral("flush")}).exitCode, 0);
        QCOMPARE(listed(sent).value(QLatin1String("state")).toString(), QStringLiteral("sent"));
        RunResult r = run({QStringLiteral("cancel"), QString::number(sent)});
        QCOMPARE(r.exitCode, 65);
        QVERIFY2(r.err.contains("was sent already"), r.err.constData());
        // Its record and history are intact.
        const QJsonObject shown =
            QJsonDocument::fromJson(
                run({QStringLiteral("show"), QString::number(sent), QStringLiteral("--json")}).out)
                .object();
        QCOMPARE(shown.value(QLatin1String("state")).toString(), QStringLiteral("sent"));
        QCOMPARE(shown.value(QLatin1String("history")).toArray().size(), 2);

        // A queued message is withdrawn: deleted, as design.md §4 has no cancelled state.
        server.stop();
        const qint64 waiting = queue(QStringLiteral("local"), QStringLiteral("not yet"));
        r = run({QStringLiteral("cancel"), QString::number(waiting)});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("message %1 cancelled and deleted\n").arg(waiting).toUtf8());
        QCOMPARE(run({QStringLiteral("show"), QString::number(waiting)}).exitCode, 65);
    }

    void retryOfAScheduledMessageSaysTheScheduleIsDropped()
    {
        addAccount(QStringLiteral("work"), deadPort());
        const qint64 later =
            queue(QStringLiteral("work"), QStringLiteral("later"),
                  {QStringLiteral("--send-at"), QStringLiteral("2099-01-01T09:00:00Z"),
                   QStringLiteral("--yes")});
        QVERIFY(later > 0);
        QCOMPARE(listed(later).value(QLatin1String("send_at")).toString(),
                 QStringLiteral("2099-01-01T09:00:00.000Z"));
        const RunResult r = run({QStringLiteral("retry"), QString::number(later)});
        QCOMPARE(r.exitCode, 0);
        const QString expected =
            QStringLiteral("message %1 was scheduled for %2; it is sent at the next chance "
                           "instead (the schedule is dropped)\n")
                .arg(later)
                .arg(QDateTime::fromString(QStringLiteral("2099-01-01T09:00:00Z"), Qt::ISODate)
                         .toLocalTime()
                         .toString(Qt::ISODate));
        QCOMPARE(QString::fromUtf8(r.out), expected);
        const QJsonObject m = listed(later);
        QVERIFY(m.value(QLatin1String("send_at")).isNull());
        QVERIFY(QDateTime::fromString(m.value(QLatin1String("next_attempt_at")).toString(),
                                      Qt::ISODateWithMs) <= QDateTime::currentDateTimeUtc());
        // An unscheduled message: retry says nothing more than before.
        const qint64 now = queue(QStringLiteral("work"), QStringLiteral("now"));
        const RunResult plain = run({QStringLiteral("retry"), QString::number(now)});
        QCOMPARE(plain.exitCode, 0);
        QCOMPARE(plain.out, QByteArray());
    }

    void accountTestWithRefusedLoginPausesNothing()
    {
        // `account test` reports the refused login as the test's result (77), never "sending
        // is paused": the account is not paused and its queued message stays queued. The
        // server is tests/support's MiniSmtpServer in this process (aiosmtpd 1.4 does not
        // answer a failed AUTH), so outpost runs while this event loop serves it.
        outpost::testsupport::MiniSmtpServer server;
        server.keywords = {"AUTH PLAIN"};
        server.authReply = "535 5.7.8 Authentication credentials invalid";
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        addAccount(QStringLiteral("work"), server.port(),
                   {QStringLiteral("--user"), QStringLiteral("alice"),
                    QStringLiteral("--password-command"), QStringLiteral("echo wrong"),
                    QStringLiteral("--auth"), QStringLiteral("plain"),
                    QStringLiteral("--allow-plain-auth")});
        const qint64 id = queue(QStringLiteral("work"), QStringLiteral("waiting"));
        QVERIFY(id > 0);
        QProcess p;
        p.setProcessEnvironment(cliEnvironment());
        QSignalSpy finished(&p, &QProcess::finished);
        p.start(outpostBinary(), {QStringLiteral("--data-dir"), m_dir, QStringLiteral("account"),
                                  QStringLiteral("test"), QStringLiteral("work")});
        QVERIFY(finished.wait(30000));
        const QByteArray err = p.readAllStandardError();
        QCOMPARE(p.exitCode(), 77);
        QCOMPARE(err, QByteArray("outpost: The server did not accept the login (user name or "
                                 "password). Server said: \"535 5.7.8 Authentication "
                                 "credentials invalid\".\n"));
        QCOMPARE(server.commands.value(1),
                 QByteArray("AUTH PLAIN ") + QByteArray("\0alice\0wrong", 12).toBase64());
        RunResult r =
            run({QStringLiteral("account"), QStringLiteral("list"), QStringLiteral("--json")});
        const QJsonArray accounts = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(accounts.size(), 1);
        QCOMPARE(accounts.first().toObject().value(QLatin1String("paused")).toBool(true), false);
        QCOMPARE(listed(id).value(QLatin1String("state")).toString(), QStringLiteral("queued"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
