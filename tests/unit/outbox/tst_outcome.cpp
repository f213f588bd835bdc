// The outcome table (design.md §4) as a pure function: decideOutcome() for every row, one
// data row each, with the time, the settings and the jitter given as values.

#include "outbox/Outcome.h"

#include <QTest>

using namespace outpost;

Q_DECLARE_METATYPE(outpost::ErrorClass)
Q_DECLARE_METATYPE(outpost::MessageState)
Q_DECLARE_METATYPE(outpost::HistoryEvent)
Q_DECLARE_METATYPE(outpost::NextAttempt)

namespace {

constexpr qint64 kNow = 1'700'000'000'000;
constexpr qint64 kMinute = 60'000;
constexpr qint64 kDay = 24 * 3600 * 1000LL;
const QList<QByteArray> kRecipients = {"bob@example.net", "carol@example.net"};

SmtpReply reply(int code)
{
    return SmtpReply{code, QByteArray(), {QByteArray("reply ") + QByteArray::number(code)}};
}

/// How the server answered one recipient (RCPT, then the end of data for the accepted).
struct Rcpt
{
    int code = 250;
    bool accepted = true;
};

} // namespace

Q_DECLARE_METATYPE(QList<Rcpt>)

class TestOutcome : public QObject
{
    Q_OBJECT
private slots:
    void table_data()
    {
        // The transaction result:
        QTest::addColumn<ErrorClass>("cls");
        QTest::addColumn<int>("code");          // the reply that decided it (0: none)
        QTest::addColumn<QList<Rcpt>>("rcpts"); // RCPT replies (empty: never got there)
        QTest::addColumn<bool>("endMarker");    // the end of data went out
        QTest::addColumn<bool>("notAttempted"); // never reached the server
        // The context:
        QTest::addColumn<bool>("shuttingDown");
        QTest::addColumn<int>("attempts"); // attempts before this one
        QTest::addColumn<qint64>("ageMs"); // time since the message was queued
        // The decision:
        QTest::addColumn<MessageState>("state");
        QTest::addColumn<HistoryEvent>("event");
        QTest::addColumn<QList<MessageState>>("recipientStates");
        QTest::addColumn<bool>("counts");
        QTest::addColumn<bool>("uncertain");
        QTest::addColumn<NextAttempt>("next");
        QTest::addColumn<qint64>("delayMs"); // next attempt from now (-1: none)
        QTest::addColumn<bool>("accepted");
        QTest::addColumn<bool>("notice");
        QTest::addColumn<bool>("pause");

        const QList<Rcpt> bothOk = {{250, true}, {250, true}};
        const QList<Rcpt> rcptOkNoData = {{250, false}, {250, false}};
        using MS = MessageState;
        using HE = HistoryEvent;
        using NA = NextAttempt;
        const QList<MS> none;

        QTest::newRow("sent") << ErrorClass::None << 250 << bothOk << true << false << false << 0
                              << kMinute << MS::Sent << HE::Sent << QList<MS>{MS::Sent, MS::Sent}
                              << true << false << NA::None << qint64(-1) << true << false << false;
        // Sent, but partial: a notice (partialDelivery below checks the rest).
        QTest::newRow("some recipients refused (5xx)")
            << ErrorClass::None << 250 << QList<Rcpt>{{250, true}, {550, false}} << true << false
            << false << 0 << kMinute << MS::Sent << HE::SentSomeRefused
            << QList<MS>{MS::Sent, MS::Failed} << true << false << NA::None << qint64(-1) << true
            << true << false;
        QTest::newRow("some deferred (4xx): retry those only")
            << ErrorClass::None << 250 << QList<Rcpt>{{250, true}, {451, false}} << true << false
            << false << 2 << kMinute << MS::Queued << HE::PartlyDeferred
            << QList<MS>{MS::Sent, MS::Queued} << true << false << NA::Backoff << 4 * kMinute
            << true << false << false;
        QTest::newRow("all refused (5xx RCPT)")
            << ErrorClass::Permanent << 550 << QList<Rcpt>{{550, false}, {550, false}} << false
            << false << false << 0 << kMinute << MS::Failed << HE::Failed
            << QList<MS>{MS::Failed, MS::Failed} << true << false << NA::None << qint64(-1) << false
            << true << false;
        QTest::newRow("5xx before RCPT: every recipient failed")
            << ErrorClass::Permanent << 554 << QList<Rcpt>{} << false << false << false << 0
            << kMinute << MS::Failed << HE::Failed << QList<MS>{MS::Failed, MS::Failed} << true
            << false << NA::None << qint64(-1) << false << true << false;
        QTest::newRow("transient (4xx)")
            << ErrorClass::Transient << 451 << rcptOkNoData << false << false << false << 0
            << kMinute << MS::Queued << HE::Deferred << QList<MS>{MS::Queued, MS::Queued} << true
            << false << NA::Backoff << kMinute << false << false << false;
        QTest::newRow("transient, backoff capped")
            << ErrorClass::Transient << 421 << QList<Rcpt>{} << false << false << false << 30
            << kMinute << MS::Queued << HE::Deferred << none << true << false << NA::Backoff
            << 60 * kMinute << false << false << false;
        QTest::newRow("network before the end marker")
            << ErrorClass::Network << 0 << rcptOkNoData << false << false << false << 1 << kMinute
            << MS::Queued << HE::Deferred << QList<MS>{MS::Queued, MS::Queued} << true << false
            << NA::Backoff << 2 * kMinute << false << false << false;
        QTest::newRow("timeout before the end marker")
            << ErrorClass::Timeout << 0 << QList<Rcpt>{} << false << false << false << 0 << kMinute
            << MS::Queued << HE::Deferred << none << true << false << NA::Backoff << kMinute
            << false << false << false;
        QTest::newRow("protocol error")
            << ErrorClass::Protocol << 0 << QList<Rcpt>{} << false << false << false << 0 << kMinute
            << MS::Queued << HE::Deferred << none << true << false << NA::Backoff << kMinute
            << false << false << false;
        QTest::newRow("credentials (password command hung): backoff, not paused")
            << ErrorClass::Credentials << 0 << QList<Rcpt>{} << false << false << false << 0
            << kMinute << MS::Queued << HE::Deferred << none << true << false << NA::Backoff
            << kMinute << false << false << false;
        QTest::newRow("network after the end marker: uncertain")
            << ErrorClass::Network << 0 << rcptOkNoData << true << false << false << 0 << kMinute
            << MS::Queued << HE::UncertainRequeued << QList<MS>{MS::Queued, MS::Queued} << true
            << true << NA::Backoff << kMinute << false << false << false;
        QTest::newRow("timeout after the end marker: uncertain")
            << ErrorClass::Timeout << 0 << rcptOkNoData << true << false << false << 0 << kMinute
            << MS::Queued << HE::UncertainRequeued << QList<MS>{MS::Queued, MS::Queued} << true
            << true << NA::Backoff << kMinute << false << false << false;
        QTest::newRow("auth: account paused")
            << ErrorClass::Auth << 535 << QList<Rcpt>{} << false << false << false << 0 << kMinute
            << MS::Held << HE::HeldAccountPaused << none << true << false << NA::None << qint64(-1)
            << false << false << true;
        QTest::newRow("certificate: account paused")
            << ErrorClass::Certificate << 0 << QList<Rcpt>{} << false << false << false << 0
            << kMinute << MS::Held << HE::HeldAccountPaused << none << true << false << NA::None
            << qint64(-1) << false << false << true;
        QTest::newRow("tls: account paused")
            << ErrorClass::Tls << 454 << QList<Rcpt>{} << false << false << false << 0 << kMinute
            << MS::Held << HE::HeldAccountPaused << none << true << false << NA::None << qint64(-1)
            << false << false << true;
        QTest::newRow("auth, not attempted (pool cancelled): paused, not counted")
            << ErrorClass::Auth << 535 << QList<Rcpt>{} << false << true << false << 0 << kMinute
            << MS::Held << HE::HeldAccountPaused << none << false << false << NA::None << qint64(-1)
            << false << false << true;
        QTest::newRow("not attempted, pool shut down: due now, not counted")
            << ErrorClass::Network << 0 << QList<Rcpt>{} << false << true << true << 3 << kMinute
            << MS::Queued << HE::Interrupted << none << false << false << NA::Now << qint64(0)
            << false << false << false;
        QTest::newRow("not attempted, the session did not open: backoff, not counted")
            << ErrorClass::Network << 0 << QList<Rcpt>{} << false << true << false << 0 << kMinute
            << MS::Queued << HE::DeferredUnreachable << none << false << false << NA::Backoff
            << kMinute << false << false << false;
        QTest::newRow("not attempted, local refusal of the pool: backoff, not counted")
            << ErrorClass::Local << 0 << QList<Rcpt>{} << false << true << false << 1 << kMinute
            << MS::Queued << HE::DeferredUnreachable << none << false << false << NA::Backoff
            << kMinute << false << false << false;
        QTest::newRow("transient past the lifetime: expired")
            << ErrorClass::Transient << 451 << QList<Rcpt>{} << false << false << false << 40
            << 5 * kDay + 1 << MS::Failed << HE::Expired << none << true << false << NA::None
            << qint64(-1) << false << true << false;
        QTest::newRow("uncertain past the lifetime: expired, still uncertain")
            << ErrorClass::Network << 0 << rcptOkNoData << true << false << false << 40
            << 5 * kDay + 1 << MS::Failed << HE::Expired << QList<MS>{MS::Queued, MS::Queued}
            << true << true << NA::None << qint64(-1) << false << true << false;
        QTest::newRow("local (refused before talking)")
            << ErrorClass::Local << 0 << QList<Rcpt>{} << false << false << false << 0 << kMinute
            << MS::Failed << HE::Failed << QList<MS>{MS::Failed, MS::Failed} << true << false
            << NA::None << qint64(-1) << false << true << false;
        QTest::newRow("permanent after DATA")
            << ErrorClass::Permanent << 554 << rcptOkNoData << true << false << false << 0
            << kMinute << MS::Failed << HE::Failed << QList<MS>{MS::Failed, MS::Failed} << true
            << false << NA::None << qint64(-1) << false << true << false;
    }

