// The commands on stored messages, in process: List, Show and MessageAction (retry, hold,
// release, cancel). Retry goes through Service::retry, as the window's Retry does: it also
// ends the pause of the message's account.
#include "CommandTest.h"

#include "accounts/AccountStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace outpost;
using namespace outpost::cli;
using namespace outpost::test;
using Action = MessageAction::Action;

class TestMessageCommands : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<CommandFixture> f;

    CommandRun act(Action a, const QStringList &args) { return f->run<MessageAction>(args, {}, a); }

private slots:
    void init()
    {
        f = std::make_unique<CommandFixture>();
        QVERIFY(f->dir.isValid());
        QVERIFY(f->addAccount(QStringLiteral("work")).is(Result::Ok));
    }

    void listPrintsOneLinePerMessage()
    {
        QCOMPARE(f->queue(QStringLiteral("first")), qint64(1));
        QCOMPARE(f->queue(QStringLiteral("tab\there")), qint64(2));
        CommandRun r = f->run<List>({});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("2\tqueued\tbob@example.net\ttab here\t\n"
                                   "1\tqueued\tbob@example.net\tfirst\t\n"));
        r = f->run<List>(
            {QStringLiteral("--json"), QStringLiteral("--state"), QStringLiteral("queued")});
        QVERIFY2(r.is(Result::Ok), r.why());
        const QJsonArray all = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.at(0)[QLatin1String("subject")].toString(), QStringLiteral("tab\there"));
        r = f->run<List>({QStringLiteral("--state"), QStringLiteral("lost")});
        QVERIFY2(r.is(Result::Usage), r.why());
        r = f->run<List>({QStringLiteral("--state"), QStringLiteral("sent")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray());
    }

    void listSearchFindsRecipientsAndSubject()
    {
        // Every word must occur in the visible recipients or the subject, in any case (non-ASCII
        // letters too); the state filter and --json apply as without a search.
        QCOMPARE(f->queue(QStringLiteral("Quarterly report")), qint64(1));
        QCOMPARE(f->queue(QStringLiteral("Lunch"),
                          {QStringLiteral("--cc"), QStringLiteral("Jürgen <jg@example.org>")}),
                 qint64(2));
        QCOMPARE(f->queue(QStringLiteral("REPORT draft")), qint64(3));
        QVERIFY(act(Action::Hold, {QStringLiteral("3")}).is(Result::Ok));
        CommandRun r = f->run<List>({QStringLiteral("--search"), QStringLiteral("report")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("3\theld\tbob@example.net\tREPORT draft\t\n"
                                   "1\tqueued\tbob@example.net\tQuarterly report\t\n"));
        r = f->run<List>({QStringLiteral("--search"), QStringLiteral("report quarterly"),
                          QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QJsonArray found = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(found.size(), 1);
        QCOMPARE(found.at(0)[QLatin1String("id")].toInt(), 1);
        r = f->run<List>({QStringLiteral("--search"), QStringLiteral("JÜRGEN")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.startsWith("2\tqueued\t"), r.out.constData());
        QCOMPARE(r.out.count('\n'), 1);
        r = f->run<List>({QStringLiteral("--search"), QStringLiteral("report"),
                          QStringLiteral("--state"), QStringLiteral("queued"),
                          QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        found = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(found.size(), 1);
        QCOMPARE(found.at(0)[QLatin1String("id")].toInt(), 1);
        r = f->run<List>({QStringLiteral("--search"), QStringLiteral("nothing-like-it")});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray());
    }

    void listJsonSaysHowManyRecipients()
    {
        // Not sent yet: no delivery to speak of; the recipients counted, none refused.
        QCOMPARE(f->queue(QStringLiteral("two"),
                          {QStringLiteral("--cc"), QStringLiteral("carol@example.net")}),
                 qint64(1));
        const CommandRun r = f->run<List>({QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        const QJsonObject m = QJsonDocument::fromJson(r.out).array().at(0).toObject();
        QVERIFY(m.contains(QLatin1String("delivery")));
        QCOMPARE(m[QLatin1String("delivery")], QJsonValue(QJsonValue::Null));
        QCOMPARE(m[QLatin1String("recipient_count")], QJsonValue(2));
        QCOMPARE(m[QLatin1String("refused_recipients")], QJsonValue(0));
    }

    void showPrintsOneMessage()
    {
        const qint64 id = f->queue(QStringLiteral("hello"),
                                   {QStringLiteral("--notify"), QStringLiteral("never")});
        CommandRun r = f->run<Show>({QString::number(id)});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.startsWith("Message 1 (queued)\n  Account:    work\n"), r.out.constData());
        QVERIFY2(r.out.contains("\n  DSN:        notify=never\n"), r.out.constData());
        r = f->run<Show>({QString::number(id), QStringLiteral("--json")});
        QVERIFY2(r.is(Result::Ok), r.why());
        const QJsonObject o = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(o[QLatin1String("recipients")].toArray().size(), 1);
        QCOMPARE(o[QLatin1String("history")].toArray().size(), 1);
        r = f->run<Show>({QStringLiteral("7")});
        QVERIFY2(r.is(Result::NoSuchMessage), r.why());
        QCOMPARE(r.err, QByteArray("outpost: no message with id 7\n"));
        r = f->run<Show>({QStringLiteral("x")});
        QVERIFY2(r.is(Result::Usage), r.why());
    }

    // A message held for its account says which command fixes what holds it.
    void showSaysWhatFreesAHeldMessage_data()
    {
        QTest::addColumn<int>("errorClass");
        QTest::addColumn<QString>("pauseClass");
        QTest::addColumn<QByteArray>("line");
        QTest::newRow("certificate")
            << int(ErrorClass::Certificate) << QStringLiteral("certificate")
            << QByteArray("  To do:      `outpost account test work` shows the server's "
                          "certificate and the exact command that trusts it\n");
        QTest::newRow("sign-in") << int(ErrorClass::SignIn) << QStringLiteral("sign-in")
                                 << QByteArray("  To do:      sign in again: `outpost account "
                                               "login work`\n");
        QTest::newRow("auth") << int(ErrorClass::Auth) << QStringLiteral("auth")
                              << QByteArray("  To do:      give the right password: `outpost "
                                            "account edit work --password-stdin` (or "
                                            "--password-command)\n");
    }
    void showSaysWhatFreesAHeldMessage()
    {
        QFETCH(int, errorClass);
        QFETCH(QString, pauseClass);
        QFETCH(QByteArray, line);
        const qint64 id = f->queue(QStringLiteral("held"));
        {
            const auto service = f->open();
            service->accounts()->setPaused(QStringLiteral("work"), true, pauseClass);
            QCOMPARE(service->storage()->writeNow(&OutboxWriter::holdAccount,
                                                  QStringLiteral("work"), ErrorClass(errorClass),
                                                  SmtpReply{}, QString()),
                     1);
        }
        const CommandRun r = f->run<Show>({QString::number(id)});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.contains(line), r.out.constData());
        // A message the user held needs no such line.
        const qint64 mine = f->queue(QStringLiteral("mine"));
        QVERIFY(act(Action::Hold, {QString::number(mine)}).is(Result::Ok));
        QVERIFY(!f->run<Show>({QString::number(mine)}).out.contains("To do:"));
    }

    void holdReleaseAndCancel()
    {
        const qint64 id = f->queue(QStringLiteral("one"));
        CommandRun r = act(Action::Hold, {QString::number(id)});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("message 1 held: it is not sent until outpost release 1\n"));
        QCOMPARE(f->open()->outbox()->summary(id)->state, MessageState::Held);
        r = act(Action::Hold, {QString::number(id)});
        QVERIFY2(r.is(Result::Ok), r.why()); // held already: nothing to change, no error
        QCOMPARE(r.out, QByteArray("message 1 is held already; nothing changed\n"));
        r = act(Action::Release, {QString::number(id)});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("message 1 released: queued again\n"));
        QCOMPARE(f->open()->outbox()->summary(id)->state, MessageState::Queued);
        r = act(Action::Cancel, {QString::number(id)});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("message 1 cancelled and deleted\n"));
        QVERIFY(!f->open()->outbox()->summary(id));
        r = act(Action::Cancel, {QString::number(id)});
        QVERIFY2(r.is(Result::Refused), r.why());
        r = act(Action::Retry, {QStringLiteral("0")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(
            r.err,
            QByteArray("outpost: usage: outpost retry ID (ID is a number from outpost list)\n"));
    }

    void retryEndsTheAccountsPause()
    {
        // What the dispatcher does when a login is refused: the account paused, its messages
        // held. Retry of one of them resumes the account (Service::retry, as the window does):
        // the pause ends and every message it held is queued again.
        const qint64 a = f->queue(QStringLiteral("a"));
        const qint64 b = f->queue(QStringLiteral("b"));
        {
            const auto service = f->open();
            service->accounts()->setPaused(QStringLiteral("work"), true, QStringLiteral("auth"));
            QCOMPARE(service->storage()->writeNow(&OutboxWriter::holdAccount,
                                                  QStringLiteral("work"), ErrorClass::Auth,
                                                  SmtpReply{535, "5.7.8", {"no"}}, QString()),
                     2);
        }
        const CommandRun r = act(Action::Retry, {QString::number(a)});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray());
        const auto service = f->open();
        QVERIFY(!service->accounts()->isPaused(QStringLiteral("work")));
        QCOMPARE(service->outbox()->summary(a)->state, MessageState::Queued);
        QCOMPARE(service->outbox()->summary(b)->state, MessageState::Queued);
    }

    void retryOfAScheduledMessageSaysSo()
    {
        const qint64 id = f->queue(QStringLiteral("later"), {QStringLiteral("--send-at"),
                                                             QStringLiteral("2099-01-01T09:00:00Z"),
                                                             QStringLiteral("--yes")});
        const CommandRun r = act(Action::Retry, {QString::number(id)});
        QVERIFY2(r.is(Result::Ok), r.why());
        QVERIFY2(r.out.startsWith("message 1 was scheduled for 2099-01-01T"), r.out.constData());
        QVERIFY(r.out.endsWith("; it is sent at the next chance instead (the schedule is "
                               "dropped)\n"));
    }

    void retryOfARemovedAccountsMessage()
    {
        const qint64 id = f->queue(QStringLiteral("orphan"));
        QVERIFY(f->run<AccountRemove>({QStringLiteral("work"), QStringLiteral("--force")})
                    .is(Result::Ok));
        const CommandRun r = act(Action::Retry, {QString::number(id)});
        QVERIFY2(r.is(Result::NoSuchAccount), r.why());
        QVERIFY(r.err.contains("which was removed: add an account of that name first"));
    }
};

QTEST_GUILESS_MAIN(TestMessageCommands)
#include "tst_cmd_messages.moc"
