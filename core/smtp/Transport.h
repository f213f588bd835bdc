#pragma once

#include "SmtpSession.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QTimer>

#include <deque>
#include <memory>

namespace outpost {

/// Pool limits for one server (design.md §3), defaults from kSettings. Times in milliseconds.
struct PoolLimits
{
    /// sessions open at once to one server
    int maxPerServer = int(settingDefault("pool.max_per_server"));
    /// transactions per session, then QUIT and reopen
    int maxMessages = int(settingDefault("pool.max_messages"));
    /// an idle session QUITs after this long
    int idleMs = int(settingDefault("pool.idle_ms"));
    /// transactions started per minute per server; 0 = unlimited
    int ratePerMinute = int(settingDefault("pool.rate_per_min"));
};

/// One message to send through the pool.
struct SendRequest
{
    QString account;       ///< for logs and the pool view
    SessionConfig session; ///< how to reach and log in to the server
    PoolLimits limits;
    OutgoingMessage message;
};

/// What the pool holds for the UI and `outpost flush --verbose`.
struct PoolSessionInfo
{
    QString server; ///< "host:port"
    QString account;
    SmtpSession::State state = SmtpSession::State::Disconnected;
    bool busy = false;    ///< a transaction is running
    int messagesSent = 0; ///< transactions completed on this session
};

/// The SMTP transport: owns every SmtpSession, pooled by server identity (host, port,
/// security, user), and runs each SendRequest on one of them (design.md §3).
///
/// - An idle, healthy session is reused; otherwise the request waits its turn (FIFO per
///   server). A server's first session opens at once; further ones (up to
///   PoolLimits::maxPerServer) only while the backlog is deep (8 waiting messages per open
///   session), so a handful of messages shares one TLS handshake and one login.
///   Different servers proceed independently.
/// - With PIPELINING offered, a busy session also takes the next waiting message: its MAIL,
///   RCPT and DATA follow the running message's end marker in the same write (RFC 2920 §3.1),
///   so a backlog costs one round trip per message (SmtpSession::queueNext()).
/// - A session QUITs after maxMessages transactions or idleMs without work.
/// - A pooled session the server closed while idle (FIN, RST or an unsolicited 421) leaves
///   the pool when noticed. If a reused session turns out dead before MAIL was answered, the
///   message is sent again once on a fresh session and the result says nothing of the loss.
/// - When a session cannot be set up (connection refused, TLS, certificate, authentication),
///   the request that opened it gets that result and every other request waiting for the same
///   server gets it too, marked notAttempted, so one failure costs one attempt, not one per
///   message.
/// - shutdown(): no new sends, transactions in flight finish until the deadline, QUIT to all,
///   graceful close. Shortly before the deadline every session still open is closed without
///   waiting further (close_notify and FIN; SmtpSession::closeNow()), so even a server that
///   stopped answering sees a clean close; only one that stopped reading is aborted. At the
///   deadline whatever is left is dropped, then shutdownFinished().
class Transport : public QObject
{
    Q_OBJECT
public:
    explicit Transport(QObject *parent = nullptr);
    ~Transport() override;

    /// Queues a message; finished() reports it exactly once. Virtual only as a test seam
    /// (tests/unit/outbox replace the pool with a fake that records requests).
    virtual void send(const SendRequest &request);
    /// Reports every request of `account` that has not started (notAttempted) with `why`.
    /// Virtual only as a test seam, like send().
    virtual void cancelPending(const QString &account, const SmtpResult &why);
    /// Answers endOfDataAhead() for message `messageId` (SmtpSession::releaseEndOfData()):
    /// `recorded` lets the end of its data go; false abandons its transaction before the end.
    /// Nothing happens when the message is no longer running. Virtual only as a test seam.
    virtual void releaseEndOfData(qint64 messageId, bool recorded);
    /// Starts the graceful shutdown; `deadlineMs` bounds it (milliseconds). The last quarter
    /// of it (at most one second) is kept for closing what has not finished by then.
    void shutdown(int deadlineMs);
    bool isShuttingDown() const { return m_shuttingDown; }
    /// Requests given to send() whose finished() has not been emitted yet.
    int pendingCount() const { return m_outstanding; }
    QList<PoolSessionInfo> poolState() const;

signals:
    void finished(const outpost::TransactionResult &result);
    /// A session reached the ready state; `capabilities` are the server's (after TLS).
    void sessionReady(const QString &account, const outpost::Capabilities &capabilities);
    /// A protocol log line of `account`'s session `sessionId` (see SmtpSession::logLine).
    void logLine(const QString &account, int sessionId, const QString &line);
    void poolChanged();
    /// The data of message `messageId` began on a session whose SessionConfig holds the
    /// end of data (holdEndOfData): the end goes after releaseEndOfData(). May be answered from
    /// inside a slot.
    void endOfDataAhead(qint64 messageId);
    /// Every session is closed: `clean` by QUIT and a graceful close, `aborted` at the deadline.
    void shutdownFinished(int clean, int aborted);

private:
    struct Pending
    {
        SendRequest request;
        bool retriedFresh = false;
    };
    struct Slot
    {
        SmtpSession *session = nullptr;
        int id = 0;
        QString account;
        std::optional<Pending> current;
        std::optional<Pending> next; // queued behind current (SmtpSession::queueNext)
        int sent = 0;
        bool retiring = false;
        bool abortedAtDeadline = false; // cut off by shutdown()'s deadline
        bool finOut = false;            // our close_notify and FIN went out before the deadline
        QTimer *idleTimer = nullptr;
    };
    struct Server
    {
        QString key;
        PoolLimits limits;
        std::deque<Pending> queue;
        QList<Slot *> members;
        std::deque<qint64> starts; // ms timestamps of recent transaction starts (rate limit)
        QTimer *rateTimer = nullptr;
    };

    static QString serverKey(const SessionConfig &c);
    Server *serverFor(const SendRequest &r);
    void pump(Server *s);
    void openSession(Server *s, const SendRequest &r);
    void onReady(Server *s, Slot *slot);
    void onOpenFailed(Server *s, Slot *slot, const SmtpResult &result);
    void onTransactionFinished(Server *s, Slot *slot, const TransactionResult &tx);
    void onClosed(Server *s, Slot *slot, SmtpSession::CloseKind kind);
    void report(const TransactionResult &tx);
    void failNotAttempted(const Pending &p, const SmtpResult &why);
    void checkShutdownDone();

    QHash<QString, Server *> m_servers;
    bool m_shuttingDown = false;
    bool m_shutdownReported = false;
    QTimer m_closeRest; // shortly before m_deadline: closeNow() on every session still open
    int m_clean = 0;
    int m_aborted = 0;
    int m_nextSessionId = 1;
    int m_outstanding = 0;
    QTimer m_deadline;
};

} // namespace outpost
