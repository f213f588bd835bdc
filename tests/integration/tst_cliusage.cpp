// The outpost command line's answers to malformed input: exit code (design.md §6, sysexits)
// and the words on standard error, for a fresh data directory (no server needed).
#include "ServerProcess.h"

#include <QTemporaryDir>
#include <QTest>

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
