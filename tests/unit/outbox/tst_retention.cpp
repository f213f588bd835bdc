// How the outbox stops growing (core/outbox/Retention, OutboxWriter::dropSentContent() and
// purge(), Database's incremental vacuum): a sent message's bytes go after
// `retention.sent_days` while its record, recipients and history stay; purge removes only
// finished messages; the free pages go back to the disk; schema 6 and the switch of older
// files. Writes on the storage thread, as in the app; "now" from a MockClock.
#include "accounts/Settings.h"
#include "outbox/Clock.h"
#include "outbox/Retention.h"
#include "storage/Database.h"
#include "storage/Storage.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace outpost;

namespace {

constexpr qint64 kNow = 1'800'000'000'000;
constexpr qint64 kDay = 24LL * 3600 * 1000;

/// A 100 KB message that does not compress into nothing (SQLite stores it as it is anyway).
NewMessage makeMessage(const QByteArray &tag, qsizetype bodySize = 100 * 1024)
{
    NewMessage m;
    m.account = QStringLiteral("work");
    m.messageId = tag + "@outpost.test";
    m.reversePath = "alice@example.org";
    m.recipients = {"bob@example.net"};
    m.fromText = QStringLiteral("alice@example.org");
    m.toText = QStringLiteral("bob@example.net");
    m.subject = QString::fromLatin1(tag);
    QByteArray body(bodySize, 'x');
    for (qsizetype i = 0; i < body.size(); i += 64)
        body[i] = char('a' + (i / 64) % 26);
    m.data = "Subject: " + tag + "\r\n\r\n" + body + "\r\n";
    return m;
}

qint64 pragma(QSqlDatabase &db, const char *name)
{
    QSqlQuery q(db);
    return q.exec(QLatin1String(name)) && q.next() ? q.value(0).toLongLong() : -1;
}

int rows(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    return q.exec(sql) && q.next() ? q.value(0).toInt() : -1;
}

} // namespace

