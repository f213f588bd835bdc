// `outpost salvage` on outboxes damaged in three ways (a truncated file, garbage over a page of
// the messages table, a broken index): what can be read is recovered, the rest is counted as
// lost, the damaged file is kept beside the new one, and the new outbox works (list, show,
// queue).

#include "ServerProcess.h"

#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>

using namespace outpost::test;

namespace {
constexpr int kMessages = 120;

/// Pages of `object` (a table or index) of type `type` ("leaf", "internal", "overflow") in
/// the outbox at `path`, with their number of cells, from SQLite's dbstat.
QList<QPair<int, int>> pagesOf(const QString &path, const QString &object, const QString &type)
{
    QList<QPair<int, int>> out;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("p"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            q.prepare(QStringLiteral("SELECT pageno, ncell FROM dbstat WHERE name = ? AND pagetype "
                                     "= ? ORDER BY pageno"));
            q.addBindValue(object);
            q.addBindValue(type);
            if (q.exec()) {
                while (q.next())
                    out << qMakePair(q.value(0).toInt(), q.value(1).toInt());
            }
            QSqlQuery(db).exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("p"));
    return out;
}

/// Writes garbage over page `page` (4096 octets, 1-based) of `path`.
bool garble(const QString &path, int page)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadWrite) || !f.seek(qint64(page - 1) * 4096))
        return false;
    QByteArray junk(4096, '\0');
    for (int i = 0; i < junk.size(); ++i)
        junk[i] = char((i * 131 + page * 17) & 0xff);
    return f.write(junk) == junk.size();
}

/// "N message(s) recovered" and "M lost" of salvage's report.
QPair<int, int> counts(const QByteArray &report)
{
    static const QRegularExpression re(
        QStringLiteral("(\\d+) message\\(s\\) recovered.*, (\\d+) lost"));
    const auto m = re.match(QString::fromUtf8(report));
    return m.hasMatch() ? qMakePair(m.captured(1).toInt(), m.captured(2).toInt())
                        : qMakePair(-1, -1);
}
} // namespace

class TestSalvage : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    /// A data folder with one account and kMessages queued messages (an attachment each, so
    /// the message bytes span many pages), copied from the one made in initTestCase().
    QString freshOutbox(QTemporaryDir &dir)
    {
        const QString db = dir.filePath(QStringLiteral("outbox.sqlite"));
        QFile::copy(m_dir.filePath(QStringLiteral("data/outbox.sqlite")), db);
        QFile::setPermissions(db, QFile::ReadOwner | QFile::WriteOwner);
        return db;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString data = m_dir.filePath(QStringLiteral("data"));
        QVERIFY(QDir().mkpath(data));
        QFile::setPermissions(data, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QCOMPARE(addLocalAccount(data, 9).exitCode, 0);
        const QString att = m_dir.filePath(QStringLiteral("att.bin"));
        QFile f(att);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(20000, 'x'));
        f.close();
        for (int i = 1; i <= kMessages; ++i) {
            const RunResult r = runOutpost(
                data, {QStringLiteral("queue"), QStringLiteral("--to"),
                       QStringLiteral("bob%1@example.net").arg(i), QStringLiteral("--subject"),
                       QStringLiteral("message %1").arg(i), QStringLiteral("--attach"), att});
            QCOMPARE(r.exitCode, 0);
        }
        // Everything in the main file (no -wal) before copies are made.
        QVERIFY(!pagesOf(data + QStringLiteral("/outbox.sqlite"), QStringLiteral("messages"),
                         QStringLiteral("leaf"))
                     .isEmpty());
    }

    void notDamaged()
    {
        QTemporaryDir dir;
        freshOutbox(dir);
        const RunResult r = runOutpost(dir.path(), {QStringLiteral("salvage")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("is not damaged; nothing was changed"), r.out.constData());
    }

    void damaged_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("broken index") << QStringLiteral("index");
        QTest::newRow("garbage over a page of the messages table") << QStringLiteral("messages");
        QTest::newRow("truncated") << QStringLiteral("truncated");
    }

    void damaged()
    {
        QFETCH(QString, how);
        QTemporaryDir dir;
        const QString db = freshOutbox(dir);
        int expectLost = -1; // -1: some, not known in advance
        if (how == QLatin1String("index")) {
            const auto pages =
                pagesOf(db, QStringLiteral("messages_by_state"), QStringLiteral("leaf"));
            QVERIFY(!pages.isEmpty());
            QVERIFY(garble(db, pages.first().first));
            expectLost = 0;
        } else if (how == QLatin1String("messages")) {
            const auto pages = pagesOf(db, QStringLiteral("messages"), QStringLiteral("leaf"));
            QVERIFY2(pages.size() >= 3, "the messages table should span several leaf pages");
            const auto victim = pages.at(pages.size() / 2);
            QVERIFY(garble(db, victim.first));
            expectLost = victim.second; // the rows on that page
        } else {
            QFile f(db);
            QVERIFY(f.resize(f.size() * 6 / 10));
        }
        // A command that writes checks the outbox first: damaged, and it says what to do.
        RunResult r = runOutpost(dir.path(), {QStringLiteral("queue"), QStringLiteral("--to"),
                                              QStringLiteral("dave@example.net")});
        QCOMPARE(r.exitCode, 78);
        QVERIFY2(r.err.contains("outpost salvage"), r.err.constData());

        r = runOutpost(dir.path(), {QStringLiteral("salvage")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto [recovered, lost] = counts(r.out);
        QVERIFY2(recovered >= 0, r.out.constData());
        if (expectLost >= 0)
            QCOMPARE(lost, expectLost);
        else
            QVERIFY2(lost > 0, r.out.constData());
        QVERIFY2(r.out.contains("1 account(s)"), r.out.constData());
        QVERIFY2(r.out.contains("the damaged file is kept as " + db.toUtf8() + ".damaged-"),
                 r.out.constData());
        QStringList kept =
            QDir(dir.path()).entryList({QStringLiteral("outbox.sqlite.damaged-*")}, QDir::Files);
        kept.removeIf([](const QString &n) {
            return n.endsWith(QLatin1String("-wal")) || n.endsWith(QLatin1String("-shm"));
        });
        QCOMPARE(kept.size(), 1);

        // The new outbox works: every recovered message listed, each queued one readable and
        // complete, the lost ones either gone or failed with the reason.
        r = runOutpost(dir.path(), {QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray rows = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(int(rows.size()), recovered);
        int queued = 0, failed = 0;
        for (const QJsonValue &v : rows) {
            const QJsonObject m = v.toObject();
            if (m.value(QLatin1String("state")).toString() == QLatin1String("queued")) {
                ++queued;
                QCOMPARE(m.value(QLatin1String("size")).toInt() > 20000, true);
            } else {
                QCOMPARE(m.value(QLatin1String("state")).toString(), QStringLiteral("failed"));
                QVERIFY(m.value(QLatin1String("last_error"))
                            .toString()
                            .contains(QLatin1String("could not be recovered")));
                ++failed;
            }
        }
        // Every message is accounted for: recovered and sendable, or lost (gone or failed).
        QCOMPARE(queued + lost, kMessages);
        QVERIFY(failed <= lost);
        r = runOutpost(dir.path(), {QStringLiteral("queue"), QStringLiteral("--to"),
                                    QStringLiteral("carol@example.net"),
                                    QStringLiteral("--subject"), QStringLiteral("after")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestSalvage)
#include "tst_salvage.moc"
