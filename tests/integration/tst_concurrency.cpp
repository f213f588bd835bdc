// Two `outpost flush` processes started at once on one data directory (design.md §4,
// "exactly one dispatcher sends from a data directory at a time"): the second hands its
// request to the first over the single-instance channel (or waits for the lock); no message
// is ever sent twice, and both report success once everything has gone out.

#include "ServerProcess.h"
#include "accounts/CredentialStore.h"
#include "outbox/Service.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTimer>

using namespace outpost;
using namespace outpost::test;

namespace {

/// Queues `n` messages through the core in this process (not sending).
QSet<QByteArray> queueMany(const QString &dir, int n, const QByteArray &tag)
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
        const QByteArray raw = "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: " + tag +
                               "\r\nMessage-ID: <" + id +
                               ">\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n";
        if (!service.enqueueRaw(QStringLiteral("local"), raw).ok())
            return {};
        ids.insert(id);
    }
    return ids;
}

} // namespace

class TestConcurrency : public QObject
{
    Q_OBJECT

private slots:
    void twoFlushesAtOnce_data()
    {
        QTest::addColumn<int>("delayMs");
        QTest::addColumn<int>("staggerMs");
        QTest::newRow("at once") << 0 << 0;
        QTest::newRow("second 30 ms later") << 20 << 30;
        QTest::newRow("second 150 ms later, slow server") << 20 << 150;
    }
    void twoFlushesAtOnce()
    {
        QFETCH(int, delayMs);
        QFETCH(int, staggerMs);
        SmtpServer server;
        QVERIFY(server.start({QStringLiteral("--data-delay-ms"), QString::number(delayMs)}));
        QTemporaryDir data;
        const QString dir = data.path();
        const RunResult added = runOutpost(
            dir,
            {QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("local"),
             QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
             QString::number(server.port()), QStringLiteral("--security"), QStringLiteral("none"),
             QStringLiteral("--from"), QStringLiteral("alice@example.org")});
        QCOMPARE(added.exitCode, 0);

        QSet<QByteArray> all;
        for (int round = 1; round <= 4; ++round) {
            const QSet<QByteArray> ids = queueMany(dir, 30, "r" + QByteArray::number(round));
            QCOMPARE(ids.size(), 30);
            all += ids;
            QProcess a, b;
            for (QProcess *p : {&a, &b})
                p->setProcessEnvironment(cliEnvironment());
            QSignalSpy aDone(&a, &QProcess::finished);
            QSignalSpy bDone(&b, &QProcess::finished);
            const QStringList args = {QStringLiteral("--data-dir"), dir, QStringLiteral("flush")};
            a.start(outpostBinary(), args);
            if (staggerMs == 0) {
                b.start(outpostBinary(), args);
            } else {
                QTimer::singleShot(staggerMs, &b, [&] { b.start(outpostBinary(), args); });
            }
            QVERIFY(aDone.wait(60000) || aDone.count() == 1);
            QTRY_COMPARE_WITH_TIMEOUT(bDone.count(), 1, 60000);
            const QByteArray aOut = a.readAllStandardOutput() + a.readAllStandardError();
            const QByteArray bOut = b.readAllStandardOutput() + b.readAllStandardError();
            const QByteArray both = "first: " + aOut + "\nsecond: " + bOut;
            QVERIFY2(a.exitStatus() == QProcess::NormalExit &&
                         b.exitStatus() == QProcess::NormalExit,
                     both.constData());
            QVERIFY2(a.exitCode() == 0, both.constData());
            QVERIFY2(b.exitCode() == 0, both.constData());

            // Every message of every round so far exactly once.
            const QHash<QByteArray, int> got = deliveredIds(server);
            QCOMPARE(QSet<QByteArray>(got.keyBegin(), got.keyEnd()), all);
            for (auto it = got.cbegin(); it != got.cend(); ++it)
                QVERIFY2(it.value() == 1,
                         qPrintable(QStringLiteral("round %1: %2 sent %3 times\n%4")
                                        .arg(round)
                                        .arg(QString::fromLatin1(it.key()))
                                        .arg(it.value())
                                        .arg(QString::fromUtf8(both))));
            const QJsonArray listed =
                QJsonDocument::fromJson(
                    runOutpost(dir, {QStringLiteral("list"), QStringLiteral("--json")}).out)
                    .array();
            QCOMPARE(listed.size(), all.size());
            for (const QJsonValue &v : listed)
                QCOMPARE(v.toObject().value(QLatin1String("state")).toString(),
                         QStringLiteral("sent"));
        }
    }
};

QTEST_GUILESS_MAIN(TestConcurrency)
#include "tst_concurrency.moc"