class TestRetention : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    MockClock m_clock{kNow};
    std::unique_ptr<Database> m_db;
    std::unique_ptr<Storage> m_storage;
    std::unique_ptr<Settings> m_settings;

    QString dbPath() const { return m_dir.filePath(QStringLiteral("outbox.sqlite")); }

    void open(bool workerThread = true)
    {
        m_settings.reset();
        m_storage.reset();
        m_db = std::make_unique<Database>();
        QString error;
        QVERIFY2(m_db->open(dbPath(), &error), qPrintable(error));
        m_storage = std::make_unique<Storage>(m_db.get(), &m_clock);
        if (workerThread)
            QVERIFY(m_storage->useWorkerThread());
        m_settings = std::make_unique<Settings>(m_db.get(), m_storage.get());
    }

    /// A message stored at `atMs` and, unless `state` is Queued, finished then.
    qint64 add(const QByteArray &tag, qint64 atMs, MessageState state = MessageState::Sent)
    {
        m_clock.set(atMs);
        QString error;
        const qint64 id = m_storage->writeNow(&OutboxWriter::enqueue, makeMessage(tag), &error);
        if (id <= 0)
            qWarning("enqueue: %s", qPrintable(error));
        if (state == MessageState::Sent || state == MessageState::Failed) {
            DeliveryUpdate u;
            u.id = id;
            u.state = state;
            u.reply = state == MessageState::Sent ? SmtpReply{250, "2.0.0", {"Ok"}}
                                                  : SmtpReply{550, "5.1.1", {"No such user"}};
            u.errorClass = state == MessageState::Sent ? ErrorClass::None : ErrorClass::Permanent;
            u.event = state == MessageState::Sent ? HistoryEvent::Sent : HistoryEvent::Failed;
            u.recipients = {{"bob@example.net", state, u.reply}};
            if (!m_storage->writeNow(&OutboxWriter::applyUpdate, u, &error))
                qWarning("applyUpdate: %s", qPrintable(error));
        } else if (state == MessageState::Held) {
            m_storage->writeNow(&OutboxWriter::hold, id, &error);
        }
        m_clock.set(kNow);
        return id;
    }

    /// Runs retention once and returns its report.
    CleanupReport runRetention()
    {
        Retention retention(m_storage.get(), m_settings.get(), &m_clock);
        QSignalSpy finished(&retention, &Retention::finished);
        retention.run();
        if (finished.isEmpty() && !finished.wait(30000))
            return {};
        return finished.first().first().value<CleanupReport>();
    }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        for (const char *suffix : {"", "-wal", "-shm"})
            QFile::remove(dbPath() + QLatin1String(suffix));
        m_clock.set(kNow);
        open();
    }
    void cleanup()
    {
        m_settings.reset();
        m_storage.reset();
        m_db.reset();
    }

    void newOutboxReturnsFreePages()
    {
        // Set before the first table: a new file can give its free pages back.
        QCOMPARE(pragma(m_db->db(), "PRAGMA auto_vacuum"), qint64(2));
        QCOMPARE(pragma(m_db->db(), "PRAGMA user_version"), qint64(Database::schemaVersion()));
        QVERIFY(Database::schemaVersion() >= 6);
    }

    void dropsTheBytesOfOldSentMessagesOnly()
    {
        const qint64 oldSent = add("old-sent", kNow - 40 * kDay);
        const qint64 newSent = add("new-sent", kNow - 10 * kDay);
        const qint64 oldFailed = add("old-failed", kNow - 40 * kDay, MessageState::Failed);
        const qint64 oldQueued = add("old-queued", kNow - 40 * kDay, MessageState::Queued);
        const qint64 oldHeld = add("old-held", kNow - 40 * kDay, MessageState::Held);
        QSignalSpy changed(m_storage->reader(), &OutboxReader::messageChanged);

        const CleanupReport r = runRetention(); // retention.sent_days: 30 by default
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(r.contentDropped, 1);
        QVERIFY(r.removed.isEmpty());
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().first().toLongLong(), oldSent);

        const auto rec = m_storage->reader()->message(oldSent);
        QVERIFY(rec);
        QCOMPARE(rec->state, MessageState::Sent);
        QCOMPARE(rec->contentDroppedAt.toMSecsSinceEpoch(), kNow);
        QVERIFY(!rec->contentKept());
        QVERIFY(m_storage->reader()->messageData(oldSent).isEmpty());
        // Record, recipients and history kept; the history says what happened.
        QCOMPARE(rec->subject, QStringLiteral("old-sent"));
        QCOMPARE(rec->size, qint64(makeMessage("old-sent").data.size()));
        QCOMPARE(rec->recipients.size(), 1);
        QCOMPARE(rec->recipients[0].state, MessageState::Sent);
        QCOMPARE(rec->history.size(), 3);
        QCOMPARE(rec->history[1].event, HistoryEvent::Sent);
        QCOMPARE(rec->history[2].event, HistoryEvent::ContentDropped);
        QCOMPARE(rec->history[2].detail, QStringLiteral("30"));
        QCOMPARE(rec->history[2].at.toMSecsSinceEpoch(), kNow);
        QCOMPARE(historyEventName(HistoryEvent::ContentDropped), QStringLiteral("content-dropped"));

        for (qint64 kept : {newSent, oldFailed, oldQueued, oldHeld}) {
            QVERIFY(m_storage->reader()->summary(kept)->contentKept());
            QVERIFY(!m_storage->reader()->messageData(kept).isEmpty());
        }
        // A second run finds nothing more to do.
        QCOMPARE(runRetention().contentDropped, 0);
        QCOMPARE(m_storage->reader()->message(oldSent)->history.size(), 3);

        // A shorter retention reaches the newer one too.
        QString error;
        QVERIFY2(
            m_settings->set({}, QStringLiteral("retention.sent_days"), QStringLiteral("7"), &error),
            qPrintable(error));
        QCOMPARE(runRetention().contentDropped, 1);
        QVERIFY(!m_storage->reader()->summary(newSent)->contentKept());
        QCOMPARE(m_storage->reader()->message(newSent)->history.last().detail, QStringLiteral("7"));
    }

    // The bytes of a sent message whose copy for the Sent folder is still due stay, whatever
    // its age: the copy needs them.
    void aPendingCopyKeepsItsBytes()
    {
        const qint64 waiting = add("copy pending", kNow - 40 * kDay);
        const qint64 done = add("copy made", kNow - 40 * kDay);
        {
            QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), u"rawc"_qs);
            raw.setDatabaseName(dbPath());
            QVERIFY(raw.open());
            QSqlQuery q(raw);
            QVERIFY(q.exec(QStringLiteral("UPDATE messages SET copy_state = 'pending', "
                                          "copy_next_attempt_at = 1 WHERE id = %1")
                               .arg(waiting)));
            QVERIFY(q.exec(QStringLiteral("UPDATE messages SET copy_state = 'copied' WHERE id = %1")
                               .arg(done)));
            q.finish();
            raw.close();
        }
        QSqlDatabase::removeDatabase(u"rawc"_qs);
        QCOMPARE(runRetention().contentDropped, 1);
        QVERIFY(m_storage->reader()->summary(waiting)->contentKept());
        QVERIFY(!m_storage->reader()->summary(done)->contentKept());
    }

    void zeroKeepsForEver()
    {
        const qint64 id = add("ancient", kNow - 4000 * kDay);
        QString error;
        QVERIFY(m_settings->set({}, QStringLiteral("retention.sent_days"), QStringLiteral("0"),
                                &error));
        QCOMPARE(Settings::validate(QStringLiteral("retention.sent_days"), QStringLiteral("-1"))
                     .isEmpty(),
                 false);
        const CleanupReport r = runRetention();
        QVERIFY(r.ok());
        QCOMPARE(r.contentDropped, 0);
        QVERIFY(m_storage->reader()->summary(id)->contentKept());
    }

    void manyMessagesInBatches()
    {
        // More than one batch: every one is dropped, each batch a transaction of its own.
        const int n = cleanup::kBatch * 2 + 7;
        for (int i = 0; i < n; ++i)
            add("m" + QByteArray::number(i), kNow - 31 * kDay);
        const CleanupReport r = runRetention();
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(r.contentDropped, n);
        QCOMPARE(rows(m_db->db(), QStringLiteral("SELECT count(*) FROM message_data")), 0);
        QCOMPARE(rows(m_db->db(),
                      QStringLiteral("SELECT count(*) FROM messages WHERE bytes_dropped_at > 0")),
                 n);
    }

    void freePagesGoBackToTheDisk()
    {
        for (int i = 0; i < 60; ++i)
            add("big" + QByteArray::number(i), kNow - 31 * kDay);
        m_storage->writeNow([](StorageWriter &w) { w.db.checkpoint(); });
        const qint64 before = cleanup::fileBytes(dbPath());
        QVERIFY2(before > 60 * 100 * 1024, QByteArray::number(before));

        const CleanupReport r = runRetention();
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(r.contentDropped, 60);
        QVERIFY(r.pagesReturned > 60 * 100 * 1024 / 4096);
        QCOMPARE(pragma(m_db->db(), "PRAGMA freelist_count"), qint64(0));
        const qint64 after = QFileInfo(dbPath()).size();
        QVERIFY2(after < before / 10,
                 qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
        QCOMPARE(r.fileBytesAfter, cleanup::fileBytes(dbPath()));
    }

    void olderFileIsSwitchedOnce()
    {
        // An outbox made before incremental vacuum (auto_vacuum NONE).
        cleanup();
        for (const char *suffix : {"", "-wal", "-shm"})
            QFile::remove(dbPath() + QLatin1String(suffix));
        {
            Database made;
            QString error;
            QVERIFY(made.open(dbPath(), &error));
            QVERIFY(QSqlQuery(made.db()).exec(QStringLiteral("PRAGMA auto_vacuum = NONE")));
            QVERIFY(QSqlQuery(made.db()).exec(QStringLiteral("VACUUM")));
            QCOMPARE(pragma(made.db(), "PRAGMA auto_vacuum"), qint64(0));
        }
        open();
        for (int i = 0; i < 30; ++i)
            add("old" + QByteArray::number(i), kNow - 31 * kDay);
        const CleanupReport r = runRetention();
        QVERIFY2(r.ok(), qPrintable(r.error));
        QVERIFY(r.switchedToIncremental);
        // The records stay. (A read first: a connection reads the file's mode anew only when
        // it starts reading.)
        QCOMPARE(m_storage->reader()->count(MessageState::Sent), 30);
        QCOMPARE(pragma(m_db->db(), "PRAGMA auto_vacuum"), qint64(2));
        QCOMPARE(pragma(m_db->db(), "PRAGMA freelist_count"), qint64(0));
        QVERIFY(QFileInfo(dbPath()).size() < 1024 * 1024);
    }

    void purgeRemovesOnlyFinishedMessages()
    {
        const qint64 sent = add("sent", kNow - 40 * kDay);
        const qint64 failed = add("failed", kNow - 40 * kDay, MessageState::Failed);
        const qint64 newer = add("newer", kNow - 1 * kDay);
        const qint64 queued = add("queued", kNow - 40 * kDay, MessageState::Queued);
        const qint64 held = add("held", kNow - 40 * kDay, MessageState::Held);
        QString error;
        PurgeFilter f;
        f.before = QDateTime::fromMSecsSinceEpoch(kNow - 30 * kDay, Qt::UTC);
        // A dry run changes nothing.
        QList<PurgedMessage> got = m_storage->writeNow(&OutboxWriter::purge, f, -1, true, &error);
        QCOMPARE(got.size(), 2);
        QCOMPARE(m_storage->reader()->count(), 5);

        f.sent = false; // failed only
        got = m_storage->writeNow(&OutboxWriter::purge, f, -1, false, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].id, failed);
        QCOMPARE(got[0].state, MessageState::Failed);
        QVERIFY(!m_storage->reader()->summary(failed));

        f.sent = true;
        got = m_storage->writeNow(&OutboxWriter::purge, f, -1, false, &error);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].id, sent);
        QVERIFY(!m_storage->reader()->summary(sent));
        for (const QString &t : {QStringLiteral("history"), QStringLiteral("recipients")})
            QCOMPARE(
                rows(m_db->db(),
                     QStringLiteral("SELECT count(*) FROM %1 WHERE message = %2").arg(t).arg(sent)),
                0);
        QCOMPARE(rows(m_db->db(),
                      QStringLiteral("SELECT count(*) FROM message_data WHERE id = %1").arg(sent)),
                 0);
        // Never what is not finished, however old; nor what is newer than the date.
        f.before = QDateTime::fromMSecsSinceEpoch(kNow + kDay, Qt::UTC);
        f.sent = false;
        got = m_storage->writeNow(&OutboxWriter::purge, f, -1, false, &error);
        QCOMPARE(got.size(), 0);
        for (qint64 id : {newer, queued, held})
            QVERIFY(m_storage->reader()->summary(id));

        // The window's Delete: a finished message wholly, nothing else.
        QVERIFY(!m_storage->writeNow(&OutboxWriter::removeFinished, queued, &error));
        QCOMPARE(error, QStringLiteral("message %1 is queued, not sent or failed").arg(queued));
        QVERIFY(m_storage->writeNow(&OutboxWriter::removeFinished, newer, &error));
        QVERIFY(!m_storage->reader()->summary(newer));
    }

    void schemaFiveIsMigrated()
    {
        const qint64 id = add("before", kNow - 40 * kDay);
        cleanup();
        {
            QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), u"raw5"_qs);
            raw.setDatabaseName(dbPath());
            QVERIFY(raw.open());
            // Back to schema 5: without what migrations 6 and 7 add.
            QStringList undo = {
                QStringLiteral("DROP INDEX messages_copy_due"),
                QStringLiteral("ALTER TABLE messages DROP COLUMN bytes_dropped_at")};
            for (const char *c : {"sent_at", "copy_state", "copy_attempts", "copy_next_attempt_at",
                                  "copy_error_class", "copy_error_text", "copy_uid"})
                undo << QStringLiteral("ALTER TABLE messages DROP COLUMN %1").arg(QLatin1String(c));
            for (const char *c : {"imap_host", "imap_port", "imap_security", "imap_user",
                                  "sent_folder", "sent_copy"})
                undo << QStringLiteral("ALTER TABLE accounts DROP COLUMN %1").arg(QLatin1String(c));
            for (const QString &sql : std::as_const(undo))
                QVERIFY2(QSqlQuery(raw).exec(sql), qPrintable(sql));
            QVERIFY(QSqlQuery(raw).exec(QStringLiteral("PRAGMA user_version = 5")));
            raw.close();
        }
        QSqlDatabase::removeDatabase(u"raw5"_qs);
        open();
        QCOMPARE(pragma(m_db->db(), "PRAGMA user_version"), qint64(7));
        QVERIFY(m_storage->reader()->summary(id)->contentKept());
        QCOMPARE(runRetention().contentDropped, 1);
    }
};

QTEST_GUILESS_MAIN(TestRetention)
#include "tst_retention.moc"
