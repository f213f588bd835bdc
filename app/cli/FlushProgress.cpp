#include "FlushProgress.h"

namespace outpost::cli {

namespace {
/// The rate is taken over this much of the recent past: long enough to smooth the bursts of
/// a group commit, short enough to follow a server that slows down.
constexpr qint64 kRateWindowMs = 3000;
/// No rate before this much time has passed.
constexpr qint64 kRateAfterMs = 1000;
} // namespace

FlushProgress::FlushProgress(const OutboxReader *store, const QList<qint64> &ids, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_ids(ids)
{
    m_counts.total = int(ids.size());
    m_outcome.reserve(ids.size());
    for (qint64 id : ids)
        m_outcome.insert(id, Outcome::Waiting);
    update(ids);
    connect(store, &OutboxReader::messageChanged, this, [this](qint64 id) {
        if (!m_outcome.contains(id))
            return;
        m_touched.insert(id);
        m_dirty.insert(id);
    });
    // A bulk change (an account paused and its messages held, another process's change):
    // every state is read again, but none counts as tried for it.
    connect(store, &OutboxReader::messagesReset, this, [this] { m_allDirty = true; });
    m_clock.start();
}

FlushCounts FlushProgress::counts()
{
    if (m_allDirty) {
        update(m_ids);
        m_allDirty = false;
        m_dirty.clear();
    } else if (!m_dirty.isEmpty()) {
        update(m_dirty.values());
        m_dirty.clear();
    }
    const qint64 now = m_clock.elapsed();
    m_samples.emplace_back(now, m_counts.done());
    while (m_samples.size() > 2 && now - m_samples[1].first >= kRateWindowMs)
        m_samples.pop_front();
    return m_counts;
}

double FlushProgress::perSecond() const
{
    if (m_samples.size() < 2 || m_samples.back().first < kRateAfterMs)
        return -1;
    const auto &[firstMs, firstDone] = m_samples.front();
    const auto &[lastMs, lastDone] = m_samples.back();
    if (lastMs <= firstMs)
        return -1;
    return (lastDone - firstDone) * 1000.0 / double(lastMs - firstMs);
}

void FlushProgress::update(const QList<qint64> &ids)
{
    const QHash<qint64, MessageState> states = m_store->states(ids);
    for (qint64 id : ids) {
        const auto known = m_outcome.find(id);
        if (known == m_outcome.end())
            continue;
        Outcome now = Outcome::Gone;
        if (const auto st = states.constFind(id); st != states.cend()) {
            switch (*st) {
            case MessageState::Sent:
                now = Outcome::Sent;
                break;
            case MessageState::Failed:
                now = Outcome::Failed;
                break;
            case MessageState::Held:
                now = Outcome::Held;
                break;
            case MessageState::Sending:
                now = Outcome::Waiting;
                break;
            case MessageState::Queued:
                // Queued again after a try (a deferral), or not tried yet: only a change of
                // its own tells, since every message of the flush starts out queued.
                now = m_touched.contains(id) ? Outcome::Deferred : Outcome::Waiting;
                break;
            case MessageState::Draft:
                now = Outcome::Deferred; // as the summary counts it: not sent, not failed
                break;
            }
        }
        if (now == *known)
            continue;
        if (int *before = counter(*known))
            --*before;
        if (int *after = counter(now))
            ++*after;
        *known = now;
    }
}

int *FlushProgress::counter(Outcome o)
{
    switch (o) {
    case Outcome::Waiting:
        return nullptr;
    case Outcome::Sent:
        return &m_counts.sent;
    case Outcome::Deferred:
        return &m_counts.deferred;
    case Outcome::Failed:
        return &m_counts.failed;
    case Outcome::Held:
        return &m_counts.held;
    case Outcome::Gone:
        return &m_counts.gone;
    }
    return nullptr;
}

} // namespace outpost::cli
