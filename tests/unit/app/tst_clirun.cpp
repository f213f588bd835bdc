// The command line's front in process (Cli): what comes before a command, help, unknown
// commands and subcommands, and the one table from results to exit codes (design.md §6).
#include "Cli.h"
#include "CommandTest.h"
#include "Usage.h"

#include <QSet>

using namespace outpost;
using namespace outpost::cli;
using namespace outpost::test;

class TestCliRun : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<CommandFixture> f;

    /// Runs `outpost --data-dir DIR args…` through Cli; the result, exit code and output.
    CommandRun runCli(const QStringList &args, int *code = nullptr)
    {
        BufferConsole console;
        Cli c(&console, &f->credentials);
        CommandRun r;
        QEventLoop loop;
        connect(&c, &Cli::finishedWith, &loop, [&](Result result) { r.result = result; });
        connect(&c, &Cli::finished, &loop, [&](int exit) {
            if (code)
                *code = exit;
            loop.quit();
        });
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        c.run(QStringList{QStringLiteral("outpost"), QStringLiteral("--data-dir"), f->dataDir()} +
              args);
        loop.exec();
        r.out = console.output;
        r.err = console.errors;
        return r;
    }

private slots:
    void init()
    {
        f = std::make_unique<CommandFixture>();
        QVERIFY(f->dir.isValid());
    }

    void exitCodes_data()
    {
        QTest::addColumn<Result>("result");
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("exitCode");
        const QList<std::tuple<Result, const char *, int>> rows = {
            {Result::Ok, "ok", 0},
            {Result::Usage, "usage", 64},
            {Result::BadInput, "bad-input", 65},
            {Result::NotAMessage, "not-a-message", 65},
            {Result::NoSuchMessage, "no-such-message", 65},
            {Result::Refused, "refused", 65},
            {Result::AccountHasMail, "account-has-mail", 65},
            {Result::SomeFailed, "some-failed", 65},
            {Result::SomeRecipientsRefused, "some-recipients-refused", 65},
            {Result::ServerRefused, "server-refused", 65},
            {Result::ServerUnreachable, "server-unreachable", 69},
            {Result::Internal, "internal", 70},
            {Result::CannotOpen, "cannot-open", 73},
            {Result::DiskFull, "disk-full", 74},
            {Result::Deferred, "deferred", 75},
            {Result::TryLater, "try-later", 75},
            {Result::AuthRefused, "auth-refused", 77},
            {Result::NotPrivate, "not-private", 77},
            {Result::NoSuchAccount, "no-such-account", 78},
            {Result::Damaged, "damaged", 78},
            {Result::Insecure, "insecure", 78},
            {Result::NotStored, "not-stored", 78},
        };
        for (const auto &[result, name, code] : rows)
            QTest::newRow(name) << result << QString::fromLatin1(name) << code;
    }
    void exitCodes()
    {
        // The names are stable (scripts and tests may show them); the codes are the contract.
        QFETCH(Result, result);
        QTEST(resultName(result), "name");
        QTEST(exitCode(result), "exitCode");
    }

    void connectionTestClasses()
    {
        QCOMPARE(resultFor(ErrorClass::None), Result::Ok);
        QCOMPARE(exitCode(resultFor(ErrorClass::Auth)), 77);
        QCOMPARE(exitCode(resultFor(ErrorClass::Network)), 69);
        QCOMPARE(exitCode(resultFor(ErrorClass::Certificate)), 78);
        QCOMPARE(exitCode(resultFor(ErrorClass::Tls)), 78);
        QCOMPARE(exitCode(resultFor(ErrorClass::Permanent)), 65);
        QCOMPARE(exitCode(resultFor(ErrorClass::Local)), 65);
        QCOMPARE(exitCode(resultFor(ErrorClass::Timeout)), 75);
        QCOMPARE(exitCode(resultFor(ErrorClass::Transient)), 75);
        QCOMPARE(exitCode(resultFor(ErrorClass::Protocol)), 75);
    }

    void front()
    {
        int code = -1;
        CommandRun r = runCli({}, &code);
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(code, 64);
        QCOMPARE(r.out, usageText().toUtf8());
        r = runCli({QStringLiteral("help")}, &code);
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(code, 0);
        r = runCli({QStringLiteral("frobnicate")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(r.err,
                 QByteArray("outpost: unknown command \"frobnicate\" (outpost help lists them)\n"));
        r = runCli({QStringLiteral("--offline"), QStringLiteral("flush")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY(r.err.contains("--offline is an option of the desktop app"));
        r = runCli({QStringLiteral("account"), QStringLiteral("frob")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(r.err, QByteArray("outpost: usage: outpost account "
                                   "add|edit|list|test|login|logout|remove|default ...\n"));
    }

    void helpOfOneCommandDoesNothingElse()
    {
        const CommandRun r = runCli({QStringLiteral("account"), QStringLiteral("remove"),
                                     QStringLiteral("work"), QStringLiteral("--help")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY(r.out.startsWith("usage: outpost [--data-dir DIR] COMMAND ...\n\n  account add"));
        QVERIFY(!r.out.contains("  queue"));
        QCOMPARE(r.out, commandUsage(QStringLiteral("account")).toUtf8());
        QVERIFY(!QFile::exists(f->dir.filePath(QStringLiteral("outbox.sqlite"))));
    }

    void everyCommandIsKnown()
    {
        const QStringList names = commandNames();
        for (const char *n : {"account", "queue", "sendmail", "list", "show", "retry", "hold",
                              "release", "cancel", "flush", "config", "help"})
            QVERIFY2(names.contains(QLatin1String(n)), n);
        QVERIFY(isCliCommand(
            {QStringLiteral("--data-dir"), QStringLiteral("x"), QStringLiteral("list")}));
        QVERIFY(!isCliCommand({QStringLiteral("mailto:bob@example.net")}));
        QVERIFY(isGroup(QStringLiteral("account")));
        QVERIFY(!isGroup(QStringLiteral("config")));
    }

    void runsACommandThroughTheTable()
    {
        CommandRun r = runCli(
            {QStringLiteral("config"), QStringLiteral("get"), QStringLiteral("pool.max_messages")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("100\n"));
    }

    void printableOutput()
    {
        QCOMPARE(printable(QStringLiteral("a\x1b]0;x\x07"
                                          "b\tc\n")),
                 QStringLiteral("a\ufffd]0;x\ufffd"
                                "b\tc\n"));
        QCOMPARE(printable(QStringLiteral("invoice \u202egnp.exe")),
                 QStringLiteral("invoice \ufffdgnp.exe"));
        QCOMPARE(terminalSafeJson(QStringLiteral("[\"\u202e\"]").toUtf8()),
                 QByteArray("[\"\\u202e\"]"));
    }
};

QTEST_GUILESS_MAIN(TestCliRun)
#include "tst_clirun.moc"
