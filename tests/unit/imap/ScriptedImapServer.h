#pragma once
// A scripted IMAP server for the session's protocol tests: plain TCP on 127.0.0.1, port 0, one
// client at a time. Commands arrive whole (a literal at the end of a command line included);
// a hook decides the answer, else a well-behaved default answers (LOGIN/AUTHENTICATE, LIST,
// APPEND with APPENDUID, EXAMINE, UID SEARCH, NOOP, LOGOUT).

#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <functional>

namespace outpost::testsupport {

class ScriptedImapServer : public QObject
{
public:
    /// One complete client command: its tag, verb (upper-case), the line and the literal.
    struct Command
    {
        QByteArray tag;
        QByteArray verb;
        QByteArray line;    ///< the command line (with its literal announcement)
        QByteArray literal; ///< the octets of a literal at the end of the line, if any
    };

    QByteArray greeting = "* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN] ready\r\n";
    /// The capabilities announced in the OK to LOGIN / AUTHENTICATE.
    QByteArray capabilities = "IMAP4rev1 SASL-IR LITERAL+ UIDPLUS SPECIAL-USE LIST-EXTENDED";
    /// Returns true when it answered the command itself.
    std::function<bool(const Command &)> hook;
    /// Milliseconds before "+" to a synchronizing literal (0: at once).
    int continueDelayMs = 0;
    /// Octets that arrived after a synchronizing literal's announcement before our "+".
    qsizetype earlyLiteralOctets = 0;
    QList<Command> commands;
    QByteArray received; ///< every octet the client sent
    int connections = 0;
    bool clientClosed = false;

    ScriptedImapServer()
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] { accept(); });
    }
    bool start() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }
    QTcpSocket *client() const { return m_client; }

    void write(const QByteArray &bytes)
    {
        if (m_client)
            m_client->write(bytes);
    }
    void close()
    {
        if (m_client)
            m_client->disconnectFromHost();
    }
    /// The standard answer to `c`.
    void answer(const Command &c)
    {
        const QByteArray &v = c.verb;
        if (v == "LOGIN" || v == "AUTHENTICATE") {
            write(c.tag + " OK [CAPABILITY " + capabilities + "] Logged in\r\n");
        } else if (v == "CAPABILITY") {
            write("* CAPABILITY " + capabilities + "\r\n" + c.tag + " OK done\r\n");
        } else if (v == "LIST") {
            write("* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
                  "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n" +
                  c.tag + " OK List completed\r\n");
        } else if (v == "APPEND") {
            write(c.tag + " OK [APPENDUID 1700000000 " + QByteArray::number(++m_uid) +
                  "] Append completed\r\n");
        } else if (v == "EXAMINE") {
            write("* 3 EXISTS\r\n* OK [UIDVALIDITY 1700000000] UIDs valid\r\n" + c.tag +
                  " OK [READ-ONLY] Examine completed\r\n");
        } else if (v == "UID") {
            write("* SEARCH 2\r\n" + c.tag + " OK Search completed\r\n");
        } else if (v == "LOGOUT") {
            write("* BYE Logging out\r\n" + c.tag + " OK Logout completed\r\n");
            close();
        } else {
            write(c.tag + " OK done\r\n");
        }
    }

private:
    void accept()
    {
        QTcpSocket *s = m_server.nextPendingConnection();
        if (m_client) {
            s->abort();
            return;
        }
        ++connections;
        m_client = s;
        m_input.clear();
        m_continued = false;
        QObject::connect(s, &QTcpSocket::readyRead, this, [this] { read(); });
        QObject::connect(s, &QTcpSocket::disconnected, this, [this] {
            clientClosed = true;
            m_client->deleteLater();
            m_client = nullptr;
        });
        write(greeting);
    }

    void read()
    {
        const QByteArray bytes = m_client->readAll();
        received += bytes;
        m_input += bytes;
        for (;;) {
            const qsizetype lf = m_input.indexOf("\r\n");
            if (lf < 0)
                return;
            const QByteArray line = m_input.left(lf);
            qint64 literal = -1;
            bool nonSync = false;
            if (line.endsWith('}') && line.lastIndexOf('{') >= 0) {
                QByteArray n = line.mid(line.lastIndexOf('{') + 1);
                n.chop(1);
                nonSync = n.endsWith('+');
                if (nonSync)
                    n.chop(1);
                literal = n.toLongLong();
            }
            if (literal >= 0) {
                if (!nonSync && !m_continued) {
                    m_continued = true;
                    auto go = [this] {
                        earlyLiteralOctets = m_input.size() - (m_input.indexOf("\r\n") + 2);
                        write("+ go ahead\r\n");
                    };
                    if (continueDelayMs > 0)
                        QTimer::singleShot(continueDelayMs, this, go);
                    else
                        go();
                }
                const qsizetype need = lf + 2 + literal + 2;
                if (m_input.size() < need)
                    return;
                // A literal ends the command line in every command this server takes.
                Command c = parse(line);
                c.literal = m_input.mid(lf + 2, literal);
                m_input.remove(0, need);
                m_continued = false;
                dispatch(c);
                continue;
            }
            m_input.remove(0, lf + 2);
            if (m_authenticating) {
                m_authenticating = false;
                Command c = m_authCommand;
                c.literal = QByteArray::fromBase64(line);
                dispatch(c);
                continue;
            }
            Command c = parse(line);
            if (c.verb == "AUTHENTICATE" && line.count(' ') == 2) {
                m_authenticating = true; // no initial response: ask for it
                m_authCommand = c;
                write("+ \r\n");
                continue;
            }
            if (c.verb == "AUTHENTICATE")
                c.literal = QByteArray::fromBase64(line.mid(line.lastIndexOf(' ') + 1));
            dispatch(c);
        }
    }

    static Command parse(const QByteArray &line)
    {
        Command c;
        c.line = line;
        const QList<QByteArray> words = line.split(' ');
        c.tag = words.value(0);
        c.verb = words.value(1).toUpper();
        return c;
    }

    void dispatch(const Command &c)
    {
        commands << c;
        if (hook && hook(c))
            return;
        answer(c);
    }

    QTcpServer m_server;
    QTcpSocket *m_client = nullptr;
    QByteArray m_input;
    bool m_continued = false;
    bool m_authenticating = false;
    Command m_authCommand;
    int m_uid = 0;
};

} // namespace outpost::testsupport
