#pragma once

#include "storage/OutboxReader.h"

#include <QAbstractTableModel>
#include <QCache>
#include <QHash>
#include <QTimer>

#include <optional>

namespace outpost::ui {

/// The outbox as a table (design.md §5): one row per message, newest first, over an
/// OutboxReader. Lazy: the ids are read once (OutboxReader::idsPage), a row's fields only when the
/// view asks for them (OutboxReader::summary, kept in a small cache), so 100 000 rows cost one
/// query and a list of ids. Live: follows OutboxReader::messageChanged (rows appear, change,
/// move out of the filter, disappear) and messagesReset (reload). Changes are applied on the
/// next turn of the event loop; a burst of more than 200 (a bulk enqueue) becomes one reload.
///
/// Search (setSearch()): only the messages whose recipients or subject contain every word
/// (OutboxReader::idsPage with a search). SQLite reads every message of a range of ids for
/// that, so the model searches kSearchSliceIds ids per query, newest first, and stops after
/// kSearchBudgetMs to go on at the next turn of the event loop: typing never waits for a
/// whole outbox to be read, and rows appear as they are found, a page at a time as before.
class OutboxModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        StateColumn,
        RecipientsColumn,
        SubjectColumn,
        CreatedColumn, ///< when it was written (queued or saved as a draft)
        SentColumn,    ///< when the server took it
        AttemptsColumn,
        NextAttemptColumn, ///< countdown to the next attempt or the scheduled time
        OutcomeColumn,     ///< Outpost's words for the last attempt ("Could not connect …")
        ServerReplyColumn, ///< the server's own reply, as it said it; empty when none came
        ColumnCount
    };
    /// Which messages are shown. Queued includes those being sent right now.
    enum class Filter
    {
        All,
        Queued,
        Sent,
        Failed,
        Held,
        Drafts
    };
    enum Roles
    {
        IdRole = Qt::UserRole + 1, ///< qint64 message id
        StateRole,                 ///< int(MessageState)
        DeliveryRole,              ///< int(Delivery): whether a sent message reached everyone
        SortRole, ///< the value to order a column by: times as ms since the epoch (0 = none)
    };

    /// Shows what `store` reads, following its change signals.
    explicit OutboxModel(OutboxReader *store, QObject *parent = nullptr);

    void setFilter(Filter f);
    Filter filter() const { return m_filter; }
    /// Shows only the messages whose visible recipients or subject contain every
    /// whitespace-separated word of `text` (ASCII letters in any case; see
    /// rows::searchFilter()); empty shows all. Reloads.
    void setSearch(const QString &text);
    QString search() const { return m_search; }
    /// True while a search is still reading older messages for the page being filled.
    bool isSearching() const { return m_scanTimer.isActive(); }
    /// Ids a search reads per query, and how long it reads per turn of the event loop.
    static constexpr int kSearchSliceIds = OutboxReader::kSearchSliceIds;
    static constexpr int kSearchBudgetMs = 8;
    /// The message id of a row, 0 when out of range.
    qint64 idAt(int row) const;
    /// The row of a message, -1 when it is not shown (or not loaded yet).
    int rowOf(qint64 id) const;
    /// Like rowOf(), loading further pages until the message is found or cannot be there.
    int ensureRow(qint64 id);
    /// Rows are loaded a page at a time as the view scrolls (canFetchMore / fetchMore).
    static constexpr int kPageSize = 500;
    /// The summary of a row (cached); nullopt when out of range or gone.
    std::optional<MessageSummary> summaryAt(int row) const;
    /// Reloads everything from the store.
    void reload();

    /// Rows loaded so far (the view asks for more with fetchMore()).
    int rowCount(const QModelIndex &parent = {}) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

signals:
    /// A search finished filling its page (or read the whole outbox).
    void searchPaused();

private:
    bool matches(MessageState s) const;
    /// Whether message `id` matches the search (true without one).
    bool matchesSearch(qint64 id) const;
    /// Reads further ranges of ids for the search until `want` more rows were found, the
    /// outbox is read to its start, or (when `budgeted`) kSearchBudgetMs passed; then goes on
    /// at the next turn of the event loop if rows are still wanted.
    void scan(bool budgeted);
    /// The lowest id whose change is shown now: older ones appear as pages load.
    bool isLoaded(qint64 id) const;
    void onMessageChanged(qint64 id);
    void applyPending();
    /// Shows the change of message `id`, whose state is now `state` (nullopt: gone).
    void applyOne(qint64 id, std::optional<MessageState> state);
    void tickCountdown();
    const MessageSummary *cached(qint64 id) const;
    /// The recipients of message `id` the server refused for good.
    QList<RecipientRecord> refusedOf(qint64 id) const;
    QList<MessageState> filterStates() const;

    OutboxReader *m_store;
    Filter m_filter = Filter::All;
    QList<qint64>
        m_ids; // newest (highest id) first, as the store lists them: rowOf() is a binary search
    bool m_more = false; // older ids not loaded yet
    QString m_search;
    qint64 m_scanBelow = 0; // search: ids below this not read yet (0: read to the start)
    int m_want = 0;         // search: rows still wanted for the page being filled
    QTimer m_scanTimer;
    mutable QCache<qint64, MessageSummary> m_cache;
    QList<qint64> m_pending; // changed ids not applied yet (coalesced per event-loop turn)
    QTimer m_apply;
    QTimer m_tick; // refreshes the countdown column once a second
};

} // namespace outpost::ui
