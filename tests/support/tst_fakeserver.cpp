// Self-tests of the fake SMTP server's sockets: plain and TLS, certificate kinds, how the
// client closed (FIN, RST, close_notify), refused connections while down, the wire model.

#include "ConnectCounter.h"
#include "FakeSmtpServer.h"

#include <QSignalSpy>
#include <QSslConfiguration>
#include <QTest>

#include <sys/socket.h>

using namespace outpost::testsupport;

class TestFakeServer : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void plainDialogueAndModel();
    void clientFinIsSeen();
    void clientResetIsSeen();
    void starttlsCloseNotify();
    void certificateKinds_data();
    void certificateKinds();
    void serverCloseAndAbort();
    void downRefusesAndCounts();
    void wireModel();
    void unstuff_data();
    void unstuff();

private:
    ServerConnection *acceptOne(FakeSmtpServer &server, QTcpSocket &client);
    QElapsedTimer m_clock;
};

void TestFakeServer::initTestCase()
{
    m_clock.start();
    QVERIFY(QSslSocket::supportsSsl());
    for (const char *kind : {"valid", "wrong-host", "self-signed", "expired"}) {
        QSslCertificate c;
        QSslKey k;
        QVERIFY2(TestCerts::load(QLatin1String(kind), &c, &k), kind);
    }
}

ServerConnection *TestFakeServer::acceptOne(FakeSmtpServer &server, QTcpSocket &client)
{
    QSignalSpy accepted(&server, &FakeSmtpServer::accepted);
    client.connectToHost(QHostAddress::LocalHost, server.port());
    if (!client.waitForConnected(5000))
        return nullptr;
    if (accepted.isEmpty() && !accepted.wait(5000))
        return nullptr;
    auto *c = accepted.first().first().value<ServerConnection *>();
    c->setHoldReading(false);
    return c;
}

void TestFakeServer::plainDialogueAndModel()
{
    FakeSmtpServer server(QStringLiteral("A"), &m_clock);
    QString err;
    QVERIFY2(server.start(&err), qPrintable(err));
    QVERIFY(server.port() != 0);
    QTcpSocket client;
    ServerConnection *c = acceptOne(server, client);
    QVERIFY(c);
    c->writeBytes("220 hi\r\n");
    QTRY_COMPARE(client.bytesAvailable(), 8);
    QCOMPARE(client.readAll(), QByteArray("220 hi\r\n"));
    client.write("EHLO x\r\nMAIL FROM:<a@b>\r\n");
    QTRY_COMPARE(c->input(), QByteArray("EHLO x\r\nMAIL FROM:<a@b>\r\n"));
    QCOMPARE(c->wire(), c->input());
    QCOMPARE(c->plainBytes(), -1);
    QCOMPARE(c->model().commands().size(), 2);
    QCOMPARE(c->model().commands()[1].verb, QByteArray("MAIL"));
    QCOMPARE(c->model().greetingCode(), 220);

    c->setHoldReading(true);
    client.write("RSET\r\n");
    QTest::qWait(100); // nothing may arrive while held (negative check)
    QCOMPARE(c->input().size(), 25);
    c->setHoldReading(false);
    QTRY_COMPARE(c->input().size(), 31);
}

void TestFakeServer::clientFinIsSeen()
{
    FakeSmtpServer server(QStringLiteral("A"), &m_clock);
    QVERIFY(server.start(nullptr));
    QTcpSocket client;
    ServerConnection *c = acceptOne(server, client);
    QVERIFY(c);
    client.write("QUIT\r\n");
    client.disconnectFromHost();
    QTRY_VERIFY(c->isFinished());
    QCOMPARE(c->clientClose(), ClientClose::Fin);
    QCOMPARE(c->input(), QByteArray("QUIT\r\n"));
    QVERIFY(!c->serverClosedFirst());
    QVERIFY(c->clientClosedAt() >= c->acceptedAt());
}

