#include "Retention.h"

#include "Clock.h"
#include "accounts/SettingKeys.h"
#include "accounts/Settings.h"
#include "storage/Database.h"
#include "storage/Storage.h"

#include <QFileInfo>

namespace outpost {

namespace cleanup {

qint64 fileBytes(const QString &path)
{
    const QFileInfo db(path);
    const QFileInfo wal(path + QStringLiteral("-wal"));
    return (db.exists() ? db.size() : 0) + (wal.exists() ? wal.size() : 0);
}

namespace {
/// One step of returning free pages, on the write connection: the switch of an older file
/// (first step only), then up to kPagesPerStep pages. Returns the pages returned, -1 on error.
qint64 reclaimStepOn(Database &db, bool first, bool *switched, QString *error)
{
    *switched = false;
    if (first && !db.useIncrementalVacuum(kVacuumLimitBytes, switched, error))
        return -1;
    return db.reclaimFreePages(kPagesPerStep, error);
}
} // namespace

void reclaimNow(Storage *storage, CleanupReport *report)
{
    bool first = true;
    for (;;) {
        QString error;
        bool switched = false;
        const qint64 pages = storage->writeNow(
            [&](StorageWriter &w) { return reclaimStepOn(w.db, first, &switched, &error); });
        first = false;
        report->switchedToIncremental = report->switchedToIncremental || switched;
        if (pages < 0) {
            report->error = error;
            break;
        }
        report->pagesReturned += pages;
        if (pages < kPagesPerStep)
            break;
    }
    storage->writeNow([](StorageWriter &w) { w.db.checkpoint(); });
}

CleanupReport purgeNow(Storage *storage, const PurgeFilter &filter, bool dryRun)
{
    CleanupReport r;
    const QString path = storage->database()->path();
    r.fileBytesBefore = fileBytes(path);
    if (dryRun) {
        r.removed = storage->writeNow(
            [&](StorageWriter &w) { return w.outbox.purge(filter, -1, true, &r.error); });
        r.fileBytesAfter = r.fileBytesBefore;
        return r;
    }
    for (;;) {
        QString error;
        const QList<PurgedMessage> batch = storage->writeNow(
            [&](StorageWriter &w) { return w.outbox.purge(filter, kBatch, false, &error); });
        r.removed += batch;
        if (!error.isEmpty()) {
            r.error = error;
            break;
        }
        if (batch.size() < kBatch)
            break;
    }
    if (!r.removed.isEmpty())
        reclaimNow(storage, &r);
    r.fileBytesAfter = fileBytes(path);
    return r;
}

} // namespace cleanup

Retention::Retention(Storage *storage, Settings *settings, const Clock *clock, QObject *parent)
    : QObject(parent)
    , m_storage(storage)
    , m_settings(settings)
    , m_clock(clock)
{
    // A day is longer than a QTimer's int: a coarse timer of an hour that runs when a day has
    // passed would be as good; 24 h in ms (86,400,000) fits an int.
    m_daily.setInterval(int(cleanup::kDayMs));
    connect(&m_daily, &QTimer::timeout, this, &Retention::run);
}

void Retention::start()
{
    m_stopped = false;
    m_daily.start();
    run();
}

void Retention::stop()
{
    m_stopped = true;
    m_daily.stop();
    m_queued = 0;
}

void Retention::run()
{
    if (m_stopped)
        return;
    if (m_running) {
        m_queued = 1;
        return;
    }
    begin(true);
}

void Retention::reclaim()
{
    if (m_stopped)
        return;
    if (m_running) {
        m_queued = std::max(m_queued, 2);
        return;
    }
    begin(false);
}

void Retention::begin(bool drop)
{
    m_running = true;
    m_report = CleanupReport();
    m_report.fileBytesBefore = cleanup::fileBytes(m_storage->database()->path());
    m_days = int(m_settings->intValue(QString(), settingKey("retention.sent_days")));
    if (!drop) {
        reclaimStep(true);
        return;
    }
    if (m_days <= 0) { // kept for ever
        end();
        return;
    }
    m_cutoff = QDateTime::fromMSecsSinceEpoch(m_clock->nowMs() - m_days * cleanup::kDayMs, Qt::UTC);
    dropBatch();
}

void Retention::dropBatch()
{
    const QDateTime cutoff = m_cutoff;
    const int days = m_days;
    m_storage->write(
        [cutoff, days](StorageWriter &w) {
            QString error;
            const int n = w.outbox.dropSentContent(cutoff, days, cleanup::kBatch, &error);
            return std::make_pair(n, error);
        },
        this,
        [this](const std::pair<int, QString> &r) {
            if (r.first < 0) {
                m_report.error = r.second;
                end();
                return;
            }
            m_report.contentDropped += r.first;
            if (r.first == cleanup::kBatch && !m_stopped)
                dropBatch();
            else if (m_report.contentDropped > 0 && !m_stopped)
                reclaimStep(true);
            else
                end();
        });
}

void Retention::reclaimStep(bool first)
{
    m_storage->write(
        [first](StorageWriter &w) {
            QString error;
            bool switched = false;
            qint64 pages = cleanup::reclaimStepOn(w.db, first, &switched, &error);
            if (pages >= 0 && pages < cleanup::kPagesPerStep)
                w.db.checkpoint(); // the last step: the file shrinks now
            return std::make_tuple(pages, switched, error);
        },
        this,
        [this](const std::tuple<qint64, bool, QString> &r) {
            const auto &[pages, switched, error] = r;
            m_report.switchedToIncremental = m_report.switchedToIncremental || switched;
            if (pages < 0) {
                m_report.error = error;
                end();
                return;
            }
            m_report.pagesReturned += pages;
            if (pages == cleanup::kPagesPerStep && !m_stopped)
                reclaimStep(false);
            else
                end();
        });
}

void Retention::end()
{
    m_report.fileBytesAfter = cleanup::fileBytes(m_storage->database()->path());
    m_running = false;
    const CleanupReport report = m_report;
    emit finished(report);
    if (m_stopped)
        return;
    const int queued = std::exchange(m_queued, 0);
    if (queued == 1)
        run();
    else if (queued == 2)
        reclaim();
}

} // namespace outpost
