#pragma once

#include "Capabilities.h"
#include "Dsn.h"
#include "Sasl.h"
#include "SmtpReplyParser.h"
#include "SmtpResult.h"
#include "accounts/Account.h"
#include "accounts/SettingKeys.h"

#include <QElapsedTimer>
#include <QList>
#include <QLoggingCategory>
#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QSslError>
#include <QTimer>

#include <optional>

class QSslSocket;

namespace outpost {

Q_DECLARE_LOGGING_CATEGORY(lcSmtp)

/// Everything one session needs to reach and use a submission server. Times in milliseconds.
struct SessionConfig
{
    QString host; ///< server name: used for SNI and certificate checks
    quint16 port = 587;
    Security security = Security::StartTls;
    QString connectHost; ///< address to connect to instead of `host` (tests); empty = host
    QString auth = QStringLiteral("auto");
    SaslCredentials credentials; ///< empty user = no AUTH
    bool allowPlainAuth = false; ///< AUTH without TLS, honoured only for loopback addresses
    QList<QSslCertificate> extraCaCertificates; ///< trusted in addition to the system store
    QByteArray pinSha256; ///< raw 32-byte SHA-256 of the only leaf certificate to accept
    // The defaults are the settings' (kSettings): RFC 5321 §4.5.3.2 values for the replies.
    /// TCP connect and TLS handshake
    int connectTimeoutMs = int(settingDefault("timeout.connect"));
    /// RFC 5321 §4.5.3.2.1
    int greetingTimeoutMs = int(settingDefault("timeout.greeting"));
    /// RFC 5321 §4.5.3.2.2–4
    int commandTimeoutMs = int(settingDefault("timeout.command"));
    /// RFC 5321 §4.5.3.2.5
    int dataBlockTimeoutMs = int(settingDefault("timeout.data_block"));
    /// RFC 5321 §4.5.3.2.6
    int dataEndTimeoutMs = int(settingDefault("timeout.data_end"));
    /// reply to QUIT, then the server's close
    int quitTimeoutMs = int(settingDefault("timeout.quit"));
    /// RFC 2920 when offered
    bool allowPipelining = settingDefaultText("pipelining") != "off";
    /// RFC 3030 when offered
    bool allowChunking = settingDefaultText("chunking") != "off";
    /// Largest BDAT chunk in octets (RFC 3030 §2): a longer message goes as several chunks,
    /// each written from the message bytes themselves, never copied into a chunk buffer.
    qsizetype chunkSize = qsizetype(settingDefault("chunking.chunk_size"));
    QString logTag; ///< account name, prefixed to log lines
};

/// One message to submit: its envelope and its RFC 5322 bytes.
struct OutgoingMessage
{
    qint64 id = 0;                ///< the outbox id, passed back in the result
    QByteArray reversePath;       ///< MAIL FROM address (no angle brackets); may be empty (<>)
    QList<QByteArray> recipients; ///< RCPT TO addresses, A-label domains unless SMTPUTF8
    QByteArray data;              ///< the message (CRLF line ends expected; others are fixed)
    bool needsSmtpUtf8 = false;   ///< the envelope or headers carry UTF-8 (RFC 6531)
    DsnRequest dsn; ///< delivery status notifications asked for (RFC 3461); sent only to a
                    ///< server that offers DSN
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

/// One SMTP submission session (RFC 5321, RFC 6409) on a QSslSocket: greeting, EHLO (HELO
/// fallback), STARTTLS (RFC 3207) or implicit TLS, AUTH (RFC 4954), then any number of
/// transactions, then QUIT and a graceful close. Fully asynchronous: a state machine driven
/// by socket signals, with a timer per state. Every outcome is a value (SmtpResult).
///
/// Use: open(); on ready() call submit() for one message at a time; transactionFinished()
/// reports each; quit() ends the session; closed() is emitted exactly once when the
/// connection is gone, after which the object may be deleted.
class SmtpSession : public QObject
{
    Q_OBJECT
public:
    enum class State
    {
        Disconnected,
        Connecting,
        Greeting,
        Ehlo,
        Helo,
        StartTls,
        TlsHandshake,
        Auth,
        Ready,
        Rset,
        Transaction,
        SendingData,
        AwaitingDataEnd,
        Quitting,
        Closing,
        Closed
    };
    Q_ENUM(State)
    enum class CloseKind
    {
        Graceful, ///< we sent QUIT (or gave up on its reply) and closed with FIN / close_notify
        Lost,     ///< the server closed or reset the connection
        Aborted,  ///< we aborted it (timeout, protocol error, deadline)
    };
    Q_ENUM(CloseKind)

    explicit SmtpSession(const SessionConfig &config, QObject *parent = nullptr);
    ~SmtpSession() override;

