#pragma once
// A small submission server for tests that only need a well-behaved dialogue (greeting,
// EHLO, AUTH PLAIN, QUIT) on 127.0.0.1 port 0: built on FakeSmtpServer's sockets. The EHLO
// keywords and whether AUTH succeeds are set per test.

#include "FakeSmtpServer.h"

#include <QElapsedTimer>

namespace outpost::testsupport {

class MiniSmtpServer : public QObject
{
public:
    /// EHLO keywords after the domain line, e.g. {"PIPELINING", "SIZE 1000", "AUTH PLAIN"}.
    QList<QByteArray> keywords = {"PIPELINING", "SIZE 10240000", "8BITMIME", "AUTH PLAIN LOGIN"};
    /// The reply to AUTH (235 accepts; "535 5.7.8 ..." refuses).
    QByteArray authReply = "235 2.7.0 Authentication successful";
    /// Implicit TLS (RFC 8314) with this test certificate kind ("valid", "self-signed", …,
    /// see TestCerts); empty: plain TCP.
    QString implicitTlsCert;
    /// Every command line the client sent, in order (AUTH lines as sent).
    QList<QByteArray> commands;

    explicit MiniSmtpServer(QObject *parent = nullptr)
        : QObject(parent)
        , m_server(QStringLiteral("mini"), &m_clock)
    {
        m_clock.start();
        QObject::connect(&m_server, &FakeSmtpServer::accepted, this,
                         [this](ServerConnection *c) { onAccepted(c); });
    }
    bool start(QString *error) { return m_server.start(error); }
    quint16 port() const { return m_server.port(); }
    FakeSmtpServer &server() { return m_server; }

private:
    void onAccepted(ServerConnection *c)
    {
        QObject::connect(c, &ServerConnection::dataArrived, this, [this, c] { serve(c); });
        if (!implicitTlsCert.isEmpty()) {
            QObject::connect(c, &ServerConnection::tlsDone, this, [c](bool ok, const QString &) {
                if (ok)
                    c->writeBytes("220 mini.example ESMTP ready\r\n");
            });
            c->startTls(implicitTlsCert);
            c->setHoldReading(false);
            return;
        }
        c->setHoldReading(false);
        c->writeBytes("220 mini.example ESMTP ready\r\n");
    }
    void serve(ServerConnection *c)
    {
        for (;;) {
            QByteArray &in = c->input();
            const qsizetype nl = in.indexOf("\r\n");
            if (nl < 0)
                return;
            const QByteArray line = in.left(nl);
            in.remove(0, nl + 2);
            commands << line;
            const QByteArray verb =
                line.left(line.indexOf(' ') < 0 ? line.size() : line.indexOf(' ')).toUpper();
            if (verb == "EHLO") {
                QByteArray r = "250-mini.example\r\n";
                for (qsizetype i = 0; i < keywords.size(); ++i)
                    r += (i + 1 < keywords.size() ? "250-" : "250 ") + keywords[i] + "\r\n";
                if (keywords.isEmpty())
                    r = "250 mini.example\r\n";
                c->writeBytes(r);
            } else if (verb == "AUTH") {
                c->writeBytes(authReply + "\r\n");
            } else if (verb == "QUIT") {
                c->writeBytes("221 2.0.0 Bye\r\n");
                c->closeGracefully();
                return;
            } else if (verb == "RSET" || verb == "NOOP") {
                c->writeBytes("250 2.0.0 OK\r\n");
            } else {
                c->writeBytes("502 5.5.1 Not in this test\r\n");
            }
        }
    }

    QElapsedTimer m_clock;
    FakeSmtpServer m_server;
};

} // namespace outpost::testsupport
