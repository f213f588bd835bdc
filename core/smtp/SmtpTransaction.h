#pragma once

#include "Capabilities.h"
#include "Dsn.h"
#include "MessageSource.h"
#include "SessionConfig.h"
#include "SmtpResult.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

#include <memory>
#include <optional>

namespace outpost {

/// One message to submit: its envelope and where its RFC 5322 octets are read from.
struct OutgoingMessage
{
    qint64 id = 0;                ///< the outbox id, passed back in the result
    QByteArray reversePath;       ///< MAIL FROM address (no angle brackets); may be empty (<>)
    QList<QByteArray> recipients; ///< RCPT TO addresses, A-label domains unless SMTPUTF8
    /// The message (CRLF line ends expected; others are fixed), read in pieces as it goes out;
    /// shared by the transactions that send it (a resend reads it again).
    std::shared_ptr<MessageSource> source;
    /// What the wire form of `source` comes to (scanMessage()), known before MAIL.
    WireShape shape;
    bool needsSmtpUtf8 = false; ///< the envelope or headers carry UTF-8 (RFC 6531)
    DsnRequest dsn; ///< delivery status notifications asked for (RFC 3461); sent only to a
                    ///< server that offers DSN

    /// Sets `source` to the message `bytes` held in memory, and `shape` from them.
    void setBytes(const QByteArray &bytes)
    {
        source = std::make_shared<MemoryMessageSource>(bytes);
        shape = scanForWire(bytes);
    }
};

/// Something the session did differently from what the message asked, without failing it.
/// Stored in the message's history by its stable name (transactionNoteName()).
enum class TransactionNote
{
    /// The message asked for delivery status notifications but the server does not offer
    /// DSN (RFC 3461): it went out without NOTIFY/RET/ENVID/ORCPT.
    DsnNotOffered,
};
/// Stable lower-case name of a note ("dsn-not-offered"), as history rows store it.
QString transactionNoteName(TransactionNote note);

/// The server's verdict on one recipient (RCPT TO).
struct RecipientResult
{
    QByteArray address;
    SmtpReply reply;       ///< the RCPT reply, or the final DATA reply once accepted
    bool accepted = false; ///< RCPT 2xx and the message was accepted
};

/// The outcome of one transaction (MAIL … end of data).
struct TransactionResult
{
    qint64 messageId = 0;
    /// Overall outcome. ok() when the server accepted the message for at least one recipient.
    SmtpResult result;
    /// Per-recipient replies, in envelope order (empty when the transaction ended before RCPT).
    QList<RecipientResult> recipients;
    bool endMarkerSent = false; ///< the whole message and its end marker were written
    bool mailAnswered = false;  ///< the server answered MAIL (the transaction really began)
    bool sessionReused = false; ///< ran on a session that had carried a transaction before
    bool notAttempted = false;  ///< never reached the server (pool shut down or session lost first)
    QString server;             ///< "host:port"
    QList<TransactionNote> notes; ///< choices worth recording (e.g. DSN not offered)

