// The outbox storage (OutboxReader, OutboxWriter, Storage) and Database (design.md §4): the life of
// a message in the store, the schema version and migrations, a corrupt file, a full disk. Time
// comes from a MockClock.

#include "outbox/Clock.h"
#include "outbox/Outcome.h"
#include "storage/Database.h"
#include "storage/MessageBlob.h"
#include "storage/Salvage.h"
#include "storage/Storage.h"

#include <QDir>
#include <QFile>
#include <QSet>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <algorithm>

using namespace outpost;

namespace {

NewMessage makeMessage(const QByteArray &tag,
                       const QList<QByteArray> &recipients = {"bob@example.net"},
                       qsizetype bodySize = 0)
{
    NewMessage m;
    m.account = QStringLiteral("work");
    m.messageId = tag + "@outpost.test";
    m.reversePath = "alice@example.org";
    m.recipients = recipients;
    m.fromText = QStringLiteral("alice@example.org");
    m.toText = QStringLiteral("bob@example.net");
    m.subject = QString::fromLatin1(tag);
    m.data = "From: alice@example.org\r\nTo: bob@example.net\r\nMessage-ID: <" + m.messageId +
             ">\r\nSubject: " + tag + "\r\n\r\n" + QByteArray(bodySize, 'x') + "\r\n";
    return m;
}

/// Rows of a table that mention a message (for "nothing half-written" checks).
int rows(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (!q.exec(sql) || !q.next())
        return -1;
    return q.value(0).toInt();
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// Takes an outbox back to before schema 7 (the Sent copy's columns and index), for tests
/// that rewind it to an older schema; false (with *failed) on a statement that failed.
bool dropSchema7(QSqlDatabase &db, QString *failed)
{
    static const char *const kDrop[] = {
        "DROP INDEX messages_copy_due",
        "ALTER TABLE messages DROP COLUMN sent_at",
        "ALTER TABLE messages DROP COLUMN copy_state",
        "ALTER TABLE messages DROP COLUMN copy_attempts",
        "ALTER TABLE messages DROP COLUMN copy_next_attempt_at",
        "ALTER TABLE messages DROP COLUMN copy_error_class",
        "ALTER TABLE messages DROP COLUMN copy_error_text",
        "ALTER TABLE messages DROP COLUMN copy_uid",
        "ALTER TABLE accounts DROP COLUMN imap_host",
        "ALTER TABLE accounts DROP COLUMN imap_port",
        "ALTER TABLE accounts DROP COLUMN imap_security",
        "ALTER TABLE accounts DROP COLUMN imap_user",
        "ALTER TABLE accounts DROP COLUMN sent_folder",
        "ALTER TABLE accounts DROP COLUMN sent_copy",
    };
    QSqlQuery q(db);
    for (const char *sql : kDrop) {
        if (!q.exec(QString::fromLatin1(sql))) {
            *failed = QString::fromLatin1(sql) + QStringLiteral(": ") + q.lastError().text();
            return false;
        }
    }
    return true;
}

bool hasEvent(const MessageRecord &r, HistoryEvent event)
{
    for (const HistoryEntry &h : r.history) {
        if (h.event == event)
            return true;
    }
    return false;
}

} // namespace

class TestOutboxStore : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    MockClock m_clock;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<Storage> m_storage;

    QString dbPath() const { return m_dir.filePath(QStringLiteral("outbox.sqlite")); }

