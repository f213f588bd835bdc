// ConnectionTest: connect, EHLO, AUTH, QUIT against MiniSmtpServer on 127.0.0.1 port 0; the
// outcome classes (success with capabilities, auth refused, connection refused, password
// command failing or hanging, cancel) and the capabilities recorded in the AccountStore.

#include "MiniSmtpServer.h"
#include "accounts/AccountStore.h"
#include "accounts/ConnectionTest.h"
#include "accounts/CredentialStore.h"
#include "outbox/Service.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace outpost;
using outpost::testsupport::MiniSmtpServer;

class TestConnectionTest : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void successShowsCapabilities();
    void authRefused();
    void logShowsRepliesAsOnTheWire();
    void connectionRefused();
    void passwordCommand_data();
    void passwordCommand();
    void cancelWhileWaitingForGreeting();

private:
    Account account(quint16 port) const;
    /// Runs a test to its end and returns the finished() arguments.
    QList<QVariant> run(ConnectionTest &t);

    QTemporaryDir *m_dir = nullptr;
    MemoryCredentialStore m_credentials;
    Service *m_service = nullptr;
};

void TestConnectionTest::init()
{
    m_dir = new QTemporaryDir;
    ServiceOptions o;
    o.dataDir = m_dir->path();
    o.credentials = &m_credentials;
    o.singleInstance = false;
    o.dispatch = false;
    m_service = new Service(o);
    QString error;
    QVERIFY2(m_service->open(&error), qPrintable(error));
    m_credentials.writePassword(QStringLiteral("work"), QStringLiteral("s3cret"),
                                [](bool, const QString &) {});
}

void TestConnectionTest::cleanup()
{
    delete m_service;
    m_service = nullptr;
    delete m_dir;
    m_dir = nullptr;
}

Account TestConnectionTest::account(quint16 port) const
{
    Account a;
    a.name = QStringLiteral("work");
    a.host = QStringLiteral("127.0.0.1");
    a.port = port;
    a.security = Security::None;
    a.auth = QStringLiteral("plain");
    a.user = QStringLiteral("alice");
    a.from = QStringLiteral("alice@example.org");
    a.allowPlainAuth = true;
    return a;
}

QList<QVariant> TestConnectionTest::run(ConnectionTest &t)
{
    QSignalSpy spy(&t, &ConnectionTest::finished);
    t.start();
    if (!spy.wait(10000) || spy.size() != 1)
        return {};
    return spy.first();
}

void TestConnectionTest::successShowsCapabilities()
{
    MiniSmtpServer server;
    QString error;
    QVERIFY2(server.start(&error), qPrintable(error));
    const Account a = account(server.port());
    QVERIFY2(m_service->accounts()->add(a, &error), qPrintable(error));

    ConnectionTestOptions o;
    o.credentials = &m_credentials;
    o.settings = m_service->settings();
    o.accounts = m_service->accounts();
    ConnectionTest t(a, o);
    QSignalSpy stages(&t, &ConnectionTest::stageChanged);
    const QList<QVariant> args = run(t);
    QCOMPARE(args.size(), 3);
    const auto r = args[0].value<SmtpResult>();
    QVERIFY2(r.ok(), qPrintable(r.detail));
    const auto caps = args[1].value<Capabilities>();
    QVERIFY(caps.esmtp);
    QCOMPARE(caps.authMechanisms, QStringList({QStringLiteral("PLAIN"), QStringLiteral("LOGIN")}));
    QCOMPARE(caps.sizeLimit, 10240000);
    QVERIFY(caps.pipelining);
    // The exact dialogue: EHLO, AUTH PLAIN with "\0alice\0s3cret", QUIT.
    QCOMPARE(server.commands.size(), 3);
    QVERIFY(server.commands[0].startsWith("EHLO "));
    QCOMPARE(server.commands[1],
             QByteArray("AUTH PLAIN ") + QByteArray("\0alice\0s3cret", 13).toBase64());
    QCOMPARE(server.commands[2], QByteArray("QUIT"));
    // Recorded for the compose window and the Accounts dialog.
    QCOMPARE(m_service->accounts()->lastCapabilities(QStringLiteral("work")), caps.describe());
    // The log never carries the secret.
    const QStringList log = args[2].toStringList();
    QVERIFY(!log.isEmpty());
    QVERIFY(!log.join(QLatin1Char('\n'))
                 .contains(QString::fromLatin1(QByteArray("\0alice\0s3cret", 13).toBase64())));
    QCOMPARE(stages.last().first().value<ConnectionTest::Stage>(), ConnectionTest::Stage::Done);
}

void TestConnectionTest::authRefused()
{
    MiniSmtpServer server;
    server.authReply = "535 5.7.8 Authentication credentials invalid";
    QString error;
    QVERIFY(server.start(&error));
    ConnectionTestOptions o;
    o.password = QStringLiteral("typed-not-saved");
    ConnectionTest t(account(server.port()), o);
    const QList<QVariant> args = run(t);
    QCOMPARE(args.size(), 3);
    const auto r = args[0].value<SmtpResult>();
    QCOMPARE(r.errorClass, ErrorClass::Auth);
    QCOMPARE(r.reply.code, 535);
    QCOMPARE(r.reply.enhanced, QByteArray("5.7.8"));
    // The typed password was used, not the stored one.
    QCOMPARE(server.commands.value(1),
             QByteArray("AUTH PLAIN ") + QByteArray("\0alice\0typed-not-saved", 22).toBase64());
}

