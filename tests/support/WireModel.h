#pragma once
// Observes one SMTP connection from the server side: splits what the client sends into
// commands, AUTH continuations and DATA/BDAT payloads, pairs them with the replies the
// harness writes, and records what the outcome keys need (deliveries, MAIL parameters,
// captured payloads). It never decides what the harness writes.

#include <QByteArray>
#include <QList>

namespace outpost::testsupport {

/// One thing the client sent that awaits (or got) a reply.
struct WireCommand
{
    enum class Kind
    {
        Command,
        AuthContinuation,
        EndOfData,
        Bdat
    };
    Kind kind = Kind::Command;
    QByteArray line;              ///< the command line including CRLF (empty for EndOfData)
    QByteArray verb;              ///< upper-case first word ("MAIL", "RCPT", "DATA", ...)
    int replyCode = 0;            ///< final reply code, 0 while unanswered
    QList<QByteArray> replyLines; ///< the reply's lines, CRLF removed
    bool sizeServer = false;      ///< MAIL only: the last EHLO reply offered SIZE
    int payload = -1;             ///< EndOfData/Bdat LAST: index into WireModel::payloads()
};

/// One message payload the client transmitted (DATA ... end marker, or BDAT chunks).
struct WirePayload
{
    QByteArray wire;       ///< bytes as sent: dot-stuffed, end marker included (DATA)
    QByteArray message;    ///< unstuffed: end marker removed, one leading dot per line removed
    bool complete = false; ///< the end marker (or BDAT LAST) arrived
    bool bdat = false;
    int replyCode = 0;           ///< the reply to the end marker / final BDAT (0: none)
    QByteArray mailLine;         ///< the MAIL command of the transaction
    QList<QByteArray> rcptLines; ///< the RCPT commands of the transaction, in order
    QList<int> rcptCodes;        ///< their reply codes
};

/// Incremental SMTP observer for one connection (RFC 5321 §4.1, RFC 2920 order of replies,
/// RFC 3030 BDAT, RFC 4954 AUTH continuations).
class WireModel
{
public:
    /// Feeds bytes the client sent (decrypted under TLS), in arrival order.
    void clientBytes(const QByteArray &bytes);
    /// Feeds bytes the harness wrote to the client.
    void serverBytes(const QByteArray &bytes);

    const QList<WireCommand> &commands() const { return m_commands; }
    const QList<WirePayload> &payloads() const { return m_payloads; }
    /// Final replies with code 2xx to an end marker or a BDAT LAST.
    int deliveries() const;
    /// AUTH command lines received.
    int authCommands() const;
    /// The greeting code (0 if none was written).
    int greetingCode() const { return m_greeting; }
    /// Replies written while no command was waiting (e.g. an idle 421).
    int unsolicitedReplies() const { return m_unsolicited; }
    /// True while the client is sending message content (after a 354).
    bool inData() const { return m_mode == Mode::Data; }

    /// Removes the end marker and the dot-stuffing from DATA bytes (RFC 5321 §4.5.2).
    static QByteArray unstuff(const QByteArray &wire);

private:
    enum class Mode
    {
        Command,
        Data,
        BdatChunk
    };
    void process();
    void reply(int code, const QList<QByteArray> &lines);

    QList<WireCommand> m_commands;
    QList<WirePayload> m_payloads;
    QList<int> m_pending; // indices of commands awaiting a reply, in order
    QByteArray m_client;  // unprocessed client bytes
    QByteArray m_server;  // partial server line
    QList<QByteArray> m_replyLines;
    Mode m_mode = Mode::Command;
    bool m_blocked = false; // waiting for the reply to DATA/AUTH/STARTTLS before reading on
    bool m_authContinuation = false;
    bool m_greeted = false;
    int m_greeting = 0;
    int m_unsolicited = 0;
    bool m_sizeOffered = false;
    qint64 m_bdatRemaining = 0;
    bool m_bdatLast = false;
    int m_openPayload = -1; // payload being received
    int m_mail = -1;        // index of the current transaction's MAIL command
    QList<int> m_rcpts;     // indices of the current transaction's RCPT commands
};

} // namespace outpost::testsupport
