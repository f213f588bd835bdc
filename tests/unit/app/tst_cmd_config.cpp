// The config command in process: set, get, unset and list, globally and per account, and the
// Result of each refusal (an unknown key or a value out of range is a usage error).
#include "CommandTest.h"

using namespace outpost;
using namespace outpost::cli;
using namespace outpost::test;

class TestConfigCommand : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<CommandFixture> f;

    CommandRun config(const QStringList &args) { return f->run<Config>(args); }

private slots:
    void init()
    {
        f = std::make_unique<CommandFixture>();
        QVERIFY(f->dir.isValid());
    }

    void setGetUnset()
    {
        CommandRun r = config(
            {QStringLiteral("set"), QStringLiteral("pool.max_per_server"), QStringLiteral("4")});
        QVERIFY2(r.is(Result::Ok), r.why());
        r = config({QStringLiteral("get"), QStringLiteral("pool.max_per_server")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("4\n"));
        r = config({QStringLiteral("list")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.contains("pool.max_per_server=4\n"), r.out.constData());
        QVERIFY2(r.out.contains("timeout.quit=5000  (default)\n"), r.out.constData());
        r = config({QStringLiteral("unset"), QStringLiteral("pool.max_per_server")});
        QVERIFY2(r.is(Result::Ok), r.why());
        r = config({QStringLiteral("get"), QStringLiteral("pool.max_per_server")});
        QCOMPARE(r.out, QByteArray("2\n"));
    }

    void perAccount()
    {
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
        CommandRun r =
            config({QStringLiteral("set"), QStringLiteral("--account"), QStringLiteral("work"),
                    QStringLiteral("pipelining"), QStringLiteral("off")});
        QVERIFY2(r.is(Result::Ok), r.why());
        r = config({QStringLiteral("get"), QStringLiteral("--account"), QStringLiteral("work"),
                    QStringLiteral("pipelining")});
        QCOMPARE(r.out, QByteArray("off\n"));
        r = config({QStringLiteral("get"), QStringLiteral("pipelining")});
        QCOMPARE(r.out, QByteArray("auto\n"));
        r = config({QStringLiteral("get"), QStringLiteral("--account"), QStringLiteral("nosuch"),
                    QStringLiteral("pipelining")});
        QVERIFY2(r.is(Result::NoSuchAccount), r.why());
        QCOMPARE(exitCode(*r.result), 78);
    }

    void refusals_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("words");
        QTest::newRow("negative") << QStringList{QStringLiteral("set"),
                                                 QStringLiteral("pool.max_per_server"),
                                                 QStringLiteral("-3")}
                                  << QStringLiteral("pool.max_per_server takes a whole number "
                                                    "from 1 to 2147483647, not \"-3\"");
        // Only plain digits: what is stored is what `config get` shows, and " 5" is no number.
        for (const char *v : {" 5", "5 ", "+5", "0x10", "1e3", "5.0"})
            QTest::newRow(
                qPrintable(QStringLiteral("not plain digits \"%1\"").arg(QLatin1String(v))))
                << QStringList{QStringLiteral("set"), QStringLiteral("pool.max_messages"),
                               QLatin1String(v)}
                << QStringLiteral("pool.max_messages takes a whole number from 1 to 2147483647, "
                                  "not \"%1\"")
                       .arg(QLatin1String(v));
        QTest::newRow("unknown key")
            << QStringList{QStringLiteral("get"), QStringLiteral("nosuch.key")}
            << QStringLiteral("unknown setting \"nosuch.key\"");
        QTest::newRow("unset unknown key")
            << QStringList{QStringLiteral("unset"), QStringLiteral("nosuch.key")}
            << QStringLiteral("unknown setting \"nosuch.key\"");
        QTest::newRow("no sub") << QStringList{} << QStringLiteral("usage: outpost config");
        QTest::newRow("list stray") << QStringList{QStringLiteral("list"), QStringLiteral("x")}
                                    << QStringLiteral("config list takes no argument \"x\"");
        QTest::newRow("unknown option")
            << QStringList{QStringLiteral("set"), QStringLiteral("--colour"), QStringLiteral("a"),
                           QStringLiteral("b")}
            << QStringLiteral("Unknown option 'colour'");
    }
    void refusals()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, words);
        const CommandRun r = config(args);
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(exitCode(*r.result), 64);
        QVERIFY2(QString::fromUtf8(r.err).contains(words), r.why());
    }
};

QTEST_GUILESS_MAIN(TestConfigCommand)
#include "tst_cmd_config.moc"