    const SessionConfig &config() const { return m_config; }
    State state() const { return m_state; }
    /// Capabilities from the last EHLO (after TLS when TLS is used).
    const Capabilities &capabilities() const { return m_caps; }
    /// Transactions completed on this session (successful or not).
    int transactionCount() const { return m_transactions; }
    /// True in Ready with no transaction open and none queued behind one.
    bool isIdle() const { return m_state == State::Ready && !m_next && !m_holdIdle && !m_broken; }
    /// True while a transaction runs that may have a next message queued behind it:
    /// PIPELINING offered and allowed, no CHUNKING (BDAT), no QUIT requested, none queued yet.
    bool canQueueNext() const;

    /// Connects and runs greeting, EHLO, TLS and AUTH. Ends in ready() or openFailed().
    void open();
    /// Submits one message; only in Ready. Ends in transactionFinished(). Pre-checks (SIZE,
    /// SMTPUTF8, 8BITMIME, line length) fail with class Local before anything is sent. MAIL
    /// parameters go in the order SIZE, BODY, SMTPUTF8, RET, ENVID; RCPT in the order NOTIFY,
    /// ORCPT. The DSN ones (RFC 3461) only when the message asks and the server offers DSN;
    /// asked and not offered, the message goes without them and the result carries
    /// TransactionNote::DsnNotOffered.
    void submit(const OutgoingMessage &message);
    /// Queues the next message behind the running transaction (only when canQueueNext()).
    /// Its MAIL, RCPT and DATA go out right after the running message's end marker, in the
    /// same write: RFC 2920 §3.1 lets message content start a command group, so back-to-back
    /// messages cost one round trip each instead of two. transactionFinished() reports the
    /// running message first, then this one. If the running transaction ends before its end
    /// marker (refused MAIL, RCPT or DATA), this message starts after it in the usual way
    /// (RSET first). If the session ends first, this message is reported as a Network failure
    /// with mailAnswered false and sessionReused true, so the pool sends it again on a fresh
    /// session (Transport's rule for a dead pooled session).
    void queueNext(const OutgoingMessage &message);
    /// Sends QUIT (after the current transaction, if one is running), waits for 221 for at
    /// most quitTimeoutMs, closes our side gracefully and reads until the server closes too
    /// (bounded by quitTimeoutMs). Ends in closed().
    void quit();
    /// Drops the connection at once (RST where the OS does that). A running transaction ends
    /// with a Network result. Ends in closed(Aborted).
    void abort();
    /// Ends the session now without waiting for a reply that is due (an exit deadline): a
    /// running transaction ends with a Network result (uncertain after its end marker), then
    /// TLS close_notify and TCP FIN, and the server's close is awaited as after QUIT. Only a
    /// server that stopped reading (bytes we wrote are still waiting) gets an abort instead.
    /// Ends in closed().
    void closeNow();

signals:
    void ready();
    /// The session could not be set up; `result` says why (tls, certificate, auth, …). The
    /// session closes itself afterwards (closed() follows).
    void openFailed(const outpost::SmtpResult &result);
    void transactionFinished(const outpost::TransactionResult &result);
    void closed(outpost::SmtpSession::CloseKind kind);
    /// Protocol log line in the tests' form ("C: EHLO x", "S: 250 ok"); secrets are redacted.
    void logLine(const QString &line);
    void stateChanged(outpost::SmtpSession::State state);

private:
    enum class Expect
    {
        Greeting,
        Ehlo,
        Helo,
        StartTls,
        Auth,
        Rset,
        Mail,
        Rcpt,
        Data,
        BdatChunk, ///< the reply to a BDAT chunk that is not the last (RFC 3030 §2)
        DataEnd,   ///< the reply to the end marker or to BDAT LAST
        Quit
    };

    void setState(State s);
    void startTimer(int ms);
    void send(const QByteArray &line, const QByteArray &logForm = {});
    void sendEhlo();
    void afterEhlo();
    void startAuth();
    void becomeReady();
    /// A message checked and encoded for the wire (no server round trip needed).
    struct Prepared
    {
        QByteArray wire; ///< DATA form (dot-stuffed, no end marker) or BDAT form; shares the
                         ///< message's bytes when they needed no change
        qint64 size = 0; ///< octets for SIZE= (RFC 1870)
        bool eightBit = false;
        bool bdat = false;
    };
    /// The commands of one transaction's envelope and the replies they ask for.
    struct Envelope
    {
        QByteArray commands;
        QList<Expect> expects;
        bool dsn = false;           ///< DSN parameters went on MAIL and RCPT
        bool dsnNotOffered = false; ///< asked for, not offered: sent without them
    };
    /// A message queued behind the running transaction (queueNext()).
    struct NextTransaction
    {
        OutgoingMessage msg;
        Prepared prep;
        std::optional<SmtpResult> refused; ///< a local pre-check failed: never sent
        TransactionResult tx;
        bool sent = false; ///< its envelope is on the wire behind the running end marker
        bool dsn = false;
        int expectCount = 0;
    };