void TestConnectionTest::logShowsRepliesAsOnTheWire()
{
    // Multi-line replies are logged line by line as sent (RFC 5321 §4.2.1): "250-" on every
    // line but the last, "250 " on the last, the enhanced status code kept on each.
    MiniSmtpServer server;
    server.keywords = {"PIPELINING", "SIZE 10240000", "AUTH PLAIN"};
    server.authReply = "535-5.7.8 Authentication credentials invalid\r\n535 5.7.8 Try again";
    QString error;
    QVERIFY(server.start(&error));
    ConnectionTestOptions o;
    o.password = QStringLiteral("x");
    ConnectionTest t(account(server.port()), o);
    const QList<QVariant> args = run(t);
    QCOMPARE(args.size(), 3);
    QStringList replies;
    for (const QString &line : args[2].toStringList()) {
        if (line.startsWith(QLatin1String("S: ")))
            replies << line;
    }
    QCOMPARE(replies,
             QStringList(
                 {QStringLiteral("S: 220 mini.example ESMTP ready"),
                  QStringLiteral("S: 250-mini.example"), QStringLiteral("S: 250-PIPELINING"),
                  QStringLiteral("S: 250-SIZE 10240000"), QStringLiteral("S: 250 AUTH PLAIN"),
                  QStringLiteral("S: 535-5.7.8 Authentication credentials invalid"),
                  QStringLiteral("S: 535 5.7.8 Try again"), QStringLiteral("S: 221 2.0.0 Bye")}));
}

void TestConnectionTest::connectionRefused()
{
    QTcpServer s;
    QVERIFY(s.listen(QHostAddress::LocalHost, 0));
    const quint16 port = s.serverPort();
    s.close();
    ConnectionTestOptions o;
    o.credentials = &m_credentials;
    ConnectionTest t(account(port), o);
    const QList<QVariant> args = run(t);
    QCOMPARE(args.size(), 3);
    QCOMPARE(args[0].value<SmtpResult>().errorClass, ErrorClass::Network);
    QVERIFY(!t.wasCancelled());
}

void TestConnectionTest::passwordCommand_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("detail");
    QTest::addColumn<ErrorClass>("errorClass");
    QTest::newRow("prints") << QStringLiteral("printf 's3cret\\n'") << true << QString()
                            << ErrorClass::None;
    QTest::newRow("fails") << QStringLiteral("echo nope >&2; exit 3") << false
                           << QStringLiteral("exit 3") << ErrorClass::Auth;
    // A command that hangs is no refused login: its own class and words, and no warning of a
    // process destroyed while running.
    QTest::newRow("hangs") << QStringLiteral("sleep 30") << false
                           << QStringLiteral("did not finish in 1 s") << ErrorClass::Credentials;
}

void TestConnectionTest::passwordCommand()
{
    QFETCH(QString, command);
    QFETCH(bool, ok);
    QFETCH(QString, detail);
    QFETCH(ErrorClass, errorClass);
    QTest::failOnWarning(QRegularExpression(QStringLiteral("Destroyed while process")));
    MiniSmtpServer server;
    QString error;
    QVERIFY(server.start(&error));
    Account a = account(server.port());
    a.passwordCommand = command;
    ConnectionTestOptions o;
    o.passwordCommandTimeoutMs = 300;
    ConnectionTest t(a, o);
    QElapsedTimer clock;
    clock.start();
    const QList<QVariant> args = run(t);
    QCOMPARE(args.size(), 3);
    const auto r = args[0].value<SmtpResult>();
    QCOMPARE(r.ok(), ok);
    if (!ok) {
        QCOMPARE(r.errorClass, errorClass);
        QCOMPARE(r.reply.code, 0);
        QVERIFY2(r.detail.contains(detail), qPrintable(r.detail));
        QVERIFY(server.commands.isEmpty()); // never connected without a password
        QVERIFY(clock.elapsed() < 5000);    // the hanging command was stopped by the timeout
    }
}

void TestConnectionTest::cancelWhileWaitingForGreeting()
{
    QTcpServer silent; // accepts and never says a word
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    ConnectionTestOptions o;
    o.password = QStringLiteral("x");
    ConnectionTest t(account(silent.serverPort()), o);
    QSignalSpy done(&t, &ConnectionTest::finished);
    t.start();
    QTRY_COMPARE(t.stage(), ConnectionTest::Stage::Greeting);
    QVERIFY(t.isRunning());
    t.cancel();
    QCOMPARE(done.size(), 1);
    QVERIFY(t.wasCancelled());
    QVERIFY(!t.isRunning());
    QCOMPARE(done.first().first().value<SmtpResult>().errorClass, ErrorClass::Local);
    t.cancel(); // a second cancel changes nothing
    QCOMPARE(done.size(), 1);
}

QTEST_GUILESS_MAIN(TestConnectionTest)
#include "tst_connectiontest.moc"
