// The flush command in process: what it reports and its Result when nothing is due, when the
// server cannot be reached (deferred), when a message's account was removed (failed), and when
// another Outpost holds the outbox (the request is handed to it).
#include "CommandTest.h"

#include "accounts/AccountStore.h"

#include <QTcpServer>

using namespace outpost;
using namespace outpost::cli;
using namespace outpost::test;

namespace {
/// A port on 127.0.0.1 that nothing listens on.
quint16 closedPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost))
        return 9;
    return probe.serverPort(); // closed again when probe goes
}
} // namespace

class TestFlushCommand : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<CommandFixture> f;

private slots:
    void init()
    {
        f = std::make_unique<CommandFixture>();
        QVERIFY(f->dir.isValid());
    }

    void nothingToSend()
    {
        const CommandRun r = f->run<Flush>({});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("0 sent, 0 deferred, 0 failed\n"));
    }

    void unreachableServerDefers()
    {
        QVERIFY(f->addAccount(QStringLiteral("work"), closedPort()).is(Result::Ok));
        const qint64 id = f->queue(QStringLiteral("waiting"));
        QVERIFY(id > 0);
        const CommandRun r = f->run<Flush>({QStringLiteral("--timeout"), QStringLiteral("60")});
        QVERIFY2(r.is(Result::Deferred), r.why());
        QCOMPARE(exitCode(*r.result), 75);
        QCOMPARE(r.out, QByteArray("0 sent, 1 deferred, 0 failed\n"));
        QCOMPARE(f->open()->outbox()->summary(id)->state, MessageState::Queued);
    }

    void messagesOfARemovedAccountFail()
    {
        QVERIFY(f->addAccount(QStringLiteral("gone")).is(Result::Ok));
        const qint64 id = f->queue(QStringLiteral("orphan"));
        {
            // As an older Outpost left it: the account gone, its message still queued.
            QString error;
            QVERIFY(f->open()->accounts()->remove(QStringLiteral("gone"), &error));
        }
        const CommandRun r = f->run<Flush>({});
        QVERIFY2(r.is(Result::SomeFailed), r.why());
        QCOMPARE(exitCode(*r.result), 65);
        QCOMPARE(r.out, QByteArray("0 sent, 0 deferred, 1 failed\n"));
        QCOMPARE(f->open()->outbox()->summary(id)->state, MessageState::Failed);
    }

    void handedToTheRunningOutpost()
    {
        // Another Outpost (here: a sending Service in this process) holds the outbox.
        ServiceOptions o;
        o.dataDir = f->dataDir();
        o.credentials = &f->credentials;
        Service running(o);
        QString error;
        QVERIFY2(running.open(&error), qPrintable(error));
        const CommandRun r = f->run<Flush>({});
        QVERIFY2(r.is(Result::Ok), r.why());
        QCOMPARE(r.out, QByteArray("handed to the running Outpost: 0 sent in all, 0 queued, 0 "
                                   "held\n"));
    }

    void usage()
    {
        CommandRun r = f->run<Flush>({QStringLiteral("--timeout"), QStringLiteral("0")});
        QVERIFY2(r.is(Result::Usage), r.why());
        QCOMPARE(r.err, QByteArray("outpost: --timeout takes whole seconds from 1 to 2000000, not "
                                   "\"0\"\n"));
        r = f->run<Flush>({QStringLiteral("now")});
        QVERIFY2(r.is(Result::Usage), r.why());
    }
};

QTEST_GUILESS_MAIN(TestFlushCommand)
#include "tst_cmd_flush.moc"
