#pragma once
// How the outbox stops growing: the bytes of sent messages are dropped after
// `retention.sent_days` (their record, recipients and history stay), `outpost purge` and the
// window's Delete remove finished messages wholly, and the pages that leaves free go back to
// the disk (SQLite's incremental vacuum).

#include "storage/OutboxTypes.h"

#include <QObject>
#include <QTimer>

namespace outpost {

class Clock;
class Settings;
class Storage;

/// What a retention run, a purge or a reclaim of free pages did.
struct CleanupReport
{
    int contentDropped = 0;             ///< sent messages whose bytes were dropped
    QList<PurgedMessage> removed;       ///< messages deleted (or, for a dry run, that would be)
    qint64 pagesReturned = 0;           ///< free pages given back to the disk
    bool switchedToIncremental = false; ///< an older file was switched by a VACUUM
    qint64 fileBytesBefore = 0;         ///< outbox.sqlite and its write-ahead log, before
    qint64 fileBytesAfter = 0;          ///< and after (both -1 when not measured)
    QString error; ///< why it stopped early (could not write the outbox); empty when it did not
    /// True when nothing went wrong.
    bool ok() const { return error.isEmpty(); }
};

/// Limits of the work, so that other writes (claims, outcomes, new messages) wait for one
/// short transaction at most while a large outbox is cleaned.
namespace cleanup {
/// Messages dropped or deleted per transaction.
inline constexpr int kBatch = 200;
/// Free pages returned per transaction (8 MiB of 4 KiB pages).
inline constexpr qint64 kPagesPerStep = 2048;
/// An outbox made before incremental vacuum is switched to it (one VACUUM, a copy of its
/// live pages) only when at most this much of it is in use.
inline constexpr qint64 kVacuumLimitBytes = 256LL * 1024 * 1024;
/// A day in ms: `retention.sent_days` counts these, and retention runs this often.
inline constexpr qint64 kDayMs = 24LL * 3600 * 1000;

/// The size of the outbox file `path` with its write-ahead log, in bytes.
qint64 fileBytes(const QString &path);
/// `outpost purge`: deletes the messages `filter` selects in batches of kBatch through
/// `storage` (waiting for each: for short-lived processes), then reclaimNow(). A dry run
/// only lists them.
CleanupReport purgeNow(Storage *storage, const PurgeFilter &filter, bool dryRun);
/// Returns the outbox's free pages to the disk now (switching an older file first when
/// small enough), waiting for it; adds to `report`.
void reclaimNow(Storage *storage, CleanupReport *report);
} // namespace cleanup

/// Retention in a sending process (the desktop app, `daemon`, `flush`): at start() and then
/// once a day, the bytes of messages sent more than `retention.sent_days` days ago (0 = keep
/// for ever) are dropped on the storage thread, kBatch messages per job, then the free pages
/// go back to the disk, kPagesPerStep per job. The thread that starts it never waits.
class Retention : public QObject
{
    Q_OBJECT
public:
    /// Works through `storage`, reads the setting from `settings`, "now" from `clock`.
    Retention(Storage *storage, Settings *settings, const Clock *clock, QObject *parent = nullptr);

    /// Runs now, then every day.
    void start();
    /// Hands no further jobs over (shutdown); the job running finishes.
    void stop();
    /// One run now (after the one under way, if any).
    void run();
    /// Returns the free pages to the disk (after the window's Delete).
    void reclaim();
    /// True while a run or a reclaim is under way.
    bool isRunning() const { return m_running; }

signals:
    /// A run or a reclaim ended (also when nothing was to be done).
    void finished(const outpost::CleanupReport &report);

private:
    void begin(bool drop);
    void dropBatch();
    void reclaimStep(bool first);
    void end();

    Storage *m_storage;
    Settings *m_settings;
    const Clock *m_clock;
    QTimer m_daily;
    bool m_running = false;
    bool m_stopped = false;
    int m_queued = 0; ///< 1: a run waits; 2: a reclaim waits
    int m_days = 0;
    QDateTime m_cutoff;
    CleanupReport m_report;
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::CleanupReport)
