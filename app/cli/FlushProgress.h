#pragma once
// How far `outpost flush` has come, for its progress line: what became of the messages it
// is about, kept up to date from the outbox's change signals, and how fast they go.

#include "storage/OutboxReader.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>

#include <deque>

namespace outpost::cli {

/// The messages of a flush by what became of them so far.
struct FlushCounts
{
    int total = 0;    ///< the messages the flush is about
    int sent = 0;     ///< sent
    int deferred = 0; ///< tried and queued again (or taken out of the queue by the user)
    int failed = 0;   ///< failed for good
    int held = 0;     ///< held, mostly because their account needs attention
    int gone = 0;     ///< deleted meanwhile (`outpost cancel`)

    /// The messages that have an outcome (none waiting or in flight any more).
    int done() const { return sent + deferred + failed + held + gone; }
};

/// Follows the messages `ids` of a flush through OutboxReader::messageChanged() and
/// messagesReset(): a changed message is only marked, and its state read at the next
/// counts(), so a flush of thousands of messages a second costs one query per progress line
/// instead of one per message.
class FlushProgress : public QObject
{
    Q_OBJECT
public:
    /// Starts following `ids` on `store` as they are now (a message failed already counts as
    /// failed). Make it before the dispatcher starts on them: a queued message counts as
    /// deferred only after a change of its own was seen.
    FlushProgress(const OutboxReader *store, const QList<qint64> &ids, QObject *parent = nullptr);

    /// The counts now (reads the states of the messages changed since the last call).
    FlushCounts counts();
    /// Messages a second that got an outcome over the last few seconds (call after counts(),
    /// which records the samples); negative until a second has passed, when a rate would
    /// mostly be noise.
    double perSecond() const;

private:
    /// Where a message stands.
    enum class Outcome
    {
        Waiting, ///< queued and not tried yet, or being sent
        Sent,
        Deferred,
        Failed,
        Held,
        Gone,
    };
    /// Reads the states of `ids` and moves each to its outcome.
    void update(const QList<qint64> &ids);
    /// The counter of `o` (nullptr for Waiting).
    int *counter(Outcome o);

    const OutboxReader *m_store;
    QList<qint64> m_ids;
    QHash<qint64, Outcome> m_outcome;
    QSet<qint64> m_touched;  ///< changed one by one since the start: tried at least once
    QSet<qint64> m_dirty;    ///< changed since the last counts()
    bool m_allDirty = false; ///< many messages changed at once (messagesReset)
    FlushCounts m_counts;
    QElapsedTimer m_clock;
    /// (ms since the start, done()) at each counts() over the last few seconds.
    std::deque<std::pair<qint64, int>> m_samples;
};

} // namespace outpost::cli
