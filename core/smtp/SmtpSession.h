#pragma once

#include "Capabilities.h"
#include "Sasl.h"
#include "Security.h"
#include "SessionConfig.h"
#include "SmtpReplyParser.h"
#include "SmtpResult.h"
#include "SmtpTransaction.h"

#include <QList>
#include <QLoggingCategory>
#include <QObject>
#include <QSslError>
#include <QTimer>

#include <memory>

class QSslSocket;

namespace outpost {

Q_DECLARE_LOGGING_CATEGORY(lcSmtp)

/// One SMTP submission session (RFC 5321, RFC 6409) on a QSslSocket: greeting, EHLO (HELO
/// fallback), STARTTLS (RFC 3207) or implicit TLS, certificate and pin checks, AUTH
/// (RFC 4954), then any number of transactions, then QUIT and a graceful close. Fully
/// asynchronous: a state machine driven by socket signals, with a timer per state. Every
/// outcome is a value (SmtpResult).
///
/// The session owns the connection and runs one SmtpTransaction per message: the running
/// one, and with PIPELINING at most one more queued behind it (queueNext()). Replies are
/// routed in the order the commands went out (RFC 2920 §3.1): the session's own (greeting,
/// EHLO, STARTTLS, AUTH, QUIT) to itself, every other to the running transaction. A queued
/// transaction's envelope goes out behind the running message's end marker, so its replies
/// follow the running one's; it becomes the running transaction when that one ends, before
/// its replies are read.
///
/// Use: open(); on ready() call submit() for one message at a time; transactionFinished()
/// reports each; quit() ends the session; closed() is emitted exactly once when the
/// connection is gone, after which the object may be deleted.
class SmtpSession : public QObject, private SmtpTransaction::Channel
{
    Q_OBJECT
public:
    /// Where the session is. Rset, Transaction, SendingData and AwaitingDataEnd are the
    /// running transaction's phases (SmtpTransaction::Phase).
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
    /// How the connection ended (closed()).
    enum class CloseKind
    {
        Graceful, ///< we sent QUIT (or gave up on its reply) and closed with FIN / close_notify
        Lost,     ///< the server closed or reset the connection
        Aborted,  ///< we aborted it (timeout, protocol error, deadline)
    };
    Q_ENUM(CloseKind)

    /// A session for `config`, not connected yet (open() connects).
    explicit SmtpSession(const SessionConfig &config, QObject *parent = nullptr);
    /// Drops the connection at once if there is one, without QUIT and without signals.
    ~SmtpSession() override;

    /// The configuration the session was made with.
    const SessionConfig &config() const { return m_config; }
    /// The current state; stateChanged() reports each change.
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
    /// Answers endOfDataAhead() for message `messageId` (SessionConfig::holdEndOfData), running
    /// or queued behind: `recorded` true lets the end of its data go on the wire (now, if the
    /// rest is out, else when it is); false means the owner could not record that it may go,
    /// and the transaction is abandoned where its end would go (the connection is aborted:
    /// class Network, never uncertain), so no server takes the message without the outbox
    /// knowing it may have. Does nothing when that message is not on this session.
    void releaseEndOfData(qint64 messageId, bool recorded);
    /// Ends the session now without waiting for a reply that is due (an exit deadline): a
    /// running transaction ends with a Network result (uncertain after its end marker), then
    /// TLS close_notify and TCP FIN, and the server's close is awaited as after QUIT. Only a
    /// server that stopped reading (bytes we wrote are still waiting) gets an abort instead.
    /// Ends in closed().
    void closeNow();

signals:
    /// The session is set up (TLS and AUTH as configured) and idle: submit() may be called.
    void ready();
    /// The session could not be set up; `result` says why (tls, certificate, auth, …). The
    /// session closes itself afterwards (closed() follows).
    void openFailed(const outpost::SmtpResult &result);
    /// One submitted or queued message is done, in the order they were given; `result` says
    /// how (see TransactionResult).
    void transactionFinished(const outpost::TransactionResult &result);
    /// The connection is gone; emitted exactly once.
    void closed(outpost::SmtpSession::CloseKind kind);
    /// Protocol log line in the tests' form ("C: EHLO x", "S: 250 ok"); secrets are redacted.
    void logLine(const QString &line);
    /// state() changed to `state`.
    void stateChanged(outpost::SmtpSession::State state);
    /// The data of message `messageId` began (354, or its first BDAT chunk) and, with
    /// SessionConfig::holdEndOfData, the end of it waits for releaseEndOfData() (which may be
    /// called from a slot of this signal).
    void endOfDataAhead(qint64 messageId);

private:
    /// The replies the session's own commands get (a transaction's are its own).
    enum class Expect
    {
        Greeting,
        Ehlo,
        Helo,
        StartTls,
        Auth,
        Quit
    };

    // SmtpTransaction::Channel: what the running (or queued) transaction uses.
    void sendCommand(const QByteArray &lines, const QByteArray &logForm) override;
    void writeOctets(const char *data, qsizetype size) override;
    qint64 unwritten() const override;
    void log(const QString &line) override;
    void armTimer(int ms) override;
    void phaseChanged(const SmtpTransaction &transaction) override;
    void requestEndOfData(const SmtpTransaction &transaction) override;

    void setState(State s);
    void startTimer(int ms);
    void send(const QByteArray &line, const QByteArray &logForm = {});
    void sendEhlo();
    void afterEhlo();
    void startAuth();
    void becomeReady();
    void handleReply(const SmtpReply &reply);
    void handleSessionReply(Expect what, const SmtpReply &reply);
    /// A transaction for `message` on this session (checked and encoded at once).
    std::unique_ptr<SmtpTransaction> makeTransaction(const OutgoingMessage &message,
                                                     bool sessionReused);
    /// Makes `transaction` the running one and starts it (RSET first when the last one was
    /// left open), or reports its local refusal at once.
    void runTransaction(std::unique_ptr<SmtpTransaction> transaction);
    /// Writes the queued transaction's envelope behind the running message's end marker.
    void sendNextEnvelope();
    /// Does what a transaction's Step asks.
    void apply(const SmtpTransaction::Step &step);
    /// Ends the running transaction with `result` and reports it; then the queued one runs
    /// (promoted when its envelope is out, started when not) or is reported as not reached.
    void finishTransaction(const SmtpResult &result);
    /// Nothing more is read for anyone: the session's and the transactions' awaited replies
    /// are forgotten.
    void dropExpectedReplies();
    void failOpen(const SmtpResult &result, bool sendQuit);
    /// True when `code` is a reply the protocol allows to `what`: its positive codes (220 to
    /// the greeting and STARTTLS, 250 to EHLO/HELO, 334/235 to AUTH, anything to QUIT) or
    /// any 4xx/5xx (5xx to the greeting: only 554, RFC 5321 §3.1).
    static bool isExpectedReply(Expect what, int code);
    static QString expectName(Expect what);
    /// Ends the session on a reply the protocol does not allow (`result`, class Protocol):
    /// reported for the running transaction (or the opening), then close_notify and FIN
    /// without QUIT.
    void failProtocol(const SmtpResult &result);
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

    SessionConfig m_config;
    QSslSocket *m_socket = nullptr;
    SmtpReplyParser m_parser;
    State m_state = State::Disconnected;
    QList<Expect> m_expected; // replies due to the session's own commands, in order
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

    std::unique_ptr<SmtpTransaction> m_current; // the running transaction
    std::unique_ptr<SmtpTransaction> m_next;    // queued behind it (queueNext())
    bool m_holdIdle = false; // reporting a transaction whose queued successor starts next
};

} // namespace outpost
