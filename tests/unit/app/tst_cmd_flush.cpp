// The flush command in process: what it reports and its Result when nothing is due, when the
// server cannot be reached (deferred), when a message's account was removed (failed), and when
// another Outpost holds the outbox (the request is handed to it); its progress line when
// standard error is a terminal (and nothing extra when it is not), and its --json summary.
#include "CommandTest.h"
#include "MiniSmtpServer.h"

#include "accounts/AccountStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>

using namespace outpost;
using namespace outpost::cli;
using namespace outpost::test;

namespace {
/// A port on 127.0.0.1 that nothing listens on.
quint16 closedPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost))
        return 9;
    return probe.serverPort(); // closed again when probe goes
}

/// The recipients the test server answers: accepted, "try later" and "no such user".
const QByteArray kLater = "later@example.net";
const QByteArray kNobody = "nobody@example.net";
const QByteArray kBob = "bob@example.net";

/// `s` as a QString (the tests are built without implicit casts from char strings).
QString S(const char *s)
{
    return QString::fromUtf8(s);
}

/// The keys of a JSON object, as QJsonObject::keys() gives them (sorted).
QStringList keys(std::initializer_list<const char *> names)
{
    QStringList out;
    for (const char *n : names)
        out << S(n);
    out.sort();
    return out;
}

/// What a status line is redrawn with: carriage return, the line, clear to the end of it.
const QByteArray kClear = "\x1b[K";

/// What was written to standard error with the status lines taken out: the progress lines
/// (in order) into *lines, and *cleared true when no status line is left shown at the end.
/// A status line is "\r", the line, "\x1b[K"; it is erased with "\r\x1b[K" before any other
/// output, so what remains must be the same as without a terminal.
QByteArray withoutStatus(const QByteArray &err, QStringList *lines, bool *cleared)
{
    const QList<QByteArray> parts = err.split('\r');
    QByteArray rest = parts.value(0);
    *cleared = true;
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QByteArray &p = parts[i];
        if (p.startsWith(kClear)) { // erased, then perhaps a message
            *cleared = true;
            rest += p.mid(kClear.size());
        } else if (p.endsWith(kClear)) {
            *cleared = false;
            *lines << QString::fromUtf8(p.chopped(kClear.size()));
        } else {
            *cleared = false;
            rest += "<not a status line: " + p + ">";
        }
    }
    return rest;
}

/// What the server's refusal of the message to kNobody makes the flush say on standard
/// error, terminal or not.
QByteArray refusedNotice(qint64 id)
{
    return "outpost: message " + QByteArray::number(id) +
           " failed: The server refused the message. Server said: \"550 5.1.1 No such user\".\n";
}
} // namespace

class TestFlushCommand : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<CommandFixture> f;
    std::unique_ptr<testsupport::MiniSmtpServer> server;

    /// Queues a message to `to` (one recipient) for the default account; its id.
    qint64 queueTo(const QByteArray &to)
    {
        const CommandRun r = f->run<Queue>({QStringLiteral("--to"), QString::fromLatin1(to),
                                            QStringLiteral("--subject"),
                                            QStringLiteral("to ") + QString::fromLatin1(to),
                                            QStringLiteral("--body"), QStringLiteral("hello")});
        return r.result == Result::Ok ? r.out.trimmed().toLongLong() : 0;
    }
    /// Queues one message to every address of `to` for the default account; its id.
    qint64 queueToAll(const QList<QByteArray> &to)
    {
        QStringList args = {QStringLiteral("--subject"), QStringLiteral("to several"),
                            QStringLiteral("--body"), QStringLiteral("hello")};
        for (const QByteArray &a : to)
            args << QStringLiteral("--to") << QString::fromLatin1(a);
        const CommandRun r = f->run<Queue>(args);
        return r.result == Result::Ok ? r.out.trimmed().toLongLong() : 0;
    }
    /// An account on the test server; false when it could not start.
    bool startServer()
    {
        server = std::make_unique<testsupport::MiniSmtpServer>();
        server->rcptReplies.insert(kLater, "451 4.3.0 Try again later");
        server->rcptReplies.insert(kNobody, "550 5.1.1 No such user");
        QString error;
        if (!server->start(&error)) {
            qWarning("%s", qPrintable(error));
            return false;
        }
        return f->addAccount(QStringLiteral("work"), server->port()).is(Result::Ok);
    }
    /// An account on the test server and three messages, oldest first: one the server defers
    /// (451 to its recipient), one it refuses (550), one it takes. Their ids in that order.
    QList<qint64> threeOutcomes()
    {
        server = std::make_unique<testsupport::MiniSmtpServer>();
        server->rcptReplies.insert(kLater, "451 4.3.0 Try again later");
        server->rcptReplies.insert(kNobody, "550 5.1.1 No such user");
        QString error;
        if (!server->start(&error)) {
            qWarning("%s", qPrintable(error));
            return {};
        }
        if (!f->addAccount(QStringLiteral("work"), server->port()).is(Result::Ok))
            return {};
        return {queueTo(kLater), queueTo(kNobody), queueTo(kBob)};
    }