    void table()
    {
        QFETCH(ErrorClass, cls);
        QFETCH(int, code);
        QFETCH(QList<Rcpt>, rcpts);
        QFETCH(bool, endMarker);
        QFETCH(bool, notAttempted);
        QFETCH(bool, shuttingDown);
        QFETCH(int, attempts);
        QFETCH(qint64, ageMs);

        ClaimedMessage c;
        c.id = 42;
        c.account = QStringLiteral("work");
        c.recipients = kRecipients;
        c.attempts = attempts;
        c.createdAt = QDateTime::fromMSecsSinceEpoch(kNow - ageMs, Qt::UTC);

        TransactionResult tx;
        tx.messageId = c.id;
        tx.result = cls == ErrorClass::None ? SmtpResult::success(reply(code))
                                            : SmtpResult::failure(cls, QStringLiteral("why"));
        if (cls != ErrorClass::None)
            tx.result.reply = code ? reply(code) : SmtpReply{};
        for (qsizetype i = 0; i < rcpts.size(); ++i)
            tx.recipients << RecipientResult{kRecipients[i], reply(rcpts[i].code),
                                             rcpts[i].accepted};
        tx.endMarkerSent = endMarker;
        tx.mailAnswered = !rcpts.isEmpty();
        tx.notAttempted = notAttempted;
        tx.notes = {TransactionNote::DsnNotOffered};

        OutcomeContext ctx;
        ctx.now = QDateTime::fromMSecsSinceEpoch(kNow, Qt::UTC);
        ctx.shuttingDown = shuttingDown;
        ctx.retryInitialMs = kMinute;
        ctx.retryMaxMs = 60 * kMinute;
        ctx.lifetimeMs = 5 * kDay;
        ctx.jitter = 1.0;
        ctx.server = QStringLiteral("smtp.example.net:587");

        const OutcomeDecision d = decideOutcome(tx, c, ctx);
        const DeliveryUpdate &u = d.update;
        QTEST(u.state, "state");
        QTEST(u.event, "event");
        QList<MessageState> states;
        for (const RecipientRecord &r : u.recipients)
            states << r.state;
        QTEST(states, "recipientStates");
        QTEST(u.countAttempt, "counts");
        QTEST(u.uncertain, "uncertain");
        QTEST(d.next, "next");
        QFETCH(qint64, delayMs);
        QCOMPARE(u.nextAttemptAt.isValid() ? u.nextAttemptAt.toMSecsSinceEpoch() - kNow : -1,
                 delayMs);
        QTEST(d.accepted, "accepted");
        QFETCH(bool, notice);
        QCOMPARE(d.notice.has_value(), notice);
        // A sent message's notice is about the recipients it did not reach.
        if (notice)
            QCOMPARE(*d.notice, u.state == MessageState::Sent ? Notice::Kind::PartiallySent
                                                              : Notice::Kind::MessageFailed);
        QTEST(d.pauseAccount, "pause");
        // What every row carries along.
        QCOMPARE(u.id, c.id);
        QCOMPARE(u.errorClass, cls);
        // The reply that decided it; for a partial delivery the first refusal (partialDelivery).
        if (u.event != HistoryEvent::SentSomeRefused)
            QCOMPARE(u.reply.code, code);
        QCOMPARE(u.server, ctx.server);
        QCOMPARE(u.notes, QStringList{QStringLiteral("dsn-not-offered")});
        QCOMPARE(u.state == MessageState::Held && u.event == HistoryEvent::HeldAccountPaused,
                 d.pauseAccount);
    }