    /// True when the connection was lost after the end marker and before the reply: the
    /// server may or may not have taken the message (design.md §4 "delivery uncertain").
    bool uncertain() const
    {
        return endMarkerSent && (result.errorClass == ErrorClass::Network ||
                                 result.errorClass == ErrorClass::Timeout);
    }
};

/// One mail transaction (RFC 5321 §3.3) for one message, run by an SmtpSession that is
/// ready: RSET first when the previous transaction was left open (§4.1.1.5), MAIL, RCPT,
/// then DATA and the dot-stuffed message with its end marker (§4.1.1.4), or the message in
/// BDAT chunks (RFC 3030 §2). With PIPELINING (RFC 2920 §3.1) MAIL, every RCPT and DATA go
/// in one write and BDAT chunks follow each other without waiting for their replies.
///
/// The session owns the connection: a transaction writes through the session's Channel and
/// reads only the replies the session hands it, which are its own because replies come in
/// the order of the commands. It never ends itself: start(), handleReply() and writeMore()
/// return a Step that tells the session what to do next, and the session ends it with
/// conclude(). A transaction queued behind a running one (SmtpSession::queueNext()) may send
/// its whole envelope behind the running message's end marker (sendPipelinedEnvelope()) and
/// runs once the session promotes it.
class SmtpTransaction
{
public:
    /// What a transaction uses of the session that runs it.
    class Channel
    {
    public:
        /// Writes one or more command lines (each with its CRLF) and logs each as "C: line";
        /// a non-empty `logForm` is logged instead (redaction).
        virtual void sendCommand(const QByteArray &lines, const QByteArray &logForm) = 0;
        /// Writes `size` octets of message content as they are, without logging them.
        virtual void writeOctets(const char *data, qsizetype size) = 0;
        /// Octets written and not yet handed to the kernel, plaintext and ciphertext.
        virtual qint64 unwritten() const = 0;
        /// Adds one line to the protocol log ("-- note", "C: <message, n octets>").
        virtual void log(const QString &line) = 0;
        /// (Re)starts the reply timer: `ms` milliseconds until the session times out.
        virtual void armTimer(int ms) = 0;
        /// `transaction` entered another phase (the session shows the running one's as its
        /// state).
        virtual void phaseChanged(const SmtpTransaction &transaction) = 0;
        /// `transaction` began its data phase with SessionConfig::holdEndOfData: the end of
        /// its data waits for releaseEndOfData(), which may come from inside this call.
        virtual void requestEndOfData(const SmtpTransaction &transaction) = 0;

    protected:
        ~Channel() = default;
    };

    /// Where the transaction is.
    enum class Phase
    {
        Waiting,         ///< made, not running: queued, or refused by a local check
        Rset,            ///< RSET sent, its reply awaited
        Envelope,        ///< MAIL and RCPT (and with PIPELINING DATA) sent, replies awaited
        SendingData,     ///< writing the message: after DATA's 354, or in BDAT chunks
        AwaitingDataEnd, ///< the end marker or BDAT LAST and its octets are out
        Done,            ///< concluded
    };

    /// What the session does after an entry point returned.
    struct Step
    {
        enum class Kind
        {
            Continue,         ///< nothing: the transaction waits for a reply or for room
            EndMarkerWritten, ///< the message and its end marker are out (DATA): a queued
                              ///< transaction's envelope may follow in the same write
            Finished,         ///< the transaction is over: conclude it with `result`
            FinishedClosing,  ///< over, and the session is to close (421, refused RSET):
                              ///< nothing more starts on it; conclude it with `result`,
                              ///< then close without QUIT
            ProtocolError,    ///< a reply the protocol does not allow here: `result` (class
                              ///< Protocol) ends the transaction and the session
            Abandon, ///< the end of data may not go (releaseEndOfData(false)): `result` ends
                     ///< the transaction, and the session is aborted so that the server
                     ///< drops the unfinished transaction
        };
        Kind kind = Kind::Continue;
        SmtpResult result;
    };

    /// Checks `message` for a server with `caps` at once, from its WireShape, with no round trip:
    /// recipients present, no CR, LF, '<', '>' or control in an address, SMTPUTF8 (RFC 6531),
    /// 8BITMIME (RFC 6152), lines of at most 998 octets (RFC 5321 §4.5.3.1.6) and SIZE
    /// (RFC 1870); localRefusal() holds the failure (class Local). `caps`, `config` and
    /// `channel` must outlive the transaction.
    SmtpTransaction(const OutgoingMessage &message, bool sessionReused, const Capabilities &caps,
                    const SessionConfig &config, Channel &channel);

    /// Why the message may not go to this server (class Local), or nothing.
    const std::optional<SmtpResult> &localRefusal() const { return m_refusal; }
    /// Where the transaction is now.
    Phase phase() const { return m_phase; }
    /// The result so far (message id, recipients, notes); conclude() completes it.
    const TransactionResult &result() const { return m_result; }
    /// Sets TransactionResult::sessionReused before the transaction starts.
    void setSessionReused(bool reused) { m_result.sessionReused = reused; }
    /// True once MAIL went out (by start() or sendPipelinedEnvelope()).
    bool envelopeSent() const { return m_envelopeSent; }
    /// True while a command of this transaction awaits its reply.
    bool awaitsReply() const { return !m_expected.isEmpty(); }

