// The data directory's single-instance lock (design.md §4): a lock left behind by a process
// killed while creating it does not keep Outpost out; a lock a live process holds does.

#include "accounts/CredentialStore.h"
#include "outbox/Service.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QLocalSocket>
#include <QLockFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace outpost;

namespace {

bool writeFile(const QString &path, const QByteArray &bytes, int ageMs)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    f.write(bytes);
    f.flush(); // before the time is set: a later flush would make it "now" again
    return f.setFileTime(QDateTime::currentDateTime().addMSecs(-ageMs),
                         QFileDevice::FileModificationTime);
}

} // namespace

class TestServiceLock : public QObject
{
    Q_OBJECT

private:
    MemoryCredentialStore m_credentials;

    std::unique_ptr<Service> makeService(const QString &dir)
    {
        ServiceOptions o;
        o.dataDir = dir;
        o.credentials = &m_credentials;
        o.dispatch = false;
        return std::make_unique<Service>(o);
    }

private slots:
    // What a SIGKILL between QLockFile's create and write leaves: an empty lock file, or an
    // empty ".rmlock" next to the stale lock of a dead process.
    void abandonedLockFiles_data()
    {
        QTest::addColumn<QByteArray>("lock");
        QTest::addColumn<QByteArray>("rmlock");
        const QByteArray dead =
            "999999999\noutpost\n" + QSysInfo::machineHostName().toUtf8() + "\n";
        QTest::newRow("empty lock") << QByteArray("") << QByteArray();
        QTest::newRow("half-written lock") << QByteArray("12") << QByteArray();
        QTest::newRow("dead owner, empty rmlock") << dead << QByteArray("");
        QTest::newRow("dead owner, rmlock of a dead owner") << dead << dead;
    }
    void abandonedLockFiles()
    {
        QFETCH(QByteArray, lock);
        QFETCH(QByteArray, rmlock);
        QTemporaryDir dir;
        const QString path = QDir(dir.path()).filePath(QStringLiteral("outpost.lock"));
        QVERIFY(writeFile(path, lock, 5000));
        if (!rmlock.isNull()) {
            QVERIFY(writeFile(path + QStringLiteral(".rmlock"), rmlock, 5000));
            QVERIFY(writeFile(path + QStringLiteral(".rmlock.rmlock"), QByteArray(""), 5000));
        }
        auto service = makeService(dir.path());
        QString error;
        QVERIFY2(service->open(&error),
                 qPrintable(error + QLatin1Char(' ') +
                            QDir(dir.path()).entryList(QDir::Files).join(QLatin1Char(' '))));
        QVERIFY(!service->lockedByOther());
        // The helpers are gone, the lock is ours.
        QCOMPARE(QDir(dir.path()).entryList({QStringLiteral("outpost.lock.rmlock*")}, QDir::Files),
                 QStringList());
        QLockFile other(path);
        QVERIFY(!other.tryLock(0));
    }

    void liveHolderKeepsOthersOut()
    {
        QTemporaryDir dir;
        const QString path = QDir(dir.path()).filePath(QStringLiteral("outpost.lock"));
        QLockFile holder(path);
        holder.setStaleLockTime(0);
        QVERIFY(holder.tryLock(0));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.setFileTime(QDateTime::currentDateTime().addSecs(-3600),
                              QFileDevice::FileModificationTime));
        f.close();
        auto service = makeService(dir.path());
        QString error;
        QVERIFY(!service->open(&error));
        QVERIFY(service->lockedByOther());
        QVERIFY(QFile::exists(path));
        holder.unlock();
        auto again = makeService(dir.path());
        QVERIFY2(again->open(&error), qPrintable(error));
    }

    // A second Service on the same directory is refused while the first runs.
    void secondServiceRefused()
    {
        QTemporaryDir dir;
        auto first = makeService(dir.path());
        QString error;
        QVERIFY2(first->open(&error), qPrintable(error));
        auto second = makeService(dir.path());
        QVERIFY(!second->open(&error));
        QVERIFY(second->lockedByOther());
        first.reset();
        auto third = makeService(dir.path());
        QVERIFY2(third->open(&error), qPrintable(error));
    }

    // The single-instance channel answers every line: garbage, an unknown verb and a request
    // only the desktop app handles (activate, in a headless process) with an error; the
    // process keeps serving afterwards.
    void channelRefusesWhatItDoesNotKnow()
    {
        QTemporaryDir dir;
        auto service = makeService(dir.path());
        QString error;
        QVERIFY2(service->open(&error), qPrintable(error));
        QLocalSocket raw;
        raw.connectToServer(Service::serverName(dir.path()));
        QVERIFY(raw.waitForConnected(5000));
        raw.write("not json\n{\"cmd\":\"format-disk\"}\n[1]\n{\"cmd\":\"changed\"}\n");
        QList<InstanceReply> replies;
        QVERIFY(QTest::qWaitFor(
            [&] {
                while (raw.canReadLine()) {
                    const auto r = decodeReply(raw.readLine());
                    if (!r)
                        return true; // fails below
                    replies << *r;
                }
                return replies.size() >= 4;
            },
            5000));
        QCOMPARE(replies.size(), 4);
        QVERIFY(!replies[0].ok);
        QVERIFY2(replies[0].error.contains(QLatin1String("not JSON")),
                 qPrintable(replies[0].error));
        QVERIFY(!replies[1].ok);
        QVERIFY2(replies[1].error.contains(QLatin1String("format-disk")),
                 qPrintable(replies[1].error));
        QVERIFY(!replies[2].ok);
        QVERIFY(replies[3].ok);

        bool answered = false;
        InstanceReply activate;
        Service::sendToRunningInstance(dir.path(), InstanceRequest{InstanceVerb::Activate, {}},
                                       this, [&](bool ok, const InstanceReply &r) {
                                           answered = ok;
                                           activate = r;
                                       });
        QTRY_VERIFY_WITH_TIMEOUT(answered, 5000);
        QVERIFY(!activate.ok);
        QVERIFY2(activate.error.contains(QLatin1String("activate")), qPrintable(activate.error));
    }

    /// Nobody serves the folder (no lock, no socket): the answer "no instance" still comes
    /// from the event loop, never from inside the call, so a caller that starts a QEventLoop
    /// after asking (the desktop app at start) is not left waiting forever.
    void answerNeverFromInsideTheCall()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        int answers = 0;
        bool answeredOk = true;
        QEventLoop loop;
        Service::sendToRunningInstance(dir.path(), InstanceRequest{InstanceVerb::Yield, {}}, &loop,
                                       [&](bool ok, const InstanceReply &) {
                                           ++answers;
                                           answeredOk = ok;
                                           loop.quit();
                                       });
        QCOMPARE(answers, 0);
        QTimer::singleShot(5000, &loop, [&loop] { loop.exit(1); });
        QCOMPARE(loop.exec(), 0);
        QCOMPARE(answers, 1);
        QVERIFY(!answeredOk);
    }
};

QTEST_GUILESS_MAIN(TestServiceLock)
#include "tst_servicelock.moc"
