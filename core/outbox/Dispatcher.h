#pragma once

#include "Notice.h"
#include "SentFolderCheck.h"
#include "ServerContact.h"
#include "smtp/Transport.h"
#include "storage/OutboxReader.h"

#include <QHash>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <optional>

namespace outpost {

class AccountStore;
struct OutcomeContext;
struct OutcomeDecision;
class Storage;
struct StorageWriter;
class Clock;
class Connectivity;
class CredentialStore;
class EndOfDataJournal;
class AccessTokenCache;
struct OAuthResult;
class Settings;
struct Account;

/// Decides what to send when (design.md §4): claims due messages from the outbox, hands
/// them to the Transport, and applies what each result means: the outcome table is
/// decideOutcome() (Outcome.h), a pure function; the dispatcher writes its decision (accepted
/// messages with the next group commit, the rest at once), pauses accounts and raises notices.
/// Offline, nothing is attempted and nothing counted.
///
/// Serial and re-entrant through the event loop: dispatch() runs from a zero timer, never
/// recursively. Time comes from the injected Clock.
class Dispatcher : public QObject
{
    Q_OBJECT
public:
    /// Reads and writes the outbox through `storage`: with its storage thread, claims and
    /// writes never wait for the disk here; an accepted outcome is on disk before the reader's
    /// messageChanged() tells of it and before commitPending() returns.
    Dispatcher(Storage *storage, AccountStore *accounts, Settings *settings,
               CredentialStore *credentials, Transport *transport, Connectivity *connectivity,
               const Clock *clock, QObject *parent = nullptr);
    /// Writes the outcomes not yet recorded (see commitPending()).
    ~Dispatcher() override;

    /// Maps a host name to the address to connect to (tests); default: identity.
    void setHostResolver(std::function<QString(const QString &)> resolver)
    {
        m_resolve = std::move(resolver);
    }
    /// Where the end-of-data marks are written (not owned; Service opens it): on this thread,
    /// before each end of data is released, without a storage round trip. Without one, or when
    /// it cannot be written, the marks go to the outbox (OutboxWriter::applyUpdatesAndMarks()).
    void setEndOfDataJournal(EndOfDataJournal *journal) { m_journal = journal; }
    /// The access tokens of OAuth accounts (not owned; shared with the copies in the Sent
    /// folder). Without one, an OAuth account's messages are held as not signed in.
    void setAccessTokens(AccessTokenCache *tokens) { m_tokens = tokens; }
    /// Asks whether a message is in its account's Sent folder: called with the account, the
    /// message's id and Message-ID; the answer comes to onSentFolderChecked(). Without one
    /// (the default), a message whose delivery is uncertain is sent again unchecked.
    using SentFolderChecker =
        std::function<void(const QString &account, qint64 id, const QByteArray &messageId)>;
    /// Sets the check run before a message whose delivery is uncertain (an earlier attempt's
    /// end of data went out unanswered) is sent again, for accounts with an IMAP server and
    /// sent_copy not off: found -> `sent`, resolved by the Sent folder, not sent again.
    void setSentFolderChecker(SentFolderChecker checker) { m_checkSentFolder = std::move(checker); }
    /// How long a message waits for its check of the Sent folder at most (ms): then it is
    /// sent again and its history says the folder could not be checked.
    static constexpr int kSentFolderCheckMs = 30000;
    /// The answer to a SentFolderChecker call: found -> the message is `sent` (history
    /// "resolved-by-sent-folder", its copy is the one found); otherwise it goes to the server
    /// again, its history saying it was not found or could not be checked. An answer for a
    /// message no longer waiting (timed out, stopped) is ignored.
    void onSentFolderChecked(const outpost::SentFolderCheckResult &result);
    /// Starts scheduling.
    void start();
    /// Stops claiming new messages (used before shutdown). Messages in flight still report.
    void stop();
    /// "Send queued now": every queued message whose send time has come is due now.
    void flush();
    /// Reschedules after the store was changed from outside (another process, the UI).
    void wake();
    /// Ends an account's pause and releases the messages held for it.
    void resumeAccount(const QString &account);
    /// Replaces the in-memory password of an account (after the user typed a new one).
    void setCachedPassword(const QString &account, const QString &password);
    /// Messages handed to the transport and not yet reported.
    int inFlight() const { return int(m_inFlight.size()); }
    /// True while a message is in flight or due now.
    bool isBusy() const;
    /// Writes the accepted outcomes still waiting for their group commit (at most 20 ms or 32
    /// messages old) now, in one transaction, and waits until they and every write handed to
    /// the storage before are on disk (exit, tests).
    void commitPending();
    /// Set while the outbox cannot be written for want of room (kind None otherwise): no
    /// message is claimed then, and the outcomes not written yet are tried again every
    /// kStorageRetryMs.
    const StorageError &storageProblem() const { return m_storageProblem; }
    /// How often outcomes that could not be written are tried again (ms).
    static constexpr int kStorageRetryMs = 30000;
    /// The backoff before attempt `attempts` + 1 (ms), before jitter (retryBackoffMs()).
    static qint64 backoffMs(int attempts, qint64 initialMs, qint64 maxMs);

