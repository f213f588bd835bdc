#include "OutboxModel.h"

#include "Icons.h"
#include "SharedWords.h"
#include "Words.h"

#include <QElapsedTimer>
#include <QLocale>
#include <QSet>

#include <algorithm>
#include <utility>

namespace outpost::ui {

OutboxModel::OutboxModel(OutboxReader *store, QObject *parent)
    : QAbstractTableModel(parent)
    , m_store(store)
    , m_cache(2000)
{
    connect(m_store, &OutboxReader::messageChanged, this, &OutboxModel::onMessageChanged);
    connect(m_store, &OutboxReader::messagesReset, this, &OutboxModel::reload);
    m_apply.setSingleShot(true);
    m_apply.setInterval(0);
    connect(&m_apply, &QTimer::timeout, this, &OutboxModel::applyPending);
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &OutboxModel::tickCountdown);
    m_tick.start();
    m_scanTimer.setSingleShot(true);
    m_scanTimer.setInterval(0);
    connect(&m_scanTimer, &QTimer::timeout, this, [this] { scan(true); });
    reload();
}

void OutboxModel::setSearch(const QString &text)
{
    const QString t = text.simplified();
    if (t == m_search)
        return;
    m_search = t;
    reload();
}

void OutboxModel::setFilter(Filter f)
{
    if (f == m_filter)
        return;
    m_filter = f;
    reload();
}

bool OutboxModel::matches(MessageState s) const
{
    switch (m_filter) {
    case Filter::All:
        return true;
    case Filter::Queued:
        return s == MessageState::Queued || s == MessageState::Sending;
    case Filter::Sent:
        return s == MessageState::Sent;
    case Filter::Failed:
        return s == MessageState::Failed;
    case Filter::Held:
        return s == MessageState::Held;
    case Filter::Drafts:
        return s == MessageState::Draft;
    }
    return false;
}

QList<MessageState> OutboxModel::filterStates() const
{
    switch (m_filter) {
    case Filter::All:
        return {};
    case Filter::Queued:
        return {MessageState::Queued, MessageState::Sending};
    case Filter::Sent:
        return {MessageState::Sent};
    case Filter::Failed:
        return {MessageState::Failed};
    case Filter::Held:
        return {MessageState::Held};
    case Filter::Drafts:
        return {MessageState::Draft};
    }
    return {};
}

void OutboxModel::reload()
{
    beginResetModel();
    m_pending.clear();
    m_apply.stop();
    m_cache.clear();
    m_scanTimer.stop();
    if (!m_search.isEmpty()) {
        m_ids.clear();
        m_scanBelow = m_store->maxId() + 1;
        m_more = m_scanBelow > 1;
        m_want = kPageSize;
        endResetModel();
        scan(true);
        return;
    }
    // The first page only: an outbox of 100,000 messages opens as fast as an empty one.
    // One id more than a page tells whether another page exists.
    m_ids = m_store->idsPage(filterStates(), 0, kPageSize + 1);
    m_more = m_ids.size() > kPageSize;
    if (m_more)
        m_ids.removeLast();
    endResetModel();
}

void OutboxModel::scan(bool budgeted)
{
    QElapsedTimer t;
    t.start();
    while (m_want > 0 && m_scanBelow > 1) {
        const qint64 from = std::max<qint64>(1, m_scanBelow - kSearchSliceIds);
        const QList<qint64> found =
            m_store->idsPage(filterStates(), m_scanBelow, kSearchSliceIds, m_search, from);
        m_scanBelow = from;
        if (!found.isEmpty()) {
            const int first = int(m_ids.size());
            beginInsertRows({}, first, first + int(found.size()) - 1);
            m_ids.append(found);
            endInsertRows();
            m_want -= int(found.size());
        }
        if (budgeted && t.elapsed() >= kSearchBudgetMs)
            break;
    }
    if (m_scanBelow <= 1) {
        m_scanBelow = 0;
        m_more = false;
    }
    if (m_want > 0 && m_more) {
        m_scanTimer.start();
        return;
    }
    m_want = 0;
    emit searchPaused();
}

bool OutboxModel::isLoaded(qint64 id) const
{
    if (!m_more)
        return true;
    if (!m_search.isEmpty())
        return id >= m_scanBelow;
    return !m_ids.isEmpty() && id >= m_ids.last();
}

bool OutboxModel::matchesSearch(qint64 id) const
{
    return m_search.isEmpty() || !m_store->idsPage({}, id + 1, 1, m_search, id).isEmpty();
}

bool OutboxModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_more && !m_scanTimer.isActive();
}

void OutboxModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || !m_more)
        return;
    if (!m_search.isEmpty()) {
        // At the next turn: a view may ask from within a change signal of the model, where
        // rows must not be inserted.
        if (!m_scanTimer.isActive()) {
            m_want = kPageSize;
            m_scanTimer.start();
        }
        return;
    }
    QList<qint64> page =
        m_store->idsPage(filterStates(), m_ids.isEmpty() ? 0 : m_ids.last(), kPageSize + 1);
    m_more = page.size() > kPageSize;
    if (m_more)
        page.removeLast();
    if (page.isEmpty())
        return;
    const int first = int(m_ids.size());
    beginInsertRows({}, first, first + int(page.size()) - 1);
    m_ids.append(page);
    endInsertRows();
}

int OutboxModel::ensureRow(qint64 id)
{
    int row = rowOf(id);
    while (row < 0 && m_more && !isLoaded(id)) {
        if (!m_search.isEmpty()) {
            // Read on without a budget: the caller wants the row now.
            m_want = std::max(m_want, 1);
            scan(false);
            m_want = 0;
        } else {
            fetchMore({});
        }
        row = rowOf(id);
    }
    return row;
}

qint64 OutboxModel::idAt(int row) const
{
    return row >= 0 && row < m_ids.size() ? m_ids.at(row) : 0;
}

int OutboxModel::rowOf(qint64 id) const
{
    const auto pos = std::lower_bound(m_ids.begin(), m_ids.end(), id, std::greater<qint64>());
    return pos != m_ids.end() && *pos == id ? int(pos - m_ids.begin()) : -1;
}

const MessageSummary *OutboxModel::cached(qint64 id) const
{
    if (MessageSummary *s = m_cache.object(id))
        return s;
    auto s = m_store->summary(id);
    if (!s)
        return nullptr;
    auto *copy = new MessageSummary(*s);
    m_cache.insert(id, copy);
    return copy;
}

QList<RecipientRecord> OutboxModel::refusedOf(qint64 id) const
{
    QList<RecipientRecord> out;
    for (const RecipientRecord &r : m_store->recipients(id)) {
        if (r.state == MessageState::Failed)
            out << r;
    }
    return out;
}

std::optional<MessageSummary> OutboxModel::summaryAt(int row) const
{
    const qint64 id = idAt(row);
    if (!id)
        return std::nullopt;
    const MessageSummary *s = cached(id);
    if (!s)
        return std::nullopt;
    return *s;
}

void OutboxModel::onMessageChanged(qint64 id)
{
    m_cache.remove(id);
    m_pending << id;
    if (!m_apply.isActive())
        m_apply.start();
}

void OutboxModel::applyPending()
{
    const QList<qint64> ids = std::exchange(m_pending, {});
    if (ids.size() > 200) {
        reload();
        return;
    }
    // One query for the states of the whole burst (a flush changes dozens of messages per
    // turn: one summary read each, on the GUI's thread, was a read transaction each while the
    // sending thread commits); the view reads the summaries of the rows it shows.
    QList<qint64> unique;
    unique.reserve(ids.size());
    QSet<qint64> seen;
    for (qint64 id : ids) {
        if (!seen.contains(id)) {
            seen.insert(id);
            unique << id;
        }
    }
    const QHash<qint64, MessageState> states = m_store->states(unique);
    for (qint64 id : std::as_const(unique)) {
        const auto it = states.constFind(id);
        applyOne(id, it == states.cend() ? std::nullopt : std::optional<MessageState>(*it));
    }
}

void OutboxModel::applyOne(qint64 id, std::optional<MessageState> state)
{
    m_cache.remove(id);
    const int row = rowOf(id);
    const bool wanted = state && matches(*state) && matchesSearch(id);
    if (row >= 0 && wanted) {
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        return;
    }
    if (row >= 0) {
        beginRemoveRows({}, row, row);
        m_ids.removeAt(row);
        endRemoveRows();
        return;
    }
    if (!wanted)
        return;
    // Older than everything loaded: it appears when the view fetches that far.
    if (!isLoaded(id))
        return;
    // Insert at its place in the descending order (new messages land at the top).
    const auto pos = std::lower_bound(m_ids.begin(), m_ids.end(), id, std::greater<qint64>());
    const int at = int(pos - m_ids.begin());
    beginInsertRows({}, at, at);
    m_ids.insert(at, id);
    endInsertRows();
}

void OutboxModel::tickCountdown()
{
    // Relative times ("5 min ago", "in 4 min") move on.
    if (m_ids.isEmpty())
        return;
    emit dataChanged(index(0, CreatedColumn), index(int(m_ids.size()) - 1, NextAttemptColumn),
                     {Qt::DisplayRole});
}

int OutboxModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_ids.size());
}

int OutboxModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant OutboxModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const qint64 id = m_ids.at(index.row());
    if (role == IdRole)
        return id;
    const MessageSummary *s = cached(id);
    if (!s)
        return {};
    if (role == StateRole)
        return int(s->state);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case StateColumn: {
            QString text = Words::stateOf(*s);
            if (s->state == MessageState::Queued && s->sendAt.isValid() &&
                s->sendAt > QDateTime::currentDateTimeUtc())
                text = tr("Scheduled");
            if (s->uncertain)
                text += QStringLiteral(" (%1)").arg(
                    words::mayHaveBeenSent(words::Front::Window, false));
            return text;
        }
        case RecipientsColumn:
            return s->toText;
        case SubjectColumn:
            return s->subject.isEmpty() ? tr("(no subject)") : s->subject;
        case CreatedColumn:
            return Words::pastTime(s->createdAt, QDateTime::currentDateTimeUtc());
        case SentColumn:
            return Words::pastTime(s->sentAt, QDateTime::currentDateTimeUtc());
        case AttemptsColumn:
            return s->attempts;
        case NextAttemptColumn: {
            if (s->state != MessageState::Queued)
                return QString();
            const QDateTime now = QDateTime::currentDateTimeUtc();
            // Not tried yet: only a scheduled time is worth showing.
            if (s->attempts == 0)
                return s->sendAt.isValid() && s->sendAt > now ? Words::countdown(s->sendAt, now)
                                                              : QString();
            return Words::countdown(s->nextAttemptAt, now);
        }
        case OutcomeColumn:
            return Words::outcome(*s);
        case ServerReplyColumn:
            return Words::reply(s->lastReply);
        }
        break;
    case Qt::DecorationRole:
        if (index.column() == StateColumn)
            return s->delivery() == Delivery::Partial ? Icons::partiallySent()
                                                      : Icons::state(s->state);
        break;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case StateColumn: {
            // Who was refused is read only here, for the one row the pointer rests on.
            const QString state = s->delivery() == Delivery::Partial
                                      ? Words::partialDelivery(*s, refusedOf(id))
                                      : Words::state(s->state);
            const QString copy = Words::copyState(*s);
            const QString text =
                s->uncertain ? QStringLiteral("%1 \u2014 %2")
                                   .arg(state, words::mayHaveBeenSent(words::Front::Window, true))
                             : state;
            return copy.isEmpty() ? text : text + QLatin1Char('\n') + copy;
        }
        case RecipientsColumn:
            return s->toText;
        case SubjectColumn:
            return s->subject;
        case CreatedColumn:
            return Words::fullTime(s->createdAt);
        case SentColumn:
            return Words::fullTime(s->sentAt);
        case NextAttemptColumn: {
            if (s->state != MessageState::Queued)
                return QString();
            return Words::fullTime(s->attempts == 0 ? s->sendAt : s->nextAttemptAt);
        }
        case OutcomeColumn:
            return Words::outcome(*s);
        case ServerReplyColumn: {
            const QString reply = Words::reply(s->lastReply);
            if (reply.isEmpty())
                return tr("No reply from the server");
            return s->delivery() == Delivery::Partial
                       ? tr("The first refusal of a recipient:") + QLatin1Char('\n') + reply
                       : reply;
        }
        }
        break;
    case SortRole:
        switch (index.column()) {
        case CreatedColumn:
            return s->createdAt.isValid() ? s->createdAt.toMSecsSinceEpoch() : qint64(0);
        case SentColumn:
            return s->sentAt.isValid() ? s->sentAt.toMSecsSinceEpoch() : qint64(0);
        case NextAttemptColumn: {
            const QDateTime when = s->state != MessageState::Queued ? QDateTime()
                                   : s->attempts == 0               ? s->sendAt
                                                                    : s->nextAttemptAt;
            return when.isValid() ? when.toMSecsSinceEpoch() : qint64(0);
        }
        case AttemptsColumn:
            return s->attempts;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::TextAlignmentRole:
        if (index.column() == AttemptsColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::AccessibleTextRole:
        if (index.column() == StateColumn)
            return Words::stateOf(*s);
        break;
    case DeliveryRole:
        return int(s->delivery());
    }
    return {};
}

QVariant OutboxModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case StateColumn:
        return tr("State");
    case RecipientsColumn:
        return tr("Recipients");
    case SubjectColumn:
        return tr("Subject");
    case CreatedColumn:
        return tr("Created");
    case SentColumn:
        return tr("Sent");
    case AttemptsColumn:
        return tr("Attempts");
    case NextAttemptColumn:
        return tr("Next attempt");
    case OutcomeColumn:
        return tr("Outcome");
    case ServerReplyColumn:
        return tr("Server reply");
    }
    return {};
}

} // namespace outpost::ui
