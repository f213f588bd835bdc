#pragma once

#include "ImapSession.h"

#include <QHash>
#include <QObject>
#include <QTimer>

namespace outpost {

/// The IMAP sessions of every account (the copies in the Sent folder): one ImapSession per
/// server identity (host, port, security, user), reused for every command given to it, as
/// Transport does for SMTP (design.md §3).
///
/// - A batch of copies goes over one session: the commands queue in it and run as soon as it
///   is ready (APPENDs pipelined with LITERAL+, ImapSession).
/// - An idle session LOGs OUT after idleTimeoutMs() without work.
/// - A session that ended before writing a command (the server closed it while idle, BYE) has
///   that command sent once more on a fresh session; the result says nothing of the loss.
/// - When a session cannot be set up, every command waiting for it gets that result.
/// - shutdown(): no new commands, those written finish until the deadline, LOGOUT to every
///   session at once, graceful close; shortly before the deadline what is still open is
///   closed without waiting (close_notify, FIN; ImapSession::closeNow()), at the deadline
///   aborted; then shutdownFinished().
class ImapPool : public QObject
{
    Q_OBJECT
public:
    /// An empty pool: sessions open with the first command for their server.
    explicit ImapPool(QObject *parent = nullptr);
    /// Drops every connection at once, without LOGOUT and without signals.
    ~ImapPool() override;

    /// Milliseconds an idle session stays open (default 60 000).
    void setIdleTimeout(int ms) { m_idleMs = ms; }
    /// Milliseconds an idle session stays open.
    int idleTimeoutMs() const { return m_idleMs; }

    /// LIST and the Sent mailbox on `config`'s server; listFinished() reports it.
    void list(const QString &account, const ImapConfig &config, qint64 id);
    /// APPEND of one copy; appendFinished() reports it.
    void append(const QString &account, const ImapConfig &config, const ImapAppendRequest &request);
    /// The exactly-once APPEND for a copy whose earlier APPEND may have been stored without
    /// its answer reaching us (a crash, a lost connection: ImapAppendResult::uncertain()):
    /// UID SEARCH HEADER Message-ID `messageId` in the request's mailbox first, and APPEND
    /// only when nothing is found. appendFinished() reports it; alreadyStored says the copy
    /// was there (with the UID found). A failed search is reported as the result, nothing is
    /// appended.
    void appendChecked(const QString &account, const ImapConfig &config,
                       const ImapAppendRequest &request, const QByteArray &messageId);
    /// UID SEARCH HEADER Message-ID; searchFinished() reports it.
    void search(const QString &account, const ImapConfig &config, const ImapSearchRequest &request);
    /// Starts the graceful shutdown, bounded by `deadlineMs` milliseconds.
    void shutdown(int deadlineMs);
    /// True once shutdown() was called: every new command is reported notAttempted at once.
    bool isShuttingDown() const { return m_shuttingDown; }
    /// Sessions open or opening.
    int sessionCount() const { return int(m_servers.size()); }
    /// Commands given and not reported yet.
    int pendingCount() const { return int(m_pending.size()); }

signals:
    /// The outcome of list(), append() or search() for `account`, exactly once each, with the
    /// caller's id. A command not written to any server has notAttempted set.
    void listFinished(const QString &account, const outpost::ImapListResult &result);
    void appendFinished(const QString &account, const outpost::ImapAppendResult &result);
    void searchFinished(const QString &account, const outpost::ImapSearchResult &result);
    /// A session logged in; `capabilities` are the server's after login.
    void sessionReady(const QString &account, const outpost::ImapCapabilities &capabilities);
    /// A protocol log line of `account`'s session `sessionId` (see ImapSession::logLine).
    void logLine(const QString &account, int sessionId, const QString &line);
    /// Every session is closed: `clean` by LOGOUT and a graceful close, `aborted` at the deadline.
    void shutdownFinished(int clean, int aborted);

private:
    struct Pending
    {
        ImapCommand::Kind kind = ImapCommand::Kind::Noop;
        QString account;
        ImapConfig config;
        qint64 callerId = 0;
        ImapAppendRequest append;
        ImapSearchRequest search;
        bool check = false;   // appendChecked(): search first
        bool checked = false; // its search found nothing: append now
        bool retried = false;
    };
    struct Server
    {
        QString key;
        int id = 0;
        ImapSession *session = nullptr;
        QTimer *idleTimer = nullptr;
        bool abortedAtDeadline = false;
        bool finOut = false;
    };

    static QString serverKey(const ImapConfig &c);
    void submit(qint64 ticket);
    Server *sessionFor(const Pending &p);
    /// A result of `server`'s session for `ticket`: `notAttempted` ones are sent again once.
    bool resend(Server *server, qint64 ticket, const ImapCommandOutcome &outcome);
    void onSearchFinished(Server *server, const ImapSearchResult &result);
    void afterResult(Server *server);
    void onClosed(Server *server, ImapSession::CloseKind kind);
    void checkShutdownDone();
    qint64 give(Pending p);

    QHash<QString, Server *> m_servers;
    QHash<qint64, Pending> m_pending;
    qint64 m_nextTicket = 1;
    int m_nextSessionId = 1;
    int m_idleMs = 60000;
    bool m_shuttingDown = false;
    bool m_shutdownReported = false;
    int m_clean = 0;
    int m_aborted = 0;
    QTimer m_closeRest;
    QTimer m_deadline;
};

} // namespace outpost
