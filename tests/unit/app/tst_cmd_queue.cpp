// The commands that queue messages, in process (Queue, Sendmail): the id printed, what is
// stored, and the Result of each refusal, decided from the core's kind of failure.
#include "CommandTest.h"
#include "HtmlText.h"
#include "MessageInspector.h"

#include "accounts/AccountStore.h"

#include <QTemporaryFile>

using namespace outpost;
using namespace outpost::cli;
using namespace outpost::test;

namespace {
const QByteArray kMessage =
    "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: as written\r\n\r\nhi\r\n";
}

class TestQueueCommands : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<CommandFixture> f;

private slots:
    void init()
    {
        f = std::make_unique<CommandFixture>();
        QVERIFY(f->dir.isValid());
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
    }

    void queuePrintsTheNewId()
    {
        CommandRun r = f->run<Queue>({QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                                      QStringLiteral("--subject"), QStringLiteral("hello")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("1\n"));
        r = f->run<Queue>({QStringLiteral("--eml"), QStringLiteral("-")}, kMessage);
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("2\n"));
        const auto service = f->open();
        QCOMPARE(service->outbox()->summary(2)->subject, QStringLiteral("as written"));
        QCOMPARE(service->outbox()->summary(1)->account, QStringLiteral("work"));
    }

    void queueRefusals_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<Result>("result");
        QTest::addColumn<QString>("words");
        const QStringList to{QStringLiteral("--to"), QStringLiteral("bob@example.net")};
        QTest::newRow("not a message")
            << QStringList{QStringLiteral("--eml"), QStringLiteral("-")}
            << QByteArray("just some text\n") << Result::NotAMessage
            << QStringLiteral("not a message: header line 1 is not a field");
        QTest::newRow("a message without recipients")
            << QStringList{QStringLiteral("--eml"), QStringLiteral("-")}
            << QByteArray("From: alice@example.org\r\n\r\nhi\r\n") << Result::BadInput
            << QStringLiteral("no recipients");
        QTest::newRow("unreadable body file")
            << (to + QStringList{QStringLiteral("--body-file"), QStringLiteral("/nonexistent/b")})
            << QByteArray() << Result::BadInput << QStringLiteral("cannot read /nonexistent/b");
        QTest::newRow("bad address")
            << QStringList{QStringLiteral("--to"), QStringLiteral("bob@")} << QByteArray()
            << Result::BadInput << QStringLiteral("--to: ");
        QTest::newRow("no recipients")
            << QStringList{QStringLiteral("--subject"), QStringLiteral("s")} << QByteArray()
            << Result::Usage << QStringLiteral("no recipients: give --to, --cc or --bcc");
        QTest::newRow("no such account")
            << (to + QStringList{QStringLiteral("--account"), QStringLiteral("nosuch")})
            << QByteArray() << Result::NoSuchAccount
            << QStringLiteral("no account named \"nosuch\"");
        QTest::newRow("eml with --subject")
            << QStringList{QStringLiteral("--eml"), QStringLiteral("-"),
                           QStringLiteral("--subject"), QStringLiteral("x")}
            << kMessage << Result::Usage << QStringLiteral("so --subject cannot be combined");
        QTest::newRow("bad notify")
            << (to + QStringList{QStringLiteral("--notify"), QStringLiteral("bounce")})
            << QByteArray() << Result::Usage
            << QStringLiteral("--notify: unknown notification \"bounce\"");
        QTest::newRow("bad send-at")
            << (to + QStringList{QStringLiteral("--send-at"), QStringLiteral("tomorrow")})
            << QByteArray() << Result::Usage << QStringLiteral("--send-at needs an ISO-8601 time");
        QTest::newRow("stray word")
            << (to + QStringList{QStringLiteral("hello")}) << QByteArray() << Result::Usage
            << QStringLiteral("queue takes no argument \"hello\"");
    }
    void queueRefusals()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, input);
        QFETCH(Result, result);
        QFETCH(QString, words);
        const CommandRun r = f->run<Queue>(args, input);
        QVERIFY2(r.is(result), r.why());
        QVERIFY2(QString::fromUtf8(r.err).contains(words), r.why());
        QCOMPARE(r.out, QByteArray());
        int count = 0;
        f->open()->outbox()->forEachSummary({}, [&](const MessageSummary &) {
            ++count;
            return true;
        });
        QCOMPARE(count, 0);
    }

    // A send time in the past means now, and says so; more than a year ahead needs --yes;
    // the text list shows when a scheduled message goes.
    void sendAtInThePastOrFarAhead()
    {
        CommandRun r =
            f->run<Queue>({QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                           QStringLiteral("--send-at"), QStringLiteral("2020-01-01T00:00:00Z")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.err, QByteArray("outpost: --send-at 2020-01-01T00:00:00Z is in the past: the "
                                   "message goes at the next chance\n"));
        const qint64 past = r.out.trimmed().toLongLong();
        r = f->run<Queue>({QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                           QStringLiteral("--send-at"), QStringLiteral("9999-12-31T00:00:00Z")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QVERIFY2(r.err.contains("is more than a year ahead; add --yes if you mean it"),
                 r.err.constData());
        const QDateTime later = QDateTime::currentDateTimeUtc().addDays(2);
        r = f->run<Queue>({QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                           QStringLiteral("--subject"), QStringLiteral("later"),
                           QStringLiteral("--send-at"), later.toString(Qt::ISODate)});
        QVERIFY2(r.is(Result::Ok), r.why());
        r = f->run<Queue>({QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                           QStringLiteral("--send-at"), QStringLiteral("9999-12-31T00:00:00Z"),
                           QStringLiteral("--yes")});
        QVERIFY2(r.is(Result::Ok), r.why());
        {
            const auto service = f->open();
            QVERIFY(!service->outbox()->summary(past)->sendAt.isValid());
        }
        r = f->run<List>({});
        QVERIFY2(r.is(Result::Ok), r.why());
        const QByteArray expected =
            "2\tqueued\tbob@example.net\tlater\tscheduled for " +
            later.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")).toUtf8() + "\n";
        QVERIFY2(r.out.contains(expected), r.out.constData());
    }

    void queueWarnsAboveTheServersLastSize()
    {
        const QString body(3000, QLatin1Char('x'));
        const QStringList args = {QStringLiteral("--to"),      QStringLiteral("bob@example.net"),
                                  QStringLiteral("--subject"), QStringLiteral("big"),
                                  QStringLiteral("--body"),    body};
        // Never connected: no SIZE known, nothing to say.
        CommandRun r = f->run<Queue>(args);
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.err, QByteArray());
        f->open()->accounts()->setLastCapabilities(
            QStringLiteral("work"), {QStringLiteral("PIPELINING"), QStringLiteral("SIZE 2000")});
        r = f->run<Queue>(args);
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("2\n"));
        QVERIFY2(r.err.startsWith("outpost: warning: the message is "), r.err.constData());
        QVERIFY2(r.err.contains("larger than the 2.0 kB the server of account \"work\" accepts "
                                "(SIZE 2000 at its last connection): it will be refused when "
                                "sent (queued as message 2; --strict refuses such a message)\n"),
                 r.err.constData());
        QCOMPARE(f->open()->outbox()->summary(2)->state, MessageState::Queued);

        r = f->run<Queue>(args + QStringList{QStringLiteral("--strict")});
        QVERIFY2(r.is(Result::TooLarge), r.why());
        QCOMPARE(resultName(*r.result), QStringLiteral("too-large"));
        QCOMPARE(exitCode(*r.result), 65);
        QCOMPARE(r.out, QByteArray());
        QVERIFY2(r.err.endsWith("; not queued\n"), r.err.constData());
        r = f->run<Queue>(
            {QStringLiteral("--eml"), QStringLiteral("-"), QStringLiteral("--strict")},
            kMessage + QByteArray(3000, 'y') + "\r\n");
        QVERIFY2(r.is(Result::TooLarge), r.why());
        QCOMPARE(f->open()->outbox()->count(), 2); // nothing refused was stored

        // Small enough: --strict queues it without a word.
        r = f->run<Queue>({QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                           QStringLiteral("--body"), QStringLiteral("small"),
                           QStringLiteral("--strict")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.err, QByteArray());
    }

    void htmlAloneGetsAPlainTextPart()
    {
        QTemporaryFile html;
        QVERIFY(html.open());
        html.write("<!DOCTYPE html><html><head><title>Newsletter</title>"
                   "<style>p { color: red }</style></head><body>"
                   "<h1>Hello&nbsp;Bob</h1>"
                   "<p>See <a href=\"https://example.org/report\">the report</a> and "
                   "<a href=\"https://example.org/\">https://example.org/</a>.<br>Second line"
                   "<ul><li>one<li>two</ul>"
                   "<ol><li>first</li><li>second</li></ol>"
                   "<img src=\"logo.png\" alt=\"logo\">"
                   "<p>Caf&eacute; &amp; more</p></body></html>");
        html.close();
        CommandRun r = f->run<Queue>({QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                                      QStringLiteral("--subject"), QStringLiteral("news"),
                                      QStringLiteral("--html-file"), html.fileName()});
        QVERIFY2(r.is(Result::Ok), r.why());
        const QByteArray data = f->open()->outbox()->messageData(r.out.trimmed().toLongLong());
        testsupport::MessageInspector m(data);
        if (!canDeriveTextFromHtml()) {
            // Without QtGui (the UI not built): the HTML alone, never an empty text part.
            QVERIFY2(m.headerDecoded("Content-Type")->startsWith(QStringLiteral("text/html")),
                     data.constData());
            QVERIFY(!data.contains("text/plain"));
            return;
        }
        QVERIFY2(
            m.headerDecoded("Content-Type")->startsWith(QStringLiteral("multipart/alternative")),
            data.constData());
        QVERIFY(data.contains("Content-Type: text/html"));
        QCOMPARE(m.decodedBody()->replace(QLatin1String("\r\n"), QLatin1String("\n")),
                 QStringLiteral("Hello Bob\n"
                                "See the report <https://example.org/report> and "
                                "https://example.org/.\n"
                                "Second line\n"
                                "* one\n"
                                "* two\n"
                                "1. first\n"
                                "2. second\n"
                                "Caf\u00e9 & more\n"));

        // A text part given with it stays as given.
        r = f->run<Queue>({QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                           QStringLiteral("--body"), QStringLiteral("mine"),
                           QStringLiteral("--html-file"), html.fileName()});
        QVERIFY2(r.is(Result::Ok), r.why());
        testsupport::MessageInspector given(
            f->open()->outbox()->messageData(r.out.trimmed().toLongLong()));
        QCOMPARE(*given.decodedBody(), QStringLiteral("mine\r\n"));
    }

    void queueWithoutAnyAccount()
    {
        QVERIFY(f->run<AccountRemove>({QStringLiteral("work")}).is(Result::Ok));
        const CommandRun r =
            f->run<Queue>({QStringLiteral("--to"), QStringLiteral("bob@example.net")});
        QVERIFY2(r.is(Result::NoSuchAccount), r.why());
        QCOMPARE(r.err, QByteArray("outpost: no account: add one with `outpost account add`\n"));
    }

    void sendmailQueuesFromStandardInput()
    {
        CommandRun r = f->run<Sendmail>({QStringLiteral("-oi"), QStringLiteral("-f"),
                                         QStringLiteral("alice@example.org"),
                                         QStringLiteral("carol@example.net")},
                                        "Subject: no From field\n\nhi\n");
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray());
        const auto s = f->open()->outbox()->summary(1);
        QVERIFY(s);
        QCOMPARE(s->toText, QStringLiteral("carol@example.net"));
        QCOMPARE(s->subject, QStringLiteral("no From field"));
    }

    void sendmailRefusals_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<Result>("result");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("words");
        QTest::newRow("not a message")
            << QStringList{QStringLiteral("bob@example.net")} << QByteArray("just some text\n")
            << Result::NotAMessage << 65
            << QStringLiteral("sendmail: not a message: header line 2 is not a field");
        // No recipients in the header with -t: sendmail's 75, as other sendmails say.
        QTest::newRow("-t without recipients")
            << QStringList{QStringLiteral("-t")} << QByteArray("Subject: s\n\nhi\n")
            << Result::TryLater << 75 << QStringLiteral("sendmail: no recipients");
        QTest::newRow("unknown option")
            << QStringList{QStringLiteral("-x")} << kMessage << Result::Usage << 64
            << QStringLiteral("sendmail: unknown option -x");
        QTest::newRow("no recipients")
            << QStringList{} << kMessage << Result::Usage << 64
            << QStringLiteral("sendmail: no recipients (give them as arguments or use -t)");
        QTest::newRow("-R all") << QStringList{QStringLiteral("-R"), QStringLiteral("all"),
                                               QStringLiteral("bob@example.net")}
                                << kMessage << Result::Usage << 64
                                << QStringLiteral("sendmail: -R is full or hdrs, not \"all\"");
    }
    void sendmailRefusals()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, input);
        QFETCH(Result, result);
        QFETCH(int, exitCode);
        QFETCH(QString, words);
        const CommandRun r = f->run<Sendmail>(args, input);
        QVERIFY2(r.is(result), r.why());
        QCOMPARE(cli::exitCode(*r.result), exitCode);
        QVERIFY2(QString::fromUtf8(r.err).contains(words), r.why());
    }

    void sendmailWithoutAnAccount()
    {
        QVERIFY(f->run<AccountRemove>({QStringLiteral("work")}).is(Result::Ok));
        const CommandRun r = f->run<Sendmail>({QStringLiteral("bob@example.net")}, kMessage);
        QVERIFY2(r.is(Result::NoSuchAccount), r.why());
        QCOMPARE(r.err,
                 QByteArray("outpost: sendmail: no account: add one with `outpost account add`\n"));
    }
};

QTEST_GUILESS_MAIN(TestQueueCommands)
#include "tst_cmd_queue.moc"
