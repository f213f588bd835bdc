// The data folder and the single-instance socket are this user's alone (core/outbox/DataDir):
// prepareDataDir() refuses what another user owns or may write and never follows a link for the
// outbox files; instanceSocketPath() picks a folder no other user may create files in; the peer
// check tells this user's processes from another user's.

#include "outbox/DataDir.h"

#include <QLocalServer>
#include <QLocalSocket>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace outpost;

namespace {
mode_t modeOf(const QString &path)
{
    struct stat st = {};
    ::lstat(QFile::encodeName(path).constData(), &st);
    return st.st_mode & 07777;
}
void setMode(const QString &path, mode_t m)
{
    ::chmod(QFile::encodeName(path).constData(), m);
}
} // namespace

class TestDataDir : public QObject
{
    Q_OBJECT
private slots:
    void createsPrivateFolder()
    {
        QTemporaryDir top;
        const QString dir = top.filePath(QStringLiteral("a/b/outbox"));
        const DataDirCheck c = prepareDataDir(dir, true);
        QVERIFY(c.ok());
        QCOMPARE(modeOf(dir), mode_t(0700));
        QVERIFY(c.tightened.isEmpty());
    }

    void narrowsWhatOthersMayRead()
    {
        QTemporaryDir top;
        const QString dir = top.filePath(QStringLiteral("outbox"));
        QVERIFY(QDir().mkpath(dir));
        setMode(dir, 0755);
        QFile f(dir + QStringLiteral("/outbox.sqlite"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        setMode(f.fileName(), 0644);
        QFile ro(dir + QStringLiteral("/outpost.lock"));
        QVERIFY(ro.open(QIODevice::WriteOnly));
        ro.close();
        setMode(ro.fileName(), 0444); // the owner's own choice (read-only) stays
        const DataDirCheck c = prepareDataDir(dir, true);
        QVERIFY(c.ok());
        QCOMPARE(modeOf(dir), mode_t(0700));
        QCOMPARE(modeOf(f.fileName()), mode_t(0600));
        QCOMPARE(modeOf(ro.fileName()), mode_t(0400));
        QCOMPARE(c.tightened.size(), 3);
        QVERIFY(c.tightened.first().endsWith(QStringLiteral("(was 0755)")));
    }

    void refusesWhatOthersMayWrite_data()
    {
        QTest::addColumn<QString>("which");
        QTest::addColumn<int>("mode");
        QTest::newRow("folder 0777") << QString() << 0777;
        QTest::newRow("folder 0770") << QString() << 0770;
        QTest::newRow("outbox 0666") << QStringLiteral("outbox.sqlite") << 0666;
        QTest::newRow("wal 0622") << QStringLiteral("outbox.sqlite-wal") << 0622;
    }
    void refusesWhatOthersMayWrite()
    {
        QFETCH(QString, which);
        QFETCH(int, mode);
        QTemporaryDir dir;
        QString path = dir.path();
        if (!which.isEmpty()) {
            path = dir.filePath(which);
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
        }
        setMode(path, mode_t(mode));
        const DataDirCheck c = prepareDataDir(dir.path(), true);
        QCOMPARE(c.problem, DataDirProblem::WritableByOthers);
        QCOMPARE(c.path, path);
        QCOMPARE(modeOf(path), mode_t(mode)); // refused, not changed
    }

    void neverFollowsALink_data()
    {
        QTest::addColumn<QString>("name");
        for (const char *n :
             {"outbox.sqlite", "outbox.sqlite-wal", "outbox.sqlite-shm", "outpost.lock"})
            QTest::newRow(n) << QString::fromLatin1(n);
    }
    void neverFollowsALink()
    {
        QFETCH(QString, name);
        QTemporaryDir dir;
        QTemporaryDir other;
        QFile target(other.filePath(QStringLiteral("t")));
        QVERIFY(target.open(QIODevice::WriteOnly));
        target.close();
        QVERIFY(QFile::link(target.fileName(), dir.filePath(name)));
        const DataDirCheck c = prepareDataDir(dir.path(), true);
        QCOMPARE(c.problem, DataDirProblem::Symlink);
        QCOMPARE(c.path, dir.filePath(name));
    }

    void refusesAnotherUsersFolder()
    {
        if (::geteuid() != 0)
            QSKIP("needs root to give a folder to another user");
        QTemporaryDir dir;
        QVERIFY(::chown(QFile::encodeName(dir.path()).constData(), 65534, 65534) == 0);
        const DataDirCheck c = prepareDataDir(dir.path(), true);
        QCOMPARE(c.problem, DataDirProblem::NotOwned);
        QCOMPARE(c.ownerId, 65534u);
    }

    void socketInAPrivateFolder()
    {
        QTemporaryDir dir;
        QTemporaryDir runtime;
        setMode(runtime.path(), 0700);
        // $XDG_RUNTIME_DIR when it is ours alone.
        qputenv("XDG_RUNTIME_DIR", QFile::encodeName(runtime.path()));
        QString path = instanceSocketPath(dir.path());
        QVERIFY2(path.startsWith(runtime.path() + QStringLiteral("/outpost-")), qPrintable(path));
        // Not when others may enter it (nor /tmp, which anyone may write): the data folder.
        setMode(runtime.path(), 0755);
        path = instanceSocketPath(dir.path());
        QCOMPARE(path, dir.path() + QStringLiteral("/outpost.socket"));
        qputenv("XDG_RUNTIME_DIR", "/tmp");
        QCOMPARE(instanceSocketPath(dir.path()), dir.path() + QStringLiteral("/outpost.socket"));
        qunsetenv("XDG_RUNTIME_DIR");
        // A data folder path too long for a socket: /tmp/outpost-UID, made 0700 and ours.
        const QString deep = dir.filePath(QString(90, QLatin1Char('d')));
        QVERIFY(QDir().mkpath(deep));
        setMode(deep, 0700);
        path = instanceSocketPath(deep);
        const QString tmp = QStringLiteral("/tmp/outpost-%1").arg(::geteuid());
        QVERIFY2(path.startsWith(tmp + QLatin1Char('/')), qPrintable(path));
        QCOMPARE(modeOf(tmp), mode_t(0700));
    }

    void peerCredentials()
    {
        QTemporaryDir dir;
        setMode(dir.path(), 0755);
        QLocalServer server;
        server.setSocketOptions(QLocalServer::WorldAccessOption);
        const QString name = dir.filePath(QStringLiteral("s"));
        QVERIFY(server.listen(name));
        // This process: ours.
        QLocalSocket mine;
        mine.connectToServer(name);
        QVERIFY(server.waitForNewConnection(5000));
        QLocalSocket *accepted = server.nextPendingConnection();
        QVERIFY(accepted);
        QVERIFY(localPeerIsThisUser(accepted->socketDescriptor()));
        if (::geteuid() != 0)
            return; // another user's process needs root to start
        // A process of user nobody: not ours.
        QProcess other;
        other.start(QStringLiteral("runuser"),
                    {QStringLiteral("-u"), QStringLiteral("nobody"), QStringLiteral("--"),
                     QStringLiteral("/usr/bin/python3"), QStringLiteral("-c"),
                     // Holds the connection until the test ends it (its standard input stays
                     // open until then).
                     QStringLiteral("import socket,sys; s=socket.socket(socket.AF_UNIX); "
                                    "s.connect('%1'); sys.stdin.read()")
                         .arg(name)});
        QVERIFY(server.waitForNewConnection(10000));
        QLocalSocket *foreign = server.nextPendingConnection();
        QVERIFY(foreign);
        QVERIFY(!localPeerIsThisUser(foreign->socketDescriptor()));
        other.kill();
        other.waitForFinished();
    }
};

QTEST_GUILESS_MAIN(TestDataDir)
#include "tst_datadir.moc"
