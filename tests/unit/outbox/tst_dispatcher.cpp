// The Dispatcher's outcome table (design.md §4), one test per row, with a FakeTransport that
// records requests and a MockClock that moves only when the test says so.

#include "FakeTransport.h"
#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "accounts/Settings.h"
#include "outbox/Clock.h"
#include "outbox/Connectivity.h"
#include "outbox/Dispatcher.h"
#include "outbox/Outcome.h"
#include "storage/Database.h"
#include "storage/Storage.h"

#include <QEventLoop>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace outpost;
using outpost::test::FakeTransport;

namespace {

constexpr qint64 kMinute = 60'000;
constexpr qint64 kHour = 3'600'000;

/// The octets a request would send, read from its source the way a transaction reads them.
QByteArray bytesOf(const SendRequest &r)
{
    QString error;
    if (!r.message.source)
        return {};
    return readWholeMessage(*r.message.source, &error)
        .value_or(QByteArray("unreadable: ") + error.toUtf8());
}

SmtpReply reply(int code, const QByteArray &enhanced, const QByteArray &text)
{
    return SmtpReply{code, enhanced, {text}};
}

/// A transaction the server accepted for every recipient.
TransactionResult accepted(const SendRequest &r)
{
    TransactionResult tx;
    tx.messageId = r.message.id;
    tx.result = SmtpResult::success(reply(250, "2.0.0", "Ok: queued as 4711"));
    for (const QByteArray &a : r.message.recipients)
        tx.recipients << RecipientResult{a, reply(250, "2.0.0", "Ok: queued as 4711"), true};
    tx.endMarkerSent = true;
    tx.mailAnswered = true;
    tx.server = QStringLiteral("smtp.example.net:587");
    return tx;
}

/// A transaction that failed with `result`; RCPT was accepted for everyone (`rcptDone`) or
/// never reached.
TransactionResult failedWith(const SendRequest &r, const SmtpResult &result, bool rcptDone,
                             bool endMarker)
{
    TransactionResult tx;
    tx.messageId = r.message.id;
    tx.result = result;
    if (rcptDone) {
        for (const QByteArray &a : r.message.recipients)
            tx.recipients << RecipientResult{a, reply(250, "2.1.5", "ok"), false};
    }
    tx.endMarkerSent = endMarker;
    tx.mailAnswered = rcptDone;
    tx.server = QStringLiteral("smtp.example.net:587");
    return tx;
}

QStringList events(const MessageRecord &r)
{
    QStringList out;
    for (const HistoryEntry &h : r.history)
        out << historyEventName(h.event);
    return out;
}

} // namespace

