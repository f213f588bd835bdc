// Crash and termination of `outpost flush` against a real SMTP server (aiosmtpd), design.md
// §4 and §7: SIGKILL at random moments and restart until everything is sent (nothing lost,
// duplicates only where the history admits the uncertainty, the database intact); SIGTERM
// during a flush (graceful: QUIT, within shutdown.deadline_ms, nothing lost, nothing twice).

#include "MiniSmtpServer.h"
#include "ServerProcess.h"
#include "accounts/CredentialStore.h"
#include "outbox/Service.h"
#include "storage/EndOfDataJournal.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>

#include <algorithm>

using namespace outpost;
using namespace outpost::test;

class TestCrash : public QObject
{
    Q_OBJECT

private:
    /// Adds the account "local" for `port` and applies `settings` (key, value, …).
    static bool setUp(const QString &dir, quint16 port, const QStringList &settings)
    {
        RunResult r = addLocalAccount(dir, port);
        if (r.exitCode != 0) {
            qWarning() << "account add:" << r.err;
            return false;
        }
        for (qsizetype i = 0; i + 1 < settings.size(); i += 2) {
            r = runOutpost(dir, {QStringLiteral("config"), QStringLiteral("set"), settings[i],
                                 settings[i + 1]});
            if (r.exitCode != 0) {
                qWarning() << "config set:" << r.err;
                return false;
            }
        }
        return true;
    }

    /// Queues `n` small messages through the core (in this process, not sending); returns
    /// their Message-IDs.
    static QSet<QByteArray> queueMany(const QString &dir, int n, const QByteArray &tag)
    {
        QSet<QByteArray> ids;
        MemoryCredentialStore credentials;
        ServiceOptions o;
        o.dataDir = dir;
        o.credentials = &credentials;
        o.singleInstance = false;
        o.dispatch = false;
        Service service(o);
        QString error;
        if (!service.open(&error)) {
            qWarning("%s", qPrintable(error));
            return ids;
        }
        for (int i = 1; i <= n; ++i) {
            const QByteArray id = tag + '-' + QByteArray::number(i) + "@outpost.test";
            const QByteArray raw =
                "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: " + tag + ' ' +
                QByteArray::number(i) + "\r\nMessage-ID: <" + id +
                ">\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody " + QByteArray::number(i) +
                "\r\n";
            const Service::EnqueueResult r = service.enqueueRaw(QStringLiteral("local"), raw);
            if (!r.ok()) {
                qWarning("%s", qPrintable(r.error));
                return {};
            }
            ids.insert(id);
        }
        return ids;
    }

    static QJsonArray list(const QString &dir)
    {
        return QJsonDocument::fromJson(
                   runOutpost(dir, {QStringLiteral("list"), QStringLiteral("--json")}).out)
            .array();
    }

    static QString integrityCheck(const QString &dir)
    {
        QString result;
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
            db.setDatabaseName(QDir(dir).filePath(QStringLiteral("outbox.sqlite")));
            if (db.open()) {
                QSqlQuery q(db);
                if (q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next())
                    result = q.value(0).toString();
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("check"));
        return result;
    }

    /// Each message's state and end-of-data mark in the outbox (OutboxWriter::markEndOfData(),
    /// where the marks go when the journal cannot be written), read from the database file by
    /// a connection of this process.
    static QHash<qint64, QPair<QString, qint64>> marks(const QString &dir)
    {
        QHash<qint64, QPair<QString, qint64>> out;
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("marks"));
            db.setDatabaseName(QDir(dir).filePath(QStringLiteral("outbox.sqlite")));
            db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
            if (db.open()) {
                QSqlQuery q(db);
                q.exec(QStringLiteral("SELECT id, state, end_of_data_at FROM messages"));
                while (q.next())
                    out.insert(q.value(0).toLongLong(),
                               {q.value(1).toString(), q.value(2).toLongLong()});
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("marks"));
        return out;
    }

    static QJsonObject show(const QString &dir, qint64 id)
    {
        return QJsonDocument::fromJson(runOutpost(dir, {QStringLiteral("show"), QString::number(id),
                                                        QStringLiteral("--json")})
                                           .out)
            .object();
    }

    static int countEvents(const QJsonObject &shown, const QString &event, bool uncertain)
    {
        int n = 0;
        for (const QJsonValue &h : shown.value(QLatin1String("history")).toArray()) {
            const QJsonObject o = h.toObject();
            if (o.value(QLatin1String("event")).toString() == event &&
                o.value(QLatin1String("uncertain")).toBool() == uncertain)
                ++n;
        }
        return n;
    }

