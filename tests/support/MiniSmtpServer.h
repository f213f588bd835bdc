#pragma once
// A small submission server for tests that only need a well-behaved dialogue (greeting,
// EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) on 127.0.0.1 port 0: built on FakeSmtpServer's
// sockets. The EHLO keywords, whether AUTH succeeds, the reply to each recipient and whether
// the end of data is answered at once are set per test.

#include "FakeSmtpServer.h"

#include <QElapsedTimer>
#include <QHash>
#include <QPointer>

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
    /// Every command line the client sent, in order (AUTH lines as sent; not message data).
    QList<QByteArray> commands;
    /// The reply to RCPT TO by address (e.g. "later@example.net" -> "451 4.3.0 Try later");
    /// every other recipient is accepted.
    QHash<QByteArray, QByteArray> rcptReplies;
    /// While true, the end of a message's data is not answered until releaseData(): a slow
    /// server, so that a test sees the client in the middle of its work.
    bool holdData = false;
    /// Messages taken (250 after their end of data).
    int accepted = 0;

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
    /// Messages whose end of data waits for releaseData().
    int heldData() const { return int(m_held.size()); }
    /// Answers the ends of data held so far (250) and stops holding.
    void releaseData()
    {
        holdData = false;
        const QList<QPointer<ServerConnection>> held = m_held;
        m_held.clear();
        for (const QPointer<ServerConnection> &c : held) {
            if (!c || !c->isOpen())
                continue;
            m_transactions[c].waiting = false;
            ++accepted;
            c->writeBytes("250 2.0.0 OK: queued\r\n");
            serve(c);
        }
    }

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
    /// Where a connection's mail transaction is.
    struct Transaction
    {
        int recipients = 0;   ///< accepted RCPT TO since MAIL
        bool inData = false;  ///< reading message data
        bool waiting = false; ///< its end of data is held (holdData)
    };

    void serve(ServerConnection *c)
    {
        Transaction &t = m_transactions[c];
        for (;;) {
            QByteArray &in = c->input();
            if (t.waiting)
                return;
            if (t.inData) {
                const qsizetype end = in.indexOf("\r\n.\r\n");
                if (end < 0)
                    return;
                in.remove(0, end + 5);
                t = Transaction{};
                if (holdData) {
                    t.waiting = true;
                    m_held << c;
                    return;
                }
                ++accepted;
                c->writeBytes("250 2.0.0 OK: queued\r\n");
                continue;
            }
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
            } else if (verb == "MAIL") {
                t = Transaction{};
                c->writeBytes("250 2.1.0 OK\r\n");
            } else if (verb == "RCPT") {
                const qsizetype open = line.indexOf('<');
                const qsizetype close = line.indexOf('>', open + 1);
                const QByteArray address =
                    open < 0 || close < 0 ? QByteArray() : line.mid(open + 1, close - open - 1);
                const QByteArray reply = rcptReplies.value(address, "250 2.1.5 OK");
                if (reply.startsWith('2'))
                    ++t.recipients;
                c->writeBytes(reply + "\r\n");
            } else if (verb == "DATA") {
                if (t.recipients == 0) {
                    c->writeBytes("554 5.5.1 No valid recipients\r\n");
                } else {
                    t.inData = true;
                    c->writeBytes("354 End data with <CR><LF>.<CR><LF>\r\n");
                }
            } else if (verb == "RSET") {
                t = Transaction{};
                c->writeBytes("250 2.0.0 OK\r\n");
            } else if (verb == "NOOP") {
                c->writeBytes("250 2.0.0 OK\r\n");
            } else {
                c->writeBytes("502 5.5.1 Not in this test\r\n");
            }
        }
    }

    QElapsedTimer m_clock;
    FakeSmtpServer m_server;
    QHash<ServerConnection *, Transaction> m_transactions;
    QList<QPointer<ServerConnection>> m_held;
};

} // namespace outpost::testsupport
