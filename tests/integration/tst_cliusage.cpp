// The outpost command line's answers to malformed input: exit code (design.md §6, sysexits)
// and the words on standard error, for a fresh data directory (no server needed).
#include "ServerProcess.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTemporaryFile>
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
        QTest::newRow("unknown option before the command")
            << QStringList{QStringLiteral("--bogus"), QStringLiteral("list")} << 64
            << QStringLiteral("unknown option --bogus");
        QTest::newRow("desktop option before a command")
            << QStringList{QStringLiteral("--offline"), QStringLiteral("flush")} << 64
            << QStringLiteral("--offline is an option of the desktop app");
        QTest::newRow("--data-dir without its folder")
            << QStringList{QStringLiteral("list"), QStringLiteral("--data-dir")} << 64
            << QStringLiteral("--data-dir needs a folder");
        QTest::newRow("account list: stray word")
            << QStringList{QStringLiteral("account"), QStringLiteral("list"),
                           QStringLiteral("extra")}
            << 64 << QStringLiteral("account list takes no argument \"extra\"");
        QTest::newRow("config list: stray word")
            << QStringList{QStringLiteral("config"), QStringLiteral("list"),
                           QStringLiteral("extra")}
            << 64 << QStringLiteral("config list takes no argument \"extra\"");
        QTest::newRow("account test: no name")
            << QStringList{QStringLiteral("account"), QStringLiteral("test")} << 64
            << QStringLiteral("usage: outpost account test NAME");
        QTest::newRow("list: stray word")
            << QStringList{QStringLiteral("list"), QStringLiteral("junk")} << 64
            << QStringLiteral("list takes no argument \"junk\"");
        QTest::newRow("flush: stray word")
            << QStringList{QStringLiteral("flush"), QStringLiteral("now")} << 64
            << QStringLiteral("flush takes no argument \"now\"");
        QTest::newRow("queue: stray word")
            << QStringList{QStringLiteral("queue"), QStringLiteral("--account"),
                           QStringLiteral("x"), QStringLiteral("hello")}
            << 64 << QStringLiteral("queue takes no argument \"hello\"");
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
            << 64
            << QStringLiteral(
                   "pool.max_per_server takes a whole number from 1 to 2147483647, not \"-3\"");
        // Beyond int: refused with the range, never wrapped around (2^32 + 1000 read as an int
        // is 1000 ms).
        QTest::newRow("config set: beyond int range")
            << QStringList{QStringLiteral("config"), QStringLiteral("set"),
                           QStringLiteral("timeout.quit"), QStringLiteral("4294968296")}
            << 64
            << QStringLiteral(
                   "timeout.quit takes a whole number from 0 to 2147483647, not \"4294968296\"");
        QTest::newRow("config set: beyond 64 bits")
            << QStringList{QStringLiteral("config"), QStringLiteral("set"),
                           QStringLiteral("pool.idle_ms"), QStringLiteral("99999999999999999999")}
            << 64
            << QStringLiteral("pool.idle_ms takes a whole number from 0 to 2147483647, not "
                              "\"99999999999999999999\"");
        QTest::newRow("config set: retry time beyond a year")
            << QStringList{QStringLiteral("config"), QStringLiteral("set"),
                           QStringLiteral("retry.lifetime_ms"), QStringLiteral("31536000001")}
            << 64
            << QStringLiteral("retry.lifetime_ms takes a whole number from 0 to 31536000000, not "
                              "\"31536000001\"");
        QTest::newRow("config set: pool.max_messages 0")
            << QStringList{QStringLiteral("config"), QStringLiteral("set"),
                           QStringLiteral("pool.max_messages"), QStringLiteral("0")}
            << 64
            << QStringLiteral(
                   "pool.max_messages takes a whole number from 1 to 2147483647, not \"0\"");
        QTest::newRow("config set: unknown key")
            << QStringList{QStringLiteral("config"), QStringLiteral("set"),
                           QStringLiteral("nosuch.key"), QStringLiteral("1")}
            << 64 << QStringLiteral("unknown setting \"nosuch.key\" (known: pool.max_per_server");
        // An account that does not exist is 78 for every account command (as for account test,
        // queue --account, config --account), never 0 as if it had been removed.
        QTest::newRow("account remove: no such account")
            << QStringList{QStringLiteral("account"), QStringLiteral("remove"),
                           QStringLiteral("nosuch")}
            << 78
            << QStringLiteral("no account named \"nosuch\" (outpost account list shows them)");
        QTest::newRow("account remove --force: no such account")
            << QStringList{QStringLiteral("account"), QStringLiteral("remove"),
                           QStringLiteral("nosuch"), QStringLiteral("--force")}
            << 78 << QStringLiteral("no account named \"nosuch\"");
        QTest::newRow("account remove: no name")
            << QStringList{QStringLiteral("account"), QStringLiteral("remove")} << 64
            << QStringLiteral("usage: outpost account remove NAME [--force]");
        QTest::newRow("account default: no such account")
            << QStringList{QStringLiteral("account"), QStringLiteral("default"),
                           QStringLiteral("nosuch")}
            << 78 << QStringLiteral("no account named \"nosuch\"");
        QTest::newRow("account test: no such account")
            << QStringList{QStringLiteral("account"), QStringLiteral("test"),
                           QStringLiteral("nosuch")}
            << 78 << QStringLiteral("no account named \"nosuch\"");
        QTest::newRow("config unset: unknown key")
            << QStringList{QStringLiteral("config"), QStringLiteral("unset"),
                           QStringLiteral("nosuch.key")}
            << 64 << QStringLiteral("unknown setting \"nosuch.key\" (known: pool.max_per_server");
        QTest::newRow("config get: unknown key")
            << QStringList{QStringLiteral("config"), QStringLiteral("get"),
                           QStringLiteral("nosuch.key")}
            << 64 << QStringLiteral("unknown setting \"nosuch.key\"");
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

    void settingOutOfRangeIsNotStored()
    {
        // A refused value leaves the stored one as it was; the largest values are accepted.
        QTemporaryDir data;
        QVERIFY(data.isValid());
        auto config = [&](const QStringList &a) {
            return runOutpost(data.path(), QStringList{QStringLiteral("config")} + a);
        };
        RunResult r = config(
            {QStringLiteral("set"), QStringLiteral("timeout.quit"), QStringLiteral("4294968296")});
        QCOMPARE(r.exitCode, 64);
        r = config({QStringLiteral("get"), QStringLiteral("timeout.quit")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray("5000\n"));
        r = config({QStringLiteral("list")});
        QVERIFY2(r.out.contains("timeout.quit=5000  (default)\n"), r.out.constData());
        r = config(
            {QStringLiteral("set"), QStringLiteral("timeout.quit"), QStringLiteral("2147483647")});
        QCOMPARE(r.exitCode, 0);
        r = config({QStringLiteral("set"), QStringLiteral("retry.lifetime_ms"),
                    QStringLiteral("31536000000")});
        QCOMPARE(r.exitCode, 0);
        r = config({QStringLiteral("get"), QStringLiteral("timeout.quit")});
        QCOMPARE(r.out, QByteArray("2147483647\n"));
        r = config({QStringLiteral("get"), QStringLiteral("retry.lifetime_ms")});
        QCOMPARE(r.out, QByteArray("31536000000\n"));
    }

    void helpAfterACommandOnlyShowsItsUsage_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("usageLine");
        QTest::newRow("flush --help")
            << QStringList{QStringLiteral("flush"), QStringLiteral("--help")}
            << QByteArray("\n  flush [--timeout SECONDS] [--verbose]");
        QTest::newRow("account remove NAME --help")
            << QStringList{QStringLiteral("account"), QStringLiteral("remove"),
                           QStringLiteral("work"), QStringLiteral("--help")}
            << QByteArray("account remove NAME [--force]");
        QTest::newRow("queue … -h") << QStringList{QStringLiteral("queue"),
                                                   QStringLiteral("--account"),
                                                   QStringLiteral("work"),
                                                   QStringLiteral("--to"),
                                                   QStringLiteral("bob@example.net"),
                                                   QStringLiteral("--subject"),
                                                   QStringLiteral("s"),
                                                   QStringLiteral("--body"),
                                                   QStringLiteral("b"),
                                                   QStringLiteral("-h")}
                                    << QByteArray("\n  queue [--account NAME]");
        QTest::newRow("cancel ID --help")
            << QStringList{QStringLiteral("cancel"), QStringLiteral("1"), QStringLiteral("--help")}
            << QByteArray("\n  retry ID | hold ID | release ID | cancel ID\n");
    }

    void helpAfterACommandOnlyShowsItsUsage()
    {
        // --help anywhere after a command prints that command's usage, exits 0 and does
        // nothing: no message queued, sent, cancelled, no account removed.
        QFETCH(QStringList, args);
        QFETCH(QByteArray, usageLine);
        QTemporaryDir data;
        QVERIFY(data.isValid());
        QCOMPARE(addLocalAccount(data.path(), 9, QStringLiteral("work")).exitCode, 0);
        RunResult r = runOutpost(data.path(), {QStringLiteral("queue"), QStringLiteral("--account"),
                                               QStringLiteral("work"), QStringLiteral("--to"),
                                               QStringLiteral("bob@example.net"),
                                               QStringLiteral("--subject"), QStringLiteral("kept"),
                                               QStringLiteral("--body"), QStringLiteral("x")});
        QCOMPARE(r.exitCode, 0);
        const QByteArray before =
            runOutpost(data.path(), {QStringLiteral("list"), QStringLiteral("--json")}).out;

        r = runOutpost(data.path(), args);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith("usage: outpost [--data-dir DIR] COMMAND ...\n"),
                 r.out.constData());
        QVERIFY2(r.out.contains(usageLine), r.out.constData());
        QCOMPARE(r.err, QByteArray());
        QCOMPARE(runOutpost(data.path(), {QStringLiteral("list"), QStringLiteral("--json")}).out,
                 before);
        QVERIFY(runOutpost(data.path(), {QStringLiteral("account"), QStringLiteral("list")})
                    .out.startsWith("work"));
    }

    void passwordStdinNeverHangsWithoutAKeychain()
    {
        // Without a desktop session (no D-Bus session bus, as in CI) the keychain answers
        // with an error through the event loop; the command must finish with it. (With the
        // GLib loop turned off it never did.) Where a keychain runs, storing succeeds (0).
        QTemporaryDir data;
        QVERIFY(data.isValid());
        QProcess p;
        QProcessEnvironment env = cliEnvironment();
        env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
        p.setProcessEnvironment(env);
        p.start(outpostBinary(),
                {QStringLiteral("--data-dir"), data.path(), QStringLiteral("account"),
                 QStringLiteral("add"), QStringLiteral("kc"), QStringLiteral("--host"),
                 QStringLiteral("127.0.0.1"), QStringLiteral("--security"), QStringLiteral("none"),
                 QStringLiteral("--user"), QStringLiteral("u"),
                 QStringLiteral("--password-stdin")});
        QVERIFY(p.waitForStarted(10000));
        p.write("pw\n");
        p.closeWriteChannel();
        const bool finished = p.waitForFinished(45000);
        if (!finished)
            p.kill();
        QVERIFY2(finished, "account add --password-stdin did not finish without a keychain");
        const int code = p.exitCode();
        QVERIFY2(code == 0 || code == 78, p.readAllStandardError().constData());
    }

    void walkthroughRefusals()
    {
        // Found by a fresh-user walkthrough: each was accepted and did something else.
        QTemporaryDir data;
        QVERIFY(data.isValid());
        RunResult r = runOutpost(data.path(), {QStringLiteral("account"), QStringLiteral("add"),
                                               QStringLiteral("ev\x1bil"), QStringLiteral("--host"),
                                               QStringLiteral("127.0.0.1")});
        QCOMPARE(r.exitCode, 64);
        QVERIFY2(r.err.contains("an account name cannot hold control characters"),
                 r.err.constData());
        QCOMPARE(runOutpost(data.path(), {QStringLiteral("account"), QStringLiteral("list")}).out,
                 QByteArray());

        QCOMPARE(addLocalAccount(data.path(), 9, QStringLiteral("gone")).exitCode, 0);
        QTemporaryFile body;
        QVERIFY(body.open());
        body.write("from the file\n");
        body.close();
        r = runOutpost(data.path(),
                       {QStringLiteral("queue"), QStringLiteral("--account"),
                        QStringLiteral("gone"), QStringLiteral("--to"),
                        QStringLiteral("bob@example.net"), QStringLiteral("--body"),
                        QStringLiteral("typed"), QStringLiteral("--body-file"), body.fileName()});
        QCOMPARE(r.exitCode, 64);
        QCOMPARE(r.err, QByteArray("outpost: give --body or --body-file, not both\n"));

        // No subject is allowed (an empty Subject), as the usage now shows.
        r = runOutpost(data.path(), {QStringLiteral("queue"), QStringLiteral("--account"),
                                     QStringLiteral("gone"), QStringLiteral("--to"),
                                     QStringLiteral("bob@example.net"), QStringLiteral("--body"),
                                     QStringLiteral("x")});
        QCOMPARE(r.exitCode, 0);
        const QByteArray id = r.out.trimmed();
        r = runOutpost(data.path(), {QStringLiteral("account"), QStringLiteral("remove"),
                                     QStringLiteral("gone"), QStringLiteral("--force")});
        QCOMPARE(r.exitCode, 0);
        r = runOutpost(data.path(), {QStringLiteral("retry"), QString::fromLatin1(id)});
        QCOMPARE(r.exitCode, 78);
        QVERIFY2(r.err.contains("which was removed: add an account of that name first"),
                 r.err.constData());
        r = runOutpost(data.path(),
                       {QStringLiteral("show"), QStringLiteral("--json"), QString::fromLatin1(id)});
        QVERIFY2(r.out.contains("\"state\": \"failed\""), r.out.constData());
    }

    void showKeepsEachFieldOnOneLine()
    {
        // An encoded Subject may decode to line breaks: `show` must not let it fake lines
        // ("Why: …") of its own; --json keeps the real value.
        QTemporaryDir data;
        QVERIFY(data.isValid());
        QCOMPARE(addLocalAccount(data.path(), 9, QStringLiteral("work")).exitCode, 0);
        RunResult r = runOutpost(
            data.path(), {QStringLiteral("queue"), QStringLiteral("--eml"), QStringLiteral("-")},
            "From: a@example.org\r\nTo: b@example.org\r\nSubject: "
            "=?utf-8?Q?hello=0A__Why:_run_this=09now?=\r\n\r\nhi\r\n");
        QCOMPARE(r.exitCode, 0);
        const QString id = QString::fromLatin1(r.out.trimmed());
        r = runOutpost(data.path(), {QStringLiteral("show"), id});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("\n  Subject:    hello   Why: run this now\n"), r.out.constData());
        QCOMPARE(r.out.count("Why:"), 1);
        r = runOutpost(data.path(), {QStringLiteral("show"), QStringLiteral("--json"), id});
        QVERIFY2(r.out.contains("\"subject\": \"hello\\n  Why: run this\\tnow\""),
                 r.out.constData());
    }

    void sendmailWithoutAnAccountIsAConfigurationError()
    {
        // 78, not 75: a mail program retries a 75 for days.
        QTemporaryDir data;
        QVERIFY(data.isValid());
        const RunResult r =
            runOutpost(data.path(), {QStringLiteral("sendmail"), QStringLiteral("-t")},
                       "To: x@example.org\n\nhi\n");
        QCOMPARE(r.exitCode, 78);
        QCOMPARE(r.err,
                 QByteArray("outpost: sendmail: no account: add one with `outpost account add`\n"));
    }

    void unsetKnownKey()
    {
        // unset of a known key goes back to the default; an unknown one changes nothing.
        QTemporaryDir data;
        QVERIFY(data.isValid());
        auto config = [&](const QStringList &a) {
            return runOutpost(data.path(), QStringList{QStringLiteral("config")} + a);
        };
        QCOMPARE(config({QStringLiteral("set"), QStringLiteral("pool.max_per_server"),
                         QStringLiteral("4")})
                     .exitCode,
                 0);
        RunResult r = config({QStringLiteral("unset"), QStringLiteral("pool.max_per_servers")});
        QCOMPARE(r.exitCode, 64);
        QVERIFY2(r.err.contains("unknown setting \"pool.max_per_servers\""), r.err.constData());
        QCOMPARE(config({QStringLiteral("get"), QStringLiteral("pool.max_per_server")}).out,
                 QByteArray("4\n"));
        r = config({QStringLiteral("unset"), QStringLiteral("pool.max_per_server")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(config({QStringLiteral("get"), QStringLiteral("pool.max_per_server")}).out,
                 QByteArray("2\n"));
    }

    void removeUnknownAccountChangesNothing()
    {
        QTemporaryDir data;
        QVERIFY(data.isValid());
        RunResult r = runOutpost(
            data.path(), {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("work"),
                          QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--from"), QStringLiteral("a@example.org")});
        QCOMPARE(r.exitCode, 0);
        r = runOutpost(data.path(), {QStringLiteral("account"), QStringLiteral("remove"),
                                     QStringLiteral("Work")});
        QCOMPARE(r.exitCode, 78);
        QCOMPARE(r.err, QByteArray("outpost: no account named \"Work\" (outpost account list "
                                   "shows them)\n"));
        r = runOutpost(data.path(), {QStringLiteral("account"), QStringLiteral("list")});
        QVERIFY2(r.out.startsWith("work (default)\t127.0.0.1:"), r.out.constData());
        r = runOutpost(data.path(), {QStringLiteral("account"), QStringLiteral("remove"),
                                     QStringLiteral("work")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(runOutpost(data.path(), {QStringLiteral("account"), QStringLiteral("list")}).out,
                 QByteArray());
    }

    void emlRefusesOptionsThatWouldChangeIt()
    {
        // --eml queues the file as it is: --to, --subject, --attach ... are refused (64) and
        // nothing is queued; --send-at and the DSN options still apply.
        QTemporaryDir data;
        QVERIFY(data.isValid());
        RunResult r = runOutpost(
            data.path(), {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("x"),
                          QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--from"), QStringLiteral("a@example.org")});
        QCOMPARE(r.exitCode, 0);
        const QByteArray eml = "From: a@example.org\r\nTo: b@example.org\r\nSubject: as "
                               "written\r\n\r\nhi\r\n";
        const QStringList base{QStringLiteral("queue"), QStringLiteral("--account"),
                               QStringLiteral("x"), QStringLiteral("--eml"), QStringLiteral("-")};
        r = runOutpost(data.path(),
                       base + QStringList{QStringLiteral("--to"), QStringLiteral("c@example.org")},
                       eml);
        QCOMPARE(r.exitCode, 64);
        QCOMPARE(r.err, QByteArray("outpost: --eml queues the message file as it is, so --to "
                                   "cannot be combined with it: change the file, or write a new "
                                   "message with --to, --subject and --body instead of --eml\n"));
        r = runOutpost(data.path(),
                       base + QStringList{QStringLiteral("--subject"), QStringLiteral("other"),
                                          QStringLiteral("--attach"), QStringLiteral("/etc/hosts"),
                                          QStringLiteral("--cc"), QStringLiteral("d@example.org")},
                       eml);
        QCOMPARE(r.exitCode, 64);
        QVERIFY2(r.err.contains("so --cc, --subject, --attach cannot be combined"),
                 r.err.constData());
        QCOMPARE(runOutpost(data.path(), {QStringLiteral("list")}).out, QByteArray());
        r = runOutpost(data.path(),
                       base + QStringList{QStringLiteral("--send-at"),
                                          QStringLiteral("2099-01-01T09:00:00Z"),
                                          QStringLiteral("--yes"), QStringLiteral("--notify"),
                                          QStringLiteral("never")},
                       eml);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out, QByteArray("1\n"));
        r = runOutpost(data.path(), {QStringLiteral("list")});
        QVERIFY2(r.out.startsWith("1\tqueued\tb@example.org\tas written\t"), r.out.constData());
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
        // An outbox of another user is refused as such (77), one on a read-only folder is a
        // permission problem (73): never "damaged, move it aside", which would hide the queued
        // mail in it.
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
        const bool asNobody = ::geteuid() == 0; // root may write anyway: run as nobody
        QTemporaryDir bin; // a copy nobody can reach wherever the checkout lies (a 0700 home)
        if (asNobody) {
            QVERIFY(bin.isValid());
            QFile::setPermissions(bin.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                  QFileDevice::ExeOwner | QFileDevice::ReadOther |
                                                  QFileDevice::ExeOther);
            const QString copy = bin.filePath(QStringLiteral("outpost"));
            QVERIFY(QFile::copy(outpostBinary(), copy));
            QVERIFY(QFile::setPermissions(copy, QFileDevice::ReadOwner | QFileDevice::ExeOwner |
                                                    QFileDevice::ReadOther |
                                                    QFileDevice::ExeOther));
            p.start(QStringLiteral("runuser"),
                    QStringList{QStringLiteral("-u"), QStringLiteral("nobody"),
                                QStringLiteral("--"), copy} +
                        args);
        } else {
            p.start(outpostBinary(), args);
        }
        QVERIFY(p.waitForFinished(30000));
        const QByteArray err = p.readAllStandardError();
        if (asNobody) {
            QCOMPARE(p.exitCode(), 77);
            QVERIFY2(err.contains("belongs to another user"), err.constData());
        } else {
            QCOMPARE(p.exitCode(), 73);
            QVERIFY2(err.contains("check that this user may read and write it"), err.constData());
        }
        QVERIFY2(!err.contains("damaged"), err.constData());
        QFile::setPermissions(data.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                               QFileDevice::ExeOwner);
    }

    void readOnlyOutboxFailsFast()
    {
        // An outbox its own user may only read: every command that writes says so and exits
        // 73 at once (flush retried its failed writes for ever, queue said 75, retry 65);
        // list still works.
        QTemporaryDir top;
        QVERIFY(top.isValid());
        const bool asNobody = ::geteuid() == 0; // root writes anyway: run as nobody
        QFile::setPermissions(top.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                              QFileDevice::ExeOwner | QFileDevice::ReadOther |
                                              QFileDevice::ExeOther);
        const QString dir = top.filePath(QStringLiteral("outbox"));
        QString bin = outpostBinary();
        if (asNobody) {
            bin = top.filePath(QStringLiteral("outpost"));
            QVERIFY(QFile::copy(outpostBinary(), bin));
            QVERIFY(QFile::setPermissions(bin, QFileDevice::ReadOwner | QFileDevice::ExeOwner |
                                                   QFileDevice::ReadOther | QFileDevice::ExeOther));
            QVERIFY(QDir().mkpath(dir));
            QVERIFY(QProcess::execute(QStringLiteral("chown"), {QStringLiteral("nobody"), dir}) ==
                    0);
        }
        const auto run = [&](const QStringList &args) {
            QProcess p;
            p.setProcessEnvironment(cliEnvironment());
            const QStringList all = QStringList{QStringLiteral("--data-dir"), dir} + args;
            if (asNobody)
                p.start(QStringLiteral("runuser"),
                        QStringList{QStringLiteral("-u"), QStringLiteral("nobody"),
                                    QStringLiteral("--"), bin} +
                            all);
            else
                p.start(bin, all);
            p.waitForFinished(20000);
            if (p.state() != QProcess::NotRunning) {
                p.kill();
                p.waitForFinished();
                return RunResult{-1, {}, "did not finish in 20 s"};
            }
            return RunResult{p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
        };
        RunResult r =
            run({QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("x"),
                 QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                 QStringLiteral("1"), QStringLiteral("--security"), QStringLiteral("none"),
                 QStringLiteral("--from"), QStringLiteral("a@example.org")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = run({QStringLiteral("queue"), QStringLiteral("--account"), QStringLiteral("x"),
                 QStringLiteral("--to"), QStringLiteral("b@example.org"),
                 QStringLiteral("--subject"), QStringLiteral("s"), QStringLiteral("--body"),
                 QStringLiteral("b")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        for (const QString &f : QDir(dir).entryList(QDir::Files))
            QVERIFY(QFile::setPermissions(QDir(dir).filePath(f), QFileDevice::ReadOwner));
        const QList<QStringList> writers = {
            {QStringLiteral("queue"), QStringLiteral("--account"), QStringLiteral("x"),
             QStringLiteral("--to"), QStringLiteral("c@example.org"), QStringLiteral("--subject"),
             QStringLiteral("s"), QStringLiteral("--body"), QStringLiteral("b")},
            {QStringLiteral("retry"), QStringLiteral("1")},
            {QStringLiteral("cancel"), QStringLiteral("1")},
            {QStringLiteral("flush")}};
        for (const QStringList &args : writers) {
            r = run(args);
            const QByteArray what = args.join(u' ').toUtf8() + ": " + r.err;
            QVERIFY2(r.exitCode == 73, what.constData());
            QVERIFY2(r.err.contains("cannot be written"), what.constData());
        }
        r = run({QStringLiteral("list")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("queued"));
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

    void bidiControlsNeverReachTheTerminal()
    {
        // U+202E (right-to-left override) in a subject would print "gnp.exe" as "exe.png":
        // the text output shows U+FFFD instead, --json the same value as a \u escape.
        QTemporaryDir data;
        QVERIFY(data.isValid());
        RunResult r = runOutpost(
            data.path(), {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("x"),
                          QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--from"), QStringLiteral("a@example.org")});
        QCOMPARE(r.exitCode, 0);
        r = runOutpost(data.path(),
                       {QStringLiteral("queue"), QStringLiteral("--account"), QStringLiteral("x"),
                        QStringLiteral("--to"), QStringLiteral("b@example.org"),
                        QStringLiteral("--subject"), QStringLiteral("invoice \u202Egnp.exe"),
                        QStringLiteral("--body"), QStringLiteral("b")});
        QCOMPARE(r.exitCode, 0);
        for (const QStringList &args : {QStringList{QStringLiteral("list")},
                                        QStringList{QStringLiteral("show"), QStringLiteral("1")}}) {
            r = runOutpost(data.path(), args);
            QCOMPARE(r.exitCode, 0);
            QVERIFY2(!r.out.contains("\xe2\x80\xae"), r.out.constData());
            QVERIFY2(r.out.contains("invoice \xef\xbf\xbdgnp.exe"), r.out.constData());
        }
        r = runOutpost(data.path(), {QStringLiteral("list"), QStringLiteral("--json")});
        QVERIFY2(!r.out.contains("\xe2\x80\xae"), r.out.constData());
        QVERIFY2(r.out.contains("invoice \\u202egnp.exe"), r.out.constData());
        QCOMPARE(QJsonDocument::fromJson(r.out)
                     .array()
                     .first()
                     .toObject()
                     .value(QLatin1String("subject"))
                     .toString(),
                 QStringLiteral("invoice \u202Egnp.exe"));
    }

    void dataFolderIsTheUsersAlone()
    {
        // A new data folder is 0700 and the outbox 0600; an existing one that others could
        // read is narrowed with a note; one others may write is refused (77), nothing read.
        QTemporaryDir top;
        QVERIFY(top.isValid());
        const QString dir = top.filePath(QStringLiteral("new"));
        RunResult r = runOutpost(dir, {QStringLiteral("config"), QStringLiteral("set"),
                                       QStringLiteral("timeout.quit"), QStringLiteral("1000")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(QFileInfo(dir).permissions() & 0x7077, QFileDevice::Permissions(0x7000));
        QCOMPARE(QFileInfo(dir + QStringLiteral("/outbox.sqlite")).permissions() & 0x7077,
                 QFileDevice::Permissions(0x6000)); // owner read and write: 0600

        const auto perms = [](int octal) {
            QFileDevice::Permissions p;
            if (octal & 0400)
                p |= QFileDevice::ReadOwner;
            if (octal & 0200)
                p |= QFileDevice::WriteOwner;
            if (octal & 0100)
                p |= QFileDevice::ExeOwner;
            if (octal & 0040)
                p |= QFileDevice::ReadGroup;
            if (octal & 0020)
                p |= QFileDevice::WriteGroup;
            if (octal & 0010)
                p |= QFileDevice::ExeGroup;
            if (octal & 0004)
                p |= QFileDevice::ReadOther;
            if (octal & 0002)
                p |= QFileDevice::WriteOther;
            if (octal & 0001)
                p |= QFileDevice::ExeOther;
            return p;
        };
        QVERIFY(QFile::setPermissions(dir, perms(0755)));
        QVERIFY(QFile::setPermissions(dir + QStringLiteral("/outbox.sqlite"), perms(0644)));
        r = runOutpost(dir, {QStringLiteral("list")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains("readable by you only"), r.err.constData());
        QVERIFY2(r.err.contains("(was 0755)") && r.err.contains("(was 0644)"), r.err.constData());
        QCOMPARE(QFileInfo(dir).permissions() & 0x7077, QFileDevice::Permissions(0x7000));

        QVERIFY(QFile::setPermissions(dir, perms(0777)));
        r = runOutpost(dir, {QStringLiteral("list")});
        QCOMPARE(r.exitCode, 77);
        QVERIFY2(r.err.contains("may be changed by other users"), r.err.constData());
        QVERIFY(QFile::setPermissions(dir, perms(0700)));

        // The database as a symbolic link (to another user's file, say) is never followed.
        const QString db = dir + QStringLiteral("/outbox.sqlite");
        QVERIFY(QFile::rename(db, top.filePath(QStringLiteral("elsewhere.sqlite"))));
        QVERIFY(QFile::link(top.filePath(QStringLiteral("elsewhere.sqlite")), db));
        r = runOutpost(dir, {QStringLiteral("list")});
        QCOMPARE(r.exitCode, 77);
        QVERIFY2(r.err.contains("is a symbolic link"), r.err.constData());
    }

    void listTextKeepsOneLinePerMessage()
    {
        // A tab or a line break in a subject would split the tab-separated line of `list`:
        // there it becomes a space; --json keeps the subject as it is.
        QTemporaryDir data;
        QVERIFY(data.isValid());
        RunResult r = runOutpost(
            data.path(), {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("x"),
                          QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--from"), QStringLiteral("a@example.org")});
        QCOMPARE(r.exitCode, 0);
        // The subject as decoded from the message: tab, line feed and CRLF (RFC 2047 Q).
        r = runOutpost(data.path(),
                       {QStringLiteral("queue"), QStringLiteral("--account"), QStringLiteral("x"),
                        QStringLiteral("--eml"), QStringLiteral("-")},
                       "From: a@example.org\r\nTo: b@example.org\r\n"
                       "Subject: =?utf-8?q?one=09two=0Athree=0D=0Afour?=\r\n\r\nhi\r\n");
        QVERIFY2(r.exitCode == 0, r.err.constData());
        // Given with --subject: the tab is kept (a line break there is folded when composed).
        r = runOutpost(data.path(),
                       {QStringLiteral("queue"), QStringLiteral("--account"), QStringLiteral("x"),
                        QStringLiteral("--to"), QStringLiteral("b@example.org"),
                        QStringLiteral("--subject"), QStringLiteral("a\tb"),
                        QStringLiteral("--body"), QStringLiteral("hi")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = runOutpost(data.path(), {QStringLiteral("list")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray("2\tqueued\tb@example.org\ta b\t\n" // newest first
                                   "1\tqueued\tb@example.org\tone two three four\t\n"));
        r = runOutpost(data.path(), {QStringLiteral("list"), QStringLiteral("--json")});
        const QJsonArray arr = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(arr.size(), 2);
        QCOMPARE(arr.at(0).toObject().value(QLatin1String("subject")).toString(),
                 QStringLiteral("a\tb"));
        QCOMPARE(arr.at(1).toObject().value(QLatin1String("subject")).toString(),
                 QStringLiteral("one\ttwo\nthree\r\nfour"));
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
            // The schema stays readable: page 1 and, when the schema outgrew it, the leaf
            // pages of its b-tree (page 1 is then an interior table page, type 5).
            QSet<qsizetype> schemaPages{1};
            const auto *base = reinterpret_cast<const uchar *>(bytes.constData());
            auto be32 = [](const uchar *b) {
                return qsizetype(b[0]) << 24 | qsizetype(b[1]) << 16 | qsizetype(b[2]) << 8 | b[3];
            };
            if (base[100] == 0x05) {
                schemaPages.insert(be32(base + 108));
                const int cells = base[103] << 8 | base[104];
                for (int c = 0; c < cells; ++c)
                    schemaPages.insert(be32(base + (base[112 + 2 * c] << 8 | base[113 + 2 * c])));
            }
            for (qsizetype i = 4096; i < bytes.size(); i += 4096) {
                if (!schemaPages.contains(i / 4096 + 1))
                    memset(bytes.data() + i, 0x5A, 64);
            }
            QVERIFY(f.seek(0));
            QCOMPARE(f.write(bytes), bytes.size());
        }
        const QList<QStringList> commands = {
            {QStringLiteral("list"), QStringLiteral("--json")},
            {QStringLiteral("list")},
            {QStringLiteral("show"), QStringLiteral("1")},
            {QStringLiteral("show"), QStringLiteral("--json"), QStringLiteral("2")},
            {QStringLiteral("hold"), QStringLiteral("1")},
            {QStringLiteral("flush")},
            {QStringLiteral("sendmail"), QStringLiteral("b@example.org")},
        };
        for (const QStringList &args : commands) {
            r = runOutpost(data.path(), args,
                           args.first() == QLatin1String("sendmail")
                               ? QByteArray("Subject: s\n\nhi\n")
                               : QByteArray());
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