    // A message accepted for some recipients and refused (5xx) for others is sent, but partial:
    // the refusals of this attempt and of earlier ones (a retry of deferred recipients ends the
    // message) make the notice, the first of them is the message's reply, and the detail
    // counts and names them. A deferral (4xx) still waits: nothing is told before the end.
    void partialDelivery_data()
    {
        QTest::addColumn<QList<Rcpt>>("rcpts");         // this attempt, per claimed recipient
        QTest::addColumn<QList<Rcpt>>("earlier");       // settled before (accepted or refused)
        QTest::addColumn<MessageState>("state");        // of the message after it
        QTest::addColumn<HistoryEvent>("event");        // its history entry
        QTest::addColumn<bool>("notice");               // PartiallySent raised
        QTest::addColumn<int>("replyCode");             // the message's last reply
        QTest::addColumn<QList<QByteArray>>("refused"); // in the notice, in order
        QTest::addColumn<int>("reached");
        QTest::addColumn<int>("total");
        QTest::addColumn<QString>("detail");
        using MS = MessageState;
        using HE = HistoryEvent;
        using B = QList<QByteArray>;
        QTest::newRow("every recipient accepted")
            << QList<Rcpt>{{250, true}, {250, true}} << QList<Rcpt>{} << MS::Sent << HE::Sent
            << false << 250 << B{} << 0 << 0 << QString();
        QTest::newRow("one of two refused")
            << QList<Rcpt>{{250, true}, {550, false}} << QList<Rcpt>{} << MS::Sent
            << HE::SentSomeRefused << true << 550 << B{"carol@example.net"} << 1 << 2
            << QStringLiteral("1 of 2 recipients refused: carol@example.net");
        QTest::newRow("two refused, the first is the reply")
            << QList<Rcpt>{{553, false}, {550, false}, {250, true}} << QList<Rcpt>{} << MS::Sent
            << HE::SentSomeRefused << true << 553 << B{"bob@example.net", "carol@example.net"} << 1
            << 3 << QStringLiteral("2 of 3 recipients refused: bob@example.net, carol@example.net");
        QTest::newRow("refused and deferred: queued, told at the end")
            << QList<Rcpt>{{550, false}, {451, false}, {250, true}} << QList<Rcpt>{} << MS::Queued
            << HE::PartlyDeferred << false << 250 << B{} << 0 << 0 << QString();
        QTest::newRow("the deferred one accepted later, an earlier refusal")
            << QList<Rcpt>{{250, true}} << QList<Rcpt>{{550, false}, {250, true}} << MS::Sent
            << HE::SentSomeRefused << true << 550 << B{"earlier0@example.net"} << 2 << 3
            << QStringLiteral("1 of 3 recipients refused: earlier0@example.net");
        QTest::newRow("the deferred one refused later too")
            << QList<Rcpt>{{550, false}, {250, true}} << QList<Rcpt>{{554, false}} << MS::Sent
            << HE::SentSomeRefused << true << 554 << B{"earlier0@example.net", "bob@example.net"}
            << 1 << 3
            << QStringLiteral("2 of 3 recipients refused: earlier0@example.net, bob@example.net");
        QTest::newRow("the deferred one accepted later, nobody refused")
            << QList<Rcpt>{{250, true}} << QList<Rcpt>{{250, true}} << MS::Sent << HE::Sent << false
            << 250 << B{} << 0 << 0 << QString();
        QList<Rcpt> many(7, Rcpt{550, false});
        many << Rcpt{250, true};
        QTest::newRow("seven refused: the detail names five")
            << many << QList<Rcpt>{} << MS::Sent << HE::SentSomeRefused << true << 550
            << B{"r0@example.net", "r1@example.net", "r2@example.net", "r3@example.net",
                 "r4@example.net", "r5@example.net", "r6@example.net"}
            << 1 << 8
            << QStringLiteral("7 of 8 recipients refused: r0@example.net, r1@example.net, "
                              "r2@example.net, r3@example.net, r4@example.net, \u2026");
    }