    /// Runs the transaction (only without localRefusal()): RSET first when `rsetFirst` (the
    /// server holds the previous transaction open, RFC 5321 §4.1.1.5), else MAIL at once.
    /// MAIL parameters go in the order SIZE, BODY, SMTPUTF8, RET, ENVID; RCPT in the order
    /// NOTIFY, ORCPT. The DSN ones (RFC 3461) only when the message asks and the server
    /// offers DSN; asked and not offered, the message goes without them and the result
    /// carries TransactionNote::DsnNotOffered.
    void start(bool rsetFirst);
    /// Writes the whole envelope (MAIL, every RCPT, DATA) of a transaction queued behind a
    /// running one, right after that one's end marker (RFC 2920 §3.1 lets message content
    /// start a command group). Its replies follow the running transaction's; the session
    /// hands them over after promote().
    void sendPipelinedEnvelope();
    /// The transaction ahead ended and this one, whose envelope is out, runs now: the reply
    /// timer restarts for its MAIL reply.
    void promote();
    /// Handles the next reply to this transaction's commands (only when awaitsReply()).
    /// Each command accepts only its own positive codes (2xx to RSET, MAIL, RCPT, BDAT and
    /// the end of data, 354 to DATA) or any 4xx/5xx; anything else is a ProtocolError step.
    Step handleReply(const SmtpReply &reply);
    /// Writes more of the message while the session's write buffer is below its high-water
    /// mark (in SendingData; else does nothing), reading and encoding it one piece
    /// (kMessagePieceOctets) at a time. The session calls it when bytes were written. A piece
    /// that cannot be read, or a message that is not what its shape said, ends the
    /// transaction with class Storage and closes the session (FinishedClosing): the end of data
    /// never goes out, so the server drops what it got.
    Step writeMore();
    /// Answers the ask for the end of the data (SessionConfig::holdEndOfData). `recorded`: the
    /// end (DATA's end marker, BDAT LAST and its octets) may go; it is written now when the
    /// rest of the data is out and waits only for this, else when the data gets there. Not
    /// recorded: the transaction is abandoned there (Step::Kind::Abandon). Returns what to do,
    /// as writeMore() does.
    Step releaseEndOfData(bool recorded);
    /// True while the end of the data is written out and waits for releaseEndOfData().
    bool endOfDataHeld() const { return m_endWaiting; }
    /// Forgets the replies still awaited: the session reads nothing more for this
    /// transaction (it is being ended or the connection is going away).
    void dropExpectedReplies() { m_expected.clear(); }

    /// The result to report when the connection is lost under this transaction with
    /// `cause`: a refusal already read (a pipelined MAIL's 4xx/5xx, a BDAT chunk's) explains
    /// the failure better than the loss itself.
    SmtpResult resultWhenLost(const SmtpResult &cause) const;
    /// The result to report when the session aborts under this transaction with `cause`: a
    /// BDAT chunk's refusal already read, else `cause`.
    SmtpResult resultWhenAborted(const SmtpResult &cause) const;
    /// Ends the transaction with `result` and returns the complete TransactionResult. A
    /// positive `result` counts only after MAIL 2xx, at least one RCPT 2xx, the end marker
    /// (or BDAT LAST) out and a 2xx to it; otherwise it becomes class Protocol and
    /// *protocolBroken is set true (the server is not to be trusted further), else false.
    TransactionResult conclude(const SmtpResult &result, bool *protocolBroken);
    /// After conclude(): true when the server may still hold this transaction open (MAIL
    /// accepted, no clean end: refused RCPTs, a failed DATA or BDAT), so the next one on
    /// the session starts with RSET. Meaningful only when envelopeSent().
    bool leavesServerTransactionOpen() const { return m_serverOpen; }

private:
    /// The replies a transaction's commands get, one per command.
    enum class Reply
    {
        Rset,
        Mail,
        Rcpt,
        Data,
        BdatChunk, ///< the reply to a BDAT chunk that is not the last (RFC 3030 §2)
        DataEnd,   ///< the reply to the end marker or to BDAT LAST
    };
    /// The commands of the envelope and the replies they ask for.
    struct Envelope
    {
        QByteArray commands;
        QList<Reply> expects;
        bool dsn = false;           ///< DSN parameters went on MAIL and RCPT
        bool dsnNotOffered = false; ///< asked for, not offered: sent without them
    };