    /// Each account's server as the last attempt that reached the network found it, ordered
    /// by account; accounts not tried in this run are missing.
    QList<ServerContact> serverContacts() const;

signals:
    /// serverContacts() changed (an account's server became reachable or unreachable).
    void serverContactChanged();
    /// Something the user should hear of (an account paused, a message failed).
    void notice(const outpost::Notice &notice);
    /// Accepted messages whose copies for the Sent folder became due were written.
    void copiesDue();
    /// Emitted when busy state changes; false = nothing in flight and nothing due now.
    void activityChanged(bool busy);

private:
    struct InFlight
    {
        ClaimedMessage message;
        QString server;
        QString accessToken; ///< the OAuth access token its session was opened with, if any
    };
    void scheduleDispatch();
    void dispatch();
    /// Hands the next kClaimBatch messages of the backlog (a worker's claim) to the transport,
    /// and continues at the next event-loop turn while some are left.
    void drainBacklog();
    /// Hands claimed messages to the transport (or waits for their account's password, or
    /// for the check of the Sent folder of one whose delivery is uncertain).
    void handleClaimed(const QList<ClaimedMessage> &claimed, bool more);
    /// Hands `c` to the transport with its account's secret, or waits for the secret.
    void sendOrWait(const ClaimedMessage &c, const Account &account);
    /// A claim made on the storage thread came back (`more`: it was not empty, more may be due).
    void onClaimed(const QList<ClaimedMessage> &claimed, bool more);
    /// Hands the pending accepted outcomes to the storage, in one transaction.
    void startCommit();
    /// The data of message `id` began: its end waits until it is recorded that it may go —
    /// in the end-of-data journal (EndOfDataJournal::mark(), released at once), else in the
    /// outbox (OutboxWriter::markEndOfData()) — so a crash from then on leaves it marked.
    void onEndOfDataAhead(qint64 id);
    /// Writes the end-of-data marks asked for (and the accepted outcomes waiting for their
    /// group commit) in one transaction, then releases those ends; one such write at a time,
    /// the marks asked for meanwhile share the next one.
    void startMarkCommit();
    /// The outcomes `committed` are in the outbox: their end-of-data marks are resolved in the
    /// journal (EndOfDataJournal::resolve()).
    void resolveMarks(const QList<DeliveryUpdate> &committed);
    /// Records in the end-of-data journal that the server accepted message `id` for every
    /// recipient (EndOfDataJournal::accept()), ahead of its group commit. A failure is logged
    /// and changes nothing else: the message keeps its mark's path.
    void journalAcceptance(qint64 id);
    /// Makes every queued message due now (a write), then dispatches.
    void makeAllDue();
    /// Hands `job` to the storage, counted as busy until `done` ran with its result.
    template <typename Job, typename Done> void writeThen(Job job, Done done);
    /// Claimed but not handed to the transport because sending stopped: queued again.
    void requeueUnsent(const QList<ClaimedMessage> &claimed);
    void armTimer();
    void sendClaimed(const ClaimedMessage &c, const Account &account, const QString &password);
    void fetchPassword(const Account &account);
    /// Gets the access token of OAuth `account` from the AccessTokenCache (one request,
    /// whatever the number of messages waiting for it); the answer goes to onAccessToken().
    void fetchAccessToken(const Account &account);
    /// Sends the messages waiting for `account`'s token with it, or defers them (the provider
    /// could not be asked) or holds them (sign-in refused) as `result` says.
    void onAccessToken(const QString &account, const OAuthResult &result);
    /// Holds `waiting` (messages of `account` claimed while its secret was fetched) and
    /// pauses the account with `why`.
    void holdWaiting(const QString &account, const QList<ClaimedMessage> &waiting,
                     const SmtpResult &why);
    void onFinished(const TransactionResult &tx);
    void pauseAccount(const QString &account, const SmtpResult &why);
    /// Emits the notice decision `d` asks for about message `c` (result `tx`), if any.
    void raiseNotice(const OutcomeDecision &d, const ClaimedMessage &c,
                     const TransactionResult &tx);
    /// Queues again the messages claimed while their account's password was being fetched.
    void requeueWaitingForPassword();
    /// Writes outcomes now (after those waiting for the group commit).
    void apply(const QList<DeliveryUpdate> &updates);
    /// Hands `updates` (outcomes) to the storage; those it cannot write for want of room are
    /// kept for a later try (storageFailed()).
    void writeUpdates(const QList<DeliveryUpdate> &updates);
    /// A write failed with `error`: a full disk stops the claims and tells the user once.
    void storageFailed(const StorageError &error);
    /// A write succeeded: the disk has room again, claims go on.
    void storageRecovered();
    /// Records an accepted message with the next group commit (at most kCommitWindowMs later;
    /// at the next event-loop turn when nothing else is in flight).
    void applyLater(const DeliveryUpdate &u);
    /// What decideOutcome() needs about now, the account's retry settings and the shutdown.
    OutcomeContext outcomeContext(const QString &account, const QString &server) const;
    QStringList skippedAccounts() const;
    /// Octets the next claim may take (pool.claim_ahead_bytes less claimedBytes(); the whole
    /// limit when nothing is claimed, so one message goes however large), or -1: wait.
    qint64 claimByteRoom() const;
    /// Octets of the messages claimed whose outcome is not known yet (backlog, waiting for a
    /// password, in flight).
    qint64 claimedBytes() const;
    void updateActivity();

