#pragma once

#include "Notice.h"
#include "OutboxStore.h"
#include "smtp/Transport.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <optional>

namespace outpost {

class AccountStore;
struct OutcomeContext;
class ThreadStore;
class Clock;
class Connectivity;
class CredentialStore;
class Settings;
struct Account;

/// Decides what to send when (design.md §4): claims due messages from the OutboxStore, hands
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
    Dispatcher(OutboxStore *store, AccountStore *accounts, Settings *settings,
               CredentialStore *credentials, Transport *transport, Connectivity *connectivity,
               const Clock *clock, QObject *parent = nullptr);
    /// Writes the outcomes not yet recorded (see commitPending()).
    ~Dispatcher() override;

    /// Maps a host name to the address to connect to (tests); default: identity.
    void setHostResolver(std::function<QString(const QString &)> resolver)
    {
        m_resolve = std::move(resolver);
    }
    /// Moves the disk work of sending to a thread of its own with its own connection to the
    /// outbox: claiming due messages (which reads their bytes) and the group commit of
    /// accepted outcomes (with its disk sync). The thread that runs the dispatcher, the GUI's
    /// in the app, then never waits for the disk while a flush goes out (a window that
    /// waited stalled for tens of milliseconds). Claims and commits come back as queued calls; an
    /// accepted outcome is on disk before messageChanged() tells of it and before commitPending()
    /// returns. Other outcomes (rare: deferrals, failures, holds) are still written at once
    /// on the store's connection. Call once, before start().
    void useWorkerThread();
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
    /// Stores the capabilities a server announced (AccountStore::setLastCapabilities) without
    /// waiting for the outbox's write lock or a disk sync here: on the worker thread when
    /// there is one (in order with its claims and commits), else at once.
    void recordCapabilities(const QString &account, const QStringList &described);
    /// Messages handed to the transport and not yet reported.
    int inFlight() const { return int(m_inFlight.size()); }
    /// True while a message is in flight or due now.
    bool isBusy() const;
    /// Writes the accepted outcomes still waiting for their group commit (at most 20 ms or 32
    /// messages old) now, in one transaction; with the worker thread, waits until it has
    /// written them and everything handed to it before (they are on disk when this returns).
    void commitPending();
    /// The backoff before attempt `attempts` + 1 (ms), before jitter (retryBackoffMs()).
    static qint64 backoffMs(int attempts, qint64 initialMs, qint64 maxMs);

signals:
    void notice(const outpost::Notice &notice);
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
    /// A claim made by the worker thread came back (ok false: the worker has no connection).
    void onClaimed(const QList<ClaimedMessage> &claimed, bool ok, bool more);
    /// Starts writing the pending accepted outcomes (on the worker when there is one).
    void startCommit();
    /// A group commit on the worker finished; on failure it is written here instead.
    void onCommitted(const QList<DeliveryUpdate> &updates, bool ok, const QString &error);
    /// Waits until the worker has done everything handed to it, then takes its commit results
    /// (and, when stopping, its claims).
    void waitForWorker();
    /// Claimed but not handed to the transport because sending stopped: queued again.
    void requeueUnsent(const QList<ClaimedMessage> &claimed);
    void armTimer();
    void sendClaimed(const ClaimedMessage &c, const Account &account, const QString &password);
    void fetchPassword(const Account &account);
    void onFinished(const TransactionResult &tx);
    void pauseAccount(const QString &account, const SmtpResult &why);
    /// Queues again the messages claimed while their account's password was being fetched.
    void requeueWaitingForPassword();
    void apply(const DeliveryUpdate &u);
    /// Records an accepted message with the next group commit (at most kCommitWindowMs later;
    /// at the next event-loop turn when nothing else is in flight).
    void applyLater(const DeliveryUpdate &u);
    /// What decideOutcome() needs about now, the account's retry settings and the shutdown.
    OutcomeContext outcomeContext(const QString &account, const QString &server) const;
    QStringList skippedAccounts() const;
    void updateActivity();

    OutboxStore *m_store;
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
    QThread *m_thread = nullptr;
    ThreadStore *m_worker = nullptr;    // lives in m_thread
    QObject *m_claimResults = nullptr;  // the worker's claims are delivered through it
    QObject *m_commitResults = nullptr; // and its commit results through this one
    bool m_workerFailed = false;        // its connection did not open: claims are made here
    bool m_claimPending = false;
    int m_commitsPending = 0;
    bool m_dispatchPending = false;
    bool m_started = false;
    bool m_stopped = false;
    bool m_busy = false;
};

} // namespace outpost
