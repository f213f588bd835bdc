// AUTH is never sent in plaintext to a host that is not loopback. An account with
// security=none, a user and a password, talks to a scripted server on 127.0.0.1; the account's
// *host* decides (ServiceOptions::resolveHost maps *.example.net to 127.0.0.1, so the TCP
// peer is loopback in every row). Without TLS, AUTH goes out only when the account allows it
// explicitly (allowPlainAuth) and its host is a loopback address or "localhost"; otherwise
// the session ends with class `local` before any AUTH, MAIL or credential is on the wire.

#include "SecurityTestSupport.h"

using namespace outpost;
using namespace outpost::securitytest;

namespace {
const QString kUser = QStringLiteral("alice");
const QString kPassword = QStringLiteral("plain-text-secret-42");
} // namespace

class TestPlainAuth : public QObject
{
    Q_OBJECT

private slots:
    void plaintextAuth_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("allowPlainAuth");
        QTest::addColumn<bool>("authAllowed");

        QTest::newRow("non-loopback host, allowPlainAuth")
            << QStringLiteral("smtp.example.net") << true << false;
        QTest::newRow("non-loopback host") << QStringLiteral("smtp.example.net") << false << false;
        QTest::newRow("localhost.example.net, allowPlainAuth")
            << QStringLiteral("localhost.example.net") << true << false;
        QTest::newRow("127.0.0.1.example.net, allowPlainAuth")
            << QStringLiteral("127.0.0.1.example.net") << true << false;
        QTest::newRow("127.0.0.1 without allowPlainAuth")
            << QStringLiteral("127.0.0.1") << false << false;
        QTest::newRow("127.0.0.1, allowPlainAuth") << QStringLiteral("127.0.0.1") << true << true;
    }

    void plaintextAuth()
    {
        QFETCH(QString, host);
        QFETCH(bool, allowPlainAuth);
        QFETCH(bool, authAllowed);

        ScriptedSmtp server;
        QVERIFY(server.start());
        InProcessService s;
        QVERIFY(s.open());
        Account a = InProcessService::account(host, server.port(), Security::None, kUser);
        a.allowPlainAuth = allowPlainAuth;
        QVERIFY(s.addAccount(a));
        s.service->setPassword(a.name, kPassword);
        const qint64 id = s.enqueue();
        QVERIFY(id > 0);
        s.service->flush();
        QTRY_VERIFY_WITH_TIMEOUT(s.settled(id), 20000);
        const QByteArray wire = server.wire();
        const QString why =
            QStringLiteral("state %1 class %2\nserver:\n%3\nclient log:\n%4")
                .arg(messageStateName(s.state(id)), errorClassName(s.errorClass(id)),
                     server.transcript(), s.log.join(QLatin1Char('\n')));
        // The server was reached in every row (so "no AUTH" is not just "no connection").
        QVERIFY2(wire.contains("EHLO "), qPrintable(why));
        if (authAllowed) {
            QVERIFY2(s.state(id) == MessageState::Sent, qPrintable(why));
            QVERIFY2(wire.contains("\r\nAUTH "), qPrintable(why));
            QCOMPARE(server.deliveries(), 1);
        } else {
            // Refused before any credential went out: failed, not retried (design.md §4).
            QVERIFY2(s.state(id) == MessageState::Failed, qPrintable(why));
            QVERIFY2(s.errorClass(id) == ErrorClass::Local, qPrintable(why));
            QVERIFY2(!wire.contains("AUTH"), qPrintable(why));
            QVERIFY2(!wire.contains("MAIL FROM"), qPrintable(why));
            QVERIFY2(
                findSecret(QStringLiteral("wire"), wire, secretForms(kUser, kPassword)).isEmpty(),
                qPrintable(why));
            QCOMPARE(server.deliveries(), 0);
        }
        QVERIFY(s.shutdown());
    }
};

QTEST_GUILESS_MAIN(TestPlainAuth)
#include "tst_plainauth.moc"