    void partialDelivery()
    {
        QFETCH(QList<Rcpt>, rcpts);
        QFETCH(QList<Rcpt>, earlier);
        QFETCH(QList<QByteArray>, refused);
        // bob, carol, dave; r0, r1, … for longer lists.
        const QList<QByteArray> names = {"bob@example.net", "carol@example.net",
                                         "dave@example.net"};
        ClaimedMessage c;
        c.id = 7;
        c.account = QStringLiteral("work");
        c.createdAt = QDateTime::fromMSecsSinceEpoch(kNow - kMinute, Qt::UTC);
        TransactionResult tx;
        tx.messageId = c.id;
        tx.result = SmtpResult::success(reply(250));
        for (qsizetype i = 0; i < rcpts.size(); ++i) {
            const QByteArray a = rcpts.size() > names.size()
                                     ? "r" + QByteArray::number(i) + "@example.net"
                                     : names[i];
            c.recipients << a;
            tx.recipients << RecipientResult{a, reply(rcpts[i].code), rcpts[i].accepted};
        }
        for (qsizetype i = 0; i < earlier.size(); ++i)
            c.settled << RecipientRecord{"earlier" + QByteArray::number(i) + "@example.net",
                                         earlier[i].accepted ? MessageState::Sent
                                                             : MessageState::Failed,
                                         reply(earlier[i].code)};
        tx.endMarkerSent = true;
        tx.mailAnswered = true;
        OutcomeContext ctx;
        ctx.now = QDateTime::fromMSecsSinceEpoch(kNow, Qt::UTC);

        const OutcomeDecision d = decideOutcome(tx, c, ctx);
        QTEST(d.update.state, "state");
        QTEST(d.update.event, "event");
        QVERIFY(d.accepted); // written with the group commit, as any accepted message
        QCOMPARE(d.update.errorClass, ErrorClass::None); // the server took the message
        QFETCH(bool, notice);
        QCOMPARE(d.notice.has_value(), notice);
        if (notice)
            QCOMPARE(*d.notice, Notice::Kind::PartiallySent);
        QTEST(d.update.reply.code, "replyCode");
        QList<QByteArray> got;
        for (const RecipientRecord &r : d.refused) {
            got << r.address;
            QCOMPARE(r.state, MessageState::Failed);
            QVERIFY(r.reply.isPermanent()); // with the server's own words
        }
        QCOMPARE(got, refused);
        QTEST(d.reached, "reached");
        QTEST(d.recipientCount, "total");
        QTEST(d.update.detail, "detail");
    }

