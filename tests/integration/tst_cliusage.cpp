// The outpost command line's answers to malformed input: exit code (design.md §6, sysexits)
// and the words on standard error, for a fresh data directory (no server needed).
#include "ServerProcess.h"

#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

#include <unistd.h>

using namespace outpost::test;

class TestCliUsage : public QObject
{
    Q_OBJECT

private slots:
    void malformedInput_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("stderrContains");

        QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")} << 64
                                         << QStringLiteral("unknown command \"frobnicate\"");
        QTest::newRow("show: id not a number")
            << QStringList{QStringLiteral("show"), QStringLiteral("abc")} << 64
            << QStringLiteral("usage: outpost show ID");
        QTest::newRow("show: no id") << QStringList{QStringLiteral("show")} << 64
                                     << QStringLiteral("usage: outpost show ID");
        QTest::newRow("show: no such message")
            << QStringList{QStringLiteral("show"), QStringLiteral("5")} << 65
            << QStringLiteral("no message with id 5");
        QTest::newRow("retry: id not a number")
            << QStringList{QStringLiteral("retry"), QStringLiteral("x1")} << 64
            << QStringLiteral("usage: outpost retry ID");
        QTest::newRow("cancel: id 0") << QStringList{QStringLiteral("cancel"), QStringLiteral("0")}
                                      << 64 << QStringLiteral("usage: outpost cancel ID");
        QTest::newRow("hold: negative id")
            << QStringList{QStringLiteral("hold"), QStringLiteral("-1")} << 64
            << QStringLiteral("usage: outpost hold ID");
        QTest::newRow("flush: timeout not a number")
            << QStringList{QStringLiteral("flush"), QStringLiteral("--timeout"),
                           QStringLiteral("abc")}
            << 64 << QStringLiteral("--timeout takes whole seconds from 1 to 2000000, not \"abc\"");
        QTest::newRow("flush: negative timeout")
            << QStringList{QStringLiteral("flush"), QStringLiteral("--timeout"),
                           QStringLiteral("-5")}
            << 64 << QStringLiteral("not \"-5\"");
        QTest::newRow("flush: zero timeout")
            << QStringList{QStringLiteral("flush"), QStringLiteral("--timeout=0")} << 64
            << QStringLiteral("not \"0\"");
        // A negative value reaches the setting's own check instead of reading as option "-3".
        QTest::newRow("config set: negative number")
            << QStringList{QStringLiteral("config"), QStringLiteral("set"),
                           QStringLiteral("pool.max_per_server"), QStringLiteral("-3")}
            << 78 << QStringLiteral("pool.max_per_server needs a whole number >= 0, not \"-3\"");
        QTest::newRow("config set: unknown option")
            << QStringList{QStringLiteral("config"), QStringLiteral("set"),
                           QStringLiteral("--colour"), QStringLiteral("a"), QStringLiteral("b")}
            << 64 << QStringLiteral("Unknown option 'colour'");
    }

    void malformedInput()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, stderrContains);
        QTemporaryDir data;
        QVERIFY(data.isValid());
        const RunResult r = runOutpost(data.path(), args);
        QVERIFY2(QString::fromUtf8(r.err).contains(stderrContains), r.err.constData());
        QCOMPARE(r.exitCode, exitCode);
    }

    void negativeValueAfterAccountOption()
    {
        QTemporaryDir data;
        QVERIFY(data.isValid());
        // The value of an option may itself start with '-': it stays that option's value.
        const RunResult r =
            runOutpost(data.path(), {QStringLiteral("config"), QStringLiteral("set"),
                                     QStringLiteral("--account"), QStringLiteral("-1"),
                                     QStringLiteral("k"), QStringLiteral("v")});
        QCOMPARE(r.exitCode, 78);
        QVERIFY2(r.err.contains("no account named \"-1\""), r.err.constData());
    }

    void outboxThisUserMayNotWriteIsNotCalledDamaged()
    {
        // An outbox of another user (or on a read-only folder) is a permission problem (73),
        // never "damaged, move it aside" (which would hide the queued mail in it).
        QTemporaryDir data;
        QVERIFY(data.isValid());
        RunResult r =
            runOutpost(data.path(), {QStringLiteral("config"), QStringLiteral("set"),
                                     QStringLiteral("timeout.quit"), QStringLiteral("1000")});
        QCOMPARE(r.exitCode, 0);
        QFile::setPermissions(data.path(), QFileDevice::ReadOwner | QFileDevice::ExeOwner |
                                               QFileDevice::ReadOther | QFileDevice::ExeOther);
        QFile::setPermissions(data.filePath(QStringLiteral("outbox.sqlite")),
                              QFileDevice::ReadOwner | QFileDevice::ReadOther);
        QProcess p;
        p.setProcessEnvironment(cliEnvironment());
        QStringList args{QStringLiteral("--data-dir"), data.path(), QStringLiteral("list")};
        if (::geteuid() == 0) // root may write anyway: run as nobody
            p.start(QStringLiteral("runuser"),
                    QStringList{QStringLiteral("-u"), QStringLiteral("nobody"),
                                QStringLiteral("--"), outpostBinary()} +
                        args);
        else
            p.start(outpostBinary(), args);
        QVERIFY(p.waitForFinished(30000));
        const QByteArray err = p.readAllStandardError();
        QCOMPARE(p.exitCode(), 73);
        QVERIFY2(err.contains("check that this user may read and write it"), err.constData());
        QVERIFY2(!err.contains("damaged"), err.constData());
        QFile::setPermissions(data.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                               QFileDevice::ExeOwner);
    }

    void controlCharactersNeverReachTheTerminal()
    {
        // A subject carrying a terminal escape (OSC window title, colour) is shown with the
        // control characters replaced; --json escapes them.
        QTemporaryDir data;
        QVERIFY(data.isValid());
        RunResult r = runOutpost(
            data.path(), {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("x"),
                          QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--from"), QStringLiteral("a@example.org")});
        QCOMPARE(r.exitCode, 0);
        const QByteArray eml = "From: a@example.org\r\nTo: b@example.org\r\n"
                               "Subject: \x1b]0;pwned\x07\x1b[31mred\r\n\r\nhi\r\n";
        r = runOutpost(data.path(),
                       {QStringLiteral("queue"), QStringLiteral("--account"), QStringLiteral("x"),
                        QStringLiteral("--eml"), QStringLiteral("-")},
                       eml);
        QCOMPARE(r.exitCode, 0);
        r = runOutpost(data.path(), {QStringLiteral("list")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(!r.out.contains('\x1b') && !r.out.contains('\x07'), r.out.constData());
        QVERIFY2(r.out.contains("\xef\xbf\xbd]0;pwned\xef\xbf\xbd\xef\xbf\xbd[31mred"),
                 r.out.constData());
        r = runOutpost(data.path(), {QStringLiteral("show"), QStringLiteral("1")});
        QVERIFY(!r.out.contains('\x1b'));
        r = runOutpost(data.path(), {QStringLiteral("list"), QStringLiteral("--json")});
        QVERIFY2(r.out.contains("\\u001b]0;pwned\\u0007"), r.out.constData());
    }

    void sendmailFromHandling()
    {
        QTemporaryDir data;
        QVERIFY(data.isValid());
        RunResult r = runOutpost(
            data.path(), {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("x"),
                          QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--from"), QStringLiteral("a@example.org")});
        QCOMPARE(r.exitCode, 0);
        // -f must be an address: never a null reverse-path by accident.
        r = runOutpost(data.path(),
                       {QStringLiteral("sendmail"), QStringLiteral("-f"),
                        QStringLiteral("not an address"), QStringLiteral("b@example.org")},
                       "To: b@example.org\nSubject: s\n\nhi\n");
        QCOMPARE(r.exitCode, 64);
        QVERIFY2(r.err.contains("-f not an address: missing '@'"), r.err.constData());
        // "From:" at the start of a body line is not a From field: one is added from -F and
        // the account (the message is queued, not refused for having no sender).
        r = runOutpost(data.path(),
                       {QStringLiteral("sendmail"), QStringLiteral("-F"),
                        QStringLiteral("J\u00f6rg \"Q\" M\u00fcller"),
                        QStringLiteral("b@example.org")},
                       "To: b@example.org\nSubject: s\n\nFrom: a body line\n");
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = runOutpost(data.path(), {QStringLiteral("show"), QStringLiteral("1")});
        QVERIFY2(r.out.contains("  From:       a@example.org\n"), r.out.constData());
    }

    void damagedOutboxIsReportedByEveryCommand()
    {
        // list and show open the outbox without the integrity check (Access::ReadOnly): the
        // damage is found by their first read instead. Every command says "damaged" with how
        // to move the file aside (78), list --json leaves its array unclosed, and the file is
        // never written.
        QTemporaryDir data;
        QVERIFY(data.isValid());
        RunResult r = runOutpost(
            data.path(), {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("x"),
                          QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--from"), QStringLiteral("a@example.org")});
        QCOMPARE(r.exitCode, 0);
        for (int i = 0; i < 3; ++i) {
            r = runOutpost(data.path(),
                           {QStringLiteral("queue"), QStringLiteral("--account"),
                            QStringLiteral("x"), QStringLiteral("--eml"), QStringLiteral("-")},
                           "From: a@example.org\r\nTo: b@example.org\r\nSubject: s\r\n\r\nhi\r\n");
            QCOMPARE(r.exitCode, 0);
        }
        const QString db = data.filePath(QStringLiteral("outbox.sqlite"));
        QVERIFY(!QFile::exists(db + QStringLiteral("-wal")) ||
                QFileInfo(db + QStringLiteral("-wal")).size() == 0);
        QByteArray bytes;
        {
            QFile f(db);
            QVERIFY(f.open(QIODevice::ReadWrite));
            bytes = f.readAll();
            QVERIFY(bytes.size() > 8192);
            // Every page after the first (header and schema) overwritten at its start.
            for (qsizetype i = 4096; i < bytes.size(); i += 4096)
                memset(bytes.data() + i, 0x5A, 64);
            QVERIFY(f.seek(0));
            QCOMPARE(f.write(bytes), bytes.size());
        }
        const QList<QStringList> commands = {
            {QStringLiteral("list"), QStringLiteral("--json")},
            {QStringLiteral("list")},
            {QStringLiteral("show"), QStringLiteral("1")},
            {QStringLiteral("show"), QStringLiteral("--json"), QStringLiteral("2")},
            {QStringLiteral("hold"), QStringLiteral("1")},
        };
        for (const QStringList &args : commands) {
            r = runOutpost(data.path(), args);
            const QByteArray what = args.join(u' ').toUtf8() + ": " + r.err;
            QVERIFY2(r.exitCode == 78, what.constData());
            QVERIFY2(r.err.contains("damaged"), what.constData());
            QVERIFY2(r.err.contains("mv '"), what.constData());
            QVERIFY2(!r.out.contains(']'), r.out.constData());
        }
        QFile f(db);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), bytes);
    }

    void dataDirIsAFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString file = dir.filePath(QStringLiteral("plain-file"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        const RunResult r = runOutpost(file, {QStringLiteral("list")});
        QCOMPARE(r.exitCode, 73);
        QVERIFY(!r.err.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCliUsage)
#include "tst_cliusage.moc"