void TestFakeServer::clientResetIsSeen()
{
    FakeSmtpServer server(QStringLiteral("A"), &m_clock);
    QVERIFY(server.start(nullptr));
    QTcpSocket client;
    ServerConnection *c = acceptOne(server, client);
    QVERIFY(c);
    const linger l{1, 0};
    setsockopt(int(client.socketDescriptor()), SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    client.abort();
    QTRY_VERIFY(c->isFinished());
    QCOMPARE(c->clientClose(), ClientClose::Reset);
}

void TestFakeServer::starttlsCloseNotify()
{
    FakeSmtpServer server(QStringLiteral("A"), &m_clock);
    QVERIFY(server.start(nullptr));
    QSslSocket client;
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    conf.setCaCertificates(QSslCertificate::fromPath(TestCerts::caFile()));
    client.setSslConfiguration(conf);
    ServerConnection *c = acceptOne(server, client);
    QVERIFY(c);
    c->writeBytes("220 hi\r\n");
    QTRY_COMPARE(client.bytesAvailable(), 8);
    client.readAll(); // unread plaintext would be taken for the first TLS record
    client.write("STARTTLS\r\n");
    QTRY_COMPARE(c->input(), QByteArray("STARTTLS\r\n"));
    c->input().clear();
    c->setHoldReading(true);
    QSignalSpy tls(c, &ServerConnection::tlsDone);
    QVERIFY(c->startTls(QStringLiteral("valid")));
    client.setPeerVerifyName(QStringLiteral("smtp.example.net"));
    client.startClientEncryption();
    QTRY_VERIFY(!tls.isEmpty());
    QVERIFY2(tls.first().first().toBool(),
             qPrintable(tls.first().at(1).toString() + QLatin1Char('\n') +
                        c->transcript().join(QLatin1Char('\n'))));
    c->setHoldReading(false);
    QTRY_VERIFY(client.isEncrypted());
    QCOMPARE(c->plainBytes(), 10); // "STARTTLS\r\n" and nothing else before TLS
    client.write("EHLO x\r\n");
    QTRY_COMPARE(c->input(), QByteArray("EHLO x\r\n"));
    client.disconnectFromHost();
    QTRY_VERIFY(c->isFinished());
    QCOMPARE(c->clientClose(), ClientClose::Fin);
    QVERIFY(c->closeNotifyReceived());
}

void TestFakeServer::certificateKinds_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("error"); // expected QSslError::SslError, or -1 for none
    QTest::newRow("valid A") << "valid"
                             << "smtp.example.net" << -1;
    QTest::newRow("valid B") << "valid"
                             << "smtp2.example.net" << -1;
    QTest::newRow("wrong-host") << "wrong-host"
                                << "smtp.example.net" << int(QSslError::HostNameMismatch);
    QTest::newRow("self-signed") << "self-signed"
                                 << "smtp2.example.net" << int(QSslError::SelfSignedCertificate);
    QTest::newRow("expired") << "expired"
                             << "smtp.example.net" << int(QSslError::CertificateExpired);
}

void TestFakeServer::certificateKinds()
{
    QFETCH(QString, kind);
    QFETCH(QString, host);
    QFETCH(int, error);
    FakeSmtpServer server(QStringLiteral("A"), &m_clock);
    QVERIFY(server.start(nullptr));
    QSignalSpy accepted(&server, &FakeSmtpServer::accepted);
    QSslSocket client;
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    conf.setCaCertificates(QSslCertificate::fromPath(TestCerts::caFile()));
    client.setSslConfiguration(conf);
    QList<QSslError> errors;
    connect(&client, &QSslSocket::sslErrors, this, [&](const QList<QSslError> &e) { errors = e; });
    // implicit TLS: the client speaks first, the server holds the ClientHello until startTls
    client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server.port(), host);
    QTRY_VERIFY(!accepted.isEmpty());
    auto *c = accepted.first().first().value<ServerConnection *>();
    QVERIFY(c->startTls(kind));
    if (error < 0) {
        QTRY_VERIFY(client.isEncrypted());
        QVERIFY(errors.isEmpty());
        QCOMPARE(c->plainBytes(), 0);
    } else {
        QTRY_VERIFY(!errors.isEmpty());
        bool found = false;
        for (const QSslError &e : errors)
            found = found || e.error() == QSslError::SslError(error);
        QVERIFY2(found, qPrintable(errors.first().errorString()));
        QTRY_VERIFY(c->isFinished()); // the client refuses and closes
    }
}

void TestFakeServer::serverCloseAndAbort()
{
    FakeSmtpServer server(QStringLiteral("A"), &m_clock);
    QVERIFY(server.start(nullptr));
    {
        QTcpSocket client;
        ServerConnection *c = acceptOne(server, client);
        QVERIFY(c);
        c->writeBytes("221 bye\r\n");
        c->closeGracefully();
        QByteArray got;
        connect(&client, &QTcpSocket::readyRead, this, [&] {
            if (client.isOpen())
                got += client.readAll();
        });
        QTRY_COMPARE(client.state(), QAbstractSocket::UnconnectedState);
        QCOMPARE(got, QByteArray("221 bye\r\n"));
        QTRY_VERIFY(c->isFinished());
        QVERIFY(c->serverClosedFirst());
        QCOMPARE(c->clientClose(), ClientClose::Open);
        c->writeBytes("250 late\r\n"); // dropped without error
    }
    {
        QTcpSocket client;
        ServerConnection *c = acceptOne(server, client);
        QVERIFY(c);
        c->abortWithReset();
        QVERIFY(c->isFinished());
        QTRY_COMPARE(client.state(), QAbstractSocket::UnconnectedState);
    }
}