    void reopen()
    {
        m_storage.reset();
        m_db = std::make_unique<Database>();
        QString error;
        QVERIFY2(m_db->open(dbPath(), &error), qPrintable(error));
        m_storage = std::make_unique<Storage>(m_db.get(), &m_clock);
    }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_storage.reset();
        m_db.reset();
        QFile::remove(dbPath());
        QFile::remove(dbPath() + QStringLiteral("-wal"));
        QFile::remove(dbPath() + QStringLiteral("-shm"));
        m_clock.set(1'700'000'000'000);
        reopen();
    }
    void cleanup()
    {
        m_storage.reset();
        m_db.reset();
    }

    void enqueueStoresEverything()
    {
        QSignalSpy changed(m_storage->reader(), &OutboxReader::messageChanged);
        QString error;
        const NewMessage m = makeMessage("one", {"bob@example.net", "carol@example.net"});
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, m, &error);
        QVERIFY2(id > 0, qPrintable(error));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().first().toLongLong(), id);

        const auto rec = m_storage->reader()->message(id);
        QVERIFY(rec);
        QCOMPARE(rec->state, MessageState::Queued);
        QCOMPARE(rec->account, QStringLiteral("work"));
        QCOMPARE(rec->attempts, 0);
        QCOMPARE(rec->messageId, QByteArray("one@outpost.test"));
        QCOMPARE(rec->reversePath, QByteArray("alice@example.org"));
        QCOMPARE(rec->size, qint64(m.data.size()));
        QCOMPARE(rec->createdAt.toMSecsSinceEpoch(), m_clock.nowMs());
        QCOMPARE(rec->nextAttemptAt.toMSecsSinceEpoch(), m_clock.nowMs());
        QCOMPARE(rec->recipients.size(), 2);
        QCOMPARE(rec->recipients[0].address, QByteArray("bob@example.net"));
        QCOMPARE(rec->recipients[1].address, QByteArray("carol@example.net"));
        QCOMPARE(rec->recipients[1].state, MessageState::Queued);
        QCOMPARE(rec->history.size(), 1);
        QCOMPARE(rec->history[0].event, HistoryEvent::Queued);
        QCOMPARE(m_storage->reader()->messageData(id), m.data);
        QCOMPARE(m_storage->reader()->count(MessageState::Queued), 1);
    }

    void enqueueManyIsAllOrNothing()
    {
        QString error;
        const QList<qint64> ids = m_storage->writeNow(
            &OutboxWriter::enqueueMany,
            QList<NewMessage>{makeMessage("a"), makeMessage("b"), makeMessage("c")}, &error);
        QCOMPARE(ids.size(), 3);
        QCOMPARE(m_storage->reader()->count(), 3);
        // The second message breaks a constraint (NULL account): none of the batch is stored.
        NewMessage bad = makeMessage("bad");
        bad.account = QString();
        const QList<qint64> none =
            m_storage->writeNow(&OutboxWriter::enqueueMany,
                                QList<NewMessage>{makeMessage("d"), bad, makeMessage("e")}, &error);
        QVERIFY(none.isEmpty());
        QVERIFY(!error.isEmpty());
        QCOMPARE(m_storage->reader()->count(), 3);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM message_data")), 3);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM recipients")), 3);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM history")), 3);
    }

    void claimMarksSendingOldestFirst()
    {
        QString error;
        const qint64 a = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error);
        m_clock.advance(10);
        const qint64 b = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("b"), &error);
        const qint64 c = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("c"), &error);
        QList<ClaimedMessage> claimed =
            m_storage->writeNow(&OutboxWriter::claimDue, 2, QStringList{}, qint64(-1));
        QCOMPARE(claimed.size(), 2);
        QCOMPARE(claimed[0].id, a);
        QCOMPARE(claimed[1].id, b);
        QCOMPARE(claimed[0].recipients, QList<QByteArray>{"bob@example.net"});
        // A claim carries what the octets come to, never the octets.
        const QByteArray stored = m_storage->reader()->messageData(a);
        QCOMPARE(claimed[0].size, qint64(stored.size()));
        QCOMPARE(claimed[0].readError, QString());
        QCOMPARE(claimed[0].shape.octets, qint64(stored.size()));
        QCOMPARE(claimed[0].shape.normalized, scanForWire(stored).normalized);
        QCOMPARE(claimed[0].shape.longestLine, scanForWire(stored).longestLine);
        QCOMPARE(claimed[0].reversePath, QByteArray("alice@example.org"));
        QCOMPARE(m_storage->reader()->summary(a)->state, MessageState::Sending);
        QCOMPARE(m_storage->reader()->summary(c)->state, MessageState::Queued);
        // Claimed messages are not claimed again.
        claimed = m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].id, c);
        QVERIFY(
            m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).isEmpty());
        QCOMPARE(m_storage->reader()->nextDueMs({}), -1);
    }

    // The octets of a message bigger than a piece are read in pieces through a connection of
    // the storage's own, byte-exact; its shape is scanned at the claim, piece by piece too.
    void messageSourceReadsPieces()
    {
        QString error;
        NewMessage big = makeMessage("big", {"bob@example.net"}, 3 * kMessagePieceOctets + 17);
        // A CRLF split between the first two pieces, with a dot to stuff after it; a bare LF.
        big.data.replace(kMessagePieceOctets - 1, 3, "\r\n.");
        big.data.replace(70000, 3, "\n.\r");
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, big, &error);
        QVERIFY2(id > 0, qPrintable(error));
        const QList<ClaimedMessage> claimed =
            m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].size, qint64(big.data.size()));
        const WireShape want = scanForWire(big.data);
        QCOMPARE(claimed[0].shape.normalized, want.normalized);
        QCOMPARE(claimed[0].shape.dotsStuffed, want.dotsStuffed);
        QCOMPARE(claimed[0].shape.longestLine, want.longestLine);
        const std::shared_ptr<MessageSource> source = m_storage->messageSource(id, claimed[0].size);
        QCOMPARE(readWholeMessage(*source, &error).value_or(QByteArray()), big.data);
        char piece[10];
        QCOMPARE(source->read(70000, piece, 10, &error), qint64(10));
        QCOMPARE(QByteArray(piece, 10), big.data.mid(70000, 10));
        QCOMPARE(source->read(big.data.size() - 4, piece, 10, &error), qint64(4));
        QCOMPARE(source->read(big.data.size(), piece, 10, &error), qint64(0));
    }

    // A message removed while it is being read (another process, a damaged row): its open
    // blob still reads the snapshot it started in; once that ends (MessageBlobReader closes
    // it within a second) the next read fails cleanly with SQLite's words, and every other
    // message is still there and readable.
    void messageSourceOfDeletedMessageFailsCleanly()
    {
        QString error;
        const qint64 keep = m_storage->writeNow(
            &OutboxWriter::enqueue, makeMessage("keep", {"bob@example.net"}, 100000), &error);
        const qint64 gone = m_storage->writeNow(
            &OutboxWriter::enqueue, makeMessage("gone", {"bob@example.net"}, 100000), &error);
        QVERIFY(keep > 0 && gone > 0);
        const QByteArray keepBytes = m_storage->reader()->messageData(keep);
        const qint64 size = m_storage->reader()->messageData(gone).size();
        const std::shared_ptr<MessageBlobReader> reader = openMessageBlobReader(dbPath(), &error);
        QVERIFY2(reader, qPrintable(error));
        QVERIFY(reader->piecewise());
        StoredMessageSource source(reader, gone, size);
        QByteArray piece(1000, Qt::Uninitialized);
        QCOMPARE(source.read(0, piece.data(), piece.size(), &error), qint64(piece.size()));
        const QByteArray first = piece;
        {
            QSqlQuery d(m_db->db());
            QVERIFY(d.exec(QStringLiteral("DELETE FROM message_data WHERE id = %1").arg(gone)));
        }
        QCOMPARE(source.read(0, piece.data(), piece.size(), &error), qint64(piece.size()));
        QCOMPARE(piece, first); // the snapshot
        reader->closeAll();
        error.clear();
        QCOMPARE(source.read(1000, piece.data(), piece.size(), &error), qint64(-1));
        QVERIFY2(error.contains(QLatin1String("no such rowid")), qPrintable(error));
        // Claimed now, it carries the error instead of a shape: it is not sent.
        QList<ClaimedMessage> claimed =
            m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1));
        QCOMPARE(claimed.size(), 2);
        QCOMPARE(claimed[0].id, keep);
        QCOMPARE(claimed[0].readError, QString());
        QCOMPARE(claimed[1].id, gone);
        QVERIFY(!claimed[1].readError.isEmpty());
        const auto other = m_storage->messageSource(keep, keepBytes.size());
        QCOMPARE(readWholeMessage(*other, &error).value_or(QByteArray()), keepBytes);
    }

    // What one claim takes is bounded in octets (pool.claim_ahead_bytes), but one message is
    // always taken, however large.
    void claimBoundedByBytes()
    {
        QString error;
        QList<qint64> ids;
        for (int i = 0; i < 4; ++i) {
            ids << m_storage->writeNow(
                &OutboxWriter::enqueue,
                makeMessage("m" + QByteArray::number(i), {"bob@example.net"}, 10000), &error);
        }
        const qint64 one = m_storage->reader()->messageData(ids[0]).size();
        QList<ClaimedMessage> claimed =
            m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, 2 * one + 1);
        QCOMPARE(claimed.size(), 2);
        claimed = m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(10));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].id, ids[2]);
    }

    void claimSkipsAccountsAndFutureMessages()
    {
        QString error;
        NewMessage other = makeMessage("other");
        other.account = QStringLiteral("home");
        const qint64 h = m_storage->writeNow(&OutboxWriter::enqueue, other, &error);
        NewMessage later = makeMessage("later");
        later.sendAt = m_clock.now().addSecs(3600);
        const qint64 l = m_storage->writeNow(&OutboxWriter::enqueue, later, &error);
        QVERIFY(h > 0 && l > 0);
        QVERIFY(m_storage
                    ->writeNow(&OutboxWriter::claimDue, 10, QStringList{QStringLiteral("home")},
                               qint64(-1))
                    .isEmpty());
        QCOMPARE(m_storage->reader()->nextDueMs({QStringLiteral("home")}),
                 m_clock.nowMs() + 3600 * 1000);
        QCOMPARE(m_storage->reader()->nextDueMs({}), m_clock.nowMs());
        m_clock.advance(3600 * 1000 - 1);
        QVERIFY(m_storage
                    ->writeNow(&OutboxWriter::claimDue, 10, QStringList{QStringLiteral("home")},
                               qint64(-1))
                    .isEmpty());
        m_clock.advance(1);
        const QList<ClaimedMessage> claimed = m_storage->writeNow(
            &OutboxWriter::claimDue, 10, QStringList{QStringLiteral("home")}, qint64(-1));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].id, l);
    }

    void applyUpdateSent()
    {
        QString error;
        const qint64 id =
            m_storage->writeNow(&OutboxWriter::enqueue,
                                makeMessage("a", {"bob@example.net", "carol@example.net"}), &error);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                 1);
        m_clock.advance(500);
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Sent;
        u.reply = SmtpReply{250, "2.0.0", {"Ok: queued as 17"}};
        u.event = HistoryEvent::Sent;
        u.server = QStringLiteral("smtp.example.net:587");
        u.recipients = {
            RecipientRecord{"bob@example.net", MessageState::Sent, SmtpReply{250, "2.1.5", {"ok"}}},
            RecipientRecord{"carol@example.net", MessageState::Failed,
                            SmtpReply{550, "5.1.1", {"no such user"}}}};
        QVERIFY2(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error), qPrintable(error));
        const auto rec = m_storage->reader()->message(id);
        QCOMPARE(rec->state, MessageState::Sent);
        QCOMPARE(rec->attempts, 1);
        QCOMPARE(rec->lastReply.code, 250);
        QCOMPARE(rec->lastReply.enhanced, QByteArray("2.0.0"));
        QCOMPARE(rec->lastReply.text(), QStringLiteral("Ok: queued as 17"));
        QCOMPARE(rec->recipients[0].state, MessageState::Sent);
        QCOMPARE(rec->recipients[1].state, MessageState::Failed);
        QCOMPARE(rec->recipients[1].reply.code, 550);
        QCOMPARE(rec->history.size(), 2);
        QCOMPARE(rec->history[1].event, HistoryEvent::Sent);
        QCOMPARE(rec->history[1].server, QStringLiteral("smtp.example.net:587"));
        QCOMPARE(rec->history[1].at.toMSecsSinceEpoch(), m_clock.nowMs());
        // The time the server took it; none before.
        QCOMPARE(rec->sentAt.toMSecsSinceEpoch(), m_clock.nowMs());
        QVERIFY(!m_storage->reader()->summary(id)->createdAt.isNull());
        QVERIFY(rec->createdAt < rec->sentAt);
    }

    void searchMatchesRecipientsAndSubject()
    {
        // Every word in the visible recipients or the subject; LIKE's wildcards and its escape
        // character are plain characters; a range of ids (fromId) reads only that range.
        QString error;
        auto add = [&](const QByteArray &tag, const QString &to, const QString &subject) {
            NewMessage m = makeMessage(tag);
            m.toText = to;
            m.subject = subject;
            return m_storage->writeNow(&OutboxWriter::enqueue, m, &error);
        };
        const qint64 a =
            add("a", QStringLiteral("Bob <bob@example.net>"), QStringLiteral("Report"));
        const qint64 b =
            add("b", QStringLiteral("carol@example.net"), QStringLiteral("50% off_now"));
        const qint64 c = add("c", QStringLiteral("ZOË <zoe@example.org>"), QStringLiteral("a\\b"));
        const qint64 d =
            add("d", QStringLiteral("bob@example.org"), QStringLiteral("lunch report"));
        OutboxReader *r = m_storage->reader();
        auto find = [&](const QString &text, qint64 fromId = 0) {
            return r->idsPage({}, 0, 100, text, fromId);
        };
        QCOMPARE(find(QStringLiteral("BOB")), (QList<qint64>{d, a}));
        QCOMPARE(find(QStringLiteral("bob report")), (QList<qint64>{d, a}));
        QCOMPARE(find(QStringLiteral("  bob   lunch ")), QList<qint64>{d});
        QCOMPARE(find(QStringLiteral("50%")), QList<qint64>{b});
        QCOMPARE(find(QStringLiteral("5_%")), QList<qint64>{});
        QCOMPARE(find(QStringLiteral("f_n")), QList<qint64>{b});
        QCOMPARE(find(QStringLiteral("o%f")), QList<qint64>{});
        QCOMPARE(find(QStringLiteral("a\\b")), QList<qint64>{c});
        QCOMPARE(find(QStringLiteral("zoë")), QList<qint64>{c});
        QCOMPARE(find(QStringLiteral("Zoë")), QList<qint64>{c});
        QCOMPARE(find(QStringLiteral("")), (QList<qint64>{d, c, b, a}));
        QCOMPARE(find(QStringLiteral("example"), b), (QList<qint64>{d, c, b}));
        QCOMPARE(r->idsPage({MessageState::Queued}, d, 100, QStringLiteral("bob"), 0),
                 QList<qint64>{a});
        QCOMPARE(r->maxId(), d);
        int visited = 0;
        QVERIFY(
            r->forEachSummary(std::nullopt, QStringLiteral("report"), [&](const MessageSummary &m) {
                ++visited;
                return m.id == d || m.id == a;
            }));
        QCOMPARE(visited, 2);
    }

    // The copy in the Sent folder: pending in the same write as the accepted outcome, claimed
    // with its attempt counted and leased, then copied or failed with a next attempt.
    void copyBecomesPendingWithTheSentOutcome()
    {
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("c"), &error);
        const qint64 other = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("d"), &error);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 2, QStringList{}, qint64(-1)).size(),
                 2);
        QCOMPARE(m_storage->reader()->message(id)->copyState, CopyState::None);
        m_clock.advance(1000);
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Sent;
        u.event = HistoryEvent::Sent;
        u.copyPending = true;
        DeliveryUpdate v = u; // sent by an account that makes no copy
        v.id = other;
        v.copyPending = false;
        QVERIFY2(
            m_storage->writeNow(&OutboxWriter::applyUpdates, QList<DeliveryUpdate>{u, v}, &error),
            qPrintable(error));
        const auto rec = m_storage->reader()->message(id);
        QCOMPARE(rec->copyState, CopyState::Pending);
        QCOMPARE(rec->copyAttempts, 0);
        QCOMPARE(rec->copyNextAttemptAt.toMSecsSinceEpoch(), m_clock.nowMs());
        QCOMPARE(rec->sentAt.toMSecsSinceEpoch(), m_clock.nowMs());
        QCOMPARE(m_storage->reader()->message(other)->copyState, CopyState::None);
        QCOMPARE(m_storage->reader()->nextCopyDueMs({}), m_clock.nowMs());
        QCOMPARE(m_storage->reader()->nextCopyDueMs({QStringLiteral("work")}), -1);
    }

    void partlyDeferredMessageIsCopiedOnce()
    {
        QString error;
        const qint64 id =
            m_storage->writeNow(&OutboxWriter::enqueue,
                                makeMessage("p", {"bob@example.net", "carol@example.net"}), &error);
        m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1));
        const qint64 firstSend = m_clock.nowMs();
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Queued; // carol deferred (4xx), bob accepted
        u.event = HistoryEvent::PartlyDeferred;
        u.nextAttemptAt = m_clock.now();
        u.copyPending = true;
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        const QList<ClaimedCopy> claimed =
            m_storage->writeNow(&OutboxWriter::claimDueCopies, 10, QStringList{}, qint64(60000));
        QCOMPARE(claimed.size(), 1);
        CopyUpdate done;
        done.id = id;
        done.state = CopyState::Copied;
        done.uid = 7;
        done.event = HistoryEvent::Copied;
        QVERIFY(
            m_storage->writeNow(&OutboxWriter::applyCopyUpdates, QList<CopyUpdate>{done}, &error));
        // The retry for carol is accepted later: the copy made already stays the only one.
        m_clock.advance(5000);
        m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1));
        u.state = MessageState::Sent;
        u.event = HistoryEvent::Sent;
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        const auto rec = m_storage->reader()->message(id);
        QCOMPARE(rec->copyState, CopyState::Copied);
        QCOMPARE(rec->copyUid, 7u);
        QCOMPARE(rec->sentAt.toMSecsSinceEpoch(), firstSend);
        QCOMPARE(m_storage->reader()->nextCopyDueMs({}), -1);
    }

    void copyClaimCountsLeasesAndRecordsOutcomes()
    {
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("q"), &error);
        const NewMessage stored = makeMessage("q");
        m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1));
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Sent;
        u.event = HistoryEvent::Sent;
        u.copyPending = true;
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        const qint64 sentAt = m_clock.nowMs();

        QCOMPARE(m_storage
                     ->writeNow(&OutboxWriter::claimDueCopies, 10,
                                QStringList{QStringLiteral("work")}, qint64(60000))
                     .size(),
                 0);
        QList<ClaimedCopy> claimed =
            m_storage->writeNow(&OutboxWriter::claimDueCopies, 10, QStringList{}, qint64(60000));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].id, id);
        QCOMPARE(claimed[0].account, QStringLiteral("work"));
        QCOMPARE(claimed[0].data, stored.data);
        QCOMPARE(claimed[0].messageId, QByteArray("q@outpost.test"));
        QCOMPARE(claimed[0].sentAt.toMSecsSinceEpoch(), sentAt);
        QCOMPARE(claimed[0].attemptsBefore, 0);
        // Leased: not claimed again before the lease ends; counted at once.
        QCOMPARE(m_storage->reader()->message(id)->copyAttempts, 1);
        QCOMPARE(
            m_storage->writeNow(&OutboxWriter::claimDueCopies, 10, QStringList{}, qint64(60000))
                .size(),
            0);
        // The APPEND failed: failed, with the class, the text and the next attempt.
        m_clock.advance(100);
        CopyUpdate f;
        f.id = id;
        f.state = CopyState::Failed;
        f.errorClass = QStringLiteral("quota");
        f.error = QStringLiteral("Quota exceeded (mailbox for user is full)");
        f.nextAttemptAt = QDateTime::fromMSecsSinceEpoch(m_clock.nowMs() + 30000, Qt::UTC);
        f.event = HistoryEvent::CopyFailed;
        f.server = QStringLiteral("imap.example.org:993");
        f.detail = QStringLiteral("quota: Quota exceeded (mailbox for user is full)");
        QVERIFY2(m_storage->writeNow(&OutboxWriter::applyCopyUpdates, QList<CopyUpdate>{f}, &error),
                 qPrintable(error));
        auto rec = m_storage->reader()->message(id);
        QCOMPARE(rec->state, MessageState::Sent); // the message itself is not touched
        QCOMPARE(rec->attempts, 1);
        QCOMPARE(rec->copyState, CopyState::Failed);
        QCOMPARE(rec->copyErrorClass, QStringLiteral("quota"));
        QCOMPARE(rec->copyError, f.error);
        QCOMPARE(rec->copyNextAttemptAt.toMSecsSinceEpoch(), m_clock.nowMs() + 30000);
        QCOMPARE(rec->history.last().event, HistoryEvent::CopyFailed);
        QCOMPARE(rec->history.last().server, f.server);
        QCOMPARE(m_storage->reader()->nextCopyDueMs({}), m_clock.nowMs() + 30000);
        QCOMPARE(
            m_storage->writeNow(&OutboxWriter::claimDueCopies, 10, QStringList{}, qint64(60000))
                .size(),
            0);
        // "Send queued now" makes it due; the next claim says an attempt was made before.
        QCOMPARE(m_storage->writeNow(&OutboxWriter::makeCopiesDue), 1);
        claimed =
            m_storage->writeNow(&OutboxWriter::claimDueCopies, 10, QStringList{}, qint64(60000));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].attemptsBefore, 1);
        // Interrupted before the APPEND was written: pending again, that attempt uncounted.
        CopyUpdate back;
        back.id = id;
        back.state = CopyState::Pending;
        back.nextAttemptAt = m_clock.now();
        back.uncountAttempt = true;
        QVERIFY(
            m_storage->writeNow(&OutboxWriter::applyCopyUpdates, QList<CopyUpdate>{back}, &error));
        rec = m_storage->reader()->message(id);
        QCOMPARE(rec->copyState, CopyState::Pending);
        QCOMPARE(rec->copyAttempts, 1);
        QCOMPARE(rec->history.last().event, HistoryEvent::CopyFailed); // no entry for it
        claimed =
            m_storage->writeNow(&OutboxWriter::claimDueCopies, 10, QStringList{}, qint64(60000));
        QCOMPARE(claimed.size(), 1);
        CopyUpdate ok;
        ok.id = id;
        ok.state = CopyState::Copied;
        ok.uid = 42;
        ok.event = HistoryEvent::Copied;
        QVERIFY(
            m_storage->writeNow(&OutboxWriter::applyCopyUpdates, QList<CopyUpdate>{ok}, &error));
        rec = m_storage->reader()->message(id);
        QCOMPARE(rec->copyState, CopyState::Copied);
        QCOMPARE(rec->copyAttempts, 2);
        QCOMPARE(rec->copyUid, 42u);
        QVERIFY(rec->copyErrorClass.isEmpty());
        QCOMPARE(rec->history.last().event, HistoryEvent::Copied);
        QCOMPARE(m_storage->reader()->nextCopyDueMs({}), -1);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::makeCopiesDue), 0);
    }

    void copyUpdateLeavesAMessageWithoutCopyAlone()
    {
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("n"), &error);
        CopyUpdate ok;
        ok.id = id;
        ok.state = CopyState::Copied;
        ok.event = HistoryEvent::Copied;
        QVERIFY(
            m_storage->writeNow(&OutboxWriter::applyCopyUpdates, QList<CopyUpdate>{ok}, &error));
        const auto rec = m_storage->reader()->message(id);
        QCOMPARE(rec->copyState, CopyState::None);
        QCOMPARE(rec->history.size(), 1);
    }

    void applyUpdateUncertainStays()
    {
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error);
        m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1));
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Queued;
        u.errorClass = ErrorClass::Network;
        u.uncertain = true;
        u.nextAttemptAt = m_clock.now().addSecs(60);
        u.event = HistoryEvent::UncertainRequeued;
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        QVERIFY(m_storage->reader()->summary(id)->uncertain);
        // A later attempt without the flag does not clear it.
        m_clock.advance(60'000);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                 1);
        u.uncertain = false;
        u.state = MessageState::Sent;
        u.errorClass = ErrorClass::None;
        u.event = HistoryEvent::Sent;
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        const auto rec = m_storage->reader()->message(id);
        QVERIFY(rec->uncertain);
        QCOMPARE(rec->attempts, 2);
        QVERIFY(rec->history[1].uncertain);
        QVERIFY(!rec->history[2].uncertain);
    }

    void notCountedAttempt()
    {
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error);
        m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1));
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Queued;
        u.errorClass = ErrorClass::Network;
        u.countAttempt = false;
        u.event = HistoryEvent::Deferred;
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        QCOMPARE(m_storage->reader()->summary(id)->attempts, 0);
    }

    /// What the next start does to the messages found in `sending` (Service::open()).
    int recover()
    {
        const QDateTime now = m_clock.now();
        return m_storage->writeNow([now](StorageWriter &w) {
            return w.outbox.recoverInterrupted(
                [now](const InterruptedMessage &m) { return decideInterrupted(m, now); });
        });
    }

    static int countEvent(const MessageRecord &r, HistoryEvent event)
    {
        return int(std::count_if(r.history.cbegin(), r.history.cend(),
                                 [event](const HistoryEntry &h) { return h.event == event; }));
    }

    void recoverMarkedEndOfDataAsUncertain()
    {
        // Both claimed; the end of a's data was cleared to go (and may have reached the
        // server), b's never was. The process dies before either outcome is recorded.
        QString error;
        const qint64 a = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error);
        const qint64 b = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("b"), &error);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 2, QStringList{}, qint64(-1)).size(),
                 2);
        QVERIFY2(m_storage->writeNow(&OutboxWriter::markEndOfData, QList<qint64>{a}, &error),
                 qPrintable(error));
        reopen();
        m_clock.advance(5000);
        QCOMPARE(recover(), 2);
        const auto ra = m_storage->reader()->message(a);
        QCOMPARE(ra->state, MessageState::Queued);
        QVERIFY(ra->uncertain);
        QCOMPARE(ra->attempts, 1); // it reached the server's end of data: an attempt
        QCOMPARE(ra->nextAttemptAt.toMSecsSinceEpoch(), m_clock.nowMs());
        QCOMPARE(ra->history.last().event, HistoryEvent::RecoveredUncertain);
        QVERIFY(ra->history.last().uncertain);
        QCOMPARE(historyEventName(ra->history.last().event), QStringLiteral("recovered-uncertain"));
        const auto rb = m_storage->reader()->message(b);
        QCOMPARE(rb->state, MessageState::Queued);
        QVERIFY(!rb->uncertain);
        QCOMPARE(rb->attempts, 0);
        QCOMPARE(rb->history.last().event, HistoryEvent::Recovered);
        QVERIFY(!rb->history.last().uncertain);
        // The mark went with the recovery: sent again and cut short before its end of data,
        // a is not marked a second time by that attempt.
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 2, QStringList{}, qint64(-1)).size(),
                 2);
        reopen();
        QCOMPARE(recover(), 2);
        QCOMPARE(countEvent(*m_storage->reader()->message(a), HistoryEvent::RecoveredUncertain), 1);
        QVERIFY(m_storage->reader()->message(a)->uncertain); // never cleared
    }

    void recoveryWithoutMarkNotesOnceAcrossRestarts()
    {
        // Claimed and cut short before its end of data at every one of several starts: one
        // neutral note, not one per restart; never uncertain.
        QString error;
        const qint64 a = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error);
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(
                m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                1);
            reopen();
            m_clock.advance(1000);
            QCOMPARE(recover(), 1);
        }
        const auto rec = m_storage->reader()->message(a);
        QCOMPARE(rec->state, MessageState::Queued);
        QVERIFY(!rec->uncertain);
        QCOMPARE(rec->attempts, 0);
        QCOMPARE(countEvent(*rec, HistoryEvent::Recovered), 1);
        QCOMPARE(rec->history.size(), 2); // queued, recovered
        // After a real attempt, the next interruption gets its own note again.
        DeliveryUpdate u;
        u.id = a;
        u.state = MessageState::Queued;
        u.errorClass = ErrorClass::Transient;
        u.event = HistoryEvent::Deferred;
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                 1);
        reopen();
        QCOMPARE(recover(), 1);
        QCOMPARE(countEvent(*m_storage->reader()->message(a), HistoryEvent::Recovered), 2);
    }

    void outcomeClearsEndOfDataMark()
    {
        // The mark lasts from the release of the end of data to the recorded outcome: an
        // attempt whose outcome was recorded leaves nothing for a later crash to misread, and
        // a mark that arrives after the outcome (the message no longer `sending`) is ignored.
        QString error;
        const qint64 a = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                 1);
        QVERIFY(m_storage->writeNow(&OutboxWriter::markEndOfData, QList<qint64>{a}, &error));
        DeliveryUpdate u;
        u.id = a;
        u.state = MessageState::Queued;
        u.errorClass = ErrorClass::Transient;
        u.event = HistoryEvent::Deferred;
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        QVERIFY(m_storage->writeNow(&OutboxWriter::markEndOfData, QList<qint64>{a}, &error));
        m_clock.advance(3600 * 1000);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                 1);
        reopen();
        QCOMPARE(recover(), 1);
        const auto rec = m_storage->reader()->message(a);
        QVERIFY(!rec->uncertain);
        QCOMPARE(rec->history.last().event, HistoryEvent::Recovered);
    }

    void recoverInterruptedQueuesWithNote()
    {
        QString error;
        const qint64 a = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error);
        const qint64 b = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("b"), &error);
        const qint64 c = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("c"), &error);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 2, QStringList{}, qint64(-1)).size(),
                 2);
        // The process dies here: a new store on the same file finds them in `sending`.
        reopen();
        m_clock.advance(5000);
        QSignalSpy reset(m_storage->reader(), &OutboxReader::messagesReset);
        QCOMPARE(recover(), 2);
        QCOMPARE(reset.count(), 1);
        for (qint64 id : {a, b}) {
            const auto rec = m_storage->reader()->message(id);
            QCOMPARE(rec->state, MessageState::Queued);
            QCOMPARE(rec->attempts, 0);
            QCOMPARE(rec->nextAttemptAt.toMSecsSinceEpoch(), m_clock.nowMs());
            QCOMPARE(rec->history.last().event, HistoryEvent::Recovered);
        }
        QVERIFY(!hasEvent(*m_storage->reader()->message(c), HistoryEvent::Recovered));
        QCOMPARE(recover(), 0);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).size(),
                 3);
    }

    void holdReleaseRetryRemove()
    {
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error);
        QVERIFY(m_storage->writeNow(&OutboxWriter::hold, id, &error));
        QCOMPARE(m_storage->reader()->summary(id)->state, MessageState::Held);
        QVERIFY(
            m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).isEmpty());
        QVERIFY(!m_storage->writeNow(&OutboxWriter::hold, id, &error)); // already held
        QVERIFY(!error.isEmpty());
        QVERIFY(m_storage->writeNow(&OutboxWriter::release, id, &error));
        QCOMPARE(m_storage->reader()->summary(id)->state, MessageState::Queued);
        QVERIFY(!m_storage->writeNow(&OutboxWriter::release, id, &error)); // not held

        // A failed message can be retried: it and its failed recipients are queued again.
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                 1);
        QVERIFY(!m_storage->writeNow(&OutboxWriter::hold, id, &error));   // sending: no
        QVERIFY(!m_storage->writeNow(&OutboxWriter::remove, id, &error)); // sending: no
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Failed;
        u.errorClass = ErrorClass::Permanent;
        u.reply = SmtpReply{554, "5.7.1", {"rejected"}};
        u.event = HistoryEvent::Failed;
        u.recipients = {RecipientRecord{"bob@example.net", MessageState::Failed, u.reply}};
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        QVERIFY(!m_storage->writeNow(&OutboxWriter::release, id, &error));
        QVERIFY(m_storage->writeNow(&OutboxWriter::retryNow, id, &error, nullptr));
        auto rec = m_storage->reader()->message(id);
        QCOMPARE(rec->state, MessageState::Queued);
        QCOMPARE(rec->recipients[0].state, MessageState::Queued);
        const QList<HistoryEvent> events = [&] {
            QList<HistoryEvent> e;
            for (const HistoryEntry &h : rec->history)
                e << h.event;
            return e;
        }();
        QCOMPARE(events, (QList<HistoryEvent>{HistoryEvent::Queued, HistoryEvent::HeldByUser,
                                              HistoryEvent::Released, HistoryEvent::Failed,
                                              HistoryEvent::RetryRequested}));
        const QList<ClaimedMessage> claimed =
            m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].recipients, QList<QByteArray>{"bob@example.net"});
        u.state = MessageState::Sent;
        u.event = HistoryEvent::Sent;
        u.recipients = {
            RecipientRecord{"bob@example.net", MessageState::Sent, SmtpReply{250, {}, {"ok"}}}};
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        QVERIFY(!m_storage->writeNow(&OutboxWriter::retryNow, id, &error, nullptr)); // sent: no

        QSignalSpy changed(m_storage->reader(), &OutboxReader::messageChanged);
        QVERIFY(m_storage->writeNow(&OutboxWriter::remove, id, &error));
        QCOMPARE(changed.count(), 1);
        QVERIFY(!m_storage->reader()->message(id));
        QVERIFY(m_storage->reader()->messageData(id).isEmpty());
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM recipients")), 0);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM history")), 0);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM message_data")), 0);
        QVERIFY(!m_storage->writeNow(&OutboxWriter::remove, id, &error));
    }

    void releaseKeepsTheSchedule()
    {
        // A scheduled message that is held and released still waits for its time.
        QString error;
        NewMessage later = makeMessage("later");
        later.sendAt = m_clock.now().addSecs(3600);
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, later, &error);
        QVERIFY(m_storage->writeNow(&OutboxWriter::hold, id, &error));
        QVERIFY(m_storage->writeNow(&OutboxWriter::release, id, &error));
        QVERIFY(
            m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).isEmpty());
        QCOMPARE(m_storage->reader()->nextDueMs({}), m_clock.nowMs() + 3600 * 1000);
        // The same when its account was paused and resumed.
        QCOMPARE(m_storage->writeNow(&OutboxWriter::holdAccount, QStringLiteral("work"),
                                     ErrorClass::Auth, SmtpReply{}, QString{}),
                 1);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::releaseAccount, QStringLiteral("work")), 1);
        QVERIFY(
            m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).isEmpty());
        QCOMPARE(m_storage->reader()->nextDueMs({}), m_clock.nowMs() + 3600 * 1000);
        // "Retry" is the user asking for it now.
        QVERIFY(m_storage->writeNow(&OutboxWriter::retryNow, id, &error, nullptr));
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).size(),
                 1);
    }

    void holdAndReleaseAccount()
    {
        QString error;
        const qint64 a = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error);
        const qint64 b = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("b"), &error);
        NewMessage other = makeMessage("other");
        other.account = QStringLiteral("home");
        const qint64 h = m_storage->writeNow(&OutboxWriter::enqueue, other, &error);
        QVERIFY(
            m_storage->writeNow(&OutboxWriter::hold, b, &error)); // held by the user, stays held
        QCOMPARE(m_storage->writeNow(&OutboxWriter::holdAccount, QStringLiteral("work"),
                                     ErrorClass::Auth, SmtpReply{535, "5.7.8", {"bad"}},
                                     QStringLiteral("AUTH PLAIN refused")),
                 1);
        auto rec = m_storage->reader()->message(a);
        QCOMPARE(rec->state, MessageState::Held);
        QCOMPARE(rec->errorClass, ErrorClass::Auth);
        QCOMPARE(rec->lastReply.code, 535);
        QCOMPARE(rec->history.last().event, HistoryEvent::HeldAccountPaused);
        QCOMPARE(m_storage->reader()->summary(h)->state, MessageState::Queued);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::releaseAccount, QStringLiteral("work")), 1);
        QCOMPARE(m_storage->reader()->summary(a)->state, MessageState::Queued);
        QCOMPARE(m_storage->reader()->summary(b)->state, MessageState::Held);
    }

    void makeAllDue()
    {
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error);
        m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1));
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Queued;
        u.errorClass = ErrorClass::Transient;
        u.nextAttemptAt = m_clock.now().addSecs(600);
        u.event = HistoryEvent::Deferred;
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        NewMessage later = makeMessage("later");
        later.sendAt = m_clock.now().addSecs(3600);
        m_storage->writeNow(&OutboxWriter::enqueue, later, &error);
        QVERIFY(
            m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).isEmpty());
        QCOMPARE(m_storage->writeNow(&OutboxWriter::makeAllDue),
                 1); // the deferred one, not the scheduled one
        const QList<ClaimedMessage> claimed =
            m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].id, id);
    }

    void schemaVersionInUserVersion()
    {
        QVERIFY(Database::schemaVersion() >= 1);
        QSqlQuery q(m_db->db());
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version")) && q.next());
        QCOMPARE(q.value(0).toInt(), Database::schemaVersion());
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
    }

    void reopenKeepsData()
    {
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("kept"), &error);
        reopen();
        QCOMPARE(m_storage->reader()->message(id)->subject, QStringLiteral("kept"));
        QSqlQuery q(m_db->db());
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version")) && q.next());
        QCOMPARE(q.value(0).toInt(), Database::schemaVersion());
    }

    void migratesAnOlderFile()
    {
        // A version-0 file (an empty database someone created, with an unrelated table) is
        // migrated in place; what was in it stays.
        m_storage.reset();
        m_db.reset();
        const QString path = m_dir.filePath(QStringLiteral("old.sqlite"));
        {
            QSqlDatabase raw =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
            raw.setDatabaseName(path);
            QVERIFY(raw.open());
            QSqlQuery q(raw);
            QVERIFY(q.exec(QStringLiteral("CREATE TABLE notes (t TEXT)")));
            QVERIFY(q.exec(QStringLiteral("INSERT INTO notes VALUES ('hello')")));
            raw.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("raw"));
        Database db;
        QString error;
        QVERIFY2(db.open(path, &error), qPrintable(error));
        QSqlQuery q(db.db());
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version")) && q.next());
        QCOMPARE(q.value(0).toInt(), Database::schemaVersion());
        QVERIFY(q.exec(QStringLiteral("SELECT t FROM notes")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("hello"));
        Storage store(&db, &m_clock);
        QVERIFY(store.writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error) > 0);
    }

    void dsnRoundTrip_data()
    {
        QTest::addColumn<int>("notify");
        QTest::addColumn<int>("ret");
        QTest::addColumn<QByteArray>("envid");
        QTest::newRow("none") << 0 << int(DsnRequest::Ret::Default) << QByteArray();
        QTest::newRow("success,failure hdrs envid")
            << (DsnRequest::Success | DsnRequest::Failure) << int(DsnRequest::Ret::Hdrs)
            << QByteArray("QQ 314+159=x");
        QTest::newRow("never") << int(DsnRequest::Never) << int(DsnRequest::Ret::Default)
                               << QByteArray();
        QTest::newRow("all full") << (DsnRequest::Success | DsnRequest::Failure | DsnRequest::Delay)
                                  << int(DsnRequest::Ret::Full) << QByteArray();
        QTest::newRow("ret only") << 0 << int(DsnRequest::Ret::Full) << QByteArray();
        QTest::newRow("envid only (100)")
            << 0 << int(DsnRequest::Ret::Default) << QByteArray(100, 'e');
    }
    void dsnRoundTrip()
    {
        QFETCH(int, notify);
        QFETCH(int, ret);
        QFETCH(QByteArray, envid);
        NewMessage m = makeMessage("dsn");
        m.dsn.notify = notify;
        m.dsn.ret = DsnRequest::Ret(ret);
        m.dsn.envid = envid;
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, m, &error);
        QVERIFY2(id > 0, qPrintable(error));
        QCOMPARE(m_storage->reader()->message(id)->dsn, m.dsn);
        QCOMPARE(m_storage->reader()->summary(id)->dsn, m.dsn);
        QCOMPARE(m_storage->reader()->list().value(0).dsn, m.dsn);
        reopen();
        const QList<ClaimedMessage> claimed =
            m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].dsn, m.dsn);
        // Nothing asked is stored as NULL: old and new rows read the same.
        QSqlQuery q(m_db->db());
        QVERIFY(
            q.exec(QStringLiteral(
                "SELECT dsn_notify IS NULL, dsn_ret IS NULL, dsn_envid IS NULL FROM messages")) &&
            q.next());
        QCOMPARE(q.value(0).toBool(), notify == 0);
        QCOMPARE(q.value(1).toBool(), ret == int(DsnRequest::Ret::Default));
        QCOMPARE(q.value(2).toBool(), envid.isEmpty());
    }

    void invalidDsnIsRefused()
    {
        NewMessage m = makeMessage("bad-dsn");
        m.dsn.notify = DsnRequest::Never | DsnRequest::Success;
        QString error;
        QCOMPARE(m_storage->writeNow(&OutboxWriter::enqueue, m, &error), 0);
        QVERIFY(!error.isEmpty());
        m.dsn = {};
        m.dsn.envid = QByteArray(101, 'x');
        error.clear();
        QCOMPARE(m_storage->writeNow(&OutboxWriter::enqueue, m, &error), 0);
        QVERIFY(!error.isEmpty());
        QCOMPARE(m_storage->reader()->count(), 0);
    }

    void historyNotesRoundTrip()
    {
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("noted"), &error);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                 1);
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Sent;
        u.event = HistoryEvent::Sent;
        u.notes = {QStringLiteral("dsn-not-offered")};
        QVERIFY2(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error), qPrintable(error));
        const auto rec = m_storage->reader()->message(id);
        QCOMPARE(rec->history.size(), 2);
        QCOMPARE(rec->history[0].notes, QStringList());
        QCOMPARE(rec->history[1].notes, QStringList{QStringLiteral("dsn-not-offered")});
    }

    void migratesFromSchema1()
    {
        // A file as schema 1 wrote it (the columns of that version, frozen here), with a
        // queued message and its history: opening it adds the DSN columns, keeps the row, and
        // reads it as "no DSN requested".
        m_storage.reset();
        m_db.reset();
        const QString path = m_dir.filePath(QStringLiteral("v1.sqlite"));
        QFile::remove(path);
        {
            QSqlDatabase raw =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v1"));
            raw.setDatabaseName(path);
            QVERIFY(raw.open());
            QSqlQuery q(raw);
            const char *const schema1[] = {
                "CREATE TABLE accounts (name TEXT PRIMARY KEY, host TEXT NOT NULL, port INTEGER "
                "NOT NULL, security TEXT NOT NULL, auth TEXT NOT NULL DEFAULT 'auto', user TEXT "
                "DEFAULT '', from_addr TEXT DEFAULT '', password_command TEXT DEFAULT '', ca_file "
                "TEXT DEFAULT '', pin_sha256 TEXT DEFAULT '', allow_plain_auth INTEGER NOT NULL "
                "DEFAULT 0, paused INTEGER NOT NULL DEFAULT 0, pause_class TEXT DEFAULT '', "
                "pause_detail TEXT DEFAULT '', capabilities TEXT DEFAULT '', is_default INTEGER "
                "NOT NULL DEFAULT 0)",
                "CREATE TABLE settings (account TEXT DEFAULT '', key TEXT NOT NULL, value TEXT "
                "NOT NULL, PRIMARY KEY (account, key))",
                "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT "
                "NULL, state TEXT NOT NULL, error_class TEXT DEFAULT '', reverse_path BLOB, "
                "from_text TEXT DEFAULT '', to_text TEXT DEFAULT '', subject TEXT DEFAULT '', "
                "message_id BLOB DEFAULT '', size INTEGER NOT NULL DEFAULT 0, needs_smtputf8 "
                "INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, send_at INTEGER NOT "
                "NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, attempts INTEGER "
                "NOT NULL DEFAULT 0, last_code INTEGER NOT NULL DEFAULT 0, last_enhanced TEXT "
                "DEFAULT '', last_text TEXT DEFAULT '', uncertain INTEGER NOT NULL DEFAULT 0, "
                "held_by_account INTEGER NOT NULL DEFAULT 0, last_detail TEXT DEFAULT '', "
                "updated_at INTEGER NOT NULL DEFAULT 0)",
                "CREATE INDEX messages_by_state ON messages (state, next_attempt_at)",
                "CREATE TABLE message_data (id INTEGER PRIMARY KEY REFERENCES messages (id) ON "
                "DELETE CASCADE, data BLOB NOT NULL)",
                "CREATE TABLE recipients (message INTEGER NOT NULL REFERENCES messages (id) ON "
                "DELETE CASCADE, seq INTEGER NOT NULL, address BLOB NOT NULL, state TEXT NOT "
                "NULL, code INTEGER NOT NULL DEFAULT 0, enhanced TEXT DEFAULT '', text TEXT "
                "DEFAULT '', PRIMARY KEY (message, seq))",
                "CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, message INTEGER NOT "
                "NULL REFERENCES messages (id) ON DELETE CASCADE, at INTEGER NOT NULL, event TEXT "
                "NOT NULL, error_class TEXT DEFAULT '', code INTEGER NOT NULL DEFAULT 0, enhanced "
                "TEXT DEFAULT '', text TEXT DEFAULT '', uncertain INTEGER NOT NULL DEFAULT 0, "
                "server TEXT DEFAULT '', detail TEXT DEFAULT '')",
                "CREATE INDEX history_by_message ON history (message)",
                "CREATE TABLE address_book (address TEXT PRIMARY KEY, name TEXT DEFAULT '', "
                "last_used INTEGER NOT NULL DEFAULT 0, uses INTEGER NOT NULL DEFAULT 0)",
                "INSERT INTO messages (account, state, reverse_path, subject, message_id, "
                "created_at, next_attempt_at) VALUES ('work', 'queued', 'alice@example.org', "
                "'old', 'old@outpost.test', 1, 1)",
                "INSERT INTO message_data (id, data) VALUES (1, 'Subject: old\r\n\r\nhi\r\n')",
                "INSERT INTO recipients (message, seq, address, state) VALUES (1, 0, "
                "'bob@example.net', "
                "'queued')",
                "INSERT INTO history (message, at, event) VALUES (1, 1, 'queued')",
                "PRAGMA user_version = 1",
            };
            for (const char *sql : schema1)
                QVERIFY2(q.exec(QString::fromLatin1(sql)), sql);
            raw.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("v1"));
        Database db;
        QString error;
        QVERIFY2(db.open(path, &error), qPrintable(error));
        QSqlQuery q(db.db());
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version")) && q.next());
        QCOMPARE(q.value(0).toInt(), Database::schemaVersion());
        QVERIFY(Database::schemaVersion() >= 2);
        Storage store(&db, &m_clock);
        const auto old = store.reader()->message(1);
        QVERIFY(old);
        QCOMPARE(old->subject, QStringLiteral("old"));
        QVERIFY(!old->dsn.isRequested());
        QCOMPARE(old->history.size(), 1);
        QVERIFY(old->history[0].notes.isEmpty());
        const QList<ClaimedMessage> claimed =
            store.writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].recipients, QList<QByteArray>{"bob@example.net"});
        QVERIFY(!claimed[0].dsn.isRequested());
        // and the migrated file takes new messages with a DSN request
        NewMessage m = makeMessage("new");
        m.dsn.notify = DsnRequest::Failure;
        const qint64 id = store.writeNow(&OutboxWriter::enqueue, m, &error);
        QVERIFY2(id > 1, qPrintable(error));
        QCOMPARE(store.reader()->message(id)->dsn.notify, int(DsnRequest::Failure));
    }

    void migratesHistoryPhrasesToNames()
    {
        // Schema 2 stored English phrases as history events: opening maps each to its name,
        // the time of a dropped schedule to the detail, and keeps an unknown phrase as detail.
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("old"), &error);
        QVERIFY(id > 0);
        const QStringList phrases = {
            QStringLiteral("draft saved"),
            QStringLiteral("sent (some recipients refused)"),
            QStringLiteral("partly sent; deferred recipients queued"),
            QStringLiteral("deferred"),
            QStringLiteral("deferred (server unreachable)"),
            QStringLiteral("delivery uncertain; queued again"),
            QStringLiteral("expired"),
            QStringLiteral("failed (account removed)"),
            QStringLiteral("held (account paused)"),
            QStringLiteral("held by the user"),
            QStringLiteral("released"),
            QStringLiteral("released (account resumed)"),
            QStringLiteral("retry requested"),
            QStringLiteral("retry requested (schedule for 2026-11-29T15:00:00.000Z dropped)"),
            QStringLiteral("recovered"),
            QStringLiteral("interrupted (Outpost quit)"),
            QStringLiteral("cancelled by the user"),
            QStringLiteral("back to draft for editing"),
            QStringLiteral("edited, draft saved"),
            QStringLiteral("edited and queued"),
            QStringLiteral("sent to the moon"),
        };
        QSqlQuery q(m_db->db());
        for (const QString &p : phrases) {
            q.prepare(QStringLiteral("INSERT INTO history (message, at, event, detail) VALUES "
                                     "(?, 1, ?, ?)"));
            q.addBindValue(id);
            q.addBindValue(p);
            q.addBindValue(p == QLatin1String("sent to the moon") ? QStringLiteral("far")
                                                                  : QString());
            QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
        }
        // Schema 2 had none of the columns of later schemas (their migrations add them).
        QVERIFY2(dropSchema7(m_db->db(), &error), qPrintable(error));
        QVERIFY(q.exec(QStringLiteral("ALTER TABLE messages DROP COLUMN recipient_count")));
        QVERIFY(q.exec(QStringLiteral("ALTER TABLE messages DROP COLUMN refused_recipients")));
        QVERIFY(q.exec(QStringLiteral("ALTER TABLE messages DROP COLUMN bytes_dropped_at")));
        QVERIFY(q.exec(QStringLiteral("ALTER TABLE messages DROP COLUMN end_of_data_at")));
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = 2")));
        q = QSqlQuery();
        reopen();
        const auto rec = m_storage->reader()->message(id);
        QVERIFY(rec);
        QList<HistoryEvent> got;
        for (const HistoryEntry &h : rec->history)
            got << h.event;
        const QList<HistoryEvent> expected = {
            HistoryEvent::Queued,
            HistoryEvent::DraftSaved,
            HistoryEvent::SentSomeRefused,
            HistoryEvent::PartlyDeferred,
            HistoryEvent::Deferred,
            HistoryEvent::DeferredUnreachable,
            HistoryEvent::UncertainRequeued,
            HistoryEvent::Expired,
            HistoryEvent::FailedAccountRemoved,
            HistoryEvent::HeldAccountPaused,
            HistoryEvent::HeldByUser,
            HistoryEvent::Released,
            HistoryEvent::ReleasedAccountResumed,
            HistoryEvent::RetryRequested,
            HistoryEvent::RetryRequested,
            HistoryEvent::Recovered,
            HistoryEvent::Interrupted,
            HistoryEvent::Cancelled,
            HistoryEvent::BackToDraft,
            HistoryEvent::EditedDraft,
            HistoryEvent::EditedQueued,
            HistoryEvent::Unknown,
        };
        QCOMPARE(got, expected);
        QVERIFY(rec->history[13].detail.isEmpty());
        QCOMPARE(rec->history[14].detail, QStringLiteral("2026-11-29T15:00:00.000Z"));
        QCOMPARE(rec->history.last().detail, QStringLiteral("sent to the moon: far"));
        // Every stored name reads back as its event.
        QSqlQuery names(m_db->db());
        QVERIFY(names.exec(QStringLiteral("SELECT DISTINCT event FROM history")));
        while (names.next()) {
            const QString n = names.value(0).toString();
            QCOMPARE(historyEventName(historyEventFromName(n)), n);
        }
    }

    void newerSchemaIsRefused()
    {
        QSqlQuery(m_db->db())
            .exec(QStringLiteral("PRAGMA user_version = %1").arg(Database::schemaVersion() + 1));
        m_storage.reset();
        m_db.reset();
        const QByteArray before = readFile(dbPath());
        Database db;
        QString error;
        QVERIFY(!db.open(dbPath(), &error));
        QCOMPARE(db.lastOpenError(), Database::OpenError::NewerSchema);
        QVERIFY(!error.isEmpty());
        QCOMPARE(readFile(dbPath()), before);
    }

    void corruptFileIsRefused_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("text")
            << QByteArray("This is not a database at all, just some text.\n").repeated(200);
        QByteArray header("SQLite format 3\0", 16);
        QTest::newRow("header then garbage") << header + QByteArray(8192, '\xAB');
        QTest::newRow("small garbage") << QByteArray("\x01\x02\x03garbage", 10);
    }
    void corruptFileIsRefused()
    {
        QFETCH(QByteArray, bytes);
        m_storage.reset();
        m_db.reset();
        const QString path = m_dir.filePath(QStringLiteral("corrupt.sqlite"));
        QFile::remove(path);
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
        }
        Database db;
        QString error;
        QVERIFY(!db.open(path, &error));
        QCOMPARE(db.lastOpenError(), Database::OpenError::Corrupt);
        QVERIFY(!error.isEmpty());
        QVERIFY(!db.isOpen());
        // Nothing overwritten, nothing recreated in its place.
        QCOMPARE(readFile(path), bytes);
        QVERIFY(!QFile::exists(path + QStringLiteral("-wal")) ||
                QFileInfo(path + QStringLiteral("-wal")).size() == 0);
    }

    /// A real outbox of 20 messages whose pages after the first are overwritten: the header
    /// and the schema (page 1) read fine, every table does not. Returns the damaged bytes.
    QByteArray damageOutbox()
    {
        QString error;
        for (int i = 0; i < 20; ++i) {
            if (m_storage->writeNow(
                    &OutboxWriter::enqueue,
                    makeMessage("m" + QByteArray::number(i), {"bob@example.net"}, 2000),
                    &error) <= 0)
                return {};
        }
        QSqlQuery(m_db->db()).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
        m_storage.reset();
        m_db.reset();
        QByteArray bytes = readFile(dbPath());
        if (bytes.size() <= 16384)
            return {};
        // The schema stays readable: page 1 and, when the schema no longer fits it, the leaf
        // pages of its b-tree (page 1 is then an interior table page, type 5: its cells point
        // to the children, bytes 8-11 of its header to the right-most one).
        QSet<qsizetype> schemaPages{1};
        const auto *page1 = reinterpret_cast<const uchar *>(bytes.constData()) + 100;
        auto be32 = [](const uchar *b) {
            return qsizetype(b[0]) << 24 | qsizetype(b[1]) << 16 | qsizetype(b[2]) << 8 | b[3];
        };
        if (page1[0] == 0x05) {
            schemaPages.insert(be32(page1 + 8));
            const int cells = page1[3] << 8 | page1[4];
            for (int c = 0; c < cells; ++c) {
                const int at = page1[12 + 2 * c] << 8 | page1[13 + 2 * c];
                schemaPages.insert(be32(reinterpret_cast<const uchar *>(bytes.constData()) + at));
            }
        }
        for (qsizetype i = 4096; i < bytes.size(); i += 4096) {
            if (!schemaPages.contains(i / 4096 + 1))
                memset(bytes.data() + i, 0x5A, 64);
        }
        QFile f(dbPath());
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size())
            return {};
        return bytes;
    }

    void damagedDatabaseIsRefused()
    {
        // The integrity check at open (Access::ReadWrite, for everything that may write).
        const QByteArray bytes = damageOutbox();
        QVERIFY(!bytes.isEmpty());
        QString error;
        Database db;
        QVERIFY(!db.open(dbPath(), &error));
        QCOMPARE(db.lastOpenError(), Database::OpenError::Corrupt);
        QCOMPARE(readFile(dbPath()), bytes);
    }

    void damageIsReportedWhenReadOnlyOpenSkipsTheCheck()
    {
        // Access::ReadOnly (list, show) leaves the integrity check out: the header and schema
        // read fine, so the open succeeds; the first read of a damaged table says "damaged"
        // (never an empty or short list), and nothing is written to the file.
        const QByteArray bytes = damageOutbox();
        QVERIFY(!bytes.isEmpty());
        QString error;
        Database db;
        QVERIFY2(db.open(dbPath(), &error, Database::Access::ReadOnly), qPrintable(error));
        Storage store(&db, &m_clock);
        int visited = 0;
        ReadFailure failure;
        QVERIFY(!store.reader()->forEachSummary(
            std::nullopt,
            [&](const MessageSummary &) {
                ++visited;
                return true;
            },
            &failure));
        QCOMPARE(visited, 0);
        QVERIFY(failure.damaged);
        QVERIFY(!failure.detail.isEmpty());
        ReadFailure one;
        QVERIFY(!store.reader()->message(1, &one));
        QVERIFY(one.damaged);
        db.close();
        QCOMPARE(readFile(dbPath()), bytes);
    }

    void summaryTextInEitherEncoding_data()
    {
        QTest::addColumn<QString>("encoding");
        QTest::newRow("UTF-8 (every outbox Outpost makes)") << QStringLiteral("UTF-8");
        QTest::newRow("UTF-16le (made elsewhere)") << QStringLiteral("UTF-16le");
    }
    void summaryTextInEitherEncoding()
    {
        // Summaries read text as its UTF-8 bytes (CAST AS BLOB) where the file is UTF-8, as
        // text where it is not: the same strings either way.
        QFETCH(QString, encoding);
        m_storage.reset();
        m_db.reset();
        QFile::remove(dbPath());
        {
            QSqlDatabase raw =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("encoding"));
            raw.setDatabaseName(dbPath());
            QVERIFY(raw.open());
            QVERIFY(QSqlQuery(raw).exec(QStringLiteral("PRAGMA encoding = '%1'").arg(encoding)));
            QVERIFY(QSqlQuery(raw).exec(QStringLiteral("CREATE TABLE t (x)")));
            QVERIFY(QSqlQuery(raw).exec(QStringLiteral("DROP TABLE t")));
            raw.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("encoding"));
        reopen();
        QCOMPARE(m_db->textIsUtf8(), encoding == QLatin1String("UTF-8"));
        NewMessage n = makeMessage("enc");
        n.account = QStringLiteral("w\u00f6rk");
        n.fromText = QStringLiteral("Al\u00efce <a@example.org>");
        n.subject = QStringLiteral("Gr\u00fc\u00dfe \u2603 \U0001F600");
        n.toText = QStringLiteral("J\u00f6rg <j@example.org>");
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, n, &error);
        QVERIFY2(id > 0, qPrintable(error));
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Queued;
        u.errorClass = ErrorClass::Transient;
        u.reply = SmtpReply{450, "4.2.0", {"\xc3\xa9t\xc3\xa9 \xe2\x98\x83"}};
        u.detail = QStringLiteral("d\u00e9tail");
        u.nextAttemptAt = m_clock.now().addSecs(60);
        u.event = HistoryEvent::Deferred;
        QVERIFY2(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error), qPrintable(error));
        QList<MessageSummary> seen;
        QVERIFY(m_storage->reader()->forEachSummary(std::nullopt, [&](const MessageSummary &m) {
            seen << m;
            return true;
        }));
        seen << *m_storage->reader()->summary(id) << m_storage->reader()->list().value(0);
        for (const MessageSummary &m : std::as_const(seen)) {
            QCOMPARE(m.account, n.account);
            QCOMPARE(m.fromText, n.fromText);
            QCOMPARE(m.subject, n.subject);
            QCOMPARE(m.toText, n.toText);
            QCOMPARE(m.lastReply.text(), QString::fromUtf8(u.reply.lines.value(0)));
            QCOMPARE(m.lastReply.enhanced, QByteArray("4.2.0"));
            QCOMPARE(m.lastDetail, u.detail);
            QCOMPARE(m.errorClass, ErrorClass::Transient);
        }
    }

    void readOnlyAccessRefusesWrites()
    {
        QString error;
        QVERIFY(m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("kept"), &error) > 0);
        m_storage.reset();
        m_db.reset();
        Database db;
        QVERIFY2(db.open(dbPath(), &error, Database::Access::ReadOnly), qPrintable(error));
        Storage store(&db, &m_clock);
        QCOMPARE(store.writeNow(&OutboxWriter::enqueue, makeMessage("refused"), &error), 0);
        bool deleted = false;
        QVERIFY(!store.writeNow(&OutboxWriter::cancel, 1, &deleted, &error));
        QVERIFY(!deleted);
        ReadFailure failure;
        const auto m = store.reader()->message(1, &failure);
        QVERIFY(m);
        QVERIFY(failure.detail.isEmpty());
        QCOMPARE(m->subject, QStringLiteral("kept"));
        QCOMPARE(store.reader()->count(), 1);
        // No such message is not a failure.
        QVERIFY(!store.reader()->message(99, &failure));
        QVERIFY(failure.detail.isEmpty());
    }

    void fullDiskLeavesNothingHalfWritten()
    {
        QString error;
        const qint64 first =
            m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("first"), &error);
        QVERIFY(first > 0);
        QSqlQuery q(m_db->db());
        QVERIFY(q.exec(QStringLiteral("PRAGMA page_count")) && q.next());
        const int pages = q.value(0).toInt();
        // A "disk" with room for only a few more pages.
        QVERIFY(q.exec(QStringLiteral("PRAGMA max_page_count = %1").arg(pages + 2)));
        const NewMessage big =
            makeMessage("big", {"bob@example.net", "carol@example.net"}, 256 * 1024);
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, big, &error);
        QCOMPARE(id, 0);
        QVERIFY(!error.isEmpty());
        QVERIFY2(error.contains(QLatin1String("full"), Qt::CaseInsensitive), qPrintable(error));
        QVERIFY2(!error.contains(QLatin1String("rollback")), qPrintable(error));
        // Told by SQLite's code (SQLITE_FULL), with the free space of the folder.
        const StorageError why =
            m_storage->writeNow([](StorageWriter &w) { return w.outbox.lastError(); });
        QCOMPARE(storageErrorKindName(why.kind), QStringLiteral("disk-full"));
        QVERIFY(why.freeBytes >= 0);
        QCOMPARE(m_storage->reader()->count(), 1);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM message_data")), 1);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM recipients")), 1);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM history")), 1);
        // Many at once: the same.
        QVERIFY(m_storage
                    ->writeNow(&OutboxWriter::enqueueMany,
                               QList<NewMessage>{makeMessage("s1"), big}, &error)
                    .isEmpty());
        QCOMPARE(m_storage->reader()->count(), 1);
        // The store keeps working once there is room again.
        QVERIFY(q.exec(QStringLiteral("PRAGMA max_page_count = 1000000")));
        error.clear();
        QVERIFY2(m_storage->writeNow(&OutboxWriter::enqueue, big, &error) > 0, qPrintable(error));
        QCOMPARE(m_storage->reader()->count(), 2);
        QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
    }

    void groupCommitSharesOneTransaction()
    {
        // Five requests in one event-loop turn: one transaction, each caller told its id only
        // once it is on disk, in request order.
        QSignalSpy enqueued(m_storage.get(), &Storage::enqueued);
        QSignalSpy failed(m_storage.get(), &Storage::enqueueFailed);
        QSignalSpy groups(m_storage.get(), &Storage::groupCommitted);
        QList<quint64> tickets;
        for (int i = 0; i < 5; ++i)
            tickets << m_storage->enqueueAsync(makeMessage("g" + QByteArray::number(i)));
        QCOMPARE(m_storage->pendingEnqueues(), 5);
        QCOMPARE(enqueued.count(), 0);             // never from inside the call
        QCOMPARE(m_storage->reader()->count(), 0); // nothing written yet
        QVERIFY(groups.wait(5000));
        QCOMPARE(groups.count(), 1);
        QCOMPARE(groups.at(0).at(0).toInt(), 5);
        QCOMPARE(groups.at(0).at(1).toInt(), 0);
        QCOMPARE(failed.count(), 0);
        QCOMPARE(enqueued.count(), 5);
        QCOMPARE(m_storage->pendingEnqueues(), 0);
        QSet<qint64> ids;
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(enqueued.at(i).at(0).value<quint64>(), tickets[i]);
            const qint64 id = enqueued.at(i).at(1).toLongLong();
            QVERIFY(id > 0);
            ids.insert(id);
            const auto rec = m_storage->reader()->message(id);
            QVERIFY(rec);
            QCOMPARE(rec->subject, QStringLiteral("g%1").arg(i));
            QCOMPARE(rec->state, MessageState::Queued);
            QCOMPARE(rec->recipients.size(), 1);
            QVERIFY(hasEvent(*rec, HistoryEvent::Queued));
            QVERIFY(m_storage->reader()->messageData(id).contains("Subject: g" +
                                                                  QByteArray::number(i)));
        }
        QCOMPARE(ids.size(), 5);
        // Durable: a fresh connection (another process, or after a power cut) sees them all.
        reopen();
        QCOMPARE(m_storage->reader()->count(), 5);

        // A later turn starts a new group.
        m_storage->enqueueAsync(makeMessage("h1"));
        m_storage->enqueueAsync(makeMessage("h2"));
        QSignalSpy groups2(m_storage.get(), &Storage::groupCommitted);
        QVERIFY(groups2.wait(5000));
        QCOMPARE(groups2.at(0).at(0).toInt(), 2);
        QCOMPARE(m_storage->reader()->count(), 7);
    }

    void groupCommitIsSplitAboveTheByteLimit()
    {
        // Groups end once they hold the byte limit: 5 messages of ~1 KB with a 2 KB limit are
        // written as 2 + 2 + 1, in order, all durable.
        m_storage->setMaxGroupBytes(2000);
        QSignalSpy groups(m_storage.get(), &Storage::groupCommitted);
        QSignalSpy enqueued(m_storage.get(), &Storage::enqueued);
        for (int i = 0; i < 5; ++i)
            m_storage->enqueueAsync(
                makeMessage("s" + QByteArray::number(i), {"bob@example.net"}, 1000));
        QCOMPARE(m_storage->commitEnqueues(), 5);
        QCOMPARE(groups.count(), 3);
        QCOMPARE(groups.at(0).at(0).toInt(), 2);
        QCOMPARE(groups.at(1).at(0).toInt(), 2);
        QCOMPARE(groups.at(2).at(0).toInt(), 1);
        QCOMPARE(enqueued.count(), 5);
        for (int i = 1; i < 5; ++i)
            QVERIFY(enqueued.at(i).at(1).toLongLong() > enqueued.at(i - 1).at(1).toLongLong());
        QCOMPARE(m_storage->reader()->count(), 5);
    }

    void groupCommitWindowGathersLaterTurns()
    {
        m_storage->setGroupCommitWindowMs(200);
        QSignalSpy groups(m_storage.get(), &Storage::groupCommitted);
        m_storage->enqueueAsync(makeMessage("w1"));
        QTimer::singleShot(0, m_storage.get(),
                           [this] { m_storage->enqueueAsync(makeMessage("w2")); });
        QVERIFY(groups.wait(5000));
        QCOMPARE(groups.count(), 1);
        QCOMPARE(groups.at(0).at(0).toInt(), 2);
    }

    void groupCommitFailureFailsTheWholeGroup()
    {
        QString error;
        QVERIFY(m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("first"), &error) > 0);
        QSqlQuery q(m_db->db());
        QVERIFY(q.exec(QStringLiteral("PRAGMA page_count")) && q.next());
        // A "disk" with room for a few small messages but not for the big one.
        QVERIFY(q.exec(QStringLiteral("PRAGMA max_page_count = %1").arg(q.value(0).toInt() + 4)));
        QSignalSpy enqueued(m_storage.get(), &Storage::enqueued);
        QSignalSpy failed(m_storage.get(), &Storage::enqueueFailed);
        QList<quint64> tickets;
        tickets << m_storage->enqueueAsync(makeMessage("small1"));
        tickets << m_storage->enqueueAsync(makeMessage("big", {"bob@example.net"}, 256 * 1024));
        tickets << m_storage->enqueueAsync(makeMessage("small2"));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 3, 5000);
        QCOMPARE(enqueued.count(), 0);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(failed.at(i).at(0).value<quint64>(), tickets[i]);
            const QString why = failed.at(i).at(1).toString();
            QVERIFY2(why.startsWith(QLatin1String("could not write the outbox")), qPrintable(why));
            QVERIFY2(why.contains(QLatin1String("full"), Qt::CaseInsensitive), qPrintable(why));
        }
        // Nothing half-written: not the small ones either, not a recipient, not a history row.
        QCOMPARE(m_storage->reader()->count(), 1);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM message_data")), 1);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM recipients")), 1);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM history")), 1);
        // With room again, the next group is written.
        QVERIFY(q.exec(QStringLiteral("PRAGMA max_page_count = 1000000")));
        m_storage->enqueueAsync(makeMessage("again"));
        QTRY_COMPARE_WITH_TIMEOUT(enqueued.count(), 1, 5000);
        QCOMPARE(m_storage->reader()->count(), 2);
    }

    void statesOfIdsNearAndFarApart()
    {
        // OutboxReader::states(): one range query per run of close ids; ids far apart, missing
        // and repeated ones come out right.
        QString error;
        QList<qint64> ids;
        for (int i = 0; i < 3; ++i)
            ids << m_storage->writeNow(&OutboxWriter::enqueue,
                                       makeMessage("s" + QByteArray::number(i)), &error);
        QSqlQuery q(m_db->db());
        QVERIFY(q.exec(QStringLiteral("UPDATE sqlite_sequence SET seq = 5000 WHERE name = "
                                      "'messages'")));
        const qint64 far = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("far"), &error);
        QVERIFY2(far > 5000, qPrintable(QString::number(far)));
        QVERIFY(m_storage->writeNow(&OutboxWriter::hold, ids[1], &error));
        const QHash<qint64, MessageState> st =
            m_storage->reader()->states({far, ids[0], ids[1], 4000, ids[1], ids[2]});
        QCOMPARE(st.size(), 4);
        QCOMPARE(st.value(ids[0]), MessageState::Queued);
        QCOMPARE(st.value(ids[1]), MessageState::Held);
        QCOMPARE(st.value(ids[2]), MessageState::Queued);
        QCOMPARE(st.value(far), MessageState::Queued);
        QVERIFY(!st.contains(4000));
        QVERIFY(m_storage->reader()->states({}).isEmpty());
    }

    void writerThreadWritesOffThisThread()
    {
        // useWriterThread(): the transaction (and its disk sync) runs on another thread with
        // its own connection; the signals come here, messageChanged() before enqueued().
        QThread *writerThread = nullptr;
        m_storage->useWorkerThread(
            [&writerThread](QSqlDatabase &) { writerThread = QThread::currentThread(); });
        QStringList order;
        connect(m_storage->reader(), &OutboxReader::messageChanged, this,
                [&](qint64 id) { order << QStringLiteral("changed %1").arg(id); });
        connect(m_storage.get(), &Storage::enqueued, this, [&](quint64, qint64 id) {
            QCOMPARE(QThread::currentThread(), thread());
            order << QStringLiteral("enqueued %1").arg(id);
        });
        QSignalSpy groups(m_storage.get(), &Storage::groupCommitted);
        const quint64 t1 =
            m_storage->enqueueAsync(makeMessage("w1"), {QStringLiteral("bob@x.org")});
        const quint64 t2 = m_storage->enqueueAsync(makeMessage("w2"));
        QVERIFY(t2 > t1);
        QCOMPARE(m_storage->pendingEnqueues(), 2);
        QVERIFY(groups.wait(5000));
        QCOMPARE(groups.at(0).at(0).toInt(), 2);
        QVERIFY(writerThread);
        QVERIFY(writerThread != QThread::currentThread());
        QCOMPARE(m_storage->pendingEnqueues(), 0);
        QCOMPARE(order.size(), 4);
        QVERIFY(order[0].startsWith(QLatin1String("changed")));
        QVERIFY(order[1].startsWith(QLatin1String("changed")));
        QVERIFY(order[2].startsWith(QLatin1String("enqueued")));
        QCOMPARE(m_storage->reader()->count(MessageState::Queued), 2); // this connection sees them
        QCOMPARE(m_storage->addressBook()->completions(QStringLiteral("bob@")),
                 QStringList{QStringLiteral("bob@x.org")});

        // A draft replaced through the writer keeps its id; a message that is no longer a
        // draft is refused, nothing changed.
        NewMessage draft = makeMessage("draft");
        draft.state = MessageState::Draft;
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, draft, &error);
        QVERIFY(id > 0);
        QSignalSpy enqueued(m_storage.get(), &Storage::enqueued);
        QSignalSpy failed(m_storage.get(), &Storage::enqueueFailed);
        const quint64 t3 = m_storage->replaceDraftAsync(id, makeMessage("edited"));
        QVERIFY(enqueued.wait(5000));
        QCOMPARE(enqueued.at(0).at(0).value<quint64>(), t3);
        QCOMPARE(enqueued.at(0).at(1).toLongLong(), id);
        QCOMPARE(m_storage->reader()->summary(id)->subject, QStringLiteral("edited"));
        QCOMPARE(m_storage->reader()->summary(id)->state, MessageState::Queued);
        const quint64 t4 = m_storage->replaceDraftAsync(id, makeMessage("again"));
        QVERIFY(failed.wait(5000));
        QCOMPARE(failed.at(0).at(0).value<quint64>(), t4);
        QCOMPARE(m_storage->reader()->summary(id)->subject, QStringLiteral("edited"));
        QCOMPARE(m_storage->reader()->count(), 3);

        // Written before the store goes away, even when the event loop never ran.
        m_storage->enqueueAsync(makeMessage("late"));
        reopen();
        QCOMPARE(m_storage->reader()->count(), 4);
    }

    void writerThreadFullDiskFailsTheGroup()
    {
        QString error;
        QVERIFY(m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("first"), &error) > 0);
        // A "disk" with room for nothing more, on the writer's connection.
        m_storage->useWorkerThread([](QSqlDatabase &db) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("PRAGMA page_count")) && q.next())
                q.exec(QStringLiteral("PRAGMA max_page_count = %1").arg(q.value(0).toInt()));
        });
        QSignalSpy enqueued(m_storage.get(), &Storage::enqueued);
        QSignalSpy failed(m_storage.get(), &Storage::enqueueFailed);
        const quint64 t1 = m_storage->enqueueAsync(makeMessage("small"));
        const quint64 t2 =
            m_storage->enqueueAsync(makeMessage("big", {"bob@example.net"}, 256 * 1024));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, 5000);
        QCOMPARE(enqueued.count(), 0);
        QCOMPARE(failed.at(0).at(0).value<quint64>(), t1);
        QCOMPARE(failed.at(1).at(0).value<quint64>(), t2);
        const QString why = failed.at(0).at(1).toString();
        QVERIFY2(why.startsWith(QLatin1String("could not write the outbox")), qPrintable(why));
        QVERIFY2(why.contains(QLatin1String("full"), Qt::CaseInsensitive), qPrintable(why));
        QCOMPARE(m_storage->pendingEnqueues(), 0);
        // What was stored before is untouched, nothing of the group half-written.
        QCOMPARE(m_storage->reader()->count(), 1);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM message_data")), 1);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM recipients")), 1);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT COUNT(*) FROM history")), 1);
    }

    void onlyTheStorageThreadWrites()
    {
        // Once the storage thread runs, its connection is the only one that writes: the
        // connection this thread reads on refuses a write, and every job runs over there.
        QVERIFY(m_storage->useWorkerThread());
        QVERIFY(m_storage->hasWorkerThread());
        QSqlQuery q(m_db->db());
        QVERIFY(!q.exec(QStringLiteral("DELETE FROM messages")));
        QThread *ran = nullptr;
        QString connection;
        m_storage->writeNow([&](StorageWriter &w) {
            ran = QThread::currentThread();
            connection = w.db.db().connectionName();
        });
        QVERIFY(ran);
        QVERIFY(ran != QThread::currentThread());
        QVERIFY(connection != m_db->db().connectionName());
        QString error;
        QVERIFY2(m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("a"), &error) > 0,
                 qPrintable(error));
        QCOMPARE(m_storage->reader()->count(), 1);
    }

    void pendingEnqueuesAreWrittenAtDestruction()
    {
        m_storage->enqueueAsync(makeMessage("late"));
        reopen(); // destroys the store before the event loop ran
        QCOMPARE(m_storage->reader()->count(), 1);
    }

    void retryOfAScheduledMessageSaysSo()
    {
        QString error;
        NewMessage later = makeMessage("later");
        later.sendAt = m_clock.now().addSecs(3600);
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, later, &error);
        QDateTime overridden;
        QVERIFY(m_storage->writeNow(&OutboxWriter::retryNow, id, &error, &overridden));
        QCOMPARE(overridden.toMSecsSinceEpoch(), m_clock.nowMs() + 3600 * 1000);
        const auto rec = m_storage->reader()->message(id);
        QVERIFY(!rec->sendAt.isValid()); // listings no longer claim a schedule
        QCOMPARE(rec->nextAttemptAt.toMSecsSinceEpoch(), m_clock.nowMs());
        // "retry requested (schedule for <time> dropped)": the time is the row's detail.
        QCOMPARE(rec->history.last().event, HistoryEvent::RetryRequested);
        QCOMPARE(rec->history.last().detail, overridden.toString(Qt::ISODateWithMs));
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).size(),
                 1);
        // Not scheduled: nothing overridden.
        const qint64 now = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("now"), &error);
        QVERIFY(m_storage->writeNow(&OutboxWriter::retryNow, now, &error, &overridden));
        QVERIFY(!overridden.isValid());
        QCOMPARE(m_storage->reader()->message(now)->history.last().event,
                 HistoryEvent::RetryRequested);
        QVERIFY(m_storage->reader()->message(now)->history.last().detail.isEmpty());
    }

    void cancelRefusesSentAndDeletesUnsent()
    {
        QString error;
        bool deleted = true;
        const qint64 sent =
            m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("sent"), &error);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                 1);
        QVERIFY(!m_storage->writeNow(&OutboxWriter::cancel, sent, &deleted, &error)); // being sent
        QVERIFY(error.contains(QLatin1String("being sent")));
        DeliveryUpdate u;
        u.id = sent;
        u.state = MessageState::Sent;
        u.reply = SmtpReply{250, "2.0.0", {"ok"}};
        u.event = HistoryEvent::Sent;
        u.recipients = {RecipientRecord{"bob@example.net", MessageState::Sent, u.reply}};
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        QVERIFY(!m_storage->writeNow(&OutboxWriter::cancel, sent, &deleted, &error));
        QVERIFY2(error.contains(QLatin1String("sent already")), qPrintable(error));
        const auto kept = m_storage->reader()->message(sent);
        QVERIFY(kept);
        QCOMPARE(kept->state, MessageState::Sent);
        QCOMPARE(kept->history.size(), 2);

        // Queued, held and failed messages are withdrawn: deleted (no cancelled state).
        const qint64 queued = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("q"), &error);
        const qint64 held = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("h"), &error);
        QVERIFY(m_storage->writeNow(&OutboxWriter::hold, held, &error));
        for (qint64 id : {queued, held}) {
            QVERIFY2(m_storage->writeNow(&OutboxWriter::cancel, id, &deleted, &error),
                     qPrintable(error));
            QVERIFY(deleted);
            QVERIFY(!m_storage->reader()->message(id));
        }
        QVERIFY(!m_storage->writeNow(&OutboxWriter::cancel, queued, &deleted, &error));
        QVERIFY(error.contains(QLatin1String("no message")));
    }

    void cancelKeepsAPartlySentMessage()
    {
        // bob got it, carol's 4xx queued a retry for her only: cancelling keeps the record.
        QString error;
        const qint64 id =
            m_storage->writeNow(&OutboxWriter::enqueue,
                                makeMessage("p", {"bob@example.net", "carol@example.net"}), &error);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                 1);
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Queued;
        u.errorClass = ErrorClass::Transient;
        u.reply = SmtpReply{250, "2.0.0", {"ok"}};
        u.event = HistoryEvent::PartlyDeferred;
        u.nextAttemptAt = m_clock.now().addSecs(60);
        u.recipients = {
            RecipientRecord{"bob@example.net", MessageState::Sent, SmtpReply{250, {}, {"ok"}}},
            RecipientRecord{"carol@example.net", MessageState::Queued,
                            SmtpReply{451, "4.2.0", {"later"}}}};
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error));
        bool deleted = true;
        QVERIFY2(m_storage->writeNow(&OutboxWriter::cancel, id, &deleted, &error),
                 qPrintable(error));
        QVERIFY(!deleted);
        const auto rec = m_storage->reader()->message(id);
        QVERIFY(rec);
        QCOMPARE(rec->state, MessageState::Failed);
        QCOMPARE(rec->recipients[0].state, MessageState::Sent);
        QCOMPARE(rec->recipients[1].state, MessageState::Failed);
        QCOMPARE(rec->history.last().event, HistoryEvent::Cancelled);
        QVERIFY(
            m_storage->writeNow(&OutboxWriter::claimDue, 10, QStringList{}, qint64(-1)).isEmpty());
    }

    void recipientCountsFollowTheRecipients()
    {
        // How many recipients a message has and how many the server refused for good are
        // listing fields (delivery "partial"), kept by every write that changes a recipient.
        QString error;
        const QList<QByteArray> three = {"bob@example.net", "nobody@example.net",
                                         "carol@example.net"};
        const qint64 id =
            m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("p", three), &error);
        auto summary = [&] {
            return *m_storage->reader()->summary(id);
        };
        QCOMPARE(summary().recipientCount, 3);
        QCOMPARE(summary().refusedRecipients, 0);
        QCOMPARE(summary().delivery(), Delivery::None);
        QList<ClaimedMessage> claimed =
            m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].recipients, three);
        QVERIFY(claimed[0].settled.isEmpty());
        // nobody@ refused for good, carol@ deferred: queued for carol@ only.
        const SmtpReply refused{550, "5.1.1", {"No such user"}};
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Queued;
        u.event = HistoryEvent::PartlyDeferred;
        u.recipients = {{"bob@example.net", MessageState::Sent, {250, "2.0.0", {"ok"}}},
                        {"nobody@example.net", MessageState::Failed, refused},
                        {"carol@example.net", MessageState::Queued, {451, "4.2.0", {"later"}}}};
        QVERIFY2(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error), qPrintable(error));
        QCOMPARE(summary().refusedRecipients, 1);
        QCOMPARE(summary().delivery(), Delivery::None); // not sent yet
        // The retry is for carol@ only; the others come along as settled, with their replies.
        claimed = m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1));
        QCOMPARE(claimed.size(), 1);
        QCOMPARE(claimed[0].recipients, QList<QByteArray>{"carol@example.net"});
        QCOMPARE(claimed[0].settled.size(), 2);
        QCOMPARE(claimed[0].settled[0].state, MessageState::Sent);
        QCOMPARE(claimed[0].settled[1].address, QByteArray("nobody@example.net"));
        QCOMPARE(claimed[0].settled[1].state, MessageState::Failed);
        QCOMPARE(claimed[0].settled[1].reply.code, 550);
        QCOMPARE(claimed[0].settled[1].reply.text(), QStringLiteral("No such user"));
        u.state = MessageState::Sent;
        u.event = HistoryEvent::SentSomeRefused;
        u.recipients = {{"carol@example.net", MessageState::Sent, {250, "2.0.0", {"ok"}}}};
        QVERIFY2(m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error), qPrintable(error));
        QCOMPARE(summary().state, MessageState::Sent);
        QCOMPARE(summary().refusedRecipients, 1);
        QCOMPARE(summary().recipientCount, 3);
        QCOMPARE(summary().delivery(), Delivery::Partial);
        QCOMPARE(m_storage->reader()->list(MessageState::Sent).value(0).delivery(),
                 Delivery::Partial);
        QCOMPARE(m_storage->reader()->recipients(id).size(), 3);
        QCOMPARE(m_storage->reader()->recipients(id)[1].reply.code, 550);
        reopen();
        QCOMPARE(summary().delivery(), Delivery::Partial);

        // A failed message: retry queues its failed recipients again, and none is refused.
        const qint64 f =
            m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("f", three), &error);
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                 1);
        DeliveryUpdate fail;
        fail.id = f;
        fail.state = MessageState::Failed;
        fail.errorClass = ErrorClass::Permanent;
        fail.reply = refused;
        fail.event = HistoryEvent::Failed;
        for (const QByteArray &a : three)
            fail.recipients << RecipientRecord{a, MessageState::Failed, refused};
        QVERIFY2(m_storage->writeNow(&OutboxWriter::applyUpdate, fail, &error), qPrintable(error));
        QCOMPARE(m_storage->reader()->summary(f)->refusedRecipients, 3);
        QCOMPARE(m_storage->reader()->summary(f)->delivery(), Delivery::None);
        QVERIFY(m_storage->writeNow(&OutboxWriter::retryNow, f, &error, nullptr));
        QCOMPARE(m_storage->reader()->summary(f)->refusedRecipients, 0);
        // Cancelled: every recipient not sent is failed, and counted so.
        bool deleted = true;
        QCOMPARE(m_storage->writeNow(&OutboxWriter::claimDue, 1, QStringList{}, qint64(-1)).size(),
                 1);
        DeliveryUpdate part;
        part.id = f;
        part.state = MessageState::Queued;
        part.event = HistoryEvent::PartlyDeferred;
        part.recipients = {{"bob@example.net", MessageState::Sent, {250, {}, {"ok"}}},
                           {"nobody@example.net", MessageState::Queued, {451, {}, {"later"}}},
                           {"carol@example.net", MessageState::Queued, {451, {}, {"later"}}}};
        QVERIFY(m_storage->writeNow(&OutboxWriter::applyUpdate, part, &error));
        QVERIFY2(m_storage->writeNow(&OutboxWriter::cancel, f, &deleted, &error),
                 qPrintable(error));
        QVERIFY(!deleted);
        QCOMPARE(m_storage->reader()->summary(f)->refusedRecipients, 2);
    }

    void replacedDraftCountsItsNewRecipients()
    {
        QString error;
        NewMessage m = makeMessage("d", {"bob@example.net"});
        m.state = MessageState::Draft;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, m, &error);
        QCOMPARE(m_storage->reader()->summary(id)->recipientCount, 1);
        m.recipients = {"bob@example.net", "carol@example.net"};
        QVERIFY2(m_storage->writeNow(&OutboxWriter::replaceDraft, id, m, &error),
                 qPrintable(error));
        QCOMPARE(m_storage->reader()->summary(id)->recipientCount, 2);
        QCOMPARE(m_storage->reader()->summary(id)->refusedRecipients, 0);
    }

    void migratesRecipientCounts()
    {
        // Schema 3 had no counts: opening counts them from the recipients of every message, so
        // a message sent before the upgrade to only some recipients is partial too.
        QString error;
        const qint64 partial = m_storage->writeNow(
            &OutboxWriter::enqueue, makeMessage("p", {"bob@example.net", "nobody@example.net"}),
            &error);
        const qint64 complete =
            m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("c"), &error);
        QVERIFY2(dropSchema7(m_db->db(), &error), qPrintable(error));
        QSqlQuery q(m_db->db());
        for (const char *sql :
             {"UPDATE messages SET state = 'sent'", "UPDATE recipients SET state = 'sent'",
              "UPDATE recipients SET state = 'failed', code = 550 WHERE address = "
              "CAST('nobody@example.net' AS BLOB)",
              "ALTER TABLE messages DROP COLUMN recipient_count",
              "ALTER TABLE messages DROP COLUMN refused_recipients",
              "ALTER TABLE messages DROP COLUMN bytes_dropped_at",
              "ALTER TABLE messages DROP COLUMN end_of_data_at", "PRAGMA user_version = 3"})
            QVERIFY2(q.exec(QString::fromLatin1(sql)), sql);
        q = QSqlQuery();
        reopen();
        const auto p = m_storage->reader()->summary(partial);
        QCOMPARE(p->recipientCount, 2);
        QCOMPARE(p->refusedRecipients, 1);
        QCOMPARE(p->delivery(), Delivery::Partial);
        const auto c = m_storage->reader()->summary(complete);
        QCOMPARE(c->recipientCount, 1);
        QCOMPARE(c->refusedRecipients, 0);
        QCOMPARE(c->delivery(), Delivery::Complete);
    }

    void salvageOfAnOlderOutboxCountsRecipients()
    {
        // A schema-3 outbox salvaged: its rows land in the current schema, whose counts it
        // did not have; they are made from the recipients, so a partial delivery stays one.
        QString error;
        const qint64 id = m_storage->writeNow(
            &OutboxWriter::enqueue, makeMessage("p", {"bob@example.net", "nobody@example.net"}),
            &error);
        QVERIFY2(dropSchema7(m_db->db(), &error), qPrintable(error));
        QSqlQuery q(m_db->db());
        for (const char *sql :
             {"UPDATE messages SET state = 'sent'", "UPDATE recipients SET state = 'sent'",
              "UPDATE recipients SET state = 'failed', code = 550 WHERE address = "
              "CAST('nobody@example.net' AS BLOB)",
              "ALTER TABLE messages DROP COLUMN recipient_count",
              "ALTER TABLE messages DROP COLUMN refused_recipients",
              "ALTER TABLE messages DROP COLUMN bytes_dropped_at",
              "ALTER TABLE messages DROP COLUMN end_of_data_at", "PRAGMA user_version = 3",
              "PRAGMA wal_checkpoint(TRUNCATE)"})
            QVERIFY2(q.exec(QString::fromLatin1(sql)), sql);
        q = QSqlQuery();
        m_storage.reset();
        m_db.reset();
        const SalvageReport r = salvageOutbox(dbPath());
        QVERIFY2(r.ok(), qPrintable(r.detail));
        QCOMPARE(r.recoveredMessages, 1);
        reopen();
        const auto m = m_storage->reader()->summary(id);
        QVERIFY(m);
        QCOMPARE(m->recipientCount, 2);
        QCOMPARE(m->refusedRecipients, 1);
        QCOMPARE(m->delivery(), Delivery::Partial);
        for (const QString &f : QDir(m_dir.path()).entryList({QStringLiteral("*.damaged-*")}))
            QFile::remove(m_dir.filePath(f));
    }

    void failAccountAndOrphans()
    {
        QString error;
        const qint64 q1 = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("q1"), &error);
        const qint64 h1 = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("h1"), &error);
        QVERIFY(m_storage->writeNow(&OutboxWriter::hold, h1, &error));
        NewMessage other = makeMessage("o");
        other.account = QStringLiteral("home");
        const qint64 o1 = m_storage->writeNow(&OutboxWriter::enqueue, other, &error);
        QCOMPARE(m_storage->reader()->unsentCount(QStringLiteral("work")), 2);
        QCOMPARE(m_storage->reader()->orphanAccounts({QStringLiteral("home")}),
                 QStringList{QStringLiteral("work")});
        QCOMPARE(m_storage->writeNow(&OutboxWriter::failAccount, QStringLiteral("work"),
                                     QStringLiteral("the account \"work\" was removed")),
                 2);
        for (qint64 id : {q1, h1}) {
            const auto rec = m_storage->reader()->message(id);
            QCOMPARE(rec->state, MessageState::Failed);
            QCOMPARE(rec->errorClass, ErrorClass::Local);
            QCOMPARE(rec->attempts, 0);
            QCOMPARE(rec->lastDetail, QStringLiteral("the account \"work\" was removed"));
            QCOMPARE(rec->history.last().event, HistoryEvent::FailedAccountRemoved);
        }
        QCOMPARE(m_storage->reader()->summary(o1)->state, MessageState::Queued);
        QCOMPARE(m_storage->reader()->unsentCount(QStringLiteral("work")), 0);
        QVERIFY(m_storage->reader()->orphanAccounts({QStringLiteral("home")}).isEmpty());
    }

    void forEachSummaryMatchesList()
    {
        QString error;
        for (int i = 0; i < 5; ++i)
            m_storage->writeNow(&OutboxWriter::enqueue, makeMessage("m" + QByteArray::number(i)),
                                &error);
        QVERIFY(m_storage->writeNow(&OutboxWriter::hold, 2, &error));
        QList<qint64> visited;
        QVERIFY(m_storage->reader()->forEachSummary(std::nullopt, [&](const MessageSummary &m) {
            visited << m.id;
            return true;
        }));
        QList<qint64> listed;
        for (const MessageSummary &m : m_storage->reader()->list())
            listed << m.id;
        QCOMPARE(visited, listed);
        QCOMPARE(visited, (QList<qint64>{5, 4, 3, 2, 1}));
        visited.clear();
        m_storage->reader()->forEachSummary(MessageState::Held, [&](const MessageSummary &m) {
            visited << m.id;
            return true;
        });
        QCOMPARE(visited, QList<qint64>{2});
        visited.clear();
        m_storage->reader()->forEachSummary(std::nullopt, [&](const MessageSummary &m) {
            visited << m.id;
            return visited.size() < 2; // stops early
        });
        QCOMPARE(visited.size(), 2);
        // Times come back in UTC, the same instants.
        const auto s = m_storage->reader()->summary(1);
        QCOMPARE(s->createdAt.timeSpec(), Qt::UTC);
        QCOMPARE(s->createdAt.toMSecsSinceEpoch(), m_clock.nowMs());
    }
};

QTEST_GUILESS_MAIN(TestOutboxStore)
#include "tst_outboxstore.moc"
