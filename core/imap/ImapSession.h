#pragma once

#include "ImapCapabilities.h"
#include "ImapCommand.h"
#include "ImapConfig.h"
#include "ImapResponseParser.h"
#include "ImapResult.h"

#include <QList>
#include <QLoggingCategory>
#include <QObject>
#include <QSslError>
#include <QTimer>

#include <deque>
#include <list>
#include <memory>
#include <optional>

class QSslSocket;

namespace outpost {

class SaslMechanism;

Q_DECLARE_LOGGING_CATEGORY(lcImap)

/// One IMAP client session (RFC 9051, RFC 3501) on a QSslSocket: greeting, CAPABILITY, STARTTLS
/// (RFC 9051 §6.2.1, RFC 2595) or implicit TLS (RFC 8314), the account's TLS policy (CA file,
/// pin), AUTHENTICATE with the SASL mechanisms of the SMTP side (SASL-IR, RFC 4959, when
/// offered) or LOGIN, then commands, then LOGOUT and a graceful close. Fully asynchronous: a
/// state machine driven by socket signals and one timer. Every outcome is a value.
///
/// The session owns the connection and its own commands; LIST, APPEND, UID SEARCH and NOOP are
/// ImapCommand objects it runs in the order they were given. With LITERAL+ (RFC 7888) APPENDs
/// are pipelined: each is written whole (command line, message, CRLF) as soon as the one before
/// is out, up to ImapConfig::maxPipelined in flight, and their tagged responses are matched by
/// tag. Without it every command waits for the one before (and an APPEND for the server's "+").
/// LIST and UID SEARCH run alone, so their untagged data belongs to them.
///
/// Use: open(); on ready() call list(), append(), search(), noop() (any time after open();
/// they wait for ready); each ends in its *Finished signal exactly once; logout() ends the
/// session; closed() is emitted exactly once when the connection is gone, after which the
/// object may be deleted.
class ImapSession : public QObject, private ImapCommand::Channel
{
    Q_OBJECT
public:
    /// Where the session is.
    enum class State
    {
        Disconnected,
        Connecting,
        Greeting,
        Capability,
        StartTls,
        TlsHandshake,
        Authenticating,
        Ready, ///< authenticated; commands may run (busy() says whether some do)
        LoggingOut,
        Closing,
        Closed
    };
    Q_ENUM(State)
    /// How the connection ended (closed()).
    enum class CloseKind
    {
        Graceful, ///< LOGOUT answered (or given up on) and closed with close_notify and FIN
        Lost,     ///< the server closed or reset the connection, or said BYE on its own
        Aborted,  ///< we aborted it (timeout, protocol error, deadline)
    };
    Q_ENUM(CloseKind)

    /// A session for `config`, not connected yet (open() connects).
    explicit ImapSession(const ImapConfig &config, QObject *parent = nullptr);
    /// Drops the connection at once if there is one, without LOGOUT and without signals.
    ~ImapSession() override;

    /// The configuration the session was made with.
    const ImapConfig &config() const override { return m_config; }
    /// The current state; stateChanged() reports each change.
    State state() const { return m_state; }
    /// Capabilities after TLS and login.
    const ImapCapabilities &capabilities() const override { return m_caps; }
    /// True in Ready with no command running or waiting.
    bool isIdle() const;
    /// True while new commands can still run here: not failed, not logging out or closing.
    bool isUsable() const;
    /// Commands given and not reported yet.
    int pendingCommands() const { return int(m_queue.size() + m_running.size()); }
    /// Commands completed on this session.
    int commandCount() const { return m_completed; }

