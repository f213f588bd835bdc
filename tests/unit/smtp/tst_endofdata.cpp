// The end of a message's data waits for its owner (SessionConfig::holdEndOfData): a real
// SmtpSession against a scripted server on 127.0.0.1 sends the whole message but neither DATA's
// end marker (RFC 5321 §4.1.1.4) nor BDAT LAST (RFC 3030 §2) until releaseEndOfData(); the
// owner is asked when the data begins, once per message. An answer given from inside the ask
// lets the message go at once; a refusal abandons the transaction before its end, so the
// server never takes the message.

#include "smtp/SmtpSession.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace outpost;

namespace {

/// A submission server that takes DATA or (with `chunking`) BDAT and records every byte.
class ScriptedServer : public QObject
{
public:
    bool chunking = false;
    QByteArray wire;        ///< every byte the client sent
    int endsOfData = 0;     ///< ends of data seen (DATA's end marker, BDAT LAST's octets)
    QByteArray lastMessage; ///< the last message as received (without the end marker)

    bool start() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }

    ScriptedServer()
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
        const QByteArray bytes = s->readAll();
        wire += bytes;
        m_in += bytes;
        for (;;) {
            if (m_inData) {
                const qsizetype end = m_in.indexOf("\r\n.\r\n");
                if (end < 0)
                    return;
                lastMessage = m_in.left(end + 2);
                m_in.remove(0, end + 5);
                m_inData = false;
                ++endsOfData;
                s->write("250 2.0.0 queued\r\n");
                continue;
            }
            if (m_chunkLeft > 0) {
                const qsizetype n = std::min<qsizetype>(m_chunkLeft, m_in.size());
                m_chunk += m_in.left(n);
                m_in.remove(0, n);
                m_chunkLeft -= n;
                if (m_chunkLeft > 0)
                    return;
                if (m_lastChunk) {
                    lastMessage = m_chunk;
                    m_chunk.clear();
                    ++endsOfData;
                }
                s->write("250 2.0.0 chunk taken\r\n");
                continue;
            }
            const qsizetype nl = m_in.indexOf("\r\n");
            if (nl < 0)
                return;
            const QByteArray line = m_in.left(nl);
            m_in.remove(0, nl + 2);
            if (line.startsWith("EHLO")) {
                s->write(chunking ? "250-test.example\r\n250 CHUNKING\r\n"
                                  : "250-test.example\r\n250 8BITMIME\r\n");
            } else if (line.startsWith("DATA")) {
                m_inData = true;
                s->write("354 go ahead\r\n");
            } else if (line.startsWith("BDAT ")) {
                const QList<QByteArray> parts = line.split(' ');
                m_chunkLeft = parts.value(1).toLongLong();
                m_lastChunk = parts.value(2) == "LAST";
                if (m_chunkLeft == 0 && m_lastChunk) {
                    lastMessage = m_chunk;
                    m_chunk.clear();
                    ++endsOfData;
                    s->write("250 2.0.0 chunk taken\r\n");
                }
            } else if (line.startsWith("QUIT")) {
                s->write("221 bye\r\n");
                s->disconnectFromHost();
                return;
            } else {
                s->write("250 ok\r\n");
            }
        }
    }

    QTcpServer m_server;
    QByteArray m_in;
    bool m_inData = false;
    qsizetype m_chunkLeft = 0;
    bool m_lastChunk = false;
    QByteArray m_chunk;
};

/// A message of about `size` octets whose last line is `last`.
OutgoingMessage message(qint64 id, qsizetype size, const QByteArray &last)
{
    OutgoingMessage m;
    m.id = id;
    m.reversePath = "alice@example.org";
    m.recipients = {"bob@example.net"};
    QByteArray body = "From: alice@example.org\r\nTo: bob@example.net\r\nSubject: end\r\n\r\n";
    const QByteArray line(76, 'x');
    while (body.size() < size)
        body += line + "\r\n";
    m.setBytes(body + last + "\r\n");
    return m;
}

SessionConfig config(quint16 port, bool hold)
{
    SessionConfig c;
    c.host = QStringLiteral("127.0.0.1");
    c.port = port;
    c.security = Security::None;
    c.holdEndOfData = hold;
    return c;
}

} // namespace

class TestEndOfData : public QObject
{
    Q_OBJECT

private slots:
    void heldUntilReleased_data()
    {
        QTest::addColumn<bool>("chunking");
        QTest::newRow("DATA end marker") << false;
        QTest::newRow("BDAT LAST") << true;
    }

