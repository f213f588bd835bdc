// A full disk, for real: the data folder on a small tmpfs (in a mount namespace of this test's
// own, so nothing outside sees it), filled to the last page, then the `outpost` binary as a
// user would run it. What must hold: `queue` says the disk is full in plain words with its own
// exit code and stores nothing; `list`, `show`, `status` read; `cancel` deletes (its pages
// become free pages of the outbox); `flush` starts, sends to a real Postfix and records every
// outcome. Root only (mount, and Postfix switches users).

#include "RealServers.h"
#include "ServerProcess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>
#include <QUrl>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

using namespace outpost::test;

class TestDiskFull : public QObject
{
    Q_OBJECT

private:
    RealSmtpServer m_postfix;
    QTemporaryDir m_files;
    QString m_passwordFile;
    QString m_attachment;

    /// Writes `path` until the disk refuses (ENOSPC): afterwards not one page is free.
    static bool fill(const QString &path)
    {
        const int fd = ::open(QFile::encodeName(path).constData(),
                              O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
            return false;
        const QByteArray chunk(4096, 'x');
        while (::write(fd, chunk.constData(), size_t(chunk.size())) > 0) {
        }
        const int why = errno;
        ::close(fd);
        return why == ENOSPC;
    }

    RunResult outpost(const QString &dir, const QStringList &args)
    {
        return runOutpost(dir, args, {}, 120000);
    }

    QJsonArray list(const QString &dir)
    {
        const RunResult r = outpost(dir, {QStringLiteral("list"), QStringLiteral("--json")});
        if (r.exitCode != 0)
            qWarning("list: exit %d: %s", r.exitCode, r.err.constData());
        return QJsonDocument::fromJson(r.out).array();
    }

    /// id -> state of every message `list` shows.
    QMap<qint64, QString> states(const QString &dir)
    {
        QMap<qint64, QString> out;
        for (const QJsonValue &v : list(dir))
            out.insert(v[QLatin1String("id")].toInteger(), v[QLatin1String("state")].toString());
        return out;
    }

    qint64 queue(const QString &dir, const QString &subject, bool attach,
                 RunResult *result = nullptr)
    {
        QStringList args{QStringLiteral("queue"),
                         QStringLiteral("--account"),
                         QStringLiteral("work"),
                         QStringLiteral("--to"),
                         QStringLiteral("bob@example.org"),
                         QStringLiteral("--subject"),
                         subject,
                         QStringLiteral("--body"),
                         QStringLiteral("Written on a disk about to fill up.")};
        if (attach)
            args << QStringLiteral("--attach") << m_attachment;
        const RunResult r = outpost(dir, args);
        if (result)
            *result = r;
        return r.exitCode == 0 ? r.out.trimmed().toLongLong() : 0;
    }

    /// Free pages of the outbox, read as the file is on disk (no -wal/-shm needed).
    static int freePages(const QString &db)
    {
        int n = -1;
        {
            QSqlDatabase d =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("freelist"));
            QUrl uri = QUrl::fromLocalFile(db);
            uri.setQuery(QStringLiteral("immutable=1"));
            d.setDatabaseName(uri.toString(QUrl::FullyEncoded));
            d.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI"));
            if (d.open()) {
                QSqlQuery q(d);
                if (q.exec(QStringLiteral("PRAGMA freelist_count")) && q.next())
                    n = q.value(0).toInt();
            }
        }
        QSqlDatabase::removeDatabase(QStringLiteral("freelist"));
        return n;
    }

private slots:
    void initTestCase()
    {
        const QString skip = RealSmtpServer::skipReason();
        if (!skip.isEmpty())
            QSKIP(qPrintable(skip));
        // A mount namespace of this process's own: the tmpfs below is seen by it and its
        // children (outpost, Postfix) only, and goes away with them.
        QVERIFY2(::unshare(CLONE_NEWNS) == 0, strerror(errno));
        QVERIFY2(::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0, strerror(errno));
        QVERIFY(m_files.isValid());
        m_passwordFile = m_files.filePath(QStringLiteral("password"));
        QFile pw(m_passwordFile);
        QVERIFY(pw.open(QIODevice::WriteOnly));
        pw.write(realServerPassword());
        pw.close();
        // Incompressible, so that its pages are really taken.
        m_attachment = m_files.filePath(QStringLiteral("photo.bin"));
        QFile a(m_attachment);
        QVERIFY(a.open(QIODevice::WriteOnly));
        QByteArray bytes(1536 * 1024, Qt::Uninitialized);
        QRandomGenerator(7).fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
        a.write(bytes);
        a.close();
        QVERIFY2(m_postfix.start(RealSmtpServer::Kind::Postfix), qPrintable(m_postfix.error()));
    }