    Storage *m_storage;
    OutboxReader *m_store;
    AccountStore *m_accounts;
    Settings *m_settings;
    CredentialStore *m_credentials;
    Transport *m_transport;
    Connectivity *m_connectivity;
    const Clock *m_clock;
    std::function<QString(const QString &)> m_resolve;

    QHash<qint64, InFlight> m_inFlight;
    QHash<QString, QString> m_passwords; // account -> password (memory only)
    AccessTokenCache *m_tokens = nullptr;
    QHash<QString, QList<ClaimedMessage>> m_waitingForPassword;
    SentFolderChecker m_checkSentFolder;
    QHash<qint64, ClaimedMessage> m_checking; // uncertain, waiting for the Sent folder's answer
    QSet<QString> m_fetching;
    QSet<QString> m_pausedNotified;
    QMap<QString, ServerContact> m_contacts; // account -> its server at the last attempt
    QSet<qint64> m_offlineBatch;             // queued while offline, for the summary notice
    int m_offlineBatchSent = 0;
    QTimer m_timer;
    mutable std::optional<QStringList> m_paused; // AccountStore::pausedAccounts(), until changed
    QList<ClaimedMessage> m_backlog; // claimed by the worker, not handed to the transport yet
    bool m_backlogMore = false;      // that claim was full: more may be due
    QTimer m_drainTimer;
    QList<DeliveryUpdate> m_pendingUpdates; // accepted, not yet written (group commit)
    QList<DeliveryUpdate> m_unwritten;      // outcomes a full disk refused, tried again later
    StorageError m_storageProblem;
    QTimer m_storageRetry;
    QTimer m_commitTimer;
    EndOfDataJournal *m_journal = nullptr; // not owned
    bool m_journalFailing = false;         // the last mark could not go to the journal
    QList<qint64> m_pendingMarks;          // ends of data waiting for their mark to be written
    bool m_markWriting = false;            // a mark write is with the storage
    bool m_claimPending = false;
    int m_writesPending = 0; // handed to the storage, completion not run yet
    bool m_dispatchPending = false;
    bool m_started = false;
    bool m_stopped = false;
    bool m_busy = false;
};

} // namespace outpost
