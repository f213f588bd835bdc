// The end-of-data journal (EndOfDataJournal): the marks written before each end of data, read
// back as another process would after a crash, resolved and emptied, compacted, damaged or cut
// short; and Service::open() folding its marks into the recovery of messages left `sending`
// (decideInterrupted: marked -> "may have been sent already").

#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "outbox/Service.h"
#include "storage/EndOfDataJournal.h"
#include "storage/Storage.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace outpost;

namespace {
QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool appendRaw(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::Append) && f.write(data) == data.size();
}

QSet<qint64> ids(std::initializer_list<qint64> list)
{
    return QSet<qint64>(list);
}

/// Readable and writable by this user, by nobody else.
bool ownerOnly(const QString &path)
{
    const QFile::Permissions p = QFile::permissions(path);
    return p.testFlags(QFile::ReadOwner | QFile::WriteOwner) &&
           !(p & (QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther |
                  QFile::WriteOther | QFile::ExeOther));
}

int countEvent(const MessageRecord &r, HistoryEvent event)
{
    return int(std::count_if(r.history.cbegin(), r.history.cend(),
                             [event](const HistoryEntry &h) { return h.event == event; }));
}
} // namespace

class TestEndOfDataJournal : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString path() const { return m_dir.filePath(EndOfDataJournal::fileName()); }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QFile::remove(path());
    }

    // Each mark is one 16-octet record in the file as soon as mark() returns (read by a reader
    // of its own, as the next process would); a resolve appends one record per mark it
    // resolves, ignores ids without a mark, and empties the file once nothing is outstanding.
    void markResolveAndRead()
    {
        EndOfDataJournal j(path());
        QString error;
        QVERIFY2(j.open(true, {}, &error), qPrintable(error));
        QVERIFY(ownerOnly(path()));
        for (qint64 id : {1, 2, 3})
            QVERIFY2(j.mark(id, &error), qPrintable(error));
        QCOMPARE(QFileInfo(path()).size(), 48);
        QCOMPARE(readAll(path()).left(16), QByteArray("MRK1\x01\0\0\0\0\0\0\0", 12) +
                                               readAll(path()).mid(12, 2) + QByteArray(2, '\0'));
        EndOfDataJournal::Contents c = EndOfDataJournal::read(path());
        QCOMPARE(c.marked, ids({1, 2, 3}));
        QVERIFY(c.problems.isEmpty());

        j.resolve({2, 99}); // 99 was never marked
        QCOMPARE(QFileInfo(path()).size(), 64);
        QCOMPARE(readAll(path()).mid(48, 4), QByteArray("CLR1"));
        QCOMPARE(EndOfDataJournal::read(path()).marked, ids({1, 3}));
        QCOMPARE(j.outstanding(), 2);

        j.resolve({1, 3});
        QCOMPARE(j.outstanding(), 0);
        QCOMPARE(QFileInfo(path()).size(), 0);
        QVERIFY(EndOfDataJournal::read(path()).marked.isEmpty());
        // Marked again after the truncation: only the new mark.
        QVERIFY(j.mark(5, &error));
        QCOMPARE(QFileInfo(path()).size(), 16);
        QCOMPARE(EndOfDataJournal::read(path()).marked, ids({5}));
    }

    // An acceptance is one "ACC1" record as soon as accept() returns, read back in
    // Contents::accepted; a resolve clears it with the mark (one record per id), one without a
    // mark too, and the file is emptied once neither is outstanding. A damaged acceptance is
    // skipped and described.
    void acceptResolveAndRead()
    {
        EndOfDataJournal j(path());
        QString error;
        QVERIFY(j.open(true, {}, &error));
        QVERIFY(j.mark(1, &error));
        QVERIFY(j.mark(2, &error));
        QVERIFY2(j.accept(1, &error), qPrintable(error));
        QCOMPARE(QFileInfo(path()).size(), 48);
        const QByteArray record = readAll(path()).mid(32);
        QCOMPARE(record.left(12), QByteArray("ACC1\x01\0\0\0\0\0\0\0", 12));
        QCOMPARE(record.right(2), QByteArray(2, '\0'));
        EndOfDataJournal::Contents c = EndOfDataJournal::read(path());
        QCOMPARE(c.marked, ids({1, 2}));
        QCOMPARE(c.accepted, ids({1}));
        QVERIFY(c.problems.isEmpty());
        QCOMPARE(j.accepted(), 1);

        j.resolve({1});
        QCOMPARE(QFileInfo(path()).size(), 64);
        c = EndOfDataJournal::read(path());
        QCOMPARE(c.marked, ids({2}));
        QVERIFY(c.accepted.isEmpty());
        QCOMPARE(j.accepted(), 0);

        QVERIFY(j.accept(3, &error)); // accepted without a mark (the mark went to the outbox)
        QCOMPARE(EndOfDataJournal::read(path()).accepted, ids({3}));
        j.resolve({2});
        QCOMPARE(QFileInfo(path()).size(), 96); // the acceptance of 3 is still outstanding
        j.resolve({3});
        QCOMPARE(QFileInfo(path()).size(), 0);

        QVERIFY(j.mark(4, &error));
        QVERIFY(j.accept(4, &error));
        QByteArray data = readAll(path());
        data[16 + 12] = char(data[16 + 12] ^ 0x01); // the acceptance's checksum
        QFile f(path());
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(f.write(data), data.size());
        f.close();
        c = EndOfDataJournal::read(path());
        QCOMPARE(c.marked, ids({4}));
        QVERIFY(c.accepted.isEmpty());
        QCOMPARE(c.problems.size(), 1);
        QVERIFY2(c.problems[0].contains(QStringLiteral("has 1 damaged record(s), the first at "
                                                       "octet 16")),
                 qPrintable(c.problems[0]));
    }

    // Compacted, the outstanding acceptances are kept with the marks; reopened without
    // truncating, the acceptances given are outstanding.
    void acceptancesSurviveCompactionAndReopening()
    {
        QString error;
        {
            EndOfDataJournal j(path(), 64);
            QVERIFY(j.open(true, {}, &error));
            for (qint64 id : {1, 2, 3, 4})
                QVERIFY(j.mark(id, &error));
            QVERIFY(j.accept(1, &error));
            j.resolve({2, 3}); // 112 octets: past the limit, compacted
            QCOMPARE(QFileInfo(path()).size(), 48);
            const EndOfDataJournal::Contents c = EndOfDataJournal::read(path());
            QCOMPARE(c.marked, ids({1, 4}));
            QCOMPARE(c.accepted, ids({1}));
        }
        EndOfDataJournal j(path());
        QVERIFY(j.open(false, ids({1, 4}), &error, ids({1})));
        QCOMPARE(j.accepted(), 1);
        j.resolve({4});
        QCOMPARE(QFileInfo(path()).size(), 64); // 1's mark and acceptance still outstanding
        j.resolve({1});
        QCOMPARE(QFileInfo(path()).size(), 0);
    }

    // A message marked, resolved, and marked again (a later attempt) is marked; one resolved
    // last is not.
    void laterRecordsWin()
    {
        EndOfDataJournal j(path());
        QString error;
        QVERIFY(j.open(true, {}, &error));
        QVERIFY(j.mark(1, &error));
        QVERIFY(j.mark(2, &error));
        j.resolve({1});
        QVERIFY(j.mark(1, &error));
        QVERIFY(j.mark(3, &error));
        j.resolve({3});
        QCOMPARE(EndOfDataJournal::read(path()).marked, ids({1, 2}));
    }

    // Opened without truncating (recovery could not use the marks), the file and the marks
    // given as outstanding are kept: nothing is emptied before they are resolved.
    void reopenedKeepsOutstanding()
    {
        QString error;
        {
            EndOfDataJournal j(path());
            QVERIFY(j.open(true, {}, &error));
            QVERIFY(j.mark(7, &error));
        }
        EndOfDataJournal j(path());
        QVERIFY(j.open(false, EndOfDataJournal::read(path()).marked, &error));
        QCOMPARE(j.outstanding(), 1);
        QVERIFY(j.mark(8, &error));
        QCOMPARE(EndOfDataJournal::read(path()).marked, ids({7, 8}));
        j.resolve({8});
        QCOMPARE(EndOfDataJournal::read(path()).marked, ids({7}));
        j.resolve({7});
        QCOMPARE(QFileInfo(path()).size(), 0);
    }

    // A journal that never empties (a mark always outstanding) is rewritten with only the
    // outstanding marks once it grows past its limit.
    void compactedPastItsLimit()
    {
        EndOfDataJournal j(path(), 128);
        QString error;
        QVERIFY(j.open(true, {}, &error));
        QVERIFY(j.mark(1, &error));
        qint64 largest = 0;
        for (qint64 id = 2; id < 200; ++id) {
            QVERIFY2(j.mark(id, &error), qPrintable(error));
            j.resolve({id});
            largest = std::max(largest, QFileInfo(path()).size());
        }
        QVERIFY2(largest <= 128 + 32, QByteArray::number(largest).constData());
        QCOMPARE(j.size(), QFileInfo(path()).size());
        QCOMPARE(EndOfDataJournal::read(path()).marked, ids({1}));
        QVERIFY(ownerOnly(path()));
        // Still written to after the rewrite.
        QVERIFY(j.mark(500, &error));
        QCOMPARE(EndOfDataJournal::read(path()).marked, ids({1, 500}));
    }

    // A damaged record (wrong checksum) and a record cut short at the end (a write torn by the
    // crash) are skipped and described; the sound records around them are read.
    void damagedAndCutShortRecordsIgnored()
    {
        QString error;
        {
            EndOfDataJournal j(path());
            QVERIFY(j.open(true, {}, &error));
            for (qint64 id : {1, 2, 3, 4})
                QVERIFY(j.mark(id, &error));
        }
        QByteArray data = readAll(path());
        data[32 + 6] = char(data[32 + 6] ^ 0x40); // the id of the third record
        data += data.left(9);                     // a fifth record, cut short
        QFile f(path());
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(f.write(data), data.size());
        f.close();
        const EndOfDataJournal::Contents c = EndOfDataJournal::read(path());
        QCOMPARE(c.marked, ids({1, 2, 4}));
        QCOMPARE(c.problems.size(), 2);
        QVERIFY2(c.problems[0].contains(QStringLiteral("has 1 damaged record(s), the first at "
                                                       "octet 32: they are ignored")),
                 qPrintable(c.problems[0]));
        QVERIFY2(c.problems[1].contains(QStringLiteral("ends in an incomplete record (9 octets "
                                                       "at octet 64, a write cut short)")),
                 qPrintable(c.problems[1]));
        // Garbage throughout: nothing marked, no crash.
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QByteArray(100, '\xff'));
        f.close();
        QVERIFY(EndOfDataJournal::read(path()).marked.isEmpty());
        QVERIFY(EndOfDataJournal::read(m_dir.filePath(QStringLiteral("none"))).problems.isEmpty());
    }

    // A mark that cannot be written is refused (the end of data must then not go on its
    // strength): the journal on a device that is always full, and one never opened.
    void refusedWhenItCannotBeWritten()
    {
        QString error;
        EndOfDataJournal closed(path());
        QVERIFY(!closed.mark(1, &error));
        QCOMPARE(error, QStringLiteral("it is not open"));
        if (!QFile::exists(QStringLiteral("/dev/full")))
            QSKIP("no /dev/full");
        EndOfDataJournal full(QStringLiteral("/dev/full"));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("seek")));
        QVERIFY2(full.open(false, {}, &error), qPrintable(error));
        QVERIFY(!full.mark(1, &error));
        QVERIFY2(error.contains(QStringLiteral("space"), Qt::CaseInsensitive), qPrintable(error));
        QCOMPARE(full.outstanding(), 0);
        QVERIFY(!full.mark(2, &error));
        EndOfDataJournal dir(m_dir.path());
        QVERIFY(!dir.open(true, {}, &error));
        QVERIFY(!error.isEmpty());
    }

    // Service::open() after a crash: the journal's marks count for the messages still
    // `sending` (a: marked -> queued again, uncertain, recovered-uncertain; b: marked and
    // resolved, then claimed again -> the neutral note only; c: marked, its outcome committed,
    // not `sending` -> untouched), a cut-short tail is told in one log line, and the journal
    // then starts empty.
    void recoveryFoldsTheJournal()
    {
        MemoryCredentialStore credentials;
        ServiceOptions o;
        o.dataDir = m_dir.path();
        o.credentials = &credentials;
        o.singleInstance = false;
        o.dispatch = false;
        qint64 a = 0, b = 0, c = 0;
        {
            Service s(o);
            QString error;
            QVERIFY2(s.open(&error), qPrintable(error));
            // Paused: the sending Service below recovers its messages and leaves them queued.
            Account account;
            account.name = QStringLiteral("work");
            account.host = QStringLiteral("smtp.example.net");
            account.port = 587;
            account.security = Security::StartTls;
            account.auth = QStringLiteral("none");
            account.from = QStringLiteral("alice@example.org");
            QVERIFY2(s.accounts()->add(account, &error), qPrintable(error));
            s.accounts()->setPaused(account.name, true);
            auto enqueue = [&](const QByteArray &tag) {
                const QByteArray raw = "From: alice@example.org\r\nTo: bob@example.net\r\n"
                                       "Subject: " +
                                       tag + "\r\nMessage-ID: <" + tag +
                                       "@outpost.test>\r\n\r\nbody\r\n";
                const Service::EnqueueResult r = s.enqueueRaw(QStringLiteral("work"), raw);
                return r.ok() ? r.id : qint64(0);
            };
            a = enqueue("a");
            b = enqueue("b");
            c = enqueue("c");
            QVERIFY(a && b && c);
            QCOMPARE(
                s.storage()->writeNow(&OutboxWriter::claimDue, 3, QStringList{}, qint64(-1)).size(),
                3);
            DeliveryUpdate u;
            u.id = c;
            u.state = MessageState::Sent;
            u.event = HistoryEvent::Sent;
            QVERIFY(s.storage()->writeNow(&OutboxWriter::applyUpdate, u, &error));
        }
        {
            EndOfDataJournal j(path());
            QString error;
            QVERIFY(j.open(true, {}, &error));
            QVERIFY(j.mark(a, &error));
            QVERIFY(j.mark(b, &error));
            QVERIFY(j.mark(c, &error));
            j.resolve({b});
        }
        QVERIFY(appendRaw(path(), QByteArray("MRK1\x05", 5))); // torn by the crash
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral(
                                 "^outpost: the end-of-data journal .* ends in an incomplete "
                                 "record \\(5 octets at octet 64, a write cut short\\)")));
        o.dispatch = true;
        Service s(o);
        QString error;
        QVERIFY2(s.open(&error), qPrintable(error));
        QCOMPARE(s.recoveredCount(), 2);
        const auto ra = s.outbox()->message(a);
        QVERIFY(ra->uncertain);
        QCOMPARE(countEvent(*ra, HistoryEvent::RecoveredUncertain), 1);
        QCOMPARE(ra->attempts, 1);
        const auto rb = s.outbox()->message(b);
        QVERIFY(!rb->uncertain);
        QCOMPARE(countEvent(*rb, HistoryEvent::Recovered), 1);
        QCOMPARE(countEvent(*rb, HistoryEvent::RecoveredUncertain), 0);
        const auto rc = s.outbox()->message(c);
        QCOMPARE(rc->state, MessageState::Sent);
        QVERIFY(!rc->uncertain);
        QCOMPARE(countEvent(*rc, HistoryEvent::RecoveredUncertain), 0);
        QCOMPARE(QFileInfo(path()).size(), 0); // used: the journal starts empty
        QVERIFY(
            s.recentLog().join(QLatin1Char('\n')).contains(QStringLiteral("incomplete record")));
    }

    // Service::open() after a crash between the server's acceptance and its group commit: a
    // message marked and accepted (d) is sent, as an accepted outcome would have written it
    // (recipients sent, send time, its copy in the Sent folder pending, attempt counted), with
    // "recovered-sent" and not uncertain; one marked only (e) is queued again, uncertain.
    void recoveryFoldsAcceptances()
    {
        QTemporaryDir dir; // an outbox of its own: the other tests' messages are left alone
        QVERIFY(dir.isValid());
        const QString journal = dir.filePath(EndOfDataJournal::fileName());
        MemoryCredentialStore credentials;
        ServiceOptions o;
        o.dataDir = dir.path();
        o.credentials = &credentials;
        o.singleInstance = false;
        o.dispatch = false;
        qint64 d = 0, e = 0;
        {
            Service s(o);
            QString error;
            QVERIFY2(s.open(&error), qPrintable(error));
            Account account;
            account.name = QStringLiteral("work");
            account.host = QStringLiteral("smtp.example.net");
            account.port = 587;
            account.security = Security::StartTls;
            account.auth = QStringLiteral("none");
            account.from = QStringLiteral("alice@example.org");
            account.imapHost = QStringLiteral("imap.example.net"); // copies sent messages
            QVERIFY2(s.accounts()->add(account, &error), qPrintable(error));
            s.accounts()->setPaused(account.name, true);
            auto enqueue = [&](const QByteArray &tag) {
                const QByteArray raw = "From: alice@example.org\r\nTo: bob@example.net, "
                                       "carol@example.net\r\nSubject: " +
                                       tag + "\r\nMessage-ID: <" + tag +
                                       "@outpost.test>\r\n\r\nbody\r\n";
                const Service::EnqueueResult r = s.enqueueRaw(QStringLiteral("work"), raw);
                return r.ok() ? r.id : qint64(0);
            };
            d = enqueue("d");
            e = enqueue("e");
            QVERIFY(d && e);
            QCOMPARE(
                s.storage()->writeNow(&OutboxWriter::claimDue, 2, QStringList{}, qint64(-1)).size(),
                2);
        }
        {
            EndOfDataJournal j(journal);
            QString error;
            QVERIFY(j.open(true, {}, &error));
            QVERIFY(j.mark(d, &error));
            QVERIFY(j.mark(e, &error));
            QVERIFY(j.accept(d, &error));
        }
        o.dispatch = true;
        Service s(o);
        QString error;
        QVERIFY2(s.open(&error), qPrintable(error));
        QCOMPARE(s.recoveredCount(), 2);
        const auto rd = s.outbox()->message(d);
        QCOMPARE(rd->state, MessageState::Sent);
        QVERIFY(!rd->uncertain);
        QCOMPARE(rd->attempts, 1);
        QCOMPARE(countEvent(*rd, HistoryEvent::RecoveredSent), 1);
        QCOMPARE(countEvent(*rd, HistoryEvent::RecoveredUncertain), 0);
        QCOMPARE(rd->history.last().event, HistoryEvent::RecoveredSent);
        QVERIFY(!rd->history.last().uncertain);
        QCOMPARE(rd->recipients.size(), 2);
        for (const RecipientRecord &r : rd->recipients)
            QCOMPARE(r.state, MessageState::Sent);
        QVERIFY(rd->sentAt.isValid());
        QCOMPARE(rd->copyState, CopyState::Pending);
        QVERIFY(rd->copyNextAttemptAt.isValid());
        const auto re = s.outbox()->message(e);
        QCOMPARE(re->state, MessageState::Queued);
        QVERIFY(re->uncertain);
        QCOMPARE(countEvent(*re, HistoryEvent::RecoveredUncertain), 1);
        QCOMPARE(countEvent(*re, HistoryEvent::RecoveredSent), 0);
        QVERIFY(!re->sentAt.isValid());
        QCOMPARE(re->copyState, CopyState::None);
        QCOMPARE(QFileInfo(journal).size(), 0); // used: the journal starts empty
    }
};

QTEST_GUILESS_MAIN(TestEndOfDataJournal)
#include "tst_endofdatajournal.moc"