    // An OAuth access token refused by the server (RFC 7628 §3.2.3) the first time: the
    // message goes again at once with a new token, uncounted, for the one the session tried
    // and for those the pool gave up on with it; a second refusal (tokenRefused false) pauses.
    void tokenRefused_data()
    {
        QTest::addColumn<bool>("notAttempted");
        QTest::addColumn<bool>("tokenRefused");
        QTest::addColumn<MessageState>("state");
        QTest::addColumn<HistoryEvent>("event");
        QTest::addColumn<NextAttempt>("next");
        QTest::addColumn<bool>("pause");
        QTest::newRow("refused once: again now, uncounted")
            << false << true << MessageState::Queued << HistoryEvent::TokenRefused
            << NextAttempt::Now << false;
        QTest::newRow("its neighbour in the pool: the same")
            << true << true << MessageState::Queued << HistoryEvent::TokenRefused
            << NextAttempt::Now << false;
        QTest::newRow("the new token refused too: paused")
            << false << false << MessageState::Held << HistoryEvent::HeldAccountPaused
            << NextAttempt::None << true;
    }
    void tokenRefused()
    {
        QFETCH(bool, notAttempted);
        QFETCH(bool, tokenRefused);
        ClaimedMessage c;
        c.id = 7;
        c.account = QStringLiteral("work");
        c.recipients = kRecipients;
        c.attempts = 2;
        c.createdAt = QDateTime::fromMSecsSinceEpoch(kNow - kMinute, Qt::UTC);
        TransactionResult tx;
        tx.messageId = c.id;
        tx.result = SmtpResult::failure(ErrorClass::Auth, QStringLiteral("refused"), reply(535));
        tx.notAttempted = notAttempted;
        OutcomeContext ctx;
        ctx.now = QDateTime::fromMSecsSinceEpoch(kNow, Qt::UTC);
        ctx.tokenRefused = tokenRefused;
        const OutcomeDecision d = decideOutcome(tx, c, ctx);
        QTEST(d.update.state, "state");
        QTEST(d.update.event, "event");
        QTEST(d.next, "next");
        QTEST(d.pauseAccount, "pause");
        if (tokenRefused) {
            QCOMPARE(d.update.countAttempt, false);
            QCOMPARE(d.update.nextAttemptAt, ctx.now);
            QVERIFY(!d.notice);
        }
    }

