#pragma once

#include "SentFolderCheck.h"
#include "imap/ImapPool.h"
#include "storage/OutboxTypes.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>

namespace outpost {

class AccessTokenCache;
class AccountStore;
class Clock;
class Connectivity;
class CredentialStore;
class OutboxReader;
class Settings;
class Storage;
struct Account;

/// Makes the copies of sent messages in their account's Sent folder, next to the Dispatcher
/// that sends them: claims due copies (OutboxWriter::claimDueCopies()), finds the folder
/// (the account's own name, else LIST: \Sent by RFC 6154 SPECIAL-USE, else a common name),
/// and APPENDs the exact submitted bytes with \Seen and the send time as internal date
/// through the ImapPool, one session per server for the whole batch.
///
/// Exactly once: a copy tried before (an attempt counted at an earlier claim, so its APPEND
/// may have been stored unanswered before a crash or a lost connection) goes through
/// ImapPool::appendChecked(), which searches for its Message-ID first; an APPEND whose answer
/// was lost here (ImapAppendResult::uncertain()) is checked the same way at once.
///
/// A failed copy never touches the message's own state: it is `failed` with the class and
/// the server's text, retried after the Dispatcher's backoff (retry.initial_ms doubling to
/// retry.max_ms, ±20 % jitter), and given up retry.lifetime_ms after the send. Outcomes are
/// written through the Storage, in order. Offline or stopped, nothing is attempted.
class CopyDispatcher : public QObject
{
    Q_OBJECT
public:
    /// Copies through `pool`; reads and writes the outbox through `storage`.
    CopyDispatcher(Storage *storage, AccountStore *accounts, Settings *settings,
                   CredentialStore *credentials, ImapPool *pool, Connectivity *connectivity,
                   const Clock *clock, QObject *parent = nullptr);
    ~CopyDispatcher() override;

    /// Maps a host name to the address to connect to (tests); default: identity.
    void setHostResolver(std::function<QString(const QString &)> resolver)
    {
        m_resolve = std::move(resolver);
    }
    /// Starts: copies a crash left leased are due now, then scheduling begins.
    void start();
    /// Stops claiming (before shutdown). Copies in flight still report.
    void stop();
    /// Reschedules after copies became due (a message was accepted, another process wrote).
    void wake();
    /// "Send queued now": every pending or failed copy is due now.
    void flush();
    /// The access tokens of OAuth accounts (not owned), shared with submission: a copy or a
    /// check for an OAuth account signs in with the token its messages went out with, and a
    /// token the IMAP server refuses is dropped so the next try gets a fresh one. Without one,
    /// an OAuth account's copies fail as not signed in.
    void setAccessTokens(AccessTokenCache *tokens) { m_tokens = tokens; }
    /// Replaces the in-memory password of an account (the user typed a new one).
    void setCachedPassword(const QString &account, const QString &password);
    /// True while a copy is claimed, in flight, being written, or due now, or a check of the
    /// Sent folder runs.
    bool isBusy() const;

    /// Looks for `messageId` (without angle brackets) in the Sent folder of `account` (the
    /// account's folder, else the one LIST finds) with UID SEARCH HEADER Message-ID (RFC 9051
    /// §6.4.4), on the account's pooled IMAP session, for message `id`, whose delivery is
    /// uncertain. Never blocks: sentFolderChecked() reports it exactly once, Failed when the
    /// account has no IMAP server, Outpost is stopping, or the login, the folder or the search
    /// failed (the detail says which). Works whatever the account's sent_copy says: the copy
    /// may be the provider's own.
    void checkSentFolder(const QString &account, qint64 id, const QByteArray &messageId);

signals:
    /// The outcome of checkSentFolder().
    void sentFolderChecked(const outpost::SentFolderCheckResult &result);
    /// Emitted when isBusy() changes.
    void activityChanged(bool busy);

private:
    struct Waiting
    {
        ClaimedCopy copy;
        bool check = false; ///< appendChecked(): the copy may be there already
    };
    struct InFlight
    {
        ClaimedCopy copy;
        QString server;
        QByteArray mailbox;
        bool check = false;
    };
    struct Check
    {
        qint64 id = 0;
        QByteArray messageId;
        QString mailbox; ///< decoded, while the search runs
        QString server;
    };
    void scheduleDispatch();
    void dispatch();
    void onSearchFinished(const QString &account, const ImapSearchResult &result);
    /// Reports `check` as `outcome` at the next event-loop turn (never from inside the call).
    void reportCheck(const Check &check, SentFolderCheck outcome, const QString &detail);
    void onClaimed(const QList<ClaimedCopy> &claimed);
    /// Sends what waits for `account` once its password and folder are known.
    void proceed(const QString &account);
    void fetchPassword(const Account &account);
    /// Gets the access token of OAuth `account`; proceed() goes on with it.
    void fetchAccessToken(const Account &account);
    /// The server refused the login of `account`: an OAuth token it was given is dropped.
    void loginRefused(const QString &account, const ImapResult &result);
    void append(const Account &account, const QString &secret, const Waiting &w,
                const QByteArray &mailbox);
    void onListFinished(const QString &account, const ImapListResult &result);
    void onAppendFinished(const QString &account, const ImapAppendResult &result);
    /// Every copy waiting for `account` failed with `result` (no password, no folder).
    void failWaiting(const QString &account, const ImapResult &result, const QString &server);
    /// The update recording a failed attempt of `copy` (backoff, or given up).
    CopyUpdate failure(const ClaimedCopy &copy, int attempts, const ImapResult &result,
                       const QString &server) const;
    void record(const QList<CopyUpdate> &updates);
    void armTimer();
    void updateActivity();
    /// The session settings of `account`, signing in with `secret` (password or access token).
    ImapConfig configFor(const Account &account, const QString &secret) const;

    Storage *m_storage;
    OutboxReader *m_store;
    AccountStore *m_accounts;
    Settings *m_settings;
    CredentialStore *m_credentials;
    ImapPool *m_pool;
    Connectivity *m_connectivity;
    const Clock *m_clock;
    std::function<QString(const QString &)> m_resolve;

    QHash<QString, QList<Waiting>> m_waiting; // account -> copies waiting for password/folder
    QHash<qint64, InFlight> m_inFlight;
    QHash<QString, QList<Check>> m_checks; // account -> checks waiting for password/folder
    QHash<qint64, Check> m_searching;      // message id -> its search in flight
    QHash<QString, QString> m_passwords;   // account -> password (memory only)
    QHash<QString, QString> m_freshTokens; // OAuth account -> token just fetched, for proceed()
    QHash<QString, QString> m_tokensUsed;  // OAuth account -> token last signed in with
    AccessTokenCache *m_tokens = nullptr;
    QHash<QString, QByteArray> m_folders; // account -> Sent mailbox found by LIST
    QSet<QString> m_fetching;             // password being fetched
    QSet<QString> m_listing;              // LIST running
    QTimer m_timer;
    bool m_dispatchPending = false;
    bool m_claimPending = false;
    int m_writesPending = 0;
    bool m_started = false;
    bool m_stopped = false;
    bool m_busy = false;
};

} // namespace outpost
