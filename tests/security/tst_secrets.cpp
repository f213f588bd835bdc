// No secret ever lands on disk or in a log. A full session (STARTTLS + AUTH against the real
// aiosmtpd of tests/integration) with a known password, once through the `outpost` binary
// (--password-command, `flush --verbose`) and once in process (Service::setPassword with a
// MemoryCredentialStore, PLAIN and LOGIN); then every file of the data directory (the SQLite
// database with its -wal and -shm while the Service is open, the lock, settings) and the
// protocol log are searched for the password in plain (UTF-8, UTF-16, Latin-1), base64
// (LOGIN), PLAIN's base64("\0user\0password"), and hex.

#include "../integration/ServerProcess.h"
#include "SecurityTestSupport.h"

#include <QJsonArray>

using namespace outpost;
using namespace outpost::securitytest;
using namespace outpost::test;

namespace {
// Distinctive, long enough that no form matches by chance, with non-ASCII characters so
// that the UTF-8, UTF-16 and Latin-1 forms differ.
const QString kUser = QStringLiteral("alice");
const QString kPassword = QStringLiteral("Tr0ub4dor&3-horse-st\u00e4ple-\u00e9t\u00e9");
} // namespace

class TestSecrets : public QObject
{
    Q_OBJECT

private slots:
    void searchFindsEveryForm()
    {
        // The search itself: each form planted in a hidden file of a subdirectory is found.
        const auto forms = secretForms(kUser, kPassword);
        for (const auto &form : forms) {
            QTemporaryDir dir;
            QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("sub")));
            QFile f(dir.filePath(QStringLiteral("sub/.hidden-wal")));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("xx" + form.second + "yy");
            f.close();
            int files = 0;
            const QStringList hits = findSecretInDir(dir.path(), forms, &files);
            QCOMPARE(files, 1);
            QVERIFY2(hits.join(QLatin1Char('\n')).contains(form.first), qPrintable(form.first));
        }
        QVERIFY(findSecret(QStringLiteral("log"), "C: AUTH PLAIN <redacted>", forms).isEmpty());
    }

    void cliSessionWithPasswordCommand()
    {
        SmtpServer server;
        const QString auth = kUser + QLatin1Char(':') + kPassword;
        QVERIFY(server.start({QStringLiteral("--starttls"), QStringLiteral("--auth"), auth}));

        // The password comes from a file outside the data directory, read by the command: the
        // command line stored with the account does not contain it.
        QTemporaryDir secrets;
        const QString pwFile = secrets.filePath(QStringLiteral("pw"));
        {
            QFile f(pwFile);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(kPassword.toUtf8() + '\n');
        }
        QTemporaryDir data;
        const QString dir = data.path();
        QByteArray output; // everything the CLI printed, both streams
        auto run = [&](const QStringList &args) {
            const RunResult r = runOutpost(dir, args);
            output += r.out + r.err;
            return r;
        };
        RunResult r =
            run({QStringLiteral("account"), QStringLiteral("add"), QStringLiteral("work"),
                 QStringLiteral("--host"), QStringLiteral("localhost"), QStringLiteral("--port"),
                 QString::number(server.port()), QStringLiteral("--security"),
                 QStringLiteral("starttls"), QStringLiteral("--user"), kUser,
                 QStringLiteral("--from"), QStringLiteral("alice@example.org"),
                 QStringLiteral("--password-command"), QStringLiteral("cat '%1'").arg(pwFile),
                 QStringLiteral("--ca-file"), SmtpServer::caPath()});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        for (int i = 1; i <= 2; ++i) {
            r = run({QStringLiteral("queue"), QStringLiteral("--account"), QStringLiteral("work"),
                     QStringLiteral("--to"), QStringLiteral("bob@example.net"),
                     QStringLiteral("--subject"), QStringLiteral("Secret test %1").arg(i),
                     QStringLiteral("--body"), QStringLiteral("Hello %1\n").arg(i)});
            QVERIFY2(r.exitCode == 0, r.err.constData());
        }
        r = run({QStringLiteral("flush"), QStringLiteral("--verbose")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        // The session really authenticated with the password (else the test proves nothing).
        QCOMPARE(server.count(QStringLiteral("auth")), 1);
        QCOMPARE(server.deliveredFiles().size(), 2);
        QVERIFY2(r.err.contains("AUTH PLAIN"), r.err.constData());
        // What the user can look at afterwards.
        r = run({QStringLiteral("list"), QStringLiteral("--json")});
        const QJsonArray listed = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(listed.size(), 2);
        for (const QJsonValue &v : listed)
            run({QStringLiteral("show"),
                 QString::number(v.toObject().value(QLatin1String("id")).toInteger()),
                 QStringLiteral("--json")});
        run({QStringLiteral("account"), QStringLiteral("list"), QStringLiteral("--json")});
        run({QStringLiteral("config"), QStringLiteral("list")});

        const auto forms = secretForms(kUser, kPassword);
        QStringList hits =
            findSecret(QStringLiteral("outpost output (--verbose log)"), output, forms);
        int files = 0;
        hits += findSecretInDir(dir, forms, &files);
        QVERIFY2(files >= 1, qPrintable(describeDir(dir)));
        QVERIFY2(hits.isEmpty(), qPrintable(hits.join(QLatin1Char('\n')) +
                                            QLatin1String("\nfiles: ") + describeDir(dir)));
    }

    void inProcessSessionWithSetPassword_data()
    {
        QTest::addColumn<QString>("mechanism");
        QTest::newRow("PLAIN") << QStringLiteral("plain");
        QTest::newRow("LOGIN") << QStringLiteral("login");
    }

    void inProcessSessionWithSetPassword()
    {
        QFETCH(QString, mechanism);
        SmtpServer server;
        QVERIFY(server.start({QStringLiteral("--starttls"), QStringLiteral("--auth"),
                              kUser + QLatin1Char(':') + kPassword}));
        InProcessService s;
        QVERIFY(s.open());
        Account a = InProcessService::account(QStringLiteral("localhost"), server.port(),
                                              Security::StartTls, kUser);
        a.auth = mechanism;
        a.caFile = SmtpServer::caPath();
        QVERIFY(s.addAccount(a));
        s.service->setPassword(a.name, kPassword);
        const qint64 id1 = s.enqueue(QStringLiteral("one"));
        const qint64 id2 = s.enqueue(QStringLiteral("two"));
        QVERIFY(id1 > 0 && id2 > 0);
        s.service->flush();
        QTRY_COMPARE_WITH_TIMEOUT(s.state(id1), MessageState::Sent, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(s.state(id2), MessageState::Sent, 30000);
        QCOMPARE(server.count(QStringLiteral("auth")), 1);
        const QString authLine = QStringLiteral("AUTH %1").arg(mechanism.toUpper());
        QVERIFY2(s.log.join(QLatin1Char('\n')).contains(authLine),
                 qPrintable(s.log.join(QLatin1Char('\n'))));

        const auto forms = secretForms(kUser, kPassword);
        // While the Service is open: the database's write-ahead log holds the latest changes.
        QVERIFY2(QFileInfo::exists(s.dir.filePath(QStringLiteral("outbox.sqlite-wal"))),
                 qPrintable(describeDir(s.dir.path())));
        QStringList hits = findSecretInDir(s.dir.path(), forms);
        hits += findSecret(QStringLiteral("Service::logLine"),
                           s.log.join(QLatin1Char('\n')).toUtf8(), forms);
        hits += findSecret(QStringLiteral("Service::recentLog"),
                           s.service->recentLog().join(QLatin1Char('\n')).toUtf8(), forms);
        QVERIFY2(hits.isEmpty(), qPrintable(hits.join(QLatin1Char('\n'))));

        // And after a graceful shutdown (checkpointed database, closed files).
        QVERIFY(s.shutdown());
        hits = findSecretInDir(s.dir.path(), forms);
        hits += findSecret(QStringLiteral("Service::logLine"),
                           s.log.join(QLatin1Char('\n')).toUtf8(), forms);
        QVERIFY2(hits.isEmpty(), qPrintable(hits.join(QLatin1Char('\n'))));
    }
};

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