    void heldUntilReleased()
    {
        QFETCH(bool, chunking);
        ScriptedServer server;
        server.chunking = chunking;
        QVERIFY(server.start());
        SmtpSession session(config(server.port(), true));
        QSignalSpy ready(&session, &SmtpSession::ready);
        QSignalSpy asked(&session, &SmtpSession::endOfDataAhead);
        QSignalSpy finished(&session, &SmtpSession::transactionFinished);
        session.open();
        QVERIFY(ready.wait(10000));
        // 300 KB: more than the session's write high-water mark, so the data goes out in
        // several writes while the end waits.
        const OutgoingMessage m = message(7, 300 * 1024, "the last line");
        session.submit(m);
        QTRY_COMPARE_WITH_TIMEOUT(asked.size(), 1, 10000);
        QCOMPARE(asked.first().first().toLongLong(), qint64(7));
        if (chunking) {
            // BDAT LAST carries the whole (single-chunk) message: nothing of it goes yet.
            QTRY_VERIFY(server.wire.endsWith("RCPT TO:<bob@example.net>\r\n"));
        } else {
            QTRY_VERIFY(server.wire.endsWith("the last line\r\n"));
        }
        // Whatever the client had ready is out (the loop has run), and the end is not.
        for (int i = 0; i < 5; ++i)
            QCoreApplication::processEvents();
        QCOMPARE(server.endsOfData, 0);
        QVERIFY(!server.wire.contains("\r\n.\r\n"));
        QVERIFY(!server.wire.contains("LAST"));
        QCOMPARE(session.state(), SmtpSession::State::SendingData);
        QVERIFY(server.wire.contains("MAIL FROM:<alice@example.org>"));
        QCOMPARE(finished.size(), 0);

        session.releaseEndOfData(7, true);
        QVERIFY(finished.wait(10000));
        const auto tx = finished.first().first().value<TransactionResult>();
        QVERIFY2(tx.result.ok(), qPrintable(tx.result.detail));
        QVERIFY(tx.endMarkerSent);
        QCOMPARE(server.endsOfData, 1);
        QVERIFY(server.lastMessage.endsWith("the last line\r\n"));
        if (!chunking)
            QVERIFY(server.wire.endsWith("the last line\r\n.\r\n"));
        QCOMPARE(asked.size(), 1); // asked once per message
    }

    void releasedFromInsideTheAsk()
    {
        // The owner answers at once (a store without a thread of its own): the message goes
        // as it would without the hold.
        ScriptedServer server;
        QVERIFY(server.start());
        SmtpSession session(config(server.port(), true));
        connect(&session, &SmtpSession::endOfDataAhead, &session,
                [&session](qint64 id) { session.releaseEndOfData(id, true); });
        QSignalSpy ready(&session, &SmtpSession::ready);
        QSignalSpy finished(&session, &SmtpSession::transactionFinished);
        session.open();
        QVERIFY(ready.wait(10000));
        session.submit(message(3, 1000, "short"));
        QVERIFY(finished.wait(10000));
        QVERIFY(finished.first().first().value<TransactionResult>().result.ok());
        QCOMPARE(server.endsOfData, 1);
        QVERIFY(server.wire.contains("short\r\n.\r\n"));
    }

    void refusedAbandonsBeforeTheEnd()
    {
        // The owner could not record that the end may go: the transaction ends without it,
        // as a failure that is not uncertain, and the server never takes the message.
        ScriptedServer server;
        QVERIFY(server.start());
        SmtpSession session(config(server.port(), true));
        QSignalSpy ready(&session, &SmtpSession::ready);
        QSignalSpy asked(&session, &SmtpSession::endOfDataAhead);
        QSignalSpy finished(&session, &SmtpSession::transactionFinished);
        session.open();
        QVERIFY(ready.wait(10000));
        session.submit(message(9, 1000, "never taken"));
        QTRY_COMPARE_WITH_TIMEOUT(asked.size(), 1, 10000);
        session.releaseEndOfData(9, false);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
        const auto tx = finished.first().first().value<TransactionResult>();
        QCOMPARE(tx.result.errorClass, ErrorClass::Network);
        QVERIFY(!tx.endMarkerSent);
        QVERIFY(!tx.uncertain());
        QCOMPARE(server.endsOfData, 0);
    }

    void notHeldWithoutTheOption()
    {
        ScriptedServer server;
        QVERIFY(server.start());
        SmtpSession session(config(server.port(), false));
        QSignalSpy ready(&session, &SmtpSession::ready);
        QSignalSpy asked(&session, &SmtpSession::endOfDataAhead);
        QSignalSpy finished(&session, &SmtpSession::transactionFinished);
        session.open();
        QVERIFY(ready.wait(10000));
        session.submit(message(1, 1000, "plain"));
        QVERIFY(finished.wait(10000));
        QVERIFY(finished.first().first().value<TransactionResult>().result.ok());
        QCOMPARE(asked.size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestEndOfData)
#include "tst_endofdata.moc"