private slots:
    // SIGKILL between the end of data and the server's reply (the server holds its reply),
    // twice: the end marker went only once the mark was on disk, so each restart finds the
    // message marked, queues it again as "may have been sent already" and sends it again with
    // the same Message-ID; `show --json` says uncertain: true, `show` and `list` say the
    // words. The message behind it, claimed but never given its end of data, gets one neutral
    // note for both restarts and is not uncertain.
    void killedBetweenEndOfDataAndReply()
    {
        outpost::testsupport::MiniSmtpServer server;
        server.holdData = true;
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        QTemporaryDir data;
        const QString dir = data.path();
        QVERIFY(setUp(dir, server.port(),
                      {QStringLiteral("pool.max_per_server"), QStringLiteral("1")}));
        QCOMPARE(queueMany(dir, 2, "held").size(), 2);
        QList<qint64> ids;
        for (const QJsonValue &v : list(dir))
            ids << v.toObject().value(QLatin1String("id")).toInteger();
        std::sort(ids.begin(), ids.end());
        QCOMPARE(ids.size(), 2);
        const qint64 first = ids[0], second = ids[1];

        auto flush = [&](QProcess &p) {
            p.setProcessEnvironment(cliEnvironment());
            p.start(outpostBinary(), {QStringLiteral("--data-dir"), dir, QStringLiteral("flush")});
            return p.waitForStarted(10000);
        };
        for (int round = 1; round <= 2; ++round) {
            QProcess p;
            QSignalSpy finished(&p, &QProcess::finished);
            QVERIFY(flush(p));
            // The server has the whole message and its end of data, and holds its reply.
            QTRY_COMPARE_WITH_TIMEOUT(server.heldData(), round, 20000);
            // The end marker went only after the mark was written: it is in the journal file
            // now (EndOfDataJournal, read as the next start will), and only the first's.
            const auto m = marks(dir);
            QCOMPARE(m.value(first).first, QStringLiteral("sending"));
            const EndOfDataJournal::Contents journal =
                EndOfDataJournal::read(QDir(dir).filePath(EndOfDataJournal::fileName()));
            QVERIFY2(journal.marked.contains(first), "end of data on the wire before its mark");
            QVERIFY(!journal.marked.contains(second));
            QVERIFY(journal.problems.isEmpty());
            QCOMPARE(m.value(second).second, qint64(0));
            p.kill(); // SIGKILL, before the reply is read or recorded
            QVERIFY(finished.wait(10000));
        }
        QCOMPARE(server.accepted, 0);
        server.releaseData(); // the connections are gone: nothing to answer
        QProcess last;
        QSignalSpy lastDone(&last, &QProcess::finished);
        QVERIFY(flush(last));
        QVERIFY(lastDone.wait(30000));
        QCOMPARE(last.exitCode(), 0);
        QCOMPARE(server.accepted, 2); // ends of data: 3 of the first message, 1 of the second

        const QJsonObject a = show(dir, first);
        QCOMPARE(a.value(QLatin1String("state")).toString(), QStringLiteral("sent"));
        QCOMPARE(a.value(QLatin1String("uncertain")).toBool(), true);
        QCOMPARE(countEvents(a, QStringLiteral("recovered-uncertain"), true), 2);
        QCOMPARE(a.value(QLatin1String("attempts")).toInt(), 3);
        const QJsonObject b = show(dir, second);
        QCOMPARE(b.value(QLatin1String("state")).toString(), QStringLiteral("sent"));
        QCOMPARE(b.value(QLatin1String("uncertain")).toBool(), false);
        QCOMPARE(countEvents(b, QStringLiteral("recovered"), false), 1);
        QCOMPARE(countEvents(b, QStringLiteral("recovered-uncertain"), true), 0);
        QCOMPARE(b.value(QLatin1String("attempts")).toInt(), 1);

        // The words, in the terminal's show and list.
        const QByteArray shown =
            runOutpost(dir, {QStringLiteral("show"), QString::number(first)}).out;
        QVERIFY2(shown.contains("Note:       may have been sent already: "), shown.constData());
        QVERIFY2(shown.contains("may have been sent already (Outpost stopped before the "
                                "server's reply was recorded); queued again"),
                 shown.constData());
        QVERIFY(!runOutpost(dir, {QStringLiteral("show"), QString::number(second)})
                     .out.contains("may have been sent"));
        const QList<QByteArray> rows = runOutpost(dir, {QStringLiteral("list")}).out.split('\n');
        for (const QByteArray &row : rows) {
            if (row.startsWith(QByteArray::number(first) + '\t'))
                QVERIFY2(row.endsWith("; may have been sent already"), row.constData());
            else if (row.startsWith(QByteArray::number(second) + '\t'))
                QVERIFY2(!row.contains("may have been sent"), row.constData());
        }
        QCOMPARE(integrityCheck(dir), QStringLiteral("ok"));
    }

    // SIGKILL after the server's 250 to the end of data and before the group commit records
    // it: the commit is held back by a write lock this test takes on the outbox (SQLite waits
    // for it), so the kill comes while the acceptance is only in the end-of-data journal. The
    // restart records the message as sent ("recovered-sent", not uncertain, attempt counted)
    // and sends nothing: the server received it exactly once.
    void killedBetweenAcceptanceAndCommit()
    {
        outpost::testsupport::MiniSmtpServer server;
        server.holdData = true;
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        QTemporaryDir data;
        const QString dir = data.path();
        QVERIFY(setUp(dir, server.port(), {}));
        QCOMPARE(queueMany(dir, 1, "accepted").size(), 1);
        const QJsonArray listed = list(dir);
        QCOMPARE(listed.size(), 1);
        const qint64 id = listed.first().toObject().value(QLatin1String("id")).toInteger();
        const QString journalPath = QDir(dir).filePath(EndOfDataJournal::fileName());

        QProcess p;
        QSignalSpy finished(&p, &QProcess::finished);
        p.setProcessEnvironment(cliEnvironment());
        p.start(outpostBinary(), {QStringLiteral("--data-dir"), dir, QStringLiteral("flush")});
        QVERIFY(p.waitForStarted(10000));
        QTRY_COMPARE_WITH_TIMEOUT(server.heldData(), 1, 20000);
        {
            // The outbox's write lock, held until after the kill: the outcome cannot be
            // committed meanwhile.
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("lock"));
            db.setDatabaseName(QDir(dir).filePath(QStringLiteral("outbox.sqlite")));
            QVERIFY(db.open());
            QSqlQuery lock(db);
            QVERIFY2(lock.exec(QStringLiteral("BEGIN IMMEDIATE")),
                     qPrintable(lock.lastError().text()));
            server.releaseData(); // 250
            QTRY_VERIFY_WITH_TIMEOUT(EndOfDataJournal::read(journalPath).accepted.contains(id),
                                     10000);
            p.kill(); // SIGKILL, the outcome not committed
            QVERIFY(finished.wait(10000));
            QCOMPARE(marks(dir).value(id).first, QStringLiteral("sending"));
            lock.exec(QStringLiteral("ROLLBACK"));
            lock.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("lock"));
        QCOMPARE(server.accepted, 1);

        QProcess last;
        QSignalSpy lastDone(&last, &QProcess::finished);
        last.setProcessEnvironment(cliEnvironment());
        last.start(outpostBinary(), {QStringLiteral("--data-dir"), dir, QStringLiteral("flush")});
        QVERIFY(last.waitForStarted(10000));
        QVERIFY(lastDone.wait(30000));
        QCOMPARE(last.exitCode(), 0);
        QCOMPARE(server.accepted, 1); // not sent again

        const QJsonObject a = show(dir, id);
        QCOMPARE(a.value(QLatin1String("state")).toString(), QStringLiteral("sent"));
        QCOMPARE(a.value(QLatin1String("uncertain")).toBool(), false);
        QCOMPARE(countEvents(a, QStringLiteral("recovered-sent"), false), 1);
        QCOMPARE(countEvents(a, QStringLiteral("recovered-uncertain"), true), 0);
        QCOMPARE(a.value(QLatin1String("attempts")).toInt(), 1);
        const QByteArray shown = runOutpost(dir, {QStringLiteral("show"), QString::number(id)}).out;
        QVERIFY2(shown.contains("sent (the server's acceptance was recorded just before Outpost "
                                "stopped)"),
                 shown.constData());
        QVERIFY(!shown.contains("may have been sent"));
        QCOMPARE(QFileInfo(journalPath).size(), 0);
        QCOMPARE(integrityCheck(dir), QStringLiteral("ok"));
    }

    // SIGKILL at a random moment (20–300 ms after start), restart, until everything is sent.
    void killedAndRestarted()
    {
        SmtpServer server;
        QVERIFY(server.start({QStringLiteral("--data-delay-ms"), QStringLiteral("15")}));
        QTemporaryDir data;
        const QString dir = data.path();
        QVERIFY(setUp(dir, server.port(), {}));
        const QSet<QByteArray> ids = queueMany(dir, 200, "crash");
        QCOMPARE(ids.size(), 200);

        const quint32 seed = QRandomGenerator::global()->generate();
        qInfo("random seed %u", seed);
        QRandomGenerator rng(seed);
        QElapsedTimer total;
        total.start();
        int kills = 0, runs = 0, lastExit = -1;
        QList<int> deliveredAtKill;
        qint64 lastKilledPid = 0;
        while (runs < 200 && total.elapsed() < 50000) {
            ++runs;
            QProcess p;
            p.setProcessEnvironment(cliEnvironment());
            QSignalSpy finished(&p, &QProcess::finished);
            p.start(outpostBinary(), {QStringLiteral("--data-dir"), dir, QStringLiteral("flush")});
            QVERIFY(p.waitForStarted(10000));
            bool killed = false;
            auto killNow = [&] {
                if (p.state() == QProcess::Running) {
                    lastKilledPid = p.processId();
                    p.kill(); // SIGKILL
                    killed = true;
                }
            };
            // One run in four is killed 20-300 ms after its start, wherever it is (start-up,
            // recovery, lock, sending). The others are killed 0-150 ms after this run's first
            // delivery, so every run makes progress however slow the machine is.
            QTimer watch;
            if (rng.bounded(4) == 0) {
                QTimer::singleShot(int(rng.bounded(20, 301)), &p, killNow);
            } else {
                const qsizetype before = server.deliveredFiles().size();
                const int after = int(rng.bounded(0, 151));
                watch.setInterval(10);
                QObject::connect(&watch, &QTimer::timeout, &p, [&, before, after] {
                    if (server.deliveredFiles().size() > before) {
                        watch.stop();
                        QTimer::singleShot(after, &p, killNow);
                    }
                });
                watch.start();
            }
            QVERIFY2(finished.wait(30000), "flush did not end");
            watch.stop();
            if (killed) {
                ++kills;
                deliveredAtKill << int(server.deliveredFiles().size());
                continue;
            }
            QCOMPARE(p.exitStatus(), QProcess::NormalExit);
            lastExit = p.exitCode();
            const QByteArray err = p.readAllStandardError();
            QVERIFY2(lastExit == 0 || lastExit == 75, err.constData());
            if (lastExit != 0) {
                // Diagnostics: the lock files and whether their owners live.
                QStringList locks;
                for (const QFileInfo &fi :
                     QDir(dir).entryInfoList({QStringLiteral("outpost.lock*")}, QDir::Files)) {
                    QFile f(fi.filePath());
                    f.open(QIODevice::ReadOnly);
                    const QByteArray content = f.readAll();
                    const QByteArray pid = content.split('\n').value(0);
                    locks << QStringLiteral("%1 (%2 bytes, pid %3 %4, age %5 ms)")
                                 .arg(fi.fileName())
                                 .arg(content.size())
                                 .arg(QString::fromLatin1(pid))
                                 .arg(QFile::exists(QStringLiteral("/proc/") +
                                                    QString::fromLatin1(pid))
                                          ? QStringLiteral("alive")
                                          : QStringLiteral("dead"))
                                 .arg(fi.lastModified().msecsTo(QDateTime::currentDateTime()));
                }
                qInfo("run %d exited with %d: %s locks: %s; last killed pid %lld", runs, lastExit,
                      err.trimmed().constData(), qPrintable(locks.join(QLatin1String("; "))),
                      lastKilledPid);
            }
            // A killed predecessor never keeps the next run out (stale lock files).
            QVERIFY2(!err.contains("did not answer"), err.constData());
            if (lastExit == 0 && kills >= 10)
                break;
        }
        qInfo("%d runs, %d kills in %lld ms; delivered at each kill: %s", runs, kills,
              total.elapsed(), qPrintable([&] {
                  QStringList s;
                  for (int n : deliveredAtKill)
                      s << QString::number(n);
                  return s.join(QLatin1Char(' '));
              }()));
        QVERIFY2(kills >= 10, qPrintable(QStringLiteral("only %1 kills").arg(kills)));
        if (lastExit != 0) {
            const RunResult r = runOutpost(dir, {QStringLiteral("flush")});
            QVERIFY2(r.exitCode == 0, (r.out + r.err).constData());
        }

        // Every message arrived at least once; none is missing.
        const QHash<QByteArray, int> got = deliveredIds(server);
        for (const QByteArray &id : ids)
            QVERIFY2(
                got.value(id) >= 1,
                qPrintable(QStringLiteral("never delivered: %1").arg(QString::fromLatin1(id))));
        QCOMPARE(QSet<QByteArray>(got.keyBegin(), got.keyEnd()), ids);

        // Each is `sent` in the outbox; each delivered twice says why in its history.
        const QJsonArray all = list(dir);
        QCOMPARE(all.size(), 200);
        int twice = 0;
        for (const QJsonValue &v : all) {
            const QJsonObject m = v.toObject();
            QCOMPARE(m.value(QLatin1String("state")).toString(), QStringLiteral("sent"));
            const QByteArray mid = m.value(QLatin1String("message_id")).toString().toLatin1();
            QVERIFY(ids.contains(mid));
            if (got.value(mid) < 2)
                continue;
            ++twice;
            const QString id = QString::number(m.value(QLatin1String("id")).toInteger());
            const QJsonObject shown =
                QJsonDocument::fromJson(
                    runOutpost(dir, {QStringLiteral("show"), id, QStringLiteral("--json")}).out)
                    .object();
            // Marked "may have been sent already", by a history entry that says so too.
            bool explained = false;
            for (const QJsonValue &h : shown.value(QLatin1String("history")).toArray()) {
                const QString event = h.toObject().value(QLatin1String("event")).toString();
                if ((event == QLatin1String("recovered-uncertain") ||
                     event == QLatin1String("uncertain-requeued")) &&
                    h.toObject().value(QLatin1String("uncertain")).toBool())
                    explained = true;
            }
            explained = explained && shown.value(QLatin1String("uncertain")).toBool();
            QVERIFY2(explained,
                     qPrintable(QStringLiteral("%1 delivered %2 times without a note: %3")
                                    .arg(QString::fromLatin1(mid))
                                    .arg(got.value(mid))
                                    .arg(QString::fromUtf8(QJsonDocument(shown).toJson()))));
        }
        qInfo("%d message(s) delivered more than once, each marked", twice);
        // A message never given its end of data again and again has one neutral note, not
        // one per restart: no two "recovered" entries follow each other.
        for (const QJsonValue &v : all) {
            const QString id = QString::number(v.toObject().value(QLatin1String("id")).toInteger());
            const QJsonObject shown =
                QJsonDocument::fromJson(
                    runOutpost(dir, {QStringLiteral("show"), id, QStringLiteral("--json")}).out)
                    .object();
            QString previous;
            for (const QJsonValue &h : shown.value(QLatin1String("history")).toArray()) {
                const QString event = h.toObject().value(QLatin1String("event")).toString();
                QVERIFY2(!(event == QLatin1String("recovered") && previous == event),
                         qPrintable(QString::fromUtf8(QJsonDocument(shown).toJson())));
                previous = event;
            }
        }
        QCOMPARE(integrityCheck(dir), QStringLiteral("ok"));
    }

    // SIGTERM during a flush of 50 messages: graceful (QUIT, clean close) within
    // shutdown.deadline_ms; nothing lost, nothing sent twice.
    void sigtermDuringFlush()
    {
#ifdef Q_OS_WIN
        QSKIP("no SIGTERM on Windows");
#endif
        SmtpServer server;
        QVERIFY(server.start({QStringLiteral("--data-delay-ms"), QStringLiteral("40")}));
        QTemporaryDir data;
        const QString dir = data.path();
        const int deadline = 3000;
        QVERIFY(setUp(dir, server.port(),
                      {QStringLiteral("shutdown.deadline_ms"), QString::number(deadline)}));
        const QSet<QByteArray> ids = queueMany(dir, 50, "term");
        QCOMPARE(ids.size(), 50);

        QProcess p;
        p.setProcessEnvironment(cliEnvironment());
        QSignalSpy finished(&p, &QProcess::finished);
        p.start(outpostBinary(), {QStringLiteral("--data-dir"), dir, QStringLiteral("flush")});
        QVERIFY(p.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(server.count(QStringLiteral("data")) >= 3, 20000);
        QVERIFY(p.state() == QProcess::Running);
        QElapsedTimer t;
        t.start();
        p.terminate(); // SIGTERM
        QVERIFY2(finished.wait(deadline + 5000), "flush did not exit after SIGTERM");
        const qint64 took = t.elapsed();
        QVERIFY2(took <= deadline + 1000, qPrintable(QStringLiteral("exit took %1 ms").arg(took)));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        const int code = p.exitCode();
        QVERIFY2(code == 75 || code == 0, p.readAllStandardError().constData());
        const int deliveredBeforeRestart = int(server.deliveredFiles().size());
        qInfo("SIGTERM after %d deliveries; exited in %lld ms with %d", deliveredBeforeRestart,
              took, code);

        // QUIT reached the server on every connection, each closed without an error.
        QTRY_COMPARE_WITH_TIMEOUT(server.count(QStringLiteral("close")), server.tcpConnections(),
                                  5000);
        QVERIFY(server.tcpConnections() >= 1);
        QCOMPARE(server.count(QStringLiteral("quit")), server.tcpConnections());
        for (const QJsonObject &e : server.events()) {
            if (e.value(QLatin1String("event")).toString() == QLatin1String("close"))
                QVERIFY2(e.value(QLatin1String("error")).isNull(),
                         qPrintable(e.value(QLatin1String("error")).toString()));
        }
        // Nothing left half-done: no message in `sending`, none marked uncertain.
        for (const QJsonValue &v : list(dir)) {
            const QJsonObject m = v.toObject();
            const QString state = m.value(QLatin1String("state")).toString();
            QVERIFY2(state == QLatin1String("sent") || state == QLatin1String("queued"),
                     qPrintable(state));
            QVERIFY(!m.value(QLatin1String("uncertain")).toBool());
        }

        // The rest goes with the next flush; every message exactly once.
        const RunResult r = runOutpost(dir, {QStringLiteral("flush")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(!r.err.contains("interrupted by an earlier stop"), r.err.constData());
        const QHash<QByteArray, int> got = deliveredIds(server);
        QCOMPARE(QSet<QByteArray>(got.keyBegin(), got.keyEnd()), ids);
        for (auto it = got.cbegin(); it != got.cend(); ++it)
            QVERIFY2(it.value() == 1, qPrintable(QStringLiteral("%1 sent %2 times")
                                                     .arg(QString::fromLatin1(it.key()))
                                                     .arg(it.value())));
        for (const QJsonValue &v : list(dir))
            QCOMPARE(v.toObject().value(QLatin1String("state")).toString(), QStringLiteral("sent"));
        QCOMPARE(integrityCheck(dir), QStringLiteral("ok"));
    }
};

QTEST_GUILESS_MAIN(TestCrash)
#include "tst_crash.moc"