    /// Connects and runs greeting, CAPABILITY, TLS and login. Ends in ready() or openFailed().
    void open();
    /// LIST "" "*" and the search for the Sent mailbox (ImapListCommand); ends in
    /// listFinished(). `id` comes back in the result.
    void list(qint64 id);
    /// APPEND of one message (ImapAppendCommand); ends in appendFinished(). A message with a
    /// NUL octet or a request without a mailbox fails with class Local before anything is sent.
    void append(const ImapAppendRequest &request);
    /// EXAMINE and UID SEARCH HEADER Message-ID (ImapSearchCommand); ends in searchFinished().
    void search(const ImapSearchRequest &request);
    /// NOOP; ends in noopFinished().
    void noop(qint64 id);
    /// Sends LOGOUT (RFC 9051 §6.1.3) once the commands already written are answered; commands
    /// not started yet are reported as notAttempted (class Network). Waits for the tagged OK
    /// for at most logoutTimeoutMs, closes our side gracefully (close_notify, FIN) and reads
    /// until the server closes too (bounded by logoutTimeoutMs). Ends in closed().
    void logout();
    /// Ends the session now without waiting for responses due (an exit deadline): running
    /// commands end with a Network result (an APPEND whose message is out is uncertain), then
    /// close_notify and FIN; only a server that stopped reading gets an abort. Ends in closed().
    void closeNow();
    /// Drops the connection at once (RST where the OS does that). Ends in closed(Aborted).
    void abort();

signals:
    /// Logged in (or PREAUTH) and idle: commands run now.
    void ready();
    /// The session could not be set up; `result` says why. closed() follows. Commands given
    /// before are reported as notAttempted with the same result.
    void openFailed(const outpost::ImapResult &result);
    /// The outcome of one list(), append(), search() or noop(), exactly once each, in the
    /// order the server completed them (commands refused locally: at once).
    void listFinished(const outpost::ImapListResult &result);
    void appendFinished(const outpost::ImapAppendResult &result);
    void searchFinished(const outpost::ImapSearchResult &result);
    void noopFinished(qint64 id, const outpost::ImapResult &result);
    /// The connection is gone; emitted exactly once.
    void closed(outpost::ImapSession::CloseKind kind);
    /// Protocol log line ("C: A1 LOGIN …", "S: * OK …"); credentials are redacted.
    void logLine(const QString &line);
    /// state() changed to `state`.
    void stateChanged(outpost::ImapSession::State state);

private:
    /// The session's own command awaiting its tagged completion.
    enum class Own
    {
        None,
        Capability,
        StartTls,
        Authenticate,
        Login,
        Logout
    };

    // ImapCommand::Channel
    Channel &channel();
    QByteArray nextTag() override;
    void sendCommand(const QByteArray &bytes, const QByteArray &logForm) override;
    void writeOctets(const char *data, qsizetype size) override;
    qint64 unwritten() const override;
    void log(const QString &line) override;
    QByteArray selectedMailbox() const override { return m_selected; }
    quint32 selectedUidValidity() const override { return m_selectedUidValidity; }
    void setSelectedMailbox(const QByteArray &name, quint32 uidValidity) override;

    void setState(State s);
    void armTimer(int ms);
    void progress();
    void sendOwn(Own what, const QByteArray &text, const QByteArray &logText = {});
    void enqueue(std::unique_ptr<ImapCommand> command);
    void pump();
    void apply(ImapCommand *command, const ImapCommand::Step &step);
    void report(std::unique_ptr<ImapCommand> command, const ImapResult &result);
    void finishCommand(ImapCommand *command, const ImapResult &result);
    /// Ends every running command with `cause` (as lost) and every waiting one as not attempted.
    void endAllCommands(const ImapResult &cause);
    void handleResponse(const ImapResponse &r);
    void handleGreeting(const ImapResponse &r);
    void handleOwnTagged(const ImapResponse &r);
    void handleAuthContinuation(const ImapResponse &r);
    void handleBye(const ImapResponse &r);
    void afterCapabilities();
    void startAuth();
    void sendLogin();
    void becomeReady();
    void sendLogout();
    void failOpen(const ImapResult &result, bool sendLogout);
    void failProtocol(const ImapResult &result);
    void failAndAbort(const ImapResult &result);
    void closeGracefully();
    void finishClose(CloseKind kind);
    void sessionLost(const ImapResult &cause);

    void onConnected();
    void onEncrypted();
    void onReadyRead();
    void onDisconnected();
    void onSocketError();
    void onSslErrors(const QList<QSslError> &errors);
    void onTimeout();
    void onBytesWritten();

    ImapConfig m_config;
    QSslSocket *m_socket = nullptr;
    ImapResponseParser m_parser;
    State m_state = State::Disconnected;
    QTimer m_timer;
    ImapCapabilities m_caps;
    bool m_tlsActive = false;
    bool m_preauth = false;
    bool m_authenticated = false; // LOGIN or AUTHENTICATE answered OK
    bool m_opened = false;        // reached Ready once (ready() emitted)
    bool m_openFailed = false;
    bool m_closedEmitted = false;
    bool m_logoutRequested = false;
    bool m_broken = false;        // nothing more runs on this session
    bool m_serverSaidBye = false; // the server ended the session (its close is not ours)
    int m_tagCounter = 0;
    int m_completed = 0;
    Own m_own = Own::None;
    QByteArray m_ownTag;
    QList<QByteArray> m_syncParts; // LOGIN pieces that each follow a "+"
    std::unique_ptr<SaslMechanism> m_sasl;
    std::optional<QByteArray> m_pendingInitial; // SASL initial response without SASL-IR
    ImapResult m_tlsFailure;
    ImapResult m_openFailure;
    QByteArray m_selected;
    quint32 m_selectedUidValidity = 0;
    std::deque<std::unique_ptr<ImapCommand>> m_queue;  // given, not started
    std::list<std::unique_ptr<ImapCommand>> m_running; // written (in part), not completed
};

} // namespace outpost