private slots:
    void init()
    {
        f = std::make_unique<CommandFixture>();
        QVERIFY(f->dir.isValid());
    }

    void cleanup() { server.reset(); }

    void nothingToSend()
    {
        const CommandRun r = f->run<Flush>({});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("0 sent, 0 deferred, 0 failed\n"));
    }

    void unreachableServerDefers()
    {
        QVERIFY(f->addAccount(QStringLiteral("work"), closedPort()).is(Result::Ok));
        const qint64 id = f->queue(QStringLiteral("waiting"));
        QVERIFY(id > 0);
        const CommandRun r = f->run<Flush>({QStringLiteral("--timeout"), QStringLiteral("60")});
        QVERIFY2(r.is(Result::Deferred), r.why());
        QCOMPARE(exitCode(*r.result), 75);
        QCOMPARE(r.out, QByteArray("0 sent, 1 deferred, 0 failed\n"));
        QCOMPARE(f->open()->outbox()->summary(id)->state, MessageState::Queued);
    }

    void messagesOfARemovedAccountFail()
    {
        QVERIFY(f->addAccount(QStringLiteral("gone")).is(Result::Ok));
        const qint64 id = f->queue(QStringLiteral("orphan"));
        {
            // As an older Outpost left it: the account gone, its message still queued.
            QString error;
            QVERIFY(f->open()->accounts()->remove(QStringLiteral("gone"), &error));
        }
        const CommandRun r = f->run<Flush>({});
        QVERIFY2(r.is(Result::SomeFailed), r.why());
        QCOMPARE(exitCode(*r.result), 65);
        QCOMPARE(r.out, QByteArray("0 sent, 0 deferred, 1 failed\n"));
        QCOMPARE(f->open()->outbox()->summary(id)->state, MessageState::Failed);
    }

    void handedToTheRunningOutpost()
    {
        // Another Outpost (here: a sending Service in this process) holds the outbox.
        ServiceOptions o;
        o.dataDir = f->dataDir();
        o.credentials = &f->credentials;
        Service running(o);
        QString error;
        QVERIFY2(running.open(&error), qPrintable(error));
        const CommandRun r = f->run<Flush>({});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("handed to the running Outpost: 0 sent in all, 0 queued, 0 "
                                   "held\n"));
        QCOMPARE(r.err, QByteArray()); // not a terminal: not even the "handed over" line
    }

    void notATerminalPrintsJustTheSummary()
    {
        // The output scripts and logs have always had, byte for byte: no progress line, not
        // even a cleared one, when standard error is not a terminal.
        const QList<qint64> ids = threeOutcomes();
        QCOMPARE(ids.size(), 3);
        const CommandRun r = f->run<Flush>({});
        QVERIFY2(r.is(Result::Deferred), r.why());
        QCOMPARE(r.out, QByteArray("1 sent, 1 deferred, 1 failed\n"));
        QCOMPARE(r.err, refusedNotice(ids[1]));
        QCOMPARE(server->accepted, 1);
    }

    void progressLineOnATerminal()
    {
        const QList<qint64> ids = threeOutcomes();
        QCOMPARE(ids.size(), 3);
        // The server holds its answer to the one message it takes until the test has seen the
        // other two counted.
        server->holdData = true;
        BufferConsole console;
        console.errTerminal = true;
        Flush flush(Context{f->dataDir(), &console, &f->credentials});
        QSignalSpy finished(&flush, &Command::finished);
        flush.run({});
        const QByteArray first = "\rSending: 0 of 3 \u2014 0 sent, 0 deferred, 0 failed" + kClear;
        QVERIFY2(console.errors.startsWith(first), console.errors.constData());
        QTRY_VERIFY_WITH_TIMEOUT(
            console.errors.contains("\rSending: 2 of 3 \u2014 0 sent, 1 deferred, 1 failed"),
            30000);
        QCOMPARE(finished.count(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(server->heldData(), 1, 30000);
        server->releaseData();
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().first().value<Result>(), Result::Deferred);
        // Take the progress lines out of standard error and what is left is what a flush
        // without a terminal writes; the last line was erased before the summary, which is
        // the same too.
        QStringList lines;
        bool cleared = false;
        QCOMPARE(withoutStatus(console.errors, &lines, &cleared), refusedNotice(ids[1]));
        QVERIFY2(cleared, console.errors.constData());
        static const QRegularExpression line(
            QStringLiteral("^Sending: [0-3] of 3 \u2014 [0-3] sent, [0-3] deferred, [0-3] failed"
                           "( \u2014 [0-9.]+ msg/s)?$"));
        for (const QString &l : std::as_const(lines))
            QVERIFY2(line.match(l).hasMatch(), qPrintable(l));
        QVERIFY(lines.size() >= 2);
        QCOMPARE(console.output, QByteArray("1 sent, 1 deferred, 1 failed\n"));
    }

    void progressLineFitsTheTerminal()
    {
        const QList<qint64> ids = threeOutcomes();
        QCOMPARE(ids.size(), 3);
        BufferConsole console;
        console.errTerminal = true;
        console.width = 20; // a line that wraps could not be redrawn in place
        Flush flush(Context{f->dataDir(), &console, &f->credentials});
        const CommandRun r = CommandFixture::finish(&flush, &console, {});
        QVERIFY2(r.is(Result::Deferred), r.why());
        QVERIFY2(r.err.startsWith("\rSending: 0 of 3 \u2014 0" + kClear), r.err.constData());
        QCOMPARE(r.out, QByteArray("1 sent, 1 deferred, 1 failed\n"));
    }

    void verboseHasNoProgressLine()
    {
        // The protocol log goes to standard error line by line: a line redrawn in place there
        // would cut into it.
        const QList<qint64> ids = threeOutcomes();
        QCOMPARE(ids.size(), 3);
        BufferConsole console;
        console.errTerminal = true;
        Flush flush(Context{f->dataDir(), &console, &f->credentials});
        const CommandRun r =
            CommandFixture::finish(&flush, &console, {QStringLiteral("--verbose")});
        QVERIFY2(r.is(Result::Deferred), r.why());
        QVERIFY2(r.err.contains("RCPT TO:<later@example.net>"), r.err.constData());
        QVERIFY2(!r.err.contains("Sending:") && !r.err.contains('\r') && !r.err.contains('\x1b'),
                 r.err.constData());
        QCOMPARE(r.out, QByteArray("1 sent, 1 deferred, 1 failed\n"));
    }

    void jsonSummary()
    {
        const QList<qint64> ids = threeOutcomes();
        QCOMPARE(ids.size(), 3);
        const CommandRun r = f->run<Flush>({QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Deferred), r.why());
        QCOMPARE(r.err, refusedNotice(ids[1])); // errors still go to standard error
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(r.out, &error);
        QVERIFY2(error.error == QJsonParseError::NoError && doc.isObject(), r.out.constData());
        const QJsonObject o = doc.object();
        QCOMPARE(o.keys(), keys({"deferred", "exit_code", "failed", "handed_over", "held",
                                 "held_by_account", "messages", "outbox", "partial", "result",
                                 "seconds", "sent", "stopped_early", "total"}));
        QCOMPARE(o.value(S("handed_over")), QJsonValue(false));
        QCOMPARE(o.value(S("total")), QJsonValue(3));
        QCOMPARE(o.value(S("sent")), QJsonValue(1));
        QCOMPARE(o.value(S("partial")), QJsonValue(0));
        QCOMPARE(o.value(S("deferred")), QJsonValue(1));
        QCOMPARE(o.value(S("failed")), QJsonValue(1));
        QCOMPARE(o.value(S("held")), QJsonValue(0));
        QCOMPARE(o.value(S("held_by_account")), QJsonValue(QJsonObject()));
        QCOMPARE(o.value(S("stopped_early")), QJsonValue(false));
        QCOMPARE(o.value(S("result")), QJsonValue(S("deferred")));
        QCOMPARE(o.value(S("exit_code")), QJsonValue(75));
        QVERIFY(o.value(S("seconds")).isDouble() && o.value(S("seconds")).toDouble() >= 0);
        QCOMPARE(o.value(S("outbox")).toObject(),
                 (QJsonObject{{S("sent"), 1}, {S("queued"), 1}, {S("held"), 0}, {S("failed"), 1}}));
        const QJsonArray messages = o.value(S("messages")).toArray();
        QCOMPARE(messages.size(), 3);
        const QStringList states = {S("queued"), S("failed"), S("sent")};
        const QStringList classes = {S("transient"), S("permanent"), QString()};
        const QList<int> codes = {451, 550, 250};
        for (qsizetype i = 0; i < 3; ++i) {
            const QJsonObject m = messages[i].toObject();
            QCOMPARE(m.keys(), keys({"account", "class", "delivery", "id", "last_error",
                                     "last_reply", "refused", "refused_recipients", "state"}));
            QCOMPARE(m.value(S("id")).toInteger(), ids[i]);
            QCOMPARE(m.value(S("account")), QJsonValue(S("work")));
            QCOMPARE(m.value(S("state")).toString(), states[i]);
            QCOMPARE(m.value(S("class")).toString(), classes[i]);
            QCOMPARE(m.value(S("last_reply")).toObject().value(S("code")).toInt(), codes[i]);
        }
        QCOMPARE(messages[2].toObject().value(S("class")), QJsonValue(QJsonValue::Null));
        QCOMPARE(messages[2].toObject().value(S("last_error")), QJsonValue(QJsonValue::Null));
        QCOMPARE(messages[2].toObject().value(S("delivery")), QJsonValue(S("complete")));
        QCOMPARE(messages[2].toObject().value(S("refused")), QJsonValue(QJsonValue::Null));
        QCOMPARE(messages[1].toObject().value(S("delivery")), QJsonValue(QJsonValue::Null));
    }

    void partialDeliveryIsReported()
    {
        // One recipient refused for good, one accepted: the message is sent, but the summary
        // says to whom not, the exit is 65, and the notice on standard error says so too.
        QVERIFY(startServer());
        const qint64 id = queueToAll({kNobody, kBob});
        QVERIFY(id > 0);
        const CommandRun r = f->run<Flush>({});
        QVERIFY2(r.is(Result::SomeRecipientsRefused), r.why());
        QCOMPARE(exitCode(*r.result), 65);
        const QByteArray line = "message " + QByteArray::number(id) +
                                " sent to 1 of 2 recipients: nobody@example.net refused: 550 "
                                "5.1.1 No such user";
        QCOMPARE(r.out, "1 sent, 0 deferred, 0 failed\n" + line + "\n");
        QCOMPARE(r.err, "outpost: " + line + "\n");
        QCOMPARE(server->accepted, 1);
        // list and show --json carry it: still `sent` (the server took it), delivery partial,
        // the refusal as last_reply.
        const CommandRun list =
            f->run<List>({QStringLiteral("--json"), QStringLiteral("--state"), S("sent")});
        QVERIFY2(list.is(Result::Ok), list.why());
        const QJsonObject m = QJsonDocument::fromJson(list.out).array().at(0).toObject();
        QCOMPARE(m.value(S("id")).toInteger(), id);
        QCOMPARE(m.value(S("state")), QJsonValue(S("sent")));
        QCOMPARE(m.value(S("delivery")), QJsonValue(S("partial")));
        QCOMPARE(m.value(S("recipient_count")), QJsonValue(2));
        QCOMPARE(m.value(S("refused_recipients")), QJsonValue(1));
        QCOMPARE(m.value(S("class")), QJsonValue(QJsonValue::Null));
        QCOMPARE(m.value(S("last_reply")).toObject(),
                 (QJsonObject{{S("code"), 550},
                              {S("enhanced_code"), S("5.1.1")},
                              {S("text"), S("No such user")}}));
        QCOMPARE(m.value(S("last_error")),
                 QJsonValue(S("1 of 2 recipients refused: nobody@example.net")));
        const CommandRun show = f->run<Show>({QString::number(id), QStringLiteral("--json")});
        QVERIFY2(show.is(Result::Ok), show.why());
        const QJsonObject o = QJsonDocument::fromJson(show.out).object();
        QCOMPARE(o.value(S("delivery")), QJsonValue(S("partial")));
        const QJsonArray rcpts = o.value(S("recipients")).toArray();
        QCOMPARE(rcpts.size(), 2);
        QCOMPARE(rcpts[0].toObject().value(S("state")), QJsonValue(S("failed")));
        QCOMPARE(rcpts[1].toObject().value(S("state")), QJsonValue(S("sent")));
        QCOMPARE(o.value(S("history")).toArray().last().toObject().value(S("event")),
                 QJsonValue(S("sent-some-refused")));
        const CommandRun text = f->run<Show>({QString::number(id)});
        QVERIFY2(text.out.contains("\n  Delivery:   partial, sent to 1 of 2 recipients: "
                                   "nobody@example.net refused: 550 5.1.1 No such user\n"),
                 text.out.constData());
        const CommandRun plain = f->run<List>({});
        QCOMPARE(plain.out, QByteArray::number(id) +
                                "\tsent\tnobody@example.net, bob@example.net\tto several\t"
                                "sent to 1 of 2 recipients; first refusal: 550 5.1.1 No such "
                                "user\n");
    }

    void partialDeliveryInJson()
    {
        QVERIFY(startServer());
        const qint64 id = queueToAll({kBob, kNobody});
        QVERIFY(id > 0);
        const CommandRun r = f->run<Flush>({QStringLiteral("--json")});
        QVERIFY2(r.is(Result::SomeRecipientsRefused), r.why());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o.value(S("sent")), QJsonValue(1));
        QCOMPARE(o.value(S("partial")), QJsonValue(1));
        QCOMPARE(o.value(S("failed")), QJsonValue(0));
        QCOMPARE(o.value(S("result")), QJsonValue(S("some-recipients-refused")));
        QCOMPARE(o.value(S("exit_code")), QJsonValue(65));
        const QJsonObject m = o.value(S("messages")).toArray().at(0).toObject();
        QCOMPARE(m.value(S("id")).toInteger(), id);
        QCOMPARE(m.value(S("state")), QJsonValue(S("sent")));
        QCOMPARE(m.value(S("delivery")), QJsonValue(S("partial")));
        QCOMPARE(m.value(S("refused_recipients")), QJsonValue(1));
        QCOMPARE(
            m.value(S("refused")).toArray(),
            (QJsonArray{QJsonObject{{S("address"), S("nobody@example.net")},
                                    {S("reply"), QJsonObject{{S("code"), 550},
                                                             {S("enhanced_code"), S("5.1.1")},
                                                             {S("text"), S("No such user")}}}}}));
    }

    void deferredRecipientIsRetriedOnItsOwn()
    {
        // One refused, one deferred, one accepted: the first flush defers (75) and tells
        // nothing yet; once the deferred recipient is accepted the message is sent, partial,
        // and that flush says who was refused (65).
        QVERIFY(startServer());
        const qint64 id = queueToAll({kNobody, kLater, kBob});
        QVERIFY(id > 0);
        CommandRun r = f->run<Flush>({});
        QVERIFY2(r.is(Result::Deferred), r.why());
        QCOMPARE(r.out, QByteArray("0 sent, 1 deferred, 0 failed\n"));
        QCOMPARE(r.err, QByteArray());
        QCOMPARE(server->accepted, 1);
        server->rcptReplies.remove(kLater);
        r = f->run<Flush>({});
        QVERIFY2(r.is(Result::SomeRecipientsRefused), r.why());
        QCOMPARE(r.out, "1 sent, 0 deferred, 0 failed\nmessage " + QByteArray::number(id) +
                            " sent to 2 of 3 recipients: nobody@example.net refused: 550 5.1.1 "
                            "No such user\n");
        QCOMPARE(server->accepted, 2);
        // Only the deferred recipient was tried again.
        QCOMPARE(server->commands.count("RCPT TO:<later@example.net>"), 2);
        QCOMPARE(server->commands.count("RCPT TO:<nobody@example.net>"), 1);
        QCOMPARE(server->commands.count("RCPT TO:<bob@example.net>"), 1);
        const auto m = f->open()->outbox()->message(id);
        QCOMPARE(m->delivery(), Delivery::Partial);
        QCOMPARE(m->recipients[1].state, MessageState::Sent);
    }

    void jsonSummaryOfAHandedOverFlush()
    {
        // The running Outpost sends one message and defers the other; it answers with the
        // outbox's totals only, so the counts of this flush are null, not those totals.
        const QList<qint64> ids = threeOutcomes();
        QCOMPARE(ids.size(), 3);
        {
            QString error;
            QVERIFY(f->open()->storage()->writeNow(&OutboxWriter::hold, ids[1],
                                                   &error)); // two messages are enough here
        }
        ServiceOptions o;
        o.dataDir = f->dataDir();
        o.credentials = &f->credentials;
        Service running(o);
        QString error;
        QVERIFY2(running.open(&error), qPrintable(error));
        BufferConsole console;
        console.errTerminal = true;
        Flush flush(Context{f->dataDir(), &console, &f->credentials});
        const CommandRun r = CommandFixture::finish(&flush, &console, {QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Deferred), r.why());
        // One static line while it waits, erased before the end; no progress that is not there.
        QCOMPARE(r.err, "\rHanded over to the running Outpost: waiting for it to finish\u2026" +
                            kClear + "\r" + kClear);
        const QJsonObject s = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(s.keys(), keys({"deferred", "exit_code", "failed", "handed_over", "held",
                                 "held_by_account", "messages", "outbox", "partial", "result",
                                 "seconds", "sent", "stopped_early", "total"}));
        QCOMPARE(s.value(S("handed_over")), QJsonValue(true));
        for (const char *unknown : {"total", "sent", "partial", "deferred", "failed", "held",
                                    "held_by_account", "messages"})
            QVERIFY2(s.value(S(unknown)).isNull(), unknown);
        QCOMPARE(s.value(S("outbox")).toObject(),
                 (QJsonObject{{S("sent"), 1}, {S("queued"), 1}, {S("held"), 1}, {S("failed"), 0}}));
        QCOMPARE(s.value(S("result")), QJsonValue(S("deferred")));
        QCOMPARE(s.value(S("exit_code")), QJsonValue(75));
        QCOMPARE(s.value(S("stopped_early")), QJsonValue(false));
    }

    void usage()
    {
        CommandRun r = f->run<Flush>({QStringLiteral("--timeout"), QStringLiteral("0")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(r.err, QByteArray("outpost: --timeout takes whole seconds from 1 to 2000000, not "
                                   "\"0\"\n"));
        r = f->run<Flush>({QStringLiteral("now")});
        QVERIFY2(r.is(Result::Usage), r.why());
    }
};

QTEST_GUILESS_MAIN(TestFlushCommand)
#include "tst_cmd_flush.moc"