    static bool isExpectedReply(Reply what, int code);
    static QString replyName(Reply what);
    static Step finished(const SmtpResult &result) { return {Step::Kind::Finished, result}; }
    static Step finishedClosing(const SmtpResult &result)
    {
        return {Step::Kind::FinishedClosing, result};
    }

    std::optional<SmtpResult> prepare();
    void setPhase(Phase phase);
    Envelope envelope(bool pipelined) const;
    QByteArray rcptCommand(const QByteArray &address, bool withDsn) const;
    void noteDsn(const Envelope &envelope);
    void sendEnvelope();
    void sendRcpt();
    Step handleBdatReply(Reply what, const SmtpReply &reply);
    Step startData();
    /// The data begins: with holdEndOfData, asks the owner to release the end.
    void askForEndOfData();
    /// The Abandon step: the end of data may not go.
    Step abandonBeforeEnd();
    Step writeData();
    Step writeBdat();
    /// Makes sure m_out holds wire octets not yet written, reading and encoding the next
    /// piece when it does not; false with *error when the piece cannot be read.
    bool fillWire(QString *error);
    /// The step that ends the transaction when the message cannot be read.
    Step unreadable(const QString &error);
    /// Ends a transaction whose BDAT chunk was refused once every pipelined chunk reply is
    /// read and the announced chunk is written out; until then it does nothing.
    Step finishBdatRefusal();
    bool anyRecipientAccepted() const;

    Channel &m_channel;
    const Capabilities &m_caps;
    const SessionConfig &m_config;
    OutgoingMessage m_msg;
    TransactionResult m_result;
    /// Recipients left out of the envelope because their address is not ASCII and the server
    /// offers no SMTPUTF8 (RFC 6531 §3.2); reported refused when the others got the message.
    QList<QByteArray> m_needUtf8;
    std::optional<SmtpResult> m_refusal;
    Phase m_phase = Phase::Waiting;
    QList<Reply> m_expected; // replies still due to this transaction's commands, in order
    // What goes after DATA (without the end marker) / in BDAT chunks, made one piece at a time.
    WireEncoder m_encoder{WireForm::Data};
    QByteArray m_piece;        // the piece read last
    QByteArray m_out;          // wire octets of the pieces read, not yet written
    qsizetype m_outOffset = 0; // octets of m_out already written
    qint64 m_readOffset = 0;   // octets of the message read so far
    qint64 m_wireTotal = 0;    // octets of the wire form (without DATA's end marker)
    qint64 m_wireWritten = 0;  // octets of the wire form written (or, for BDAT, announced)
    bool m_endMarkerWritten = false;
    bool m_dataStarted = false; // the message's log line is written
    qint64 m_chunkLeft = 0;     // octets of the current BDAT chunk not yet written
    qint64 m_size = 0;          // octets for SIZE= (RFC 1870)
    bool m_eightBit = false;
    bool m_bdat = false;
    bool m_pipelined = false;
    bool m_dsn = false; // DSN parameters go on MAIL and RCPT (asked for and offered)
    bool m_envelopeSent = false;
    bool m_serverOpen = false; // the server holds this transaction open
    bool m_emptyBody = false;  // DATA got 354 with nothing accepted: ended by a bare end marker
    bool m_endReleased = true; // the end of data may go (SessionConfig::holdEndOfData)
    bool m_endWaiting = false; // everything but the end of data is out: waiting for release
    bool m_endAsked = false;   // the owner was asked (once per transaction)
    bool m_endRefused = false; // the owner could not record it: abandon at the end
    SmtpReply m_mailReply;
    qsizetype m_rcptIndex = 0;
    std::optional<SmtpReply> m_bdatRefusal; // the first 4xx/5xx to a BDAT chunk
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::TransactionResult)