    // The provider refused the refresh token: the account needs the user, its messages wait.
    void signInPausesTheAccount()
    {
        ClaimedMessage c;
        c.id = 8;
        c.recipients = kRecipients;
        TransactionResult tx;
        tx.messageId = c.id;
        tx.result = SmtpResult::failure(ErrorClass::SignIn, QStringLiteral("invalid_grant"));
        OutcomeContext ctx;
        ctx.now = QDateTime::fromMSecsSinceEpoch(kNow, Qt::UTC);
        const OutcomeDecision d = decideOutcome(tx, c, ctx);
        QCOMPARE(d.update.state, MessageState::Held);
        QVERIFY(d.pauseAccount);
        QCOMPARE(errorClassName(ErrorClass::SignIn), QStringLiteral("sign-in"));
    }

    void jitterScalesTheBackoff()
    {
        ClaimedMessage c;
        c.id = 1;
        c.createdAt = QDateTime::fromMSecsSinceEpoch(kNow, Qt::UTC);
        TransactionResult tx;
        tx.result = SmtpResult::failure(ErrorClass::Transient, QStringLiteral("busy"));
        tx.server = QStringLiteral("other.example.net:25");
        OutcomeContext ctx;
        ctx.now = QDateTime::fromMSecsSinceEpoch(kNow, Qt::UTC);
        ctx.retryInitialMs = 10'000;
        for (const double f : {0.8, 1.0, 1.2}) {
            ctx.jitter = f;
            const OutcomeDecision d = decideOutcome(tx, c, ctx);
            QCOMPARE(d.update.nextAttemptAt.toMSecsSinceEpoch() - kNow, qint64(10'000 * f));
            QCOMPARE(d.update.server, QStringLiteral("other.example.net:25")); // its own wins
        }
    }

    void backoffSteps_data()
    {
        QTest::addColumn<int>("attempts");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("0 (as 1)") << 0 << kMinute;
        QTest::newRow("1") << 1 << kMinute;
        QTest::newRow("2") << 2 << 2 * kMinute;
        QTest::newRow("7 (capped)") << 7 << 60 * kMinute;
        QTest::newRow("1000 (capped, no overflow)") << 1000 << 60 * kMinute;
    }
    void backoffSteps()
    {
        QFETCH(int, attempts);
        QFETCH(qint64, expected);
        QCOMPARE(retryBackoffMs(attempts, kMinute, 60 * kMinute), expected);
    }

    // decideInterrupted(): a message found `sending` at the start, one row per case. The
    // expected event is Unknown when no history entry is added.
    void interrupted_data()
    {
        QTest::addColumn<bool>("marked");
        QTest::addColumn<bool>("accepted");
        QTest::addColumn<HistoryEvent>("lastEvent");
        QTest::addColumn<MessageState>("state");
        QTest::addColumn<bool>("counted");
        QTest::addColumn<bool>("uncertain");
        QTest::addColumn<HistoryEvent>("event");
        using HE = HistoryEvent;
        using MS = MessageState;
        QTest::newRow("accepted: sent, not again")
            << true << true << HE::Unknown << MS::Sent << true << false << HE::RecoveredSent;
        QTest::newRow("accepted, mark in the outbox lost: sent")
            << false << true << HE::Unknown << MS::Sent << true << false << HE::RecoveredSent;
        QTest::newRow("marked only: may have been sent")
            << true << false << HE::Unknown << MS::Queued << true << true << HE::RecoveredUncertain;
        QTest::newRow("not marked: neutral note")
            << false << false << HE::Unknown << MS::Queued << false << false << HE::Recovered;
        QTest::newRow("not marked again: no second note")
            << false << false << HE::Recovered << MS::Queued << false << false << HE::Unknown;
    }
    void interrupted()
    {
        QFETCH(bool, marked);
        QFETCH(bool, accepted);
        QFETCH(HistoryEvent, lastEvent);
        InterruptedMessage m;
        m.id = 7;
        m.attempts = 2;
        m.endOfDataMayHaveGone = marked;
        m.accepted = accepted;
        m.lastEvent = lastEvent;
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(kNow, Qt::UTC);
        const Recovery r = decideInterrupted(m, now);
        QTEST(r.state, "state");
        QTEST(r.countAttempt, "counted");
        QTEST(r.uncertain, "uncertain");
        QTEST(r.event.value_or(HistoryEvent::Unknown), "event");
        QCOMPARE(r.nextAttemptAt, now);
        QVERIFY(!r.copyPending); // the caller's, from the message's account
    }
};

QTEST_GUILESS_MAIN(TestOutcome)
#include "tst_outcome.moc"