class TestDispatcher : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    MockClock m_clock;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<AccountStore> m_accounts;
    std::unique_ptr<Storage> m_storage;
    MemoryCredentialStore m_credentials;
    std::unique_ptr<FakeTransport> m_transport;
    std::unique_ptr<Connectivity> m_connectivity;
    std::unique_ptr<Dispatcher> m_dispatcher;
    std::unique_ptr<QSignalSpy> m_notices;

    void build()
    {
        m_db = std::make_unique<Database>();
        QString error;
        QVERIFY2(m_db->open(m_dir->filePath(QStringLiteral("outbox.sqlite")), &error),
                 qPrintable(error));
        m_storage = std::make_unique<Storage>(m_db.get(), &m_clock);
        m_settings = std::make_unique<Settings>(m_db.get(), m_storage.get());
        m_accounts = std::make_unique<AccountStore>(m_db.get(), m_storage.get());
        m_transport = std::make_unique<FakeTransport>();
        m_connectivity = std::make_unique<Connectivity>();
        m_dispatcher = std::make_unique<Dispatcher>(
            m_storage.get(), m_accounts.get(), m_settings.get(), &m_credentials, m_transport.get(),
            m_connectivity.get(), &m_clock);
        m_notices = std::make_unique<QSignalSpy>(m_dispatcher.get(), &Dispatcher::notice);
    }
    void tearDown()
    {
        m_notices.reset();
        m_dispatcher.reset();
        m_connectivity.reset();
        m_transport.reset();
        m_accounts.reset();
        m_settings.reset();
        m_storage.reset();
        m_db.reset();
    }

    void addAccount(const QString &name)
    {
        Account a;
        a.name = name;
        a.host = QStringLiteral("smtp.example.net");
        a.port = 587;
        a.security = Security::StartTls;
        a.auth = QStringLiteral("none");
        a.from = QStringLiteral("alice@example.org");
        QString error;
        QVERIFY2(m_accounts->add(a, &error), qPrintable(error));
    }

    qint64 enqueue(const QByteArray &tag, const QList<QByteArray> &recipients = {"bob@example.net"},
                   const QString &account = QStringLiteral("work"), const QDateTime &sendAt = {})
    {
        NewMessage m;
        m.account = account;
        m.messageId = tag + "@outpost.test";
        m.reversePath = "alice@example.org";
        m.recipients = recipients;
        m.subject = QString::fromLatin1(tag);
        m.data = "Message-ID: <" + m.messageId + ">\r\nSubject: " + tag + "\r\n\r\nhello\r\n";
        m.sendAt = sendAt;
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, m, &error);
        if (id == 0)
            qWarning("enqueue failed: %s", qPrintable(error));
        return id;
    }

    /// Lets every zero-timer the dispatcher posted run (a few rounds), without sleeping.
    void settle()
    {
        for (int i = 0; i < 3; ++i) {
            m_dispatcher->commitPending(); // the group commit of accepted messages
            QEventLoop loop;
            QTimer::singleShot(0, &loop, &QEventLoop::quit);
            loop.exec();
        }
    }

    /// Adds account `name` that logs in as alice with the password from `command`.
    bool addAccountWithPasswordCommand(const QString &name, const QString &command)
    {
        Account a;
        a.name = name;
        a.host = QStringLiteral("smtp.example.net");
        a.port = 587;
        a.security = Security::StartTls;
        a.user = QStringLiteral("alice");
        a.from = QStringLiteral("alice@example.org");
        a.passwordCommand = command;
        QString error;
        if (!m_accounts->add(a, &error))
            qWarning("account %s: %s", qPrintable(name), qPrintable(error));
        return error.isEmpty();
    }

    MessageRecord record(qint64 id) const { return *m_storage->reader()->message(id); }

    /// Waits for the n-th request (1-based) and returns it.
    const SendRequest *waitRequest(int n)
    {
        if (!QTest::qWaitFor([&] { return m_transport->requests.size() >= n; }, 5000))
            return nullptr;
        return &m_transport->requests[n - 1];
    }

    /// The backoff window [min, max] (ms from now) before attempt `attempts` + 1.
    static std::pair<qint64, qint64> window(int attempts)
    {
        const qint64 base = std::min<qint64>(kMinute << std::min(attempts - 1, 20), kHour);
        return {base * 8 / 10, base * 12 / 10};
    }

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_clock.set(1'700'000'000'000);
        build();
        addAccount(QStringLiteral("work"));
        addAccount(QStringLiteral("home"));
    }
    void cleanup()
    {
        tearDown();
        m_dir.reset();
    }

    void backoffSteps_data()
    {
        QTest::addColumn<int>("attempts");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("1") << 1 << kMinute;
        QTest::newRow("2") << 2 << 2 * kMinute;
        QTest::newRow("3") << 3 << 4 * kMinute;
        QTest::newRow("6") << 6 << 32 * kMinute;
        QTest::newRow("7 (capped)") << 7 << kHour;
        QTest::newRow("50 (capped)") << 50 << kHour;
    }
    void backoffSteps()
    {
        QFETCH(int, attempts);
        QFETCH(qint64, expected);
        QCOMPARE(Dispatcher::backoffMs(attempts, kMinute, kHour), expected);
    }

    // Storage::useWorkerThread(): claims and group commits run on the storage thread; every claimed
    // message reaches the transport once, an accepted outcome is on disk (and announced by
    // messageChanged) when commitPending() returns, and destroying the dispatcher queues
    // again nothing that was sent.
    void workerThreadClaimsAndCommits()
    {
        QList<qint64> ids;
        for (int i = 0; i < 40; ++i)
            ids << enqueue("w" + QByteArray::number(i));
        QSignalSpy changed(m_storage->reader(), &OutboxReader::messageChanged);
        QVERIFY(m_storage->useWorkerThread());
        m_dispatcher->start();
        QVERIFY(waitRequest(40));
        QSet<qint64> sentIds;
        for (const SendRequest &r : std::as_const(m_transport->requests))
            sentIds.insert(r.message.id);
        QCOMPARE(sentIds.size(), 40);
        QCOMPARE(sentIds, QSet<qint64>(ids.cbegin(), ids.cend()));
        QCOMPARE(record(ids.first()).state, MessageState::Sending);
        const auto requests = m_transport->requests;
        for (const SendRequest &r : requests)
            m_transport->finish(accepted(r));
        m_dispatcher->commitPending();
        QSet<qint64> announced;
        for (const QList<QVariant> &args : std::as_const(changed))
            announced.insert(args.at(0).toLongLong());
        for (qint64 id : std::as_const(ids)) {
            QCOMPARE(record(id).state, MessageState::Sent);
            QCOMPARE(record(id).history.last().event, HistoryEvent::Sent);
            QVERIFY(announced.contains(id));
        }
        QTRY_VERIFY(!m_dispatcher->isBusy());
        QCOMPARE(m_transport->requests.size(), 40); // nothing sent twice
        m_dispatcher.reset();
        QCOMPARE(m_storage->reader()->count(MessageState::Sent), 40);
    }

    // | 2xx for DATA | sent, with the server's reply and time |
    // What is claimed ahead of the wire is bounded in octets (pool.claim_ahead_bytes), not
    // only in count: with room for two messages' octets two are handed over, the third once
    // one of them is done; each is left `queued` until then (cancel, edit still work).
    void claimAheadBoundedByBytes()
    {
        const qint64 a = enqueue("a");
        const qint64 b = enqueue("b");
        const qint64 c = enqueue("c");
        const qint64 d = enqueue("d");
        const qint64 one = record(a).size;
        QVERIFY(one > 0 && record(d).size == one);
        QVERIFY(m_settings->set(QString(), QStringLiteral("pool.claim_ahead_bytes"),
                                QString::number(2 * one), nullptr));
        m_dispatcher->start();
        QVERIFY(waitRequest(2));
        settle();
        QCOMPARE(m_transport->requests.size(), 2);
        QCOMPARE(record(b).state, MessageState::Sending);
        QCOMPARE(record(c).state, MessageState::Queued);
        m_transport->finish(accepted(m_transport->requests[0]));
        settle();
        QVERIFY(waitRequest(3));
        settle();
        QCOMPARE(m_transport->requests.size(), 3);
        QCOMPARE(m_transport->requests[2].message.id, c);
        QCOMPARE(record(d).state, MessageState::Queued);
        // One message is always claimed, however large: a limit below its size still sends it.
        QVERIFY(m_settings->set(QString(), QStringLiteral("pool.claim_ahead_bytes"),
                                QStringLiteral("0"), nullptr));
        m_transport->finish(accepted(m_transport->requests[1]));
        m_transport->finish(accepted(m_transport->requests[2]));
        settle();
        QVERIFY(waitRequest(4));
        QCOMPARE(m_transport->requests[3].message.id, d);
    }

    void sentWithReply()
    {
        const qint64 id = enqueue("ok", {"bob@example.net", "carol@example.net"});
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        QCOMPARE(r->message.id, id);
        QCOMPARE(r->account, QStringLiteral("work"));
        QCOMPARE(r->session.host, QStringLiteral("smtp.example.net"));
        QCOMPARE(r->message.recipients,
                 (QList<QByteArray>{"bob@example.net", "carol@example.net"}));
        QCOMPARE(bytesOf(*r), m_storage->reader()->messageData(id));
        QCOMPARE(r->message.shape.octets, qint64(m_storage->reader()->messageData(id).size()));
        QCOMPARE(r->message.shape.wireOctets(WireForm::Data),
                 scanForWire(m_storage->reader()->messageData(id)).wireOctets(WireForm::Data));
        QCOMPARE(record(id).state, MessageState::Sending);
        m_clock.advance(1234);
        m_transport->finish(accepted(*r));
        settle();
        const MessageRecord m = record(id);
        QCOMPARE(m.state, MessageState::Sent);
        QCOMPARE(m.errorClass, ErrorClass::None);
        QCOMPARE(m.attempts, 1);
        QCOMPARE(m.lastReply.code, 250);
        QCOMPARE(m.lastReply.enhanced, QByteArray("2.0.0"));
        QCOMPARE(m.lastReply.text(), QStringLiteral("Ok: queued as 4711"));
        QCOMPARE(m.history.last().event, HistoryEvent::Sent);
        QCOMPARE(m.history.last().at.toMSecsSinceEpoch(), m_clock.nowMs());
        QCOMPARE(m.history.last().server, QStringLiteral("smtp.example.net:587"));
        for (const RecipientRecord &rr : m.recipients)
            QCOMPARE(rr.state, MessageState::Sent);
        QCOMPARE(m_notices->count(), 0);
        QCOMPARE(m_dispatcher->inFlight(), 0);
        settle();
        QCOMPARE(m_transport->requests.size(), 1);
    }

    // The DSN request (RFC 3461) travels from the store to the transport unchanged; the
    // transaction's notes (DSN not offered) land in the attempt's history entry, whatever the
    // outcome.
    void dsnRequestAndNotes_data()
    {
        QTest::addColumn<bool>("deferred");
        QTest::newRow("sent") << false;
        QTest::newRow("deferred (4xx)") << true;
    }
    void dsnRequestAndNotes()
    {
        QFETCH(bool, deferred);
        NewMessage m;
        m.account = QStringLiteral("work");
        m.messageId = "dsn@outpost.test";
        m.reversePath = "alice@example.org";
        m.recipients = {"bob@example.net"};
        m.data = "Subject: dsn\r\n\r\nhello\r\n";
        m.dsn.notify = DsnRequest::Success | DsnRequest::Delay;
        m.dsn.ret = DsnRequest::Ret::Hdrs;
        m.dsn.envid = "env 1";
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, m, &error);
        QVERIFY2(id, qPrintable(error));
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        QCOMPARE(r->message.dsn, m.dsn);
        TransactionResult tx =
            deferred
                ? failedWith(*r, SmtpResult::fromReply(reply(451, "4.3.0", "busy")), true, false)
                : accepted(*r);
        tx.notes = {TransactionNote::DsnNotOffered};
        m_transport->finish(tx);
        settle();
        const MessageRecord rec = record(id);
        QCOMPARE(rec.state, deferred ? MessageState::Queued : MessageState::Sent);
        QCOMPARE(rec.dsn, m.dsn); // kept for the next attempt
        QCOMPARE(rec.history.size(), 2);
        QCOMPARE(rec.history.first().notes, QStringList());
        QCOMPARE(rec.history.last().notes, QStringList{QStringLiteral("dsn-not-offered")});
    }

    // | some RCPT 5xx, others 2xx | sent to the accepted; rejected recipients failed |
    void someRecipientsRefused()
    {
        const qint64 id =
            enqueue("partial5", {"bob@example.net", "nobody@example.net", "carol@example.net"});
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        TransactionResult tx = accepted(*r);
        tx.recipients[1] =
            RecipientResult{"nobody@example.net", reply(550, "5.1.1", "no such user"), false};
        m_transport->finish(tx);
        settle();
        const MessageRecord m = record(id);
        QCOMPARE(m.state, MessageState::Sent);
        QCOMPARE(m.attempts, 1);
        QCOMPARE(m.recipients[0].state, MessageState::Sent);
        QCOMPARE(m.recipients[1].state, MessageState::Failed);
        QCOMPARE(m.recipients[1].reply.code, 550);
        QCOMPARE(m.recipients[1].reply.enhanced, QByteArray("5.1.1"));
        QCOMPARE(m.recipients[1].reply.text(), QStringLiteral("no such user"));
        QCOMPARE(m.recipients[2].state, MessageState::Sent);
        // Sent, but partial: the refusal is the message's reply and the user is told who.
        QCOMPARE(m.delivery(), Delivery::Partial);
        QCOMPARE(m.recipientCount, 3);
        QCOMPARE(m.refusedRecipients, 1);
        QCOMPARE(m.errorClass, ErrorClass::None);
        QCOMPARE(m.lastReply.code, 550);
        QCOMPARE(m.lastDetail, QStringLiteral("1 of 3 recipients refused: nobody@example.net"));
        QCOMPARE(m.history.last().event, HistoryEvent::SentSomeRefused);
        QCOMPARE(m_notices->count(), 1);
        const Notice n = m_notices->first().first().value<Notice>();
        QCOMPARE(n.kind, Notice::Kind::PartiallySent);
        QCOMPARE(n.messageId, id);
        QCOMPARE(n.account, QStringLiteral("work"));
        QCOMPARE(n.count, 2);
        QCOMPARE(n.recipients, 3);
        QCOMPARE(n.refused.size(), 1);
        QCOMPARE(n.refused[0].address, QByteArray("nobody@example.net"));
        QCOMPARE(n.refused[0].reply.text(), QStringLiteral("no such user"));
        QCOMPARE(n.result.reply.code, 550);
        // Nothing is retried.
        m_clock.advance(10 * kHour);
        m_dispatcher->wake();
        settle();
        QCOMPARE(m_transport->requests.size(), 1);
        QCOMPARE(m_notices->count(), 1);
    }

    // A recipient refused (5xx) and one deferred (4xx): the deferred one is retried on its own;
    // when it goes through, the message is sent but partial, and only then is the user told,
    // once, about the refusal of the first attempt.
    void refusedThenDeferredEndsPartial()
    {
        const qint64 id =
            enqueue("mixed", {"bob@example.net", "nobody@example.net", "later@example.net"});
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        TransactionResult tx = accepted(*r);
        tx.recipients[1] =
            RecipientResult{"nobody@example.net", reply(550, "5.1.1", "no such user"), false};
        tx.recipients[2] =
            RecipientResult{"later@example.net", reply(451, "4.2.0", "try again later"), false};
        m_transport->finish(tx);
        settle();
        MessageRecord m = record(id);
        QCOMPARE(m.state, MessageState::Queued);
        QCOMPARE(m.delivery(), Delivery::None);
        QCOMPARE(m.refusedRecipients, 1);
        QCOMPARE(m_notices->count(), 0); // not done yet
        m_clock.advance(2 * kMinute);
        m_dispatcher->wake();
        r = waitRequest(2);
        QVERIFY(r);
        QCOMPARE(r->message.recipients, QList<QByteArray>{"later@example.net"});
        m_transport->finish(accepted(*r));
        settle();
        m = record(id);
        QCOMPARE(m.state, MessageState::Sent);
        QCOMPARE(m.delivery(), Delivery::Partial);
        QCOMPARE(m.lastReply.code, 550);
        QCOMPARE(m.history.last().event, HistoryEvent::SentSomeRefused);
        QCOMPARE(m_notices->count(), 1);
        const Notice n = m_notices->first().first().value<Notice>();
        QCOMPARE(n.kind, Notice::Kind::PartiallySent);
        QCOMPARE(n.count, 2);
        QCOMPARE(n.recipients, 3);
        QCOMPARE(n.refused.size(), 1);
        QCOMPARE(n.refused[0].address, QByteArray("nobody@example.net"));
        QCOMPARE(n.refused[0].reply.code, 550);
    }

    // | some RCPT 4xx, others 2xx | sent to the accepted; a retry for the 4xx recipients only |
    void someRecipientsDeferred()
    {
        const qint64 id =
            enqueue("partial4", {"bob@example.net", "later@example.net", "carol@example.net"});
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        TransactionResult tx = accepted(*r);
        tx.recipients[1] =
            RecipientResult{"later@example.net", reply(451, "4.2.0", "try again later"), false};
        const qint64 t0 = m_clock.nowMs();
        m_transport->finish(tx);
        settle();
        MessageRecord m = record(id);
        QCOMPARE(m.state, MessageState::Queued);
        QCOMPARE(m.attempts, 1);
        QCOMPARE(m.recipients[0].state, MessageState::Sent);
        QCOMPARE(m.recipients[1].state, MessageState::Queued);
        QCOMPARE(m.recipients[1].reply.code, 451);
        QCOMPARE(m.recipients[2].state, MessageState::Sent);
        const qint64 wait = m.nextAttemptAt.toMSecsSinceEpoch() - t0;
        QVERIFY2(wait >= window(1).first && wait <= window(1).second,
                 qPrintable(QString::number(wait)));
        // Not before its time.
        m_clock.advance(wait - 1);
        m_dispatcher->wake();
        settle();
        QCOMPARE(m_transport->requests.size(), 1);
        m_clock.advance(1);
        m_dispatcher->wake();
        r = waitRequest(2);
        QVERIFY(r);
        QCOMPARE(r->message.id, id);
        QCOMPARE(r->message.recipients, QList<QByteArray>{"later@example.net"});
        m_transport->finish(accepted(*r));
        settle();
        m = record(id);
        QCOMPARE(m.state, MessageState::Sent);
        QCOMPARE(m.attempts, 2);
        for (const RecipientRecord &rr : m.recipients)
            QCOMPARE(rr.state, MessageState::Sent);
        QCOMPARE(m_notices->count(), 0);
        QCOMPARE(m.delivery(), Delivery::Complete);
    }

    // | 4xx, timeout, connection lost, DNS failure | queued again with backoff: 1 min doubling
    // to 1 h, ±20 % jitter; expires (failed) after retry.lifetime_ms |
    void retryableBacksOff_data()
    {
        QTest::addColumn<int>("cls");
        QTest::addColumn<int>("code");
        QTest::newRow("transient 451") << int(ErrorClass::Transient) << 451;
        QTest::newRow("transient 421") << int(ErrorClass::Transient) << 421;
        QTest::newRow("timeout") << int(ErrorClass::Timeout) << 0;
        QTest::newRow("network") << int(ErrorClass::Network) << 0;
        QTest::newRow("protocol") << int(ErrorClass::Protocol) << 0;
    }
    void retryableBacksOff()
    {
        QFETCH(int, cls);
        QFETCH(int, code);
        const SmtpResult failure =
            SmtpResult::failure(ErrorClass(cls), QStringLiteral("detail"),
                                code ? reply(code, "4.3.0", "temporary problem") : SmtpReply{});
        const qint64 id = enqueue("retry");
        m_dispatcher->start();
        QList<qint64> waits;
        for (int attempt = 1; attempt <= 9; ++attempt) {
            const SendRequest *r = waitRequest(attempt);
            QVERIFY2(r, qPrintable(QStringLiteral("attempt %1 never started").arg(attempt)));
            QCOMPARE(r->message.id, id);
            const qint64 t0 = m_clock.nowMs();
            m_transport->finish(failedWith(*r, failure, false, false));
            settle();
            const MessageRecord m = record(id);
            QCOMPARE(m.state, MessageState::Queued);
            QCOMPARE(m.attempts, attempt);
            QCOMPARE(m.errorClass, ErrorClass(cls));
            QCOMPARE(m.lastReply.code, code);
            QVERIFY(!m.uncertain);
            QCOMPARE(m.history.last().event, HistoryEvent::Deferred);
            const qint64 wait = m.nextAttemptAt.toMSecsSinceEpoch() - t0;
            const auto [lo, hi] = window(attempt);
            QVERIFY2(wait >= lo && wait <= hi,
                     qPrintable(QStringLiteral("attempt %1: %2 ms, expected %3..%4")
                                    .arg(attempt)
                                    .arg(wait)
                                    .arg(lo)
                                    .arg(hi)));
            waits << wait;
            // Not a millisecond early.
            m_clock.advance(wait - 1);
            m_dispatcher->wake();
            settle();
            QCOMPARE(m_transport->requests.size(), attempt);
            m_clock.advance(1);
            m_dispatcher->wake();
        }
        QVERIFY(waits.last() >= kHour * 8 / 10);
        QCOMPARE(m_notices->count(), 0);
    }

    void retryExpires()
    {
        m_settings->set(QString(), QStringLiteral("retry.lifetime_ms"), QString::number(2 * kHour),
                        nullptr);
        const qint64 created = m_clock.nowMs();
        const qint64 id = enqueue("expiring");
        m_dispatcher->start();
        const SmtpResult failure = SmtpResult::failure(ErrorClass::Transient, {},
                                                       reply(452, "4.3.1", "insufficient storage"));
        // Retries go on while the message is younger than the lifetime; the first failure
        // after it ends them.
        int n = 0;
        for (;;) {
            const SendRequest *r = waitRequest(++n);
            QVERIFY(r);
            m_transport->finish(failedWith(*r, failure, false, false));
            settle();
            if (m_clock.nowMs() - created > 2 * kHour)
                break;
            QCOMPARE(record(id).state, MessageState::Queued);
            QCOMPARE(m_notices->count(), 0);
            m_clock.set(record(id).nextAttemptAt.toMSecsSinceEpoch());
            m_dispatcher->wake();
        }
        QVERIFY(n > 5);
        const MessageRecord m = record(id);
        QCOMPARE(m.state, MessageState::Failed);
        QCOMPARE(m.history.last().event, HistoryEvent::Expired);
        QCOMPARE(m.lastReply.code, 452);
        QCOMPARE(m_notices->count(), 1);
        const Notice notice = m_notices->first().first().value<Notice>();
        QCOMPARE(notice.kind, Notice::Kind::MessageFailed);
        QCOMPARE(notice.messageId, id);
        m_clock.advance(10 * kHour);
        m_dispatcher->wake();
        settle();
        QCOMPARE(m_transport->requests.size(), n);
    }

    void expiryWithDefaultLifetime()
    {
        // 5 days by default.
        const qint64 id = enqueue("old");
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        m_transport->finish(failedWith(
            *r, SmtpResult::failure(ErrorClass::Network, QStringLiteral("refused")), false, false));
        settle();
        QCOMPARE(record(id).state, MessageState::Queued);
        m_clock.advance(5 * 24 * kHour - 1000);
        m_dispatcher->wake();
        r = waitRequest(2);
        QVERIFY(r);
        m_transport->finish(failedWith(
            *r, SmtpResult::failure(ErrorClass::Network, QStringLiteral("refused")), false, false));
        settle();
        QCOMPARE(record(id).state, MessageState::Queued);
        m_clock.advance(kHour);
        m_dispatcher->wake();
        r = waitRequest(3);
        QVERIFY(r);
        m_transport->finish(failedWith(
            *r, SmtpResult::failure(ErrorClass::Network, QStringLiteral("refused")), false, false));
        settle();
        QCOMPARE(record(id).state, MessageState::Failed);
        QCOMPARE(record(id).attempts, 3);
        QCOMPARE(m_notices->count(), 1);
    }

    // | network down (offline) | nothing is attempted; no attempt is counted |
    void offlineAttemptsNothing_data()
    {
        QTest::addColumn<bool>("workOffline");
        QTest::newRow("system offline") << false;
        QTest::newRow("work offline") << true;
    }
    void offlineAttemptsNothing()
    {
        QFETCH(bool, workOffline);
        if (workOffline)
            m_connectivity->setWorkOffline(true);
        else
            m_connectivity->setOverride(Connectivity::Reachability::Offline);
        const qint64 a = enqueue("a");
        const qint64 b = enqueue("b");
        m_dispatcher->start();
        settle();
        m_dispatcher->flush();
        m_dispatcher->wake();
        settle();
        QCOMPARE(m_transport->requests.size(), 0);
        QVERIFY(!m_dispatcher->isBusy());
        for (qint64 id : {a, b}) {
            const MessageRecord m = record(id);
            QCOMPARE(m.state, MessageState::Queued);
            QCOMPARE(m.attempts, 0);
            QCOMPARE(events(m), QStringList{QStringLiteral("queued")});
        }
        // Back online: both go at once.
        if (workOffline)
            m_connectivity->setWorkOffline(false);
        else
            m_connectivity->setOverride(Connectivity::Reachability::Online);
        QVERIFY(waitRequest(2));
        m_transport->finish(accepted(m_transport->requests[0]));
        m_transport->finish(accepted(m_transport->requests[1]));
        settle();
        QCOMPARE(record(a).state, MessageState::Sent);
        QCOMPARE(record(a).attempts, 1);
        QCOMPARE(record(b).state, MessageState::Sent);
        // One summary notice for the batch written offline.
        QCOMPARE(m_notices->count(), 1);
        const Notice n = m_notices->first().first().value<Notice>();
        QCOMPARE(n.kind, Notice::Kind::BatchSent);
        QCOMPARE(n.count, 2);
    }

    void offlineDuringBackoffCountsNothing()
    {
        const qint64 id = enqueue("a");
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        m_transport->finish(
            failedWith(*r, SmtpResult::failure(ErrorClass::Network, QStringLiteral("unreachable")),
                       false, false));
        settle();
        m_connectivity->setOverride(Connectivity::Reachability::Offline);
        m_clock.advance(10 * kHour);
        m_dispatcher->wake();
        m_dispatcher->flush();
        settle();
        QCOMPARE(m_transport->requests.size(), 1);
        QCOMPARE(record(id).attempts, 1);
        QCOMPARE(record(id).state, MessageState::Queued);
    }

    // | 5xx (not 421) | failed with the reply shown to the user |
    void permanentFails_data()
    {
        QTest::addColumn<int>("cls");
        QTest::addColumn<int>("code");
        QTest::addColumn<bool>("rcptDone");
        QTest::newRow("554 after DATA") << int(ErrorClass::Permanent) << 554 << true;
        QTest::newRow("550 to MAIL") << int(ErrorClass::Permanent) << 550 << false;
        QTest::newRow("552 too large") << int(ErrorClass::Permanent) << 552 << true;
        QTest::newRow("local") << int(ErrorClass::Local) << 0 << false;
    }
    void permanentFails()
    {
        QFETCH(int, cls);
        QFETCH(int, code);
        QFETCH(bool, rcptDone);
        const SmtpReply r5 = code ? reply(code, "5.7.1", "message refused") : SmtpReply{};
        const qint64 id = enqueue("perm", {"bob@example.net", "carol@example.net"});
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        m_transport->finish(
            failedWith(*r, SmtpResult::failure(ErrorClass(cls), QStringLiteral("why"), r5),
                       rcptDone, rcptDone));
        settle();
        const MessageRecord m = record(id);
        QCOMPARE(m.state, MessageState::Failed);
        QCOMPARE(m.errorClass, ErrorClass(cls));
        QCOMPARE(m.attempts, 1);
        QCOMPARE(m.lastReply.code, code);
        if (code)
            QCOMPARE(m.lastReply.text(), QStringLiteral("message refused"));
        QCOMPARE(m.history.last().event, HistoryEvent::Failed);
        for (const RecipientRecord &rr : m.recipients)
            QCOMPARE(rr.state, MessageState::Failed);
        QCOMPARE(m_notices->count(), 1);
        const Notice n = m_notices->first().first().value<Notice>();
        QCOMPARE(n.kind, Notice::Kind::MessageFailed);
        QCOMPARE(n.messageId, id);
        QCOMPARE(n.result.errorClass, ErrorClass(cls));
        QCOMPARE(n.result.reply.code, code);
        m_clock.advance(10 * kHour);
        m_dispatcher->wake();
        settle();
        QCOMPARE(m_transport->requests.size(), 1);
        QCOMPARE(m_notices->count(), 1);
    }

    // | 535/534 authentication | account paused, its messages held, user told once |
    // | certificate not trusted | account paused, messages held, the certificate shown |
    void accountProblemPauses_data()
    {
        QTest::addColumn<int>("cls");
        QTest::addColumn<int>("code");
        QTest::newRow("auth 535") << int(ErrorClass::Auth) << 535;
        QTest::newRow("auth 534") << int(ErrorClass::Auth) << 534;
        QTest::newRow("certificate") << int(ErrorClass::Certificate) << 0;
        QTest::newRow("tls") << int(ErrorClass::Tls) << 0;
    }
    void accountProblemPauses()
    {
        QFETCH(int, cls);
        QFETCH(int, code);
        SmtpResult why =
            SmtpResult::failure(ErrorClass(cls), QStringLiteral("refused"),
                                code ? reply(code, "5.7.8", "authentication failed") : SmtpReply{});
        if (ErrorClass(cls) == ErrorClass::Certificate) {
            why.certificateChainPem = {
                "-----BEGIN CERTIFICATE-----\nMIIBleaf\n-----END CERTIFICATE-----\n",
                "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n"};
            why.certificateErrors = {QStringLiteral(
                "The issuer certificate of a locally looked up certificate could not be found")};
        }
        // Two in flight, one on another account.
        const qint64 a = enqueue("a");
        const qint64 b = enqueue("b");
        const qint64 h = enqueue("h", {"bob@example.net"}, QStringLiteral("home"));
        m_dispatcher->start();
        QVERIFY(waitRequest(3));
        // Two more queued while those are in flight (not claimed yet: nothing woke the dispatcher).
        const qint64 c = enqueue("c");
        const qint64 d = enqueue("d");
        const SendRequest *ra = m_transport->requestFor(a);
        QVERIFY(ra);
        m_transport->finish(failedWith(*ra, why, false, false));
        settle();

        QVERIFY(m_accounts->isPaused(QStringLiteral("work")));
        QVERIFY(!m_accounts->isPaused(QStringLiteral("home")));
        for (qint64 id : {a, b, c, d}) {
            const MessageRecord m = record(id);
            QCOMPARE(m.state, MessageState::Held);
            QCOMPARE(m.errorClass, ErrorClass(cls));
            QCOMPARE(m.history.last().event, HistoryEvent::HeldAccountPaused);
        }
        QCOMPARE(record(a).attempts, 1);
        QCOMPARE(record(b).attempts, 0);
        QCOMPARE(record(c).attempts, 0);
        QCOMPARE(record(a).lastReply.code, code);
        QVERIFY(!m_transport->cancelled.isEmpty());
        QCOMPARE(QSet<QString>(m_transport->cancelled.cbegin(), m_transport->cancelled.cend()),
                 QSet<QString>{QStringLiteral("work")});
        // The other account goes on.
        QCOMPARE(record(h).state, MessageState::Sending);
        m_transport->finish(accepted(*m_transport->requestFor(h)));
        settle();
        QCOMPARE(record(h).state, MessageState::Sent);

        // Told once.
        QCOMPARE(m_notices->count(), 1);
        const Notice n = m_notices->first().first().value<Notice>();
        QCOMPARE(n.kind, Notice::Kind::AccountPaused);
        QCOMPARE(n.account, QStringLiteral("work"));
        QCOMPARE(n.result.errorClass, ErrorClass(cls));
        QCOMPARE(n.result.reply.code, code);
        if (ErrorClass(cls) == ErrorClass::Certificate) {
            QCOMPARE(n.result.certificateChainPem, why.certificateChainPem);
            QCOMPARE(n.result.certificateErrors, why.certificateErrors);
        }

        // While paused nothing of the account is attempted, not even new messages.
        const qint64 e = enqueue("e");
        m_clock.advance(10 * kHour);
        m_dispatcher->wake();
        m_dispatcher->flush();
        settle();
        QCOMPARE(m_transport->requests.size(), 3);
        QCOMPARE(record(e).state, MessageState::Queued);
        QCOMPARE(m_notices->count(), 1);

        // Resumed: everything goes again.
        m_dispatcher->resumeAccount(QStringLiteral("work"));
        QVERIFY(waitRequest(8));
        settle();
        QCOMPARE(m_transport->requests.size(), 8);
        QSet<qint64> again;
        for (int i = 3; i < 8; ++i)
            again.insert(m_transport->requests[i].message.id);
        QCOMPARE(again, (QSet<qint64>{a, b, c, d, e}));
    }

    // | connection lost after the final . and before the reply | delivery uncertain: retried
    // with the same Message-ID, and marked so in the history |
    void lostAfterEndMarker_data()
    {
        QTest::addColumn<int>("cls");
        QTest::newRow("connection lost") << int(ErrorClass::Network);
        QTest::newRow("data-end timeout") << int(ErrorClass::Timeout);
    }
    void lostAfterEndMarker()
    {
        QFETCH(int, cls);
        const qint64 id = enqueue("uncertain");
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        const QByteArray firstBytes = bytesOf(*r);
        const qint64 t0 = m_clock.nowMs();
        const TransactionResult tx = failedWith(
            *r, SmtpResult::failure(ErrorClass(cls), QStringLiteral("lost after end of data")),
            true, true);
        QVERIFY(tx.uncertain());
        m_transport->finish(tx);
        settle();
        const MessageRecord m = record(id);
        QCOMPARE(m.state, MessageState::Queued);
        QVERIFY(m.uncertain);
        QCOMPARE(m.attempts, 1);
        QVERIFY(m.history.last().uncertain);
        QVERIFY2(historyEventName(m.history.last().event).contains(QLatin1String("uncertain")),
                 qPrintable(historyEventName(m.history.last().event)));
        const qint64 wait = m.nextAttemptAt.toMSecsSinceEpoch() - t0;
        QVERIFY(wait >= window(1).first && wait <= window(1).second);
        QCOMPARE(m_notices->count(), 0);
        // Retried with the same bytes (same Message-ID).
        m_clock.advance(wait);
        m_dispatcher->wake();
        r = waitRequest(2);
        QVERIFY(r);
        QCOMPARE(bytesOf(*r), firstBytes);
        QVERIFY(firstBytes.contains("Message-ID: <uncertain@outpost.test>"));
        m_transport->finish(accepted(*r));
        settle();
        QCOMPARE(record(id).state, MessageState::Sent);
        QVERIFY(record(id).uncertain); // the history keeps saying so
    }

    // The pool never reached the server for this message: queued, no attempt counted.
    void notAttemptedIsNotCounted()
    {
        const qint64 id = enqueue("na");
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        TransactionResult tx = failedWith(
            *r, SmtpResult::failure(ErrorClass::Network, QStringLiteral("refused")), false, false);
        tx.notAttempted = true;
        m_transport->finish(tx);
        settle();
        MessageRecord m = record(id);
        QCOMPARE(m.state, MessageState::Queued);
        QCOMPARE(m.attempts, 0);
        QVERIFY(m.nextAttemptAt.toMSecsSinceEpoch() > m_clock.nowMs());
        // Twice more: still not counted.
        for (int i = 2; i <= 3; ++i) {
            m_clock.set(record(id).nextAttemptAt.toMSecsSinceEpoch());
            m_dispatcher->wake();
            r = waitRequest(i);
            QVERIFY(r);
            tx.messageId = r->message.id;
            m_transport->finish(tx);
            settle();
        }
        QCOMPARE(record(id).attempts, 0);
        QCOMPARE(record(id).state, MessageState::Queued);
    }

    // The dispatcher remembers how each account's server was at the last attempt that reached
    // the network: unreachable after a refused connection, reached once it answered; an
    // attempt that never went out says nothing.
    void serverContactFollowsTheLastAttempt()
    {
        QSignalSpy changed(m_dispatcher.get(), &Dispatcher::serverContactChanged);
        QVERIFY(m_dispatcher->serverContacts().isEmpty());
        const qint64 id = enqueue("contact");
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        TransactionResult tx = failedWith(
            *r, SmtpResult::failure(ErrorClass::Network, QStringLiteral("refused")), false, false);
        tx.notAttempted = true;
        m_transport->finish(tx);
        settle();
        QVERIFY(m_dispatcher->serverContacts().isEmpty());
        QCOMPARE(changed.size(), 0);

        m_clock.set(record(id).nextAttemptAt.toMSecsSinceEpoch());
        m_dispatcher->wake();
        r = waitRequest(2);
        QVERIFY(r);
        m_transport->finish(failedWith(
            *r, SmtpResult::failure(ErrorClass::Network, QStringLiteral("refused")), false, false));
        settle();
        QList<ServerContact> contacts = m_dispatcher->serverContacts();
        QCOMPARE(contacts.size(), 1);
        QCOMPARE(contacts[0].account, QStringLiteral("work"));
        QCOMPARE(contacts[0].server, QStringLiteral("smtp.example.net:587"));
        QCOMPARE(contacts[0].seen, ServerContact::Seen::Unreachable);
        QCOMPARE(contacts[0].errorClass, ErrorClass::Network);
        QCOMPARE(contacts[0].at.toMSecsSinceEpoch(), m_clock.nowMs());
        QCOMPARE(changed.size(), 1);

        m_clock.set(record(id).nextAttemptAt.toMSecsSinceEpoch());
        m_dispatcher->wake();
        r = waitRequest(3);
        QVERIFY(r);
        m_transport->finish(accepted(*r));
        settle();
        contacts = m_dispatcher->serverContacts();
        QCOMPARE(contacts.size(), 1);
        QCOMPARE(contacts[0].seen, ServerContact::Seen::Reached);
        QCOMPARE(contacts[0].errorClass, ErrorClass::None);
        QCOMPARE(changed.size(), 2);
    }

    // A message left in `sending` by a crash is queued again at the next start, with a note.
    void crashRecovery()
    {
        const qint64 a = enqueue("a");
        const qint64 b = enqueue("b");
        m_dispatcher->start();
        QVERIFY(waitRequest(2));
        QCOMPARE(record(a).state, MessageState::Sending);
        // Crash: everything goes away without reporting.
        tearDown();
        build();
        m_clock.advance(1000);
        const QDateTime now = m_clock.now();
        QCOMPARE(m_storage->writeNow([now](StorageWriter &w) {
            return w.outbox.recoverInterrupted(
                [now](const InterruptedMessage &m) { return decideInterrupted(m, now); });
        }),
                 2);
        for (qint64 id : {a, b}) {
            const MessageRecord m = record(id);
            QCOMPARE(m.state, MessageState::Queued);
            QCOMPARE(m.attempts, 0);
            QCOMPARE(m.history.last().event, HistoryEvent::Recovered);
        }
        m_dispatcher->start();
        QVERIFY(waitRequest(2));
        for (const SendRequest &r : std::as_const(m_transport->requests))
            m_transport->finish(accepted(r));
        settle();
        QCOMPARE(record(a).state, MessageState::Sent);
        QCOMPARE(record(b).state, MessageState::Sent);
    }

    // Scheduled send: not claimed before sendAt, not even by "send queued now".
    // A refused login drops the password kept in memory: after the user fixes it (a new
    // password in the command's file, the account resumed), the next attempt reads it again.
    void refusedLoginForgetsThePassword()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("pw"));
        const auto writePassword = [&](const QByteArray &pw) {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(pw + "\n");
        };
        writePassword("old");
        QVERIFY(addAccountWithPasswordCommand(QStringLiteral("pw"),
                                              QStringLiteral("cat '%1'").arg(file)));
        const qint64 id = enqueue("a", {"bob@example.net"}, QStringLiteral("pw"));
        m_dispatcher->start();
        QVERIFY(waitRequest(1));
        QCOMPARE(m_transport->requests.first().session.credentials.password, QStringLiteral("old"));
        m_transport->finish(
            failedWith(m_transport->requests.first(),
                       SmtpResult::failure(ErrorClass::Auth, QStringLiteral("refused"),
                                           reply(535, "5.7.8", "authentication failed")),
                       false, false));
        settle();
        QCOMPARE(record(id).state, MessageState::Held);
        writePassword("new");
        m_dispatcher->resumeAccount(QStringLiteral("pw"));
        QVERIFY(waitRequest(2));
        QCOMPARE(m_transport->requests.last().session.credentials.password, QStringLiteral("new"));
    }

    void failingPasswordCommandEndsActivity()
    {
        // No password (the command fails): the message is held, the account paused, and the
        // dispatcher says it is idle (activityChanged(false)), or `outpost flush` never ends.
        QVERIFY(addAccountWithPasswordCommand(QStringLiteral("locked"), QStringLiteral("false")));
        const qint64 id = enqueue("a", {"bob@example.net"}, QStringLiteral("locked"));
        QSignalSpy activity(m_dispatcher.get(), &Dispatcher::activityChanged);
        m_dispatcher->start();
        QTRY_VERIFY_WITH_TIMEOUT(!activity.isEmpty() && !activity.last().at(0).toBool(), 10000);
        QVERIFY(!m_dispatcher->isBusy());
        QCOMPARE(m_transport->requests.size(), 0);
        QCOMPARE(record(id).state, MessageState::Held);
        QVERIFY(m_storage->reader()->summary(id)->heldByAccount);
        QVERIFY(m_accounts->isPaused(QStringLiteral("locked")));
    }

    // A password command that hangs is no refused login: the message waits for the backoff
    // with its own class and words, the account is not paused, and the stopped command leaves
    // no warning behind.
    void hangingPasswordCommandIsRetried()
    {
        QTest::failOnWarning(QRegularExpression(QStringLiteral("Destroyed while process")));
        QVERIFY(addAccountWithPasswordCommand(QStringLiteral("slow"), QStringLiteral("sleep 30")));
        QString error;
        QVERIFY(m_settings->set(QStringLiteral("slow"), QStringLiteral("timeout.password_command"),
                                QStringLiteral("200"), &error));
        const qint64 id = enqueue("a", {"bob@example.net"}, QStringLiteral("slow"));
        QSignalSpy activity(m_dispatcher.get(), &Dispatcher::activityChanged);
        m_dispatcher->start();
        QTRY_VERIFY_WITH_TIMEOUT(!activity.isEmpty() && !activity.last().at(0).toBool(), 10000);
        QCOMPARE(m_transport->requests.size(), 0);
        const MessageRecord m = record(id);
        QCOMPARE(m.state, MessageState::Queued);
        QCOMPARE(m.errorClass, ErrorClass::Credentials);
        QCOMPARE(m.lastDetail, QStringLiteral("the password command did not finish in 1 s"));
        QCOMPARE(m.attempts, 1);
        QVERIFY(m.nextAttemptAt > m_clock.now()); // the backoff, not at once
        QVERIFY(!m.heldByAccount);
        QVERIFY(!m_accounts->isPaused(QStringLiteral("slow")));
    }

    void scheduledSend()
    {
        const QDateTime at = m_clock.now().addSecs(3600);
        const qint64 id = enqueue("later", {"bob@example.net"}, QStringLiteral("work"), at);
        m_dispatcher->start();
        settle();
        m_dispatcher->flush();
        settle();
        QCOMPARE(m_transport->requests.size(), 0);
        QVERIFY(!m_dispatcher->isBusy());
        m_clock.advance(3600 * 1000 - 1);
        m_dispatcher->wake();
        settle();
        QCOMPARE(m_transport->requests.size(), 0);
        m_clock.advance(1);
        m_dispatcher->wake();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        QCOMPARE(r->message.id, id);
        m_transport->finish(accepted(*r));
        settle();
        QCOMPARE(record(id).state, MessageState::Sent);
    }

    // While the pool shuts down, requests it did not start are queued again, not counted.
    void shutdownInterruptionNotCounted()
    {
        const qint64 id = enqueue("a");
        m_dispatcher->start();
        const SendRequest *r = waitRequest(1);
        QVERIFY(r);
        const SendRequest copy = *r;
        m_dispatcher->stop();
        m_transport->Transport::shutdown(10);
        TransactionResult tx = failedWith(
            copy, SmtpResult::failure(ErrorClass::Network, QStringLiteral("shutting down")), false,
            false);
        tx.notAttempted = true;
        m_transport->finish(tx);
        settle();
        QCOMPARE(record(id).state, MessageState::Queued);
        QCOMPARE(record(id).attempts, 0);
        QCOMPARE(record(id).nextAttemptAt.toMSecsSinceEpoch(), m_clock.nowMs());
    }
};

QTEST_GUILESS_MAIN(TestDispatcher)
#include "tst_dispatcher.moc"
