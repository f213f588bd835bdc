#include "OutboxModel.h"

#include "Icons.h"
#include "Words.h"

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
    // The first page only: an outbox of 100,000 messages opens as fast as an empty one.
    // One id more than a page tells whether another page exists.
    m_ids = m_store->idsPage(filterStates(), 0, kPageSize + 1);
    m_more = m_ids.size() > kPageSize;
    if (m_more)
        m_ids.removeLast();
    endResetModel();
}

bool OutboxModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_more;
}

void OutboxModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || !m_more)
        return;
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
    while (row < 0 && m_more && (m_ids.isEmpty() || id < m_ids.last())) {
        fetchMore({});
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
    const bool wanted = state && matches(*state);
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
    if (m_more && !m_ids.isEmpty() && id < m_ids.last())
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
    if (m_ids.isEmpty() || (m_filter != Filter::All && m_filter != Filter::Queued))
        return;
    emit dataChanged(index(0, NextRetryColumn), index(int(m_ids.size()) - 1, NextRetryColumn),
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
            return text;
        }
        case RecipientsColumn:
            return s->toText;
        case SubjectColumn:
            return s->subject.isEmpty() ? tr("(no subject)") : s->subject;
        case AttemptsColumn:
            return s->attempts;
        case NextRetryColumn: {
            if (s->state != MessageState::Queued)
                return QString();
            const QDateTime now = QDateTime::currentDateTimeUtc();
            // Not tried yet: only a scheduled time is worth showing.
            if (s->attempts == 0)
                return s->sendAt.isValid() && s->sendAt > now ? Words::countdown(s->sendAt, now)
                                                              : QString();
            return Words::countdown(s->nextAttemptAt, now);
        }
        case LastReplyColumn:
            return Words::lastReply(*s);
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
                s->uncertain ? tr("%1 — delivery of an earlier attempt is uncertain").arg(state)
                             : state;
            return copy.isEmpty() ? text : text + QLatin1Char('\n') + copy;
        }
        case RecipientsColumn:
            return s->toText;
        case SubjectColumn:
            return s->subject;
        case NextRetryColumn:
            return s->nextAttemptAt.isValid() && s->state == MessageState::Queued
                       ? QLocale().toString(s->nextAttemptAt.toLocalTime(), QLocale::LongFormat)
                       : QString();
        case LastReplyColumn: {
            const QString words = s->delivery() == Delivery::Partial
                                      ? tr("The first refusal of a recipient:")
                                      : Words::errorClass(s->errorClass);
            const QString reply = Words::reply(s->lastReply);
            return reply.isEmpty() ? words : words + QLatin1Char('\n') + reply;
        }
        }
        break;
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
    case AttemptsColumn:
        return tr("Attempts");
    case NextRetryColumn:
        return tr("Next retry");
    case LastReplyColumn:
        return tr("Last server reply");
    }
    return {};
}

} // namespace outpost::ui
