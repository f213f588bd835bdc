// A message goes out read from the outbox in pieces (StoredMessageSource on a connection of its
// own, Storage::messageSource()): through a real Transport to MiniSmtpServer on 127.0.0.1, a
// message removed from the outbox while it is being read ends with class storage (the end of
// data never written, nothing reported delivered), its outcome keeps it queued, and the next
// message still goes out whole.

#include "MiniSmtpServer.h"
#include "outbox/Clock.h"
#include "outbox/Outcome.h"
#include "smtp/Transport.h"
#include "storage/Database.h"
#include "storage/MessageBlob.h"
#include "storage/Storage.h"

#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace outpost;
using outpost::testsupport::MiniSmtpServer;

namespace {

NewMessage makeMessage(const QByteArray &tag, qsizetype lines)
{
    NewMessage m;
    m.account = QStringLiteral("work");
    m.messageId = tag + "@outpost.test";
    m.reversePath = "alice@example.org";
    m.recipients = {"bob@example.net"};
    m.data = "From: alice@example.org\r\nTo: bob@example.net\r\nMessage-ID: <" + m.messageId +
             ">\r\nSubject: " + tag + "\r\n\r\n";
    for (qsizetype i = 0; i < lines; ++i)
        m.data += "A line of the message body, long enough to make the message big.\r\n";
    return m;
}

/// Reads through `inner`, but first runs `before` once when a read reaches `at` octets.
class TripwireSource final : public MessageSource
{
public:
    TripwireSource(std::shared_ptr<MessageSource> inner, qint64 at, std::function<void()> before)
        : m_inner(std::move(inner))
        , m_at(at)
        , m_before(std::move(before))
    {}
    qint64 size() const override { return m_inner->size(); }
    qint64 read(qint64 offset, char *buffer, qint64 maxOctets, QString *error) override
    {
        if (offset >= m_at && m_before)
            std::exchange(m_before, {})();
        ++reads;
        return m_inner->read(offset, buffer, maxOctets, error);
    }
    int reads = 0;

private:
    std::shared_ptr<MessageSource> m_inner;
    qint64 m_at;
    std::function<void()> m_before;
};

} // namespace

class TestMessageStreaming : public QObject
{
    Q_OBJECT

private slots:
    void deletedWhileReadEndsCleanly()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        MockClock clock;
        Database db;
        QString error;
        const QString path = dir.filePath(QStringLiteral("outbox.sqlite"));
        QVERIFY2(db.open(path, &error), qPrintable(error));
        Storage storage(&db, &clock);
        const qint64 gone =
            storage.writeNow(&OutboxWriter::enqueue, makeMessage("gone", 6000), &error);
        const qint64 kept =
            storage.writeNow(&OutboxWriter::enqueue, makeMessage("kept", 3000), &error);
        QVERIFY(gone > 0 && kept > 0);
        const QList<ClaimedMessage> claimed =
            storage.writeNow(&OutboxWriter::claimDue, 2, QStringList{}, qint64(-1));
        QCOMPARE(claimed.size(), 2);
        QVERIFY(claimed[0].size > 4 * kMessagePieceOctets);
        const QByteArray keptBytes = storage.reader()->messageData(kept);

        MiniSmtpServer server;
        QVERIFY2(server.start(&error), qPrintable(error));
        Transport transport;
        QSignalSpy finished(&transport, &Transport::finished);
        // The first message loses its row after two pieces went out, and the reader's snapshot
        // ends (as it does within a second): its next piece cannot be read.
        const std::shared_ptr<MessageBlobReader> reader = openMessageBlobReader(path, &error);
        QVERIFY2(reader, qPrintable(error));
        auto tripwire = std::make_shared<TripwireSource>(
            std::make_shared<StoredMessageSource>(reader, gone, claimed[0].size),
            2 * kMessagePieceOctets, [&] {
                QSqlQuery d(db.db());
                QVERIFY(d.exec(QStringLiteral("DELETE FROM message_data WHERE id = %1").arg(gone)));
                reader->closeAll();
            });
        for (const ClaimedMessage &c : claimed) {
            SendRequest r;
            r.account = QStringLiteral("work");
            r.session.host = QStringLiteral("127.0.0.1");
            r.session.port = server.port();
            r.session.security = Security::None;
            r.message.id = c.id;
            r.message.reversePath = c.reversePath;
            r.message.recipients = c.recipients;
            r.message.source = c.id == gone ? std::shared_ptr<MessageSource>(tripwire)
                                            : storage.messageSource(c.id, c.size);
            r.message.shape = c.shape;
            transport.send(r);
        }
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 20000);
        TransactionResult lost, sent;
        for (const QList<QVariant> &args : std::as_const(finished)) {
            const auto tx = args.at(0).value<TransactionResult>();
            (tx.messageId == gone ? lost : sent) = tx;
        }
        QCOMPARE(lost.messageId, gone);
        QCOMPARE(lost.result.errorClass, ErrorClass::Storage);
        QVERIFY2(lost.result.detail.contains(QLatin1String("no such rowid")),
                 qPrintable(lost.result.detail));
        QVERIFY(!lost.endMarkerSent);
        QVERIFY(!lost.uncertain());
        QVERIFY(tripwire->reads >= 3);
        // The other message went out whole; only it was taken by the server.
        QCOMPARE(sent.messageId, kept);
        QVERIFY2(sent.result.ok(), qPrintable(sent.result.detail));
        QCOMPARE(server.accepted, 1);
        QCOMPARE(storage.reader()->messageData(kept), keptBytes);
        // Its outcome: queued again on the backoff, one attempt counted, nothing refused.
        OutcomeContext ctx;
        ctx.now = clock.now();
        const OutcomeDecision d = decideOutcome(lost, claimed[0], ctx);
        QCOMPARE(d.update.state, MessageState::Queued);
        QCOMPARE(d.update.errorClass, ErrorClass::Storage);
        QVERIFY(!d.notice);
        QSignalSpy down(&transport, &Transport::shutdownFinished);
        transport.shutdown(1000);
        QVERIFY(down.wait(5000));
    }
};

QTEST_GUILESS_MAIN(TestMessageStreaming)
#include "tst_messagestreaming.moc"
