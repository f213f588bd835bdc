// Certificate checks not covered by the shared cases (B045 covers wrong host and self-signed):
// an expired certificate from a trusted CA is refused, and a pinned SHA-256 fingerprint
// (Account::pinSha256) accepts exactly the pinned certificate. The scripted server speaks
// implicit TLS or STARTTLS with the committed test certificates (tests/support/certs). A
// refused certificate ends the session before AUTH (class `certificate`, messages held);
// the rows with a valid certificate show that the setup itself delivers.

#include "SecurityTestSupport.h"

#include <QCryptographicHash>

using namespace outpost;
using namespace outpost::securitytest;
using outpost::testsupport::TestCerts;

namespace {

/// Hex SHA-256 of the DER form of a test certificate kind ("self-signed", "valid", ...).
QString fingerprint(const QString &kind, bool colons = false)
{
    QSslCertificate cert;
    QSslKey key;
    if (!TestCerts::load(kind, &cert, &key))
        return {};
    const QByteArray d = cert.digest(QCryptographicHash::Sha256);
    return QString::fromLatin1(colons ? d.toHex(':').toUpper() : d.toHex());
}

} // namespace

class TestCertificates : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(!fingerprint(QStringLiteral("self-signed")).isEmpty());
        QVERIFY(fingerprint(QStringLiteral("self-signed")) != fingerprint(QStringLiteral("valid")));
        QSslCertificate expired;
        QSslKey key;
        QVERIFY(TestCerts::load(QStringLiteral("expired"), &expired, &key));
        QVERIFY(expired.expiryDate() < QDateTime::currentDateTimeUtc());
    }

    void certificate_data()
    {
        QTest::addColumn<bool>("implicitTls");
        QTest::addColumn<QString>("cert");
        QTest::addColumn<bool>("trustCa"); ///< the account trusts the test CA (tls.ca)
        QTest::addColumn<QString>("pin");
        QTest::addColumn<bool>("accepted");

        for (const bool implicit : {true, false}) {
            const char *mode = implicit ? "implicit TLS" : "STARTTLS";
            auto row = [&](const char *what) {
                return &QTest::newRow(qPrintable(
                    QStringLiteral("%1: %2").arg(QLatin1String(mode), QLatin1String(what))));
            };
            *row("valid, trusted CA (control)")
                << implicit << QStringLiteral("valid") << true << QString() << true;
            *row("expired, trusted CA")
                << implicit << QStringLiteral("expired") << true << QString() << false;
            *row("self-signed, pinned") << implicit << QStringLiteral("self-signed") << false
                                        << fingerprint(QStringLiteral("self-signed")) << true;
            *row("self-signed, pinned (colons, upper case)")
                << implicit << QStringLiteral("self-signed") << false
                << fingerprint(QStringLiteral("self-signed"), true) << true;
            *row("self-signed, another certificate's pin")
                << implicit << QStringLiteral("self-signed") << false
                << fingerprint(QStringLiteral("valid")) << false;
            *row("self-signed, no pin")
                << implicit << QStringLiteral("self-signed") << false << QString() << false;
            // A pin means "only this certificate": another one is refused even when a trusted
            // CA signed it (a CA that signs for anyone is what a user who pins guards against).
            *row("valid, trusted CA, pinned to it") << implicit << QStringLiteral("valid") << true
                                                    << fingerprint(QStringLiteral("valid")) << true;
            *row("valid, trusted CA, pinned to another certificate")
                << implicit << QStringLiteral("valid") << true
                << fingerprint(QStringLiteral("self-signed")) << false;
        }
    }

    void certificate()
    {
        QFETCH(bool, implicitTls);
        QFETCH(QString, cert);
        QFETCH(bool, trustCa);
        QFETCH(QString, pin);
        QFETCH(bool, accepted);

        ScriptedSmtp server;
        if (implicitTls)
            server.implicitTlsCert = cert;
        else
            server.startTlsCert = cert;
        QVERIFY(server.start());
        InProcessService s;
        QVERIFY(s.open());
        Account a = InProcessService::account(QStringLiteral("smtp.example.net"), server.port(),
                                              implicitTls ? Security::Tls : Security::StartTls,
                                              QStringLiteral("alice"));
        if (trustCa)
            a.caFile = TestCerts::caFile();
        if (!pin.isEmpty())
            a.pinSha256 = pin;
        QVERIFY(s.addAccount(a));
        s.service->setPassword(a.name, QStringLiteral("s3cret"));
        const qint64 id = s.enqueue();
        QVERIFY(id > 0);
        s.service->flush();
        QTRY_VERIFY_WITH_TIMEOUT(s.settled(id), 20000);
        const QByteArray wire = server.wire();
        const QString why =
            QStringLiteral("state %1 class %2\nserver:\n%3\nclient log:\n%4")
                .arg(messageStateName(s.state(id)), errorClassName(s.errorClass(id)),
                     server.transcript(), s.log.join(QLatin1Char('\n')));
        if (accepted) {
            QVERIFY2(s.state(id) == MessageState::Sent, qPrintable(why));
            QVERIFY2(wire.contains("\r\nAUTH "), qPrintable(why));
            QCOMPARE(server.deliveries(), 1);
        } else {
            QVERIFY2(s.state(id) == MessageState::Held, qPrintable(why));
            QVERIFY2(s.errorClass(id) == ErrorClass::Certificate, qPrintable(why));
            QVERIFY2(s.service->accounts()->isPaused(a.name), qPrintable(why));
            QVERIFY2(!wire.contains("AUTH"), qPrintable(why));
            QVERIFY2(!wire.contains("MAIL FROM"), qPrintable(why));
            QCOMPARE(server.deliveries(), 0);
            QVERIFY2(server.connections().size() == 1, qPrintable(why)); // no retry storm
        }
        QVERIFY(s.shutdown());
    }
};

QTEST_GUILESS_MAIN(TestCertificates)
#include "tst_certificates.moc"