    void fullDisk()
    {
        QTemporaryDir base;
        const QString disk = base.filePath(QStringLiteral("disk"));
        QVERIFY(QDir().mkpath(disk));
        QVERIFY2(::mount("tmpfs", QFile::encodeName(disk).constData(), "tmpfs", 0,
                         "size=24m,mode=0700") == 0,
                 strerror(errno));
        const auto unmount =
            qScopeGuard([&] { ::umount2(QFile::encodeName(disk).constData(), MNT_DETACH); });
        const QString dir = disk + QStringLiteral("/outbox");
        const QString db = dir + QStringLiteral("/outbox.sqlite");
        const QString reserve = dir + QStringLiteral("/outpost.reserve");

        RunResult r = outpost(
            dir, {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("work"),
                  QStringLiteral("--host"), QStringLiteral("localhost"), QStringLiteral("--port"),
                  QString::number(m_postfix.port()), QStringLiteral("--security"),
                  QStringLiteral("starttls"), QStringLiteral("--user"),
                  QStringLiteral("alice@example.org"), QStringLiteral("--from"),
                  QStringLiteral("alice@example.org"), QStringLiteral("--password-command"),
                  QStringLiteral("cat '%1'").arg(m_passwordFile), QStringLiteral("--ca-file"),
                  SmtpServer::caPath()});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const qint64 big = queue(dir, QStringLiteral("big one"), true);
        const qint64 second = queue(dir, QStringLiteral("second"), true);
        const qint64 small = queue(dir, QStringLiteral("small"), false);
        QVERIFY(big > 0 && second > 0 && small > 0);
        // Made while the disk had room.
        QCOMPARE(QFileInfo(reserve).size(), qint64(4 * 1024 * 1024));

        // Almost full: room to open the outbox, not for the message (its commit fails).
        const QString filler = disk + QStringLiteral("/filler-1");
        QVERIFY(fill(filler));
        QVERIFY(QFile::resize(filler, QFileInfo(filler).size() - 256 * 1024));
        // queue: the plain words, its own exit code, nothing stored, the reserve untouched.
        const qint64 refused = queue(dir, QStringLiteral("no room"), true, &r);
        QCOMPARE(refused, qint64(0));
        QCOMPARE(r.exitCode, 74);
        QVERIFY2(r.err.contains("the disk holding the outbox is full ("), r.err.constData());
        QVERIFY2(r.err.contains("free); nothing was lost"), r.err.constData());
        QVERIFY2(!r.err.contains("rollback"), r.err.constData());
        QCOMPARE(QFileInfo(reserve).size(), qint64(4 * 1024 * 1024));
        // Quite full: not even room to open it. The same words.
        QVERIFY(fill(filler));
        QCOMPARE(queue(dir, QStringLiteral("no room at all"), false, &r), qint64(0));
        QCOMPARE(r.exitCode, 74);
        QVERIFY2(r.err.contains("the disk holding the outbox is full ("), r.err.constData());
        QCOMPARE(QFileInfo(reserve).size(), qint64(4 * 1024 * 1024));

        // list, show, status read the outbox without any room.
        const QMap<qint64, QString> before = states(dir);
        QCOMPARE(before.keys(), (QList<qint64>{big, second, small}));
        QCOMPARE(before.value(small), QStringLiteral("queued"));
        r = outpost(dir,
                    {QStringLiteral("show"), QString::number(small), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(QJsonDocument::fromJson(r.out)[QLatin1String("subject")].toString(),
                 QStringLiteral("small"));
        r = outpost(dir, {QStringLiteral("status")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(QFileInfo(reserve).size(), qint64(4 * 1024 * 1024));

        // cancel works, says the disk is full, and the message's pages become free pages.
        const int freeBefore = freePages(db);
        r = outpost(dir, {QStringLiteral("cancel"), QString::number(big)});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out, QByteArray("message %1 cancelled and deleted\n")
                            .replace("%1", QByteArray::number(big)));
        QVERIFY2(r.err.contains("the disk holding the outbox is full"), r.err.constData());
        QVERIFY(QFileInfo(reserve).size() < 4 * 1024 * 1024);
        QVERIFY2(freePages(db) >= freeBefore + 1536 / 4,
                 qPrintable(QString::number(freePages(db))));
        QCOMPARE(states(dir).keys(), (QList<qint64>{second, small}));

        // Full again (whatever the cancel gave back was taken by someone else): flush starts,
        // sends to Postfix and records what it said.
        QVERIFY(fill(disk + QStringLiteral("/filler-2")));
        r = outpost(dir,
                    {QStringLiteral("flush"), QStringLiteral("--timeout"), QStringLiteral("60")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.contains("the disk holding the outbox is full"), r.err.constData());
        const QMap<qint64, QString> after = states(dir);
        QCOMPARE(after.value(second), QStringLiteral("sent"));
        QCOMPARE(after.value(small), QStringLiteral("sent"));
        QTRY_COMPARE_WITH_TIMEOUT(m_postfix.deliveryFiles().size(), 2, 30000);
        QStringList subjects;
        for (const QByteArray &m : m_postfix.deliveryHeads())
            subjects << (m.contains("Subject: second")  ? QStringLiteral("second")
                         : m.contains("Subject: small") ? QStringLiteral("small")
                                                        : QStringLiteral("?"));
        subjects.sort();
        QCOMPARE(subjects, (QStringList{QStringLiteral("second"), QStringLiteral("small")}));

        // The desktop app starts on a full disk too (offscreen): it takes the outbox and
        // answers as its sender.
        QVERIFY(fill(disk + QStringLiteral("/filler-3")));
        QProcess app;
        QProcessEnvironment env = cliEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        app.setProcessEnvironment(env);
        app.setProcessChannelMode(QProcess::ForwardedChannels); // its words in the test's log
        app.start(outpostBinary(), {QStringLiteral("--data-dir"), dir});
        QVERIFY(app.waitForStarted(10000));
        const auto role = [&] {
            const RunResult s = outpost(dir, {QStringLiteral("status"), QStringLiteral("--json")});
            return QJsonDocument::fromJson(s.out)[QLatin1String("sender")][QLatin1String("role")]
                .toString();
        };
        // Generous: on a loaded machine (two test processes on two cores) the app's start,
        // offscreen, has taken longer than 30 s.
        QTRY_COMPARE_WITH_TIMEOUT(role(), QStringLiteral("app"), 90000);
        QCOMPARE(app.state(), QProcess::Running);
        app.terminate();
        QVERIFY(app.waitForFinished(20000));
        QCOMPARE(app.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestDiskFull)
#include "tst_diskfull.moc"