void TestFakeServer::downRefusesAndCounts()
{
    FakeSmtpServer server(QStringLiteral("A"), &m_clock);
    QVERIFY(server.start(nullptr));
    const quint16 port = server.port();
    const int before = connectAttempts(port);
    QVERIFY(server.setDown(true));
    for (int i = 0; i < 3; ++i) {
        QTcpSocket client;
        QSignalSpy err(&client, &QTcpSocket::errorOccurred);
        client.connectToHost(QHostAddress::LocalHost, port);
        QTRY_VERIFY(!err.isEmpty());
        QCOMPARE(client.error(), QAbstractSocket::ConnectionRefusedError);
        QTest::qWait(150); // attempts closer than 100 ms count as one (negative wait)
    }
    QCOMPARE(server.refusedAttempts(), 3);
    QCOMPARE(connectAttempts(port) - before, 3);
    QVERIFY(server.setDown(false));
    QCOMPARE(server.port(), port);
    QTcpSocket client;
    QVERIFY(acceptOne(server, client));
    QCOMPARE(server.refusedAttempts(), 3);
    QCOMPARE(server.connections().size(), 1);
}

void TestFakeServer::wireModel()
{
    WireModel m;
    m.serverBytes("220 hi\r\n");
    m.clientBytes("EHLO x\r\n");
    m.serverBytes("250-hi\r\n250-SIZE 1000\r\n250 PIPELINING\r\n");
    m.clientBytes("MAIL FROM:<a@b> SIZE=10\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n");
    m.clientBytes("Subject: x\r\n\r\n..dot\r\n");
    QCOMPARE(m.commands().size(), 5); // data must not be parsed as commands before 354
    m.serverBytes("250 ok\r\n250 ok\r\n550 no\r\n354 go\r\n");
    QVERIFY(m.inData());
    m.clientBytes("end\r\n.");
    m.clientBytes("\r\nRSET\r\n");
    QCOMPARE(m.payloads().size(), 1);
    QVERIFY(m.payloads()[0].complete);
    QCOMPARE(m.payloads()[0].message, QByteArray("Subject: x\r\n\r\n.dot\r\nend\r\n"));
    QCOMPARE(m.payloads()[0].rcptCodes, (QList<int>{250, 550}));
    QCOMPARE(m.deliveries(), 0);
    m.serverBytes("250 queued\r\n250 reset\r\n");
    QCOMPARE(m.deliveries(), 1);
    QVERIFY(m.commands()[1].sizeServer);
    // AUTH continuations are not commands
    m.clientBytes("AUTH LOGIN\r\n");
    m.serverBytes("334 VXNlcm5hbWU6\r\n");
    m.clientBytes("YQ==\r\n");
    m.serverBytes("334 UGFzc3dvcmQ6\r\n");
    m.clientBytes("Yg==\r\n");
    m.serverBytes("235 ok\r\n");
    QCOMPARE(m.authCommands(), 1);
    QCOMPARE(m.commands().last().kind, WireCommand::Kind::AuthContinuation);
    // an unsolicited reply does not consume the next command's reply
    m.serverBytes("421 idle\r\n");
    QCOMPARE(m.unsolicitedReplies(), 1);
    // empty message
    m.clientBytes("DATA\r\n");
    m.serverBytes("354 go\r\n");
    m.clientBytes(".\r\n");
    QCOMPARE(m.payloads().size(), 2);
    QVERIFY(m.payloads()[1].complete);
    QCOMPARE(m.payloads()[1].message, QByteArray());
}

void TestFakeServer::unstuff_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("plain") << QByteArray("a\r\nb\r\n.\r\n") << QByteArray("a\r\nb\r\n");
    QTest::newRow("dots") << QByteArray("..a\r\n..\r\n...\r\nb . c\r\n.\r\n")
                          << QByteArray(".a\r\n.\r\n..\r\nb . c\r\n");
    QTest::newRow("empty") << QByteArray(".\r\n") << QByteArray();
}

void TestFakeServer::unstuff()
{
    QFETCH(QByteArray, wire);
    QFETCH(QByteArray, message);
    QCOMPARE(WireModel::unstuff(wire), message);
}

QTEST_GUILESS_MAIN(TestFakeServer)
#include "tst_fakeserver.moc"