    /// The local pre-checks of submit() (RFC 1870, 6152, 6531, 5321 §4.5.3.1.6); the failure,
    /// class Local, or nothing when the message may go.
    std::optional<SmtpResult> prepare(const OutgoingMessage &message, Prepared *out) const;
    Envelope envelopeFor(const OutgoingMessage &message, const Prepared &prep,
                         bool pipelined) const;
    void beginTransaction();
    void sendEnvelope();
    void sendNextEnvelope();
    void promoteNext(NextTransaction &next, const QList<Expect> &expects);
    QByteArray rcptCommand(const QByteArray &address, const DsnRequest &dsn, bool withDsn) const;
    void startData();
    void pumpData();
    void pumpBdat();
    /// Octets handed to the socket and not yet passed to the kernel: plaintext waiting for
    /// encryption and ciphertext waiting to be written. Bounds what is buffered ahead.
    qint64 unwritten() const;
    void handleBdatReply(Expect what, const SmtpReply &reply);
    /// Ends a transaction whose BDAT chunk was refused once every pipelined chunk reply is
    /// read and the announced chunk is written out; until then it does nothing.
    void finishBdatRefusal();
    void finishTransaction(const SmtpResult &result);
    void failOpen(const SmtpResult &result, bool sendQuit);
    /// True when `code` is a reply the protocol allows to `what`: its positive codes (220 to
    /// the greeting and STARTTLS, 250 to EHLO/HELO, 334/235 to AUTH, 2xx to RSET, MAIL, RCPT,
    /// BDAT and the end of data, 354 to DATA) or any 4xx/5xx (5xx to the greeting: only 554,
    /// RFC 5321 §3.1).
    static bool isExpectedReply(Expect what, int code);
    static QString expectName(Expect what);
    /// Ends the session on a reply the protocol does not allow: class Protocol for the running
    /// transaction (or the opening), then close_notify and FIN without QUIT.
    void failProtocol(const SmtpReply &reply, Expect what);
    void failAndAbort(const SmtpResult &result);
    void closeGracefully();
    void finishClose(CloseKind kind);
    QByteArray heloName() const;

    void onConnected();
    void onEncrypted();
    void onReadyRead();
    void onDisconnected();
    /// The server ended the connection (FIN, RST or TLS close_notify) outside QUIT: reports the
    /// running transaction or the opening, then closed(Lost).
    void sessionLost();
    void onSocketError();
    void onSslErrors(const QList<QSslError> &errors);
    void onTimeout();
    void onBytesWritten();
    void handleReply(const SmtpReply &reply);

    SessionConfig m_config;
    QSslSocket *m_socket = nullptr;
    SmtpReplyParser m_parser;
    State m_state = State::Disconnected;
    QList<Expect> m_expected;
    QTimer m_timer;
    Capabilities m_caps;
    bool m_tlsActive = false;
    bool m_opened = false; // reached Ready once
    bool m_closedEmitted = false;
    bool m_quitRequested = false;
    bool m_broken = false;    // a protocol error or an abort: nothing more runs on this session
    bool m_needsRset = false; // a transaction was left open on the server
    int m_transactions = 0;
    std::unique_ptr<SaslMechanism> m_sasl;
    SmtpResult m_tlsFailure; // certificate problem seen in sslErrors()

    // current transaction
    bool m_inTransaction = false;
    OutgoingMessage m_msg;
    TransactionResult m_tx;
    QByteArray m_wire; // what goes after DATA (without the end marker) / in BDAT chunks
    qsizetype m_wireOffset = 0;
    qsizetype m_chunkLeft = 0;              // octets of the current BDAT chunk not yet written
    std::optional<SmtpReply> m_bdatRefusal; // the first 4xx/5xx to a BDAT chunk
    bool m_pipelined = false;
    bool m_bdat = false;
    SmtpReply m_mailReply;
    int m_rcptIndex = 0;
    bool m_dataRequested = false;
    bool m_msgEightBit = false;
    bool m_dsn = false; // DSN parameters go on MAIL and RCPT (asked for and offered)
    qint64 m_msgSize = 0;
    std::optional<NextTransaction> m_next; // queued behind the running transaction
    bool m_holdIdle = false; // reporting a transaction whose queued successor starts next
};

/// Prepares a message for DATA (RFC 5321 §4.5.2): every bare CR or LF becomes CRLF, a dot
/// at the start of a line is doubled (the first line too), a final CRLF is added when
/// missing, and the end marker ".\r\n" is appended. *longestLine receives the longest line
/// in octets without CRLF (before stuffing), *eightBit whether any octet is >= 0x80.
QByteArray encodeDataForSmtp(const QByteArray &message, qsizetype *longestLine = nullptr,
                             bool *eightBit = nullptr);
/// The same normalisation without dot-stuffing or end marker, for BDAT (RFC 3030).
QByteArray normalizeForBdat(const QByteArray &message, qsizetype *longestLine = nullptr,
                            bool *eightBit = nullptr);

} // namespace outpost

Q_DECLARE_METATYPE(outpost::TransactionResult)
