#pragma once

#include "Notice.h"
#include "smtp/Transport.h"
#include "storage/OutboxReader.h"

#include <QHash>
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
    /// The backoff before attempt `attempts` + 1 (ms), before jitter (retryBackoffMs()).
    static qint64 backoffMs(int attempts, qint64 initialMs, qint64 maxMs);

signals:
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
    };
    void scheduleDispatch();
    void dispatch();
    /// Hands the next kClaimBatch messages of the backlog (a worker's claim) to the transport,
    /// and continues at the next event-loop turn while some are left.
    void drainBacklog();
    /// Hands claimed messages to the transport (or waits for their account's password).
    void handleClaimed(const QList<ClaimedMessage> &claimed, bool more);
    /// A claim made on the storage thread came back (`more`: it was not empty, more may be due).
    void onClaimed(const QList<ClaimedMessage> &claimed, bool more);
    /// Hands the pending accepted outcomes to the storage, in one transaction.
    void startCommit();
    /// Makes every queued message due now (a write), then dispatches.
    void makeAllDue();
    /// Hands `job` to the storage, counted as busy until `done` ran with its result.
    template <typename Job, typename Done> void writeThen(Job job, Done done);
    /// Claimed but not handed to the transport because sending stopped: queued again.
    void requeueUnsent(const QList<ClaimedMessage> &claimed);
    void armTimer();
    void sendClaimed(const ClaimedMessage &c, const Account &account, const QString &password);
    void fetchPassword(const Account &account);
    void onFinished(const TransactionResult &tx);
    void pauseAccount(const QString &account, const SmtpResult &why);
    /// Emits the notice decision `d` asks for about message `c` (result `tx`), if any.
    void raiseNotice(const OutcomeDecision &d, const ClaimedMessage &c,
                     const TransactionResult &tx);
    /// Queues again the messages claimed while their account's password was being fetched.
    void requeueWaitingForPassword();
    /// Writes outcomes now (after those waiting for the group commit).
    void apply(const QList<DeliveryUpdate> &updates);
    /// Records an accepted message with the next group commit (at most kCommitWindowMs later;
    /// at the next event-loop turn when nothing else is in flight).
    void applyLater(const DeliveryUpdate &u);
    /// What decideOutcome() needs about now, the account's retry settings and the shutdown.
    OutcomeContext outcomeContext(const QString &account, const QString &server) const;
    QStringList skippedAccounts() const;
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
    QHash<QString, QList<ClaimedMessage>> m_waitingForPassword;
    QSet<QString> m_fetching;
    QSet<QString> m_pausedNotified;
    QSet<qint64> m_offlineBatch; // queued while offline, for the summary notice
    int m_offlineBatchSent = 0;
    QTimer m_timer;
    mutable std::optional<QStringList> m_paused; // AccountStore::pausedAccounts(), until changed
    QList<ClaimedMessage> m_backlog; // claimed by the worker, not handed to the transport yet
    bool m_backlogMore = false;      // that claim was full: more may be due
    QTimer m_drainTimer;
    QList<DeliveryUpdate> m_pendingUpdates; // accepted, not yet written (group commit)
    QTimer m_commitTimer;
    bool m_claimPending = false;
    int m_writesPending = 0; // handed to the storage, completion not run yet
    bool m_dispatchPending = false;
    bool m_started = false;
    bool m_stopped = false;
    bool m_busy = false;
};

} // namespace outpost
