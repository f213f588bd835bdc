// The protocol log of a real SmtpSession redacts OAuth tokens as it redacts passwords: AUTH
// XOAUTH2 and OAUTHBEARER against a scripted server on 127.0.0.1 (plain TCP, AUTH allowed on
// loopback), accepted at once and refused with an error challenge that the client answers
// (RFC 7628 §3.2.3; Google's XOAUTH2 does the same). The server must
// have received the token (else the test proves nothing); no log line may carry it in any
// form.

#include "smtp/SmtpSession.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace outpost;

namespace {

const QString kUser = QStringLiteral("alice@example.org");
const QString kToken = QStringLiteral("ya29.a0AfB_Secret-Token.value_0123456789abcdef");

/// A submission server that offers XOAUTH2 and OAUTHBEARER and answers AUTH as scripted.
class ScriptedAuthServer : public QObject
{
public:
    enum class Mode
    {
        Accept,         ///< 235 to the initial response
        ErrorChallenge, ///< a JSON error challenge, then 535 to the client's answer
    };
    Mode mode = Mode::Accept;
    QList<QByteArray> received; ///< every line the client sent

    bool start() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }

    ScriptedAuthServer()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            QTcpSocket *s = m_server.nextPendingConnection();
            connect(s, &QTcpSocket::readyRead, this, [this, s] { serve(s); });
            s->write("220 test.example ESMTP\r\n");
        });
    }

private:
    void serve(QTcpSocket *s)
    {
        while (s->canReadLine()) {
            const QByteArray line = s->readLine().trimmed();
            received << line;
            if (line.startsWith("EHLO")) {
                s->write("250-test.example\r\n250 AUTH XOAUTH2 OAUTHBEARER\r\n");
            } else if (line.startsWith("AUTH")) {
                m_authStep = 1;
                if (mode == Mode::Accept)
                    s->write("235 2.7.0 Accepted\r\n");
                else
                    s->write("334 " +
                             QByteArray(R"({"status":"401","schemes":"bearer","scope":"mail"})")
                                 .toBase64() +
                             "\r\n");
            } else if (m_authStep == 1) {
                m_authStep = 0;
                s->write("535 5.7.8 Token not accepted\r\n");
            } else if (line == "QUIT") {
                s->write("221 2.0.0 Bye\r\n");
                s->disconnectFromHost();
            } else {
                s->write("502 5.5.1 Not here\r\n");
            }
        }
    }
    QTcpServer m_server;
    int m_authStep = 0;
};

} // namespace

Q_DECLARE_METATYPE(ScriptedAuthServer::Mode)

class TestSaslLog : public QObject
{
    Q_OBJECT
private slots:
    void tokenRedacted_data()
    {
        QTest::addColumn<QString>("setting"); // the account's auth setting
        QTest::addColumn<QString>("mechanism");
        QTest::addColumn<ScriptedAuthServer::Mode>("mode");
        using M = ScriptedAuthServer::Mode;
        QTest::newRow("XOAUTH2") << "xoauth2"
                                 << "XOAUTH2" << M::Accept;
        QTest::newRow("OAUTHBEARER") << "oauthbearer"
                                     << "OAUTHBEARER" << M::Accept;
        QTest::newRow("auto with a token") << "auto"
                                           << "OAUTHBEARER" << M::Accept;
        QTest::newRow("XOAUTH2, error challenge") << "xoauth2"
                                                  << "XOAUTH2" << M::ErrorChallenge;
        QTest::newRow("OAUTHBEARER, error challenge") << "oauthbearer"
                                                      << "OAUTHBEARER" << M::ErrorChallenge;
    }
    void tokenRedacted()
    {
        QFETCH(QString, setting);
        QFETCH(QString, mechanism);
        QFETCH(ScriptedAuthServer::Mode, mode);
        ScriptedAuthServer server;
        server.mode = mode;
        QVERIFY(server.start());

        SessionConfig config;
        config.host = QStringLiteral("127.0.0.1");
        config.port = server.port();
        config.security = Security::None;
        config.allowPlainAuth = true;
        config.auth = setting;
        config.credentials.user = kUser;
        config.credentials.oauthToken = kToken;
        config.credentials.host = QStringLiteral("127.0.0.1");
        config.credentials.port = server.port();
        SmtpSession session(config);
        QStringList log;
        connect(&session, &SmtpSession::logLine, this,
                [&log](const QString &line) { log << line; });
        QSignalSpy ready(&session, &SmtpSession::ready);
        QSignalSpy failed(&session, &SmtpSession::openFailed);
        QSignalSpy closed(&session, &SmtpSession::closed);
        session.open();
        QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !failed.isEmpty(), 10000);
        if (mode == ScriptedAuthServer::Mode::ErrorChallenge) {
            QCOMPARE(failed.size(), 1);
            QCOMPARE(failed.first().at(0).value<SmtpResult>().errorClass, ErrorClass::Auth);
        } else {
            QCOMPARE(ready.size(), 1);
            session.quit();
        }
        QTRY_VERIFY_WITH_TIMEOUT(!closed.isEmpty(), 10000);

        // The server got the token.
        QByteArray payloads;
        for (const QByteArray &line : std::as_const(server.received)) {
            const QByteArray last = line.mid(line.lastIndexOf(' ') + 1);
            payloads += QByteArray::fromBase64(last) + '\n';
        }
        QVERIFY2(payloads.contains("auth=Bearer " + kToken.toUtf8()), payloads.constData());

        const QString all = log.join(QLatin1Char('\n'));
        const QByteArray token = kToken.toUtf8();
        const QStringList forbidden = {
            kToken,
            QString::fromLatin1(token.toBase64()),
            QString::fromLatin1(token.left(24)), // any long piece of it
            QString::fromLatin1(QByteArray("auth=Bearer " + token).toBase64().left(16)),
            QStringLiteral("auth=Bearer"),
        };
        for (const QString &f : forbidden)
            QVERIFY2(!all.contains(f), qPrintable(f + QLatin1String(" in:\n") + all));
        // No AUTH payload at all: every client line that carried one is "<redacted>".
        for (const QByteArray &sent : std::as_const(server.received)) {
            if (sent.size() > 20 && !sent.startsWith("EHLO"))
                QVERIFY2(!all.contains(QString::fromLatin1(sent.right(20))), sent.constData());
        }
        const QString authLine = QStringLiteral("C: AUTH %1 <redacted>").arg(mechanism);
        QVERIFY2(log.contains(authLine), qPrintable(all));
        // The client's answer to the error challenge (empty for XOAUTH2, ^A for OAUTHBEARER).
        if (mode == ScriptedAuthServer::Mode::ErrorChallenge)
            QVERIFY2(log.contains(QStringLiteral("C: <redacted>")), qPrintable(all));
    }
};

QTEST_GUILESS_MAIN(TestSaslLog)
#include "tst_sasllog.moc"
